{#- One row per supply point, month and band: the latest declaration wins. -#}
with

source as (

    select * from {{ source('customer', 'consumption_forecasts') }}

),

renamed as (

    select
        -- ids
        supply_point_id,
        cast(month as date) as month,
        band,

        -- the forecast, kWh (electricity) or Smc (gas)
        cast(quantity as decimal(18, 6)) as quantity,
        cast(declared_on as date) as declared_on,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

),

deduplicated as (

    {{ latest_per_key(
        'renamed',
        'supply_point_id, month, band',
        'declared_on desc, loaded_at desc, source_file desc, source_line desc'
    ) }}

)

select
    supply_point_id,
    month,
    band,
    quantity,
    declared_on,
    source_file,
    source_line,
    loaded_at
from deduplicated
