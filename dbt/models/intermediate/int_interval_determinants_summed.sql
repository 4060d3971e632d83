{#-
    Billing determinants of electricity interval meters (BI1): per billing period (a month
    under one contract version, int_contract_periods_split) and band, the load curve's kWh,
    the peak (largest quarter hour x 4, kW), and the quarter hours that arrived against those
    the period's days have. Every period of the months its DSO has sent load curves for gets
    its three bands, so a missing curve shows as completeness 0, never as a missing row.
-#}
with

periods as (

    select * from {{ ref('int_contract_periods_split') }}

),

supply_points as (

    select
        supply_point_id,
        dso_code,
        annual_consumption
    from {{ ref('dim_supply_point') }}
    where commodity = 'ELE' and meter_type = 'interval'

),

days as (

    select * from {{ ref('int_load_curve_days_summed') }}

),

delivered_lines as (

    -- every delivered line, counted or not: only its day matters here
    select supply_point_id, reading_date
    from {{ ref('stg_metering__ele_interval_segments') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

forecasts as (

    select * from {{ ref('int_consumption_forecasts_by_band') }}

),

delivered_months as (

    -- the months each DSO has sent load curves for
    select
        supply_points.dso_code,
        cast({{ dbt.date_trunc('month', 'min(delivered_lines.reading_date)') }} as date)
            as first_month,
        cast({{ dbt.date_trunc('month', 'max(delivered_lines.reading_date)') }} as date)
            as last_month
    from delivered_lines
    inner join supply_points
        on delivered_lines.supply_point_id = supply_points.supply_point_id
    group by supply_points.dso_code

),

interval_periods as (

    select periods.*
    from periods
    inner join supply_points
        on periods.supply_point_id = supply_points.supply_point_id
    inner join delivered_months
        on supply_points.dso_code = delivered_months.dso_code
        and periods.billing_month between delivered_months.first_month and delivered_months.last_month
    -- the contract periods are a view over every month of every contract: keep to the months
    -- any curve was delivered for before joining them
    where periods.billing_month between (select min(first_month) from delivered_months)
        and (select max(last_month) from delivered_months)

),

bands as (

    select 'F1' as band
    union all
    select 'F2' as band
    union all
    select 'F3' as band

),

expected as (

    select
        interval_periods.*,
        bands.band,
        case bands.band
            when 'F1' then period_last.f1_cumulative_quarter_hours
                - period_first.f1_cumulative_quarter_hours + period_first.f1_quarter_hours
            when 'F2' then period_last.f2_cumulative_quarter_hours
                - period_first.f2_cumulative_quarter_hours + period_first.f2_quarter_hours
            else period_last.f3_cumulative_quarter_hours
                - period_first.f3_cumulative_quarter_hours + period_first.f3_quarter_hours
        end as expected_interval_count
    from interval_periods
    cross join bands
    inner join calendar as period_first
        on interval_periods.period_start = period_first.calendar_date
    inner join calendar as period_last
        on interval_periods.period_end = period_last.calendar_date

),

measured as (

    select
        interval_periods.supply_point_id,
        interval_periods.period_start,
        days.band,
        sum(days.kwh) as kwh,
        sum(days.interval_count) as interval_count,
        max(days.peak_kwh) as peak_kwh
    from interval_periods
    inner join days
        on interval_periods.supply_point_id = days.supply_point_id
        and days.reading_date between interval_periods.period_start and interval_periods.period_end
    group by interval_periods.supply_point_id, interval_periods.period_start, days.band

),

forecast_rates as (

    -- kWh per quarter hour the customer declared for the band that month
    select
        expected.supply_point_id,
        expected.period_start,
        expected.band,
        {{ divide_half_up(
            'cast(forecasts.quantity as decimal(38, 6))', 'forecasts.quarter_hours', 9
        ) }} as rate
    from expected
    inner join forecasts
        on expected.supply_point_id = forecasts.supply_point_id
        and expected.billing_month = forecasts.month
        and expected.band = forecasts.band

),

history_rates as (

    -- kWh per quarter hour the point's curve gave in the band over the previous 12 months
    select
        expected.supply_point_id,
        expected.period_start,
        expected.band,
        {{ divide_half_up('sum(earlier.kwh)', 'sum(earlier.interval_count)', 9) }} as rate
    from expected
    inner join measured as earlier
        on expected.supply_point_id = earlier.supply_point_id
        and expected.band = earlier.band
        and earlier.period_start < expected.period_start
        and earlier.period_start
            >= cast({{ dbt.dateadd('month', -12, 'expected.billing_month') }} as date)
    group by expected.supply_point_id, expected.period_start, expected.band

),

completed as (

    -- quarter hours the curve lacks are estimated (DOMAIN.md §4): at the customer's forecast,
    -- else the point's own history, else the period's quarter hours that did arrive, else the
    -- registry's annual consumption spread evenly over the year's quarter hours (35,040)
    select
        expected.*,
        coalesce(measured.kwh, 0) as measured_kwh,
        coalesce(measured.interval_count, 0) as measured_interval_count,
        measured.peak_kwh,
        expected.expected_interval_count - coalesce(measured.interval_count, 0)
            as missing_interval_count,
        case
            when expected.expected_interval_count <= coalesce(measured.interval_count, 0)
                then null
            when forecast_rates.rate is not null then 'forecast'
            when history_rates.rate is not null then 'history'
            when coalesce(measured.interval_count, 0) > 0 then 'period'
            when supply_points.annual_consumption is not null then 'registry'
            else 'none'
        end as estimate_source,
        coalesce(
            forecast_rates.rate,
            history_rates.rate,
            {{ divide_half_up('measured.kwh', 'measured.interval_count', 9) }},
            {{ divide_half_up(
                'cast(supply_points.annual_consumption as decimal(38, 6))', 'cast(35040 as bigint)', 9
            ) }}
        ) as estimate_rate
    from expected
    inner join supply_points
        on expected.supply_point_id = supply_points.supply_point_id
    left join measured
        on expected.supply_point_id = measured.supply_point_id
        and expected.period_start = measured.period_start
        and expected.band = measured.band
    left join forecast_rates
        on expected.supply_point_id = forecast_rates.supply_point_id
        and expected.period_start = forecast_rates.period_start
        and expected.band = forecast_rates.band
    left join history_rates
        on expected.supply_point_id = history_rates.supply_point_id
        and expected.period_start = history_rates.period_start
        and expected.band = history_rates.band

)

select
    supply_point_id,
    company_id,
    billing_account_id,
    billing_month,
    period_start,
    period_end,
    offer_id,
    contract_end_date,
    band,
    cast(
        measured_kwh + case
            when estimate_source is null or estimate_rate is null then 0
            else round(missing_interval_count * estimate_rate, 6)
        end
        as decimal(18, 6)
    ) as quantity,
    cast(measured_kwh as decimal(18, 6)) as measured_quantity,
    case when estimate_source is null then 'actual' else 'estimate' end as provenance,
    estimate_source,
    cast(round(peak_kwh * 4, 3) as decimal(12, 3)) as peak_kw,
    cast(measured_interval_count as integer) as interval_count,
    cast(expected_interval_count as integer) as expected_interval_count,
    cast(
        case
            -- a band with no quarter hour in the period (a one-day Sunday period has no F1)
            when expected_interval_count = 0 then 1
            else {{ divide_half_up('measured_interval_count', 'expected_interval_count', 4) }}
        end
        as decimal(5, 4)
    ) as completeness
from completed
