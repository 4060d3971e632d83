{#-
    Electricity load curves placed on the calendar: one row per supply point and quarter hour,
    with the quarter hour's UTC start, local hour and band, from the delivered line that counts
    for the day (int_load_curve_days_summed). Points not in the registry are left out; a (day,
    slot) the calendar does not have is reported by a singular test.
-#}
with

readings as (

    select * from {{ ref('stg_metering__ele_interval_readings') }}

),

counted_lines as (

    select distinct
        supply_point_id,
        reading_date,
        source_file,
        source_line
    from {{ ref('int_load_curve_days_summed') }}

),

quarter_hours as (

    select * from {{ ref('dim_quarter_hour') }}

),

supply_points as (

    select
        supply_point_id,
        company_id
    from {{ ref('dim_supply_point') }}
    where commodity = 'ELE'

),

final as (

    select
        readings.supply_point_id,
        quarter_hours.quarter_hour_start_utc,
        supply_points.company_id,
        quarter_hours.local_date,
        quarter_hours.slot,
        quarter_hours.local_hour,
        quarter_hours.local_minute,
        quarter_hours.month,
        quarter_hours.band,
        readings.kwh,
        readings.source_file,
        readings.source_line
    from readings
    inner join counted_lines
        on readings.supply_point_id = counted_lines.supply_point_id
        and readings.reading_date = counted_lines.reading_date
        and readings.source_file = counted_lines.source_file
        and readings.source_line = counted_lines.source_line
    inner join supply_points
        on readings.supply_point_id = supply_points.supply_point_id
    inner join quarter_hours
        on readings.reading_date = quarter_hours.local_date
        and readings.slot = quarter_hours.slot

)

select * from final
