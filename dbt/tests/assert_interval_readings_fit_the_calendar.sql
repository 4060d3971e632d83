{#-
    Load-curve values of registry points whose (day, slot) the quarter-hour calendar does not
    have: a slot past the day's 92/96/100, or a day outside the calendar. They are left out of
    consumption, so an operator must see them.
-#}
{{ config(severity='warn') }}

with

readings as (

    select * from {{ ref('stg_metering__ele_interval_readings') }}

),

quarter_hours as (

    select * from {{ ref('dim_quarter_hour') }}

),

supply_points as (

    select * from {{ ref('dim_supply_point') }}

)

select
    readings.supply_point_id,
    readings.reading_date,
    readings.slot,
    readings.source_file,
    readings.source_line
from readings
inner join supply_points
    on readings.supply_point_id = supply_points.supply_point_id
left join quarter_hours
    on readings.reading_date = quarter_hours.local_date
    and readings.slot = quarter_hours.slot
where quarter_hours.slot is null
