{#- One row per POD, reading date and meter, after dropping duplicate deliveries. -#}
with

source as (

    select * from {{ source('metering', 'ele_register_readings') }}

),

landing_files as (

    -- a file's version is recorded by ingestion, not on the rows
    {{ landing_file_versions() }}

),

renamed as (

    select
        -- ids
        source.pod as supply_point_id,
        cast(source.reading_date as date) as reading_date,
        source.meter_serial,

        -- cumulative registers, kWh
        source.reading_kind,
        cast(source.reading_f1 as decimal(18, 6)) as reading_f1,
        cast(source.reading_f2 as decimal(18, 6)) as reading_f2,
        cast(source.reading_f3 as decimal(18, 6)) as reading_f3,

        -- lineage
        source._file as source_file,
        cast(source._line as integer) as source_line,
        coalesce(landing_files.file_version, 1) as source_file_version,
        -- a file ingestion has no record of is taken as current
        coalesce(landing_files.is_current_version, true) as is_current_file_version,
        source._loaded_at as loaded_at

    from source
    left join landing_files
        on source._file = landing_files._file

),

deduplicated as (

    {{ latest_delivered_row('renamed', ['supply_point_id', 'reading_date', 'meter_serial']) }}

)

select
    supply_point_id,
    reading_date,
    meter_serial,
    reading_kind,
    reading_f1,
    reading_f2,
    reading_f3,
    source_file,
    source_line,
    source_file_version,
    loaded_at
from deduplicated
