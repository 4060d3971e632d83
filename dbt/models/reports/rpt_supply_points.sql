{#- One row per supply point, for the back office and the portal (docs/contracts.md §2). -#}
with

supply_points as (

    select * from {{ ref('dim_supply_point') }}

),

companies as (

    select * from {{ ref('dim_company') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

offers as (

    select * from {{ ref('dim_offer') }}

),

monthly_consumption as (

    select * from {{ ref('fct_monthly_consumption') }}

),

last_months as (

    select
        supply_point_id,
        max(month) as last_month
    from monthly_consumption
    group by supply_point_id

),

last_month_quantities as (

    -- all bands of the point's latest month with consumption
    select
        monthly_consumption.supply_point_id,
        sum(monthly_consumption.quantity) as last_month_quantity
    from monthly_consumption
    inner join last_months
        on monthly_consumption.supply_point_id = last_months.supply_point_id
        and monthly_consumption.month = last_months.last_month
    group by monthly_consumption.supply_point_id

)

select
    supply_points.supply_point_id,
    supply_points.company_id,
    companies.company_name,
    supply_points.commodity,
    supply_points.customer_id,
    customers.customer_name,
    supply_points.billing_account_id,
    supply_points.use,
    supply_points.voltage,
    supply_points.power_kw,
    supply_points.meter_type,
    supply_points.dso_code,
    supply_points.city,
    supply_points.province,
    supply_points.offer_id,
    offers.offer_name,
    last_months.last_month,
    cast(last_month_quantities.last_month_quantity as decimal(18, 6)) as last_month_quantity,
    case supply_points.commodity when 'GAS' then 'm3' else 'kWh' end as unit
from supply_points
left join companies
    on supply_points.company_id = companies.company_id
left join customers
    on supply_points.customer_id = customers.customer_id
left join offers
    on supply_points.offer_id = offers.offer_id
left join last_months
    on supply_points.supply_point_id = last_months.supply_point_id
left join last_month_quantities
    on supply_points.supply_point_id = last_month_quantities.supply_point_id
