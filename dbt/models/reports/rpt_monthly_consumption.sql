{#- Billing determinants: one row per supply point, month and band (docs/contracts.md §2). -#}
with

monthly_consumption as (

    select * from {{ ref('fct_monthly_consumption') }}

)

select
    company_id,
    billing_account_id,
    supply_point_id,
    commodity,
    month,
    band,
    quantity,
    unit,
    interval_count,
    expected_interval_count
from monthly_consumption
