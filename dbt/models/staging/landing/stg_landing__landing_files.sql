with

source as (

    select * from {{ source('landing', 'landing_files') }}

),

renamed as (

    select
        -- ids
        _file as source_file,
        source.source as landing_source,
        _file_key as source_file_key,
        cast(version as integer) as file_version,

        -- the file
        sha256,
        cast(size_bytes as bigint) as size_bytes,

        -- what ingestion did with it
        status as file_status,
        reason as rejection_reason,
        cast(lines_in as integer) as lines_in,
        cast(lines_loaded as integer) as lines_loaded,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(lines_quarantined as integer) as lines_quarantined,
        _loaded_at as loaded_at

    from source

)

select * from renamed
