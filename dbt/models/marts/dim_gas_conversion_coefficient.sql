{#-
    The conversion coefficient C of every gas supply point (Smc = m3 x C), dated: one row per
    registry version of the point and version of its climate zone's values (DOMAIN.md §4),
    each step rounded half-up to 6 decimals:
        pb = 1.01325 x (1 - 0.0000225577 x H)^5.2559       H: the municipality's altitude, m
        kp = (pb + 0.020) / 1.01325
        kt = 288.15 / (295.15 - GG / ng)                     GG, ng: the climate zone's
        C  = kp x kt                                          degree days and heating days
    pb needs a real power, so it is the one step computed in floating point before rounding;
    kp, kt and C are exact decimals.
-#}
with

versions as (

    select * from {{ ref('int_supply_points_versioned') }}
    where commodity = 'GAS'

),

climate_zones as (

    select * from {{ ref('ref_climate_zones') }}

),

dated as (

    select
        versions.supply_point_id,
        case
            when climate_zones.valid_from > versions.valid_from then climate_zones.valid_from
            else versions.valid_from
        end as valid_from,
        case
            when versions.valid_to is null then climate_zones.valid_to
            when climate_zones.valid_to is null or versions.valid_to < climate_zones.valid_to
                then versions.valid_to
            else climate_zones.valid_to
        end as valid_to,
        versions.altitude_m,
        versions.climate_zone,
        climate_zones.degree_days,
        climate_zones.heating_days
    from versions
    inner join climate_zones
        on versions.climate_zone = climate_zones.climate_zone
        and climate_zones.valid_from <= coalesce(versions.valid_to, cast('9999-12-31' as date))
        and coalesce(climate_zones.valid_to, cast('9999-12-31' as date)) >= versions.valid_from
    where versions.altitude_m is not null

),

pressure as (

    select
        dated.*,
        cast(
            round(1.01325 * power(1 - 0.0000225577 * altitude_m, 5.2559), 6) as decimal(12, 6)
        ) as pb
    from dated

),

factors as (

    select
        pressure.*,
        cast({{ divide_half_up('pb + 0.020', '1.01325') }} as decimal(12, 6)) as kp,
        -- 288.15 / (295.15 - GG / ng) = 288.15 x ng / (295.15 x ng - GG): GG / ng unrounded
        cast(
            {{ divide_half_up('288.15 * heating_days', '295.15 * heating_days - degree_days') }}
            as decimal(12, 6)
        ) as kt
    from pressure

)

select
    supply_point_id,
    valid_from,
    valid_to,
    altitude_m,
    climate_zone,
    degree_days,
    heating_days,
    pb,
    kp,
    kt,
    cast(round(kp * kt, 6) as decimal(12, 6)) as conversion_coefficient
from factors
