with

source as (

    select * from {{ source('registry', 'billing_accounts') }}

),

renamed as (

    select
        -- ids
        billing_account_id,
        company_id,
        customer_id,

        -- where the invoice goes
        address,
        postcode,
        city,
        province,
        sdi_code,
        pec,
        delivery,
        email,

        -- how it is paid
        payment_method,
        iban,
        billing_cycle,
        cast(payment_days as integer) as payment_days,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
