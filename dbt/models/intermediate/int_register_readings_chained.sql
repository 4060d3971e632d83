{#-
    The readings billing trusts, chained: DSO actual readings and accepted self-readings, one
    row per reading and register, with the difference from the reading before (macro
    register_differences: roll-overs and meter replacements included) and the running total
    of consumption since the point's first reading. DSO estimates are left out: an estimated
    period is estimated by the retailer (int_register_determinants_apportioned).
-#}
with

dso_readings as (

    select * from {{ ref('int_register_readings_unpivoted') }}
    where reading_kind = 'actual'

),

self_readings as (

    select * from {{ ref('fct_self_readings_validated') }}
    where status = 'accepted'

),

versions as (

    select * from {{ ref('int_supply_points_versioned') }}

),

self_registers as (

    select self_reading_id, supply_point_id, commodity, reading_date, meter_serial,
        'F1' as band, reading_f1 as register_value, source_file, source_line
    from self_readings where commodity = 'ELE'
    union all
    select self_reading_id, supply_point_id, commodity, reading_date, meter_serial,
        'F2' as band, reading_f2 as register_value, source_file, source_line
    from self_readings where commodity = 'ELE'
    union all
    select self_reading_id, supply_point_id, commodity, reading_date, meter_serial,
        'F3' as band, reading_f3 as register_value, source_file, source_line
    from self_readings where commodity = 'ELE'
    union all
    select self_reading_id, supply_point_id, commodity, reading_date, meter_serial,
        'ALL' as band, reading_m3 as register_value, source_file, source_line
    from self_readings where commodity = 'GAS'

),

unioned as (

    select
        supply_point_id,
        commodity,
        band,
        reading_date,
        meter_serial,
        meter_digits,
        'actual' as reading_kind,
        cast(register_value as decimal(18, 6)) as register_value,
        source_file,
        source_line
    from dso_readings
    union all
    select
        self_registers.supply_point_id,
        self_registers.commodity,
        self_registers.band,
        self_registers.reading_date,
        self_registers.meter_serial,
        version_of_the_day.meter_digits,
        'self_reading' as reading_kind,
        cast(self_registers.register_value as decimal(18, 6)) as register_value,
        self_registers.source_file,
        self_registers.source_line
    from self_registers
    left join versions as version_of_the_day
        on self_registers.supply_point_id = version_of_the_day.supply_point_id
        and self_registers.reading_date >= version_of_the_day.valid_from
        and self_registers.reading_date
            <= coalesce(version_of_the_day.valid_to, cast('9999-12-31' as date))

),

sequenced as (

    select
        unioned.*,
        cast(meter_order.meter_sequence as integer) as meter_sequence
    from unioned
    inner join (
        select
            supply_point_id,
            meter_serial,
            row_number() over (
                partition by supply_point_id order by min(reading_date), meter_serial
            ) as meter_sequence
        from unioned
        group by supply_point_id, meter_serial
    ) as meter_order
        on unioned.supply_point_id = meter_order.supply_point_id
        and unioned.meter_serial = meter_order.meter_serial

),

differenced as (

    {{ register_differences('sequenced') }}

)

select
    supply_point_id,
    commodity,
    band,
    reading_date,
    meter_serial,
    meter_sequence,
    reading_kind,
    register_value,
    previous_reading_date,
    difference_kind,
    quantity,
    cast(
        sum(coalesce(quantity, 0)) over (
            partition by supply_point_id, band
            order by reading_date, meter_sequence
            rows unbounded preceding
        ) as decimal(18, 6)
    ) as cumulative_quantity,
    source_file,
    source_line
from differenced
