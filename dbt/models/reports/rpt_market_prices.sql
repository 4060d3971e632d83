{#-
    Market prices for indexed offers (docs/contracts.md §2): the hourly PUN with the UTC instant
    its market hour starts and the band of that hour, and the daily PSV.
-#}
with

pun as (

    select * from {{ ref('stg_market__pun_hourly') }}

),

psv as (

    select * from {{ ref('stg_market__psv_daily') }}

),

quarter_hours as (

    select * from {{ ref('dim_quarter_hour') }}

),

pun_hours as (

    -- GME numbers the hours of the local day as they pass (23 in spring, 25 in autumn), so
    -- hour n starts n - 1 real hours after local midnight
    select
        pun.price_date,
        pun.price_hour,
        {{ dbt.dateadd(
            'hour', 'pun.price_hour - 1', local_midnight_to_utc('pun.price_date')
        ) }} as hour_start_utc,
        pun.price_eur_mwh
    from pun

)

select
    'PUN' as index_name,
    pun_hours.price_date,
    pun_hours.price_hour as hour,
    pun_hours.hour_start_utc,
    quarter_hours.band,
    cast(pun_hours.price_eur_mwh as decimal(18, 6)) as price_eur_mwh
from pun_hours
left join quarter_hours
    on pun_hours.hour_start_utc = quarter_hours.quarter_hour_start_utc

union all

select
    'PSV' as index_name,
    psv.price_date,
    cast(null as integer) as hour,
    cast(null as timestamp with time zone) as hour_start_utc,
    cast(null as varchar) as band,
    cast(psv.price_eur_mwh as decimal(18, 6)) as price_eur_mwh
from psv
