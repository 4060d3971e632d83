{#-
    Consumption of register meters: the difference between consecutive cumulative readings of
    the same meter and register, one row per later reading and register (band).

    Only the simple case is computed: the same meter serial and a reading not below the previous
    one. A decrease (register roll-over or meter replacement, DOMAIN.md §4) is not handled yet:
    the row is kept, excluded and flagged with its reason, never turned into negative consumption.
-#}
with

electricity as (

    select * from {{ ref('stg_metering__ele_register_readings') }}

),

gas as (

    select * from {{ ref('stg_metering__gas_register_readings') }}

),

registers as (

    -- one row per reading and register: three band registers for electricity, one for gas
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'ELE' as commodity, 'F1' as band, 'kWh' as unit, reading_f1 as register_value
    from electricity
    union all
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'ELE' as commodity, 'F2' as band, 'kWh' as unit, reading_f2 as register_value
    from electricity
    union all
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'ELE' as commodity, 'F3' as band, 'kWh' as unit, reading_f3 as register_value
    from electricity
    union all
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'GAS' as commodity, 'ALL' as band, 'm3' as unit, reading_m3 as register_value
    from gas

),

paired as (

    select
        registers.*,
        lag(reading_date) over (
            partition by supply_point_id, meter_serial, band order by reading_date
        ) as previous_reading_date,
        lag(register_value) over (
            partition by supply_point_id, meter_serial, band order by reading_date
        ) as previous_register_value
    from registers

),

differenced as (

    -- the first reading of a meter only opens it: no difference
    select
        supply_point_id,
        meter_serial,
        band,
        reading_date,
        commodity,
        unit,
        reading_kind,
        previous_reading_date,
        previous_register_value,
        register_value,
        -- consumption belongs to the month of the later reading
        cast({{ dbt.date_trunc('month', 'reading_date') }} as date) as month,
        cast(register_value - previous_register_value as decimal(18, 6)) as quantity,
        case
            when register_value < previous_register_value
                then 'register below the previous reading: roll-over or meter replacement'
        end as exclusion_reason
    from paired
    where previous_reading_date is not null

)

select
    *,
    exclusion_reason is not null as is_excluded
from differenced
