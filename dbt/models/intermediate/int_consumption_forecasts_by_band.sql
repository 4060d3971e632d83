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

band_quarter_hours as (

    -- each month's quarter hours per band, and the whole month as 'ALL'
    select month, band, quarter_hours
    from (
        select
            month,
            sum(f1_quarter_hours) as "F1",
            sum(f2_quarter_hours) as "F2",
            sum(f3_quarter_hours) as "F3",
            sum(f1_quarter_hours + f2_quarter_hours + f3_quarter_hours) as "ALL"
        from calendar
        group by month
    ) unpivot (quarter_hours for band in ("F1", "F2", "F3", "ALL"))

),

split_months as (

    -- a month declared whole, for the bands without a forecast of their own
    select
        whole.supply_point_id,
        whole.month,
        part.band,
        {{ apportion(
            'cast(whole.quantity as decimal(38, 6))',
            'part.quarter_hours',
            'whole_month.quarter_hours'
        ) }} as quantity,
        part.quarter_hours
    from forecasts as whole
    inner join electricity_points
        on whole.supply_point_id = electricity_points.supply_point_id
    inner join band_quarter_hours as whole_month
        on whole.month = whole_month.month
        and whole_month.band = 'ALL'
    inner join band_quarter_hours as part
        on whole.month = part.month
        and part.band <> 'ALL'
    where whole.band = 'ALL'
        and not exists (
            select 1
            from forecasts as own
            where own.supply_point_id = whole.supply_point_id
                and own.month = whole.month
                and own.band = part.band
        )

),

declared as (

    select
        forecasts.supply_point_id,
        forecasts.month,
        forecasts.band,
        forecasts.quantity,
        band_quarter_hours.quarter_hours
    from forecasts
    inner join band_quarter_hours
        on forecasts.month = band_quarter_hours.month
        and forecasts.band = band_quarter_hours.band

),

all_forecasts as (

    select * from declared
    union all by name
    select * from split_months

)

select
    supply_point_id,
    month,
    band,
    cast(quantity as decimal(18, 6)) as quantity,
    cast(quarter_hours as integer) as quarter_hours
from all_forecasts
