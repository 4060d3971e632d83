{#- Each version of a supply point's technical data with the last day it applies. -#}
with

supply_points as (

    select * from {{ ref('stg_registry__supply_points') }}

),

with_next_version as (

    select
        supply_points.*,
        lead(valid_from) over (
            partition by supply_point_id order by valid_from
        ) as next_valid_from
    from supply_points

)

select
    supply_point_id,
    valid_from,
    -- a version ends the day before the next one starts; the latest is open (NULL)
    cast({{ dbt.dateadd('day', -1, 'next_valid_from') }} as date) as valid_to,
    next_valid_from is null as is_current_version,
    company_id,
    billing_account_id,
    commodity,
    dso_code,
    address,
    postcode,
    city,
    province,
    use,
    voltage,
    power_kw,
    meter_type,
    meter_serial,
    meter_digits,
    gas_meter_class,
    annual_consumption,
    altitude_m,
    climate_zone
from with_next_version
