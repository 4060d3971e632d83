{#-
    DSO register readings, one row per reading and register: F1, F2, F3 (kWh) for electricity,
    ALL (m3) for gas; with the number of digits of the meter (for roll-overs) and the meter's
    place in the point's sequence of meters (for replacements).
-#}
with

electricity as (

    select * from {{ ref('stg_metering__ele_register_readings') }}

),

gas as (

    select * from {{ ref('stg_metering__gas_register_readings') }}

),

versions as (

    select * from {{ ref('int_supply_points_versioned') }}

),

registers as (

    select supply_point_id, meter_serial, reading_date, reading_kind,
        'ELE' as commodity, 'F1' as band, reading_f1 as register_value, source_file, source_line
    from electricity
    union all
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'ELE' as commodity, 'F2' as band, reading_f2 as register_value, source_file, source_line
    from electricity
    union all
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'ELE' as commodity, 'F3' as band, reading_f3 as register_value, source_file, source_line
    from electricity
    union all
    select supply_point_id, meter_serial, reading_date, reading_kind,
        'GAS' as commodity, 'ALL' as band, reading_m3 as register_value, source_file, source_line
    from gas

),

registered_meters as (

    -- the digits the registry gives a meter serial (its latest version naming it)
    {{ latest_per_key(
        'versions',
        'supply_point_id, meter_serial',
        'valid_from desc'
    ) }}

),

meter_sequence as (

    select
        supply_point_id,
        meter_serial,
        row_number() over (
            partition by supply_point_id order by min(reading_date), meter_serial
        ) as meter_sequence
    from registers
    group by supply_point_id, meter_serial

)

select
    registers.supply_point_id,
    registers.commodity,
    registers.band,
    registers.reading_date,
    registers.meter_serial,
    cast(meter_sequence.meter_sequence as integer) as meter_sequence,
    -- a serial the registry does not name counts the digits of the meter registered that day
    coalesce(registered_meters.meter_digits, version_of_the_day.meter_digits) as meter_digits,
    registers.reading_kind,
    cast(registers.register_value as decimal(18, 6)) as register_value,
    case registers.commodity when 'GAS' then 'm3' else 'kWh' end as unit,
    registers.source_file,
    registers.source_line
from registers
inner join meter_sequence
    on registers.supply_point_id = meter_sequence.supply_point_id
    and registers.meter_serial = meter_sequence.meter_serial
left join registered_meters
    on registers.supply_point_id = registered_meters.supply_point_id
    and registers.meter_serial = registered_meters.meter_serial
left join versions as version_of_the_day
    on registers.supply_point_id = version_of_the_day.supply_point_id
    and registers.reading_date >= version_of_the_day.valid_from
    and registers.reading_date <= coalesce(version_of_the_day.valid_to, cast('9999-12-31' as date))
