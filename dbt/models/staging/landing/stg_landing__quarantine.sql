with

source as (

    select * from {{ source('landing', 'quarantine') }}

),

renamed as (

    select
        -- ids
        source.source as landing_source,
        source._file as source_file,
        cast(source._line as integer) as source_line,
        source._file_key as source_file_key,

        -- what failed and why
        source.raw_line,
        source.reason,

        source._loaded_at as loaded_at

    from source

)

select * from renamed
