with

source as (

    select * from {{ source('market', 'forward_curves') }}

),

renamed as (

    select
        -- ids
        cast(trade_date as date) as trade_date,
        index_name,
        cast(delivery_month as date) as delivery_month,

        -- price
        cast(price_eur_mwh as decimal(18, 6)) as price_eur_mwh,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
