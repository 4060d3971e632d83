{#- One row per POD, local day and quarter-hour slot, after dropping duplicate deliveries. -#}
with

source as (

    select * from {{ source('metering', 'ele_interval_readings') }}

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
        cast(source.slot as integer) as slot,

        -- energy
        cast(source.kwh as decimal(18, 6)) as kwh,

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

    {{ latest_delivered_row('renamed', ['supply_point_id', 'reading_date', 'slot']) }}

)

select
    supply_point_id,
    reading_date,
    slot,
    kwh,
    source_file,
    source_line,
    source_file_version,
    loaded_at
from deduplicated
