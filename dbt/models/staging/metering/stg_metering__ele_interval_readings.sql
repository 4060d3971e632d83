{#-
    One row per delivered quarter-hour value, as delivered: a load curve sent again is still
    here twice. Which delivery of a day counts is decided per day, once the values are summed
    (int_load_curve_days_summed), not here: a window over every quarter hour is the slowest
    thing one can ask of the largest table.
-#}
with

source as (

    select * from {{ source('metering', 'ele_interval_readings') }}

),

renamed as (

    select
        -- ids
        pod as supply_point_id,
        reading_date,
        slot,

        -- energy, kWh
        kwh,

        -- lineage: a delivered line is one POD's day in one file
        _file as source_file,
        _line as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
