{#-
    One row per supply point: its current technical data (latest registry version), who pays
    for it and the offer of its latest contract.
-#}
with

versions as (

    select * from {{ ref('int_supply_points_versioned') }}

),

first_versions as (

    select
        supply_point_id,
        min(valid_from) as first_valid_from
    from versions
    group by supply_point_id

),

billing_accounts as (

    select
        billing_account_id,
        customer_id
    from {{ ref('stg_registry__billing_accounts') }}

),

contracts as (

    select * from {{ ref('stg_registry__contracts') }}

),

latest_contracts as (

    -- the contract version that started last; ties broken by version, then id, to stay deterministic
    {{ latest_per_key(
        'contracts',
        'supply_point_id',
        'start_date desc, contract_version desc, contract_id desc'
    ) }}

),

final as (

    select
        versions.supply_point_id,
        versions.company_id,
        versions.commodity,
        versions.billing_account_id,
        billing_accounts.customer_id,
        latest_contracts.contract_id,
        latest_contracts.offer_id,

        versions.dso_code,
        versions.address,
        versions.postcode,
        versions.city,
        versions.province,
        versions.use,
        versions.voltage,
        versions.power_kw,
        versions.meter_type,
        versions.meter_serial,
        versions.meter_digits,
        versions.gas_meter_class,
        versions.annual_consumption,
        versions.altitude_m,
        versions.climate_zone,

        versions.valid_from as current_version_valid_from,
        first_versions.first_valid_from

    from versions
    inner join first_versions
        on versions.supply_point_id = first_versions.supply_point_id
    left join billing_accounts
        on versions.billing_account_id = billing_accounts.billing_account_id
    left join latest_contracts
        on versions.supply_point_id = latest_contracts.supply_point_id
    where versions.is_current_version

)

select * from final
