{#- One row per interval-metered supply point and quarter hour (docs/contracts.md §2). -#}
with

quarter_hour_consumption as (

    select * from {{ ref('fct_quarter_hour_consumption') }}

)

select
    supply_point_id,
    company_id,
    quarter_hour_start_utc as interval_start_utc,
    local_date,
    local_hour,
    band,
    kwh
from quarter_hour_consumption
