with

companies as (

    select * from {{ ref('stg_registry__companies') }}

)

select
    company_id,
    company_name,
    vat_number,
    tax_code,
    address,
    postcode,
    city,
    province,
    iban
from companies
