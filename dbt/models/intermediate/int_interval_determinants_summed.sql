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
        dso_code
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

)

select
    expected.supply_point_id,
    expected.company_id,
    expected.billing_account_id,
    expected.billing_month,
    expected.period_start,
    expected.period_end,
    expected.band,
    cast(coalesce(measured.kwh, 0) as decimal(18, 6)) as quantity,
    cast(round(measured.peak_kwh * 4, 3) as decimal(12, 3)) as peak_kw,
    cast(coalesce(measured.interval_count, 0) as integer) as interval_count,
    cast(expected.expected_interval_count as integer) as expected_interval_count,
    cast(
        {{ divide_half_up('coalesce(measured.interval_count, 0)', 'expected.expected_interval_count', 4) }}
        as decimal(5, 4)
    ) as completeness
from expected
left join measured
    on expected.supply_point_id = measured.supply_point_id
    and expected.period_start = measured.period_start
    and expected.band = measured.band
