with

source as (

    select * from {{ source('registry', 'companies') }}

),

renamed as (

    select
        -- ids
        company_id,

        -- legal entity
        name as company_name,
        vat_number,
        tax_code,
        address,
        postcode,
        city,
        province,
        iban,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
