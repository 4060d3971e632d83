with

billing_accounts as (

    select * from {{ ref('stg_registry__billing_accounts') }}

)

select
    billing_account_id,
    company_id,
    customer_id,
    address,
    postcode,
    city,
    province,
    sdi_code,
    pec,
    delivery,
    email,
    payment_method,
    iban,
    billing_cycle,
    payment_days
from billing_accounts
