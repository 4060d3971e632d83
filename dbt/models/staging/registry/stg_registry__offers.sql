with

source as (

    select * from {{ source('registry', 'offers') }}

),

renamed as (

    select
        -- ids
        offer_id,
        company_id,

        -- offer
        commodity,
        name as offer_name,
        kind as offer_kind,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,

        -- prices: per band or single (fixed offers), index + spread (indexed offers)
        cast(price_f1 as decimal(18, 6)) as price_f1,
        cast(price_f2 as decimal(18, 6)) as price_f2,
        cast(price_f3 as decimal(18, 6)) as price_f3,
        cast(price_single as decimal(18, 6)) as price_single,
        index_name,
        cast(spread as decimal(18, 6)) as spread,
        cast(fee_month as decimal(18, 6)) as fee_month,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
