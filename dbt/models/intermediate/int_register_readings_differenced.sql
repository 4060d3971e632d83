{#-
    Consumption of register meters as the DSO reads them: the difference between consecutive
    DSO readings (actual and estimate) of a supply point and register, across its meters, one
    row per later reading and register (band). Roll-overs and meter replacements count
    (macro register_differences); an unexplained decrease is kept, excluded and flagged with
    its reason, never turned into consumption.
-#}
with

readings as (

    select * from {{ ref('int_register_readings_unpivoted') }}

),

differenced as (

    {{ register_differences('readings') }}

)

select
    supply_point_id,
    meter_serial,
    band,
    reading_date,
    commodity,
    unit,
    reading_kind,
    meter_digits,
    previous_reading_date,
    previous_meter_serial,
    previous_register_value,
    register_value,
    difference_kind,
    -- consumption belongs to the month of the later reading
    cast({{ dbt.date_trunc('month', 'reading_date') }} as date) as month,
    quantity,
    case difference_kind
        when 'decrease'
            then 'register below the previous reading and not a roll-over of its '
                || cast(meter_digits as varchar) || ' digits'
        when 'meter_change_without_closing'
            then 'new meter without a closing reading of meter ' || previous_meter_serial
    end as exclusion_reason,
    difference_kind in ('decrease', 'meter_change_without_closing') as is_excluded
from differenced
where difference_kind <> 'opening'
