{#-
    One row per delivered load-curve line and slot segment, as ingestion summed it: the
    quarter hours of a day in three sums, so determinants never regroup the quarter hours.
-#}
with

source as (

    select * from {{ source('metering', 'ele_interval_segments') }}

),

renamed as (

    select
        -- ids
        pod as supply_point_id,
        reading_date,
        slot_segment,

        -- energy, kWh
        kwh,
        interval_count,
        peak_kwh,
        redelivered,

        -- lineage: a delivered line is one POD's day in one file
        _file as source_file,
        _line as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
