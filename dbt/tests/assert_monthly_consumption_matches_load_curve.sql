{#- Every kWh of an interval point's load curve is in exactly one month and band. -#}
with

curve as (

    select
        supply_point_id,
        sum(kwh) as curve_kwh
    from {{ ref('fct_quarter_hour_consumption') }}
    group by supply_point_id

),

monthly as (

    select
        supply_point_id,
        sum(quantity) as monthly_kwh
    from {{ ref('fct_monthly_consumption') }}
    where metering_method = 'interval'
    group by supply_point_id

)

select
    monthly.supply_point_id,
    curve.curve_kwh,
    monthly.monthly_kwh
from monthly
left join curve
    on monthly.supply_point_id = curve.supply_point_id
where curve.curve_kwh is null or curve.curve_kwh <> monthly.monthly_kwh
