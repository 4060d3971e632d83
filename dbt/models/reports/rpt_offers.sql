{#- One row per offer (docs/contracts.md §2). -#}
with

offers as (

    select * from {{ ref('dim_offer') }}

)

select
    offer_id,
    company_id,
    commodity,
    offer_name as name,
    offer_kind as kind,
    price_f1,
    price_f2,
    price_f3,
    price_single,
    index_name,
    spread,
    fee_month,
    valid_from,
    valid_to
from offers
