with

source as (

    select * from {{ source('registry', 'customers') }}

),

renamed as (

    select
        -- ids
        customer_id,
        company_id,
        parent_customer_id,

        -- who
        kind as customer_kind,
        first_name,
        last_name_or_company,
        tax_code,
        vat_number,
        segment,
        status as customer_status,

        -- contacts and consents
        email,
        phone,
        language,
        cast(privacy_consent_date as date) as privacy_consent_date,
        cast(marketing_consent_date as date) as marketing_consent_date,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
