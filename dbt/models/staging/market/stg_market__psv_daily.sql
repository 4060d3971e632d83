with

source as (

    select * from {{ source('market', 'psv_daily') }}

),

renamed as (

    select
        -- ids
        cast(price_date as date) as price_date,

        -- price
        cast(price_eur_mwh as decimal(18, 6)) as price_eur_mwh,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
