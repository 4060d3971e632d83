{#-
    What customers declared they will consume, per supply point, month and band: a band's own
    forecast where there is one; an electricity month declared whole ('ALL') split into F1,
    F2 and F3 by each band's share of the month's quarter hours (half-up to 6 decimals); gas
    stays 'ALL'. Both the register and the interval estimates read it.
-#}
with

forecasts as (

    select * from {{ ref('stg_customer__consumption_forecasts') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

electricity_points as (

    select supply_point_id from {{ ref('dim_supply_point') }} where commodity = 'ELE'

),

month_quarter_hours as (

    select
        month,
        sum(f1_quarter_hours) as f1,
        sum(f2_quarter_hours) as f2,
        sum(f3_quarter_hours) as f3
    from calendar
    group by month

),

bands as (

    select 'F1' as band
    union all
    select 'F2' as band
    union all
    select 'F3' as band

),

split_months as (

    -- a month declared whole, for the bands without a forecast of their own
    select
        whole.supply_point_id,
        whole.month,
        bands.band,
        {{ apportion(
            'cast(whole.quantity as decimal(38, 6))',
            "case bands.band when 'F1' then month_quarter_hours.f1 "
            ~ "when 'F2' then month_quarter_hours.f2 else month_quarter_hours.f3 end",
            'month_quarter_hours.f1 + month_quarter_hours.f2 + month_quarter_hours.f3'
        ) }} as quantity,
        case bands.band
            when 'F1' then month_quarter_hours.f1
            when 'F2' then month_quarter_hours.f2
            else month_quarter_hours.f3
        end as quarter_hours
    from forecasts as whole
    inner join electricity_points
        on whole.supply_point_id = electricity_points.supply_point_id
    inner join month_quarter_hours
        on whole.month = month_quarter_hours.month
    cross join bands
    where whole.band = 'ALL'
        and not exists (
            select 1
            from forecasts as own
            where own.supply_point_id = whole.supply_point_id
                and own.month = whole.month
                and own.band = bands.band
        )

),

declared as (

    select
        forecasts.supply_point_id,
        forecasts.month,
        forecasts.band,
        forecasts.quantity,
        case forecasts.band
            when 'F1' then month_quarter_hours.f1
            when 'F2' then month_quarter_hours.f2
            when 'F3' then month_quarter_hours.f3
            else month_quarter_hours.f1 + month_quarter_hours.f2 + month_quarter_hours.f3
        end as quarter_hours
    from forecasts
    inner join month_quarter_hours
        on forecasts.month = month_quarter_hours.month

)

select
    supply_point_id,
    month,
    band,
    cast(quantity as decimal(18, 6)) as quantity,
    cast(quarter_hours as integer) as quarter_hours
from declared
union all
select
    supply_point_id,
    month,
    band,
    cast(quantity as decimal(18, 6)) as quantity,
    cast(quarter_hours as integer) as quarter_hours
from split_months
