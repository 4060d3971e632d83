{#-
    One row per customer or hierarchy node (group, region, cost centre), for the portal's and
    the managers' data scope: a grant on a node reaches the customers under it through
    parent_customer_id (docs/contracts.md §2).
-#}
with

customers as (

    select * from {{ ref('dim_customer') }}

)

select
    customer_id,
    company_id,
    parent_customer_id,
    customer_kind as kind,
    customer_name as name,
    segment,
    language
from customers
