with

source as (

    select * from {{ source('registry', 'contracts') }}

),

renamed as (

    select
        -- ids: one row per contract version
        contract_id,
        cast(version as integer) as contract_version,
        company_id,
        supply_point_id,
        customer_id,
        billing_account_id,
        offer_id,

        -- dates; end_date is the last day of supply, NULL while open
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(signed_date as date) as signed_date,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

)

select * from renamed
