with

source as (

    select * from {{ source('market', 'pun_hourly') }}

),

renamed as (

    select
        -- ids
        cast(price_date as date) as price_date,
        -- GME numbers local hours 1..24, 1..23 on the spring DST day, 1..25 on the autumn one
        cast(hour as integer) as price_hour,

        -- price
        cast(price_eur_mwh as decimal(18, 6)) as price_eur_mwh,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
