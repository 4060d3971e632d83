with

offers as (

    select * from {{ ref('stg_registry__offers') }}

)

select
    offer_id,
    company_id,
    commodity,
    offer_name,
    offer_kind,
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
