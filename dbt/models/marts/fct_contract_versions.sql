{#- One row per contract version: versions are added, never overwritten (DOMAIN.md §2). -#}
with

contracts as (

    select * from {{ ref('stg_registry__contracts') }}

),

supply_points as (

    select
        supply_point_id,
        commodity
    from {{ ref('dim_supply_point') }}

),

with_next_version as (

    select
        contracts.*,
        lead(start_date) over (
            partition by contract_id order by contract_version
        ) as next_version_start_date
    from contracts

),

final as (

    select
        with_next_version.contract_id,
        with_next_version.contract_version,
        with_next_version.company_id,
        with_next_version.supply_point_id,
        supply_points.commodity,
        with_next_version.customer_id,
        with_next_version.billing_account_id,
        with_next_version.offer_id,
        with_next_version.signed_date,
        with_next_version.start_date,
        with_next_version.end_date,
        with_next_version.next_version_start_date,
        -- the last day this version applies: its own end, or the day before the next version
        case
            when with_next_version.next_version_start_date is null
                then with_next_version.end_date
            when with_next_version.end_date is null
                or with_next_version.end_date >= with_next_version.next_version_start_date
                then cast(
                    {{ dbt.dateadd('day', -1, 'with_next_version.next_version_start_date') }}
                    as date
                )
            else with_next_version.end_date
        end as version_end_date,
        with_next_version.next_version_start_date is null as is_latest_version
    from with_next_version
    left join supply_points
        on with_next_version.supply_point_id = supply_points.supply_point_id

)

select * from final
