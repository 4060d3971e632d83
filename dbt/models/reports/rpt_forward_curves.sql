{#-
    Monthly forward prices per index as quoted on each trade date, for the analysts' forward
    curve view (docs/contracts.md §2). EUR/MWh.
-#}
with

forward_curves as (

    select * from {{ ref('stg_market__forward_curves') }}

)

select
    index_name,
    trade_date,
    delivery_month,
    cast(price_eur_mwh as decimal(18, 6)) as price_eur_mwh
from forward_curves
