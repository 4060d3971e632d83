{#- The quantities every bill is computed from, one row per determinant (docs/contracts.md §2). -#}
with

determinants as (

    select * from {{ ref('fct_billing_determinants') }}

)

select
    determinant_id,
    company_id,
    billing_account_id,
    supply_point_id,
    commodity,
    billing_month,
    period_start,
    period_end,
    offer_id,
    contract_end_date,
    band,
    quantity,
    unit,
    quantity_m3,
    conversion_coefficient,
    provenance,
    is_true_up,
    peak_kw,
    interval_count,
    expected_interval_count,
    completeness,
    measured_quantity
from determinants
