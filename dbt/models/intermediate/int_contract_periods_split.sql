{#-
    The billing periods of every supply point: each calendar month cut where a contract
    version starts or ends, so that one period lies under one contract version (one offer,
    one billing account). Only supplied days are covered: a day under no contract version is
    in no period.
-#}
with

versions as (

    select * from {{ ref('fct_contract_versions') }}

),

months as (

    select
        month,
        max(calendar_date) as month_end
    from {{ ref('dim_date') }}
    group by month

),

periods as (

    select
        versions.supply_point_id,
        months.month as billing_month,
        case
            when versions.start_date > months.month then versions.start_date
            else months.month
        end as period_start,
        case
            when versions.version_end_date < months.month_end then versions.version_end_date
            else months.month_end
        end as period_end,
        versions.contract_id,
        versions.contract_version,
        versions.company_id,
        versions.billing_account_id,
        versions.offer_id,
        -- the supply's last day under the contract (inclusive), null while open-ended
        versions.end_date as contract_end_date
    from versions
    inner join months
        on months.month_end >= versions.start_date
        and months.month <= coalesce(versions.version_end_date, cast('9999-12-31' as date))

)

select * from periods
where period_end >= period_start
