{#-
    Hourly consumption of interval-metered supply points on the days an indexed offer prices
    them (docs/contracts.md §2): the energy price is the hourly PUN weighted by these hours.
-#}
with

quarter_hour_consumption as (

    select * from {{ ref('fct_quarter_hour_consumption') }}

),

indexed_periods as (

    select
        contract_versions.supply_point_id,
        contract_versions.start_date,
        coalesce(contract_versions.version_end_date, cast('9999-12-31' as date)) as end_date
    from {{ ref('fct_contract_versions') }} as contract_versions
    inner join {{ ref('dim_offer') }} as offers
        on contract_versions.offer_id = offers.offer_id
    where offers.offer_kind = 'indexed' and offers.commodity = 'ELE'

),

hours as (

    -- a local hour starts at its first quarter hour; on the autumn DST day hour 2 comes twice,
    -- at two different instants
    select
        supply_point_id,
        company_id,
        {{ dbt.dateadd('minute', '-local_minute', 'quarter_hour_start_utc') }} as hour_start_utc,
        local_date,
        local_hour,
        band,
        sum(kwh) as kwh
    from quarter_hour_consumption
    group by
        supply_point_id,
        company_id,
        {{ dbt.dateadd('minute', '-local_minute', 'quarter_hour_start_utc') }},
        local_date,
        local_hour,
        band

)

select
    hours.supply_point_id,
    hours.company_id,
    hours.hour_start_utc,
    hours.local_date,
    hours.local_hour,
    hours.band,
    cast(hours.kwh as decimal(18, 6)) as kwh
from hours
where exists (
    select 1
    from indexed_periods
    where indexed_periods.supply_point_id = hours.supply_point_id
        and hours.local_date between indexed_periods.start_date and indexed_periods.end_date
)
