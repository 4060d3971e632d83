{#-
    Billing determinants of register meters (electricity per band, gas in m3), before they are
    split by contract version and converted to Smc (fct_billing_determinants). The rules are
    documented in the model's YAML; in short:

    - Anchors: days with a reading billing trusts (int_register_readings_chained): a DSO actual
      reading, else an accepted self-reading (actual > validated self-reading > estimate). A
      day whose readings are implausible (a decrease that is no roll-over) anchors nothing.
    - Each billing month M closes at its last anchor, or, without one, at its last day (an
      estimate). M's period runs from the day after M-1's close to M's close.
    - An anchored period's consumption is the cumulative consumption at its close minus that at
      the last anchor before it. When estimated periods lie in between (the bills of earlier
      months carried estimates), that consumption is apportioned between the estimated span and
      M's own period, and the estimated span is restated on M's bill: a true-up row.
    - An estimated period is estimated from the customer's forecast for every month it touches,
      else from the point's last 12 months of trusted readings, else from the registry's annual
      consumption; pro rata to days (electricity) or to the seasonal profile (gas).
-#}
with

chain as (

    select * from {{ ref('int_register_readings_chained') }}

),

supply_points as (

    select
        supply_point_id,
        commodity,
        dso_code,
        annual_consumption
    from {{ ref('dim_supply_point') }}
    where commodity = 'GAS' or meter_type = 'register'

),

dso_readings as (

    select * from {{ ref('int_register_readings_unpivoted') }}

),

contract_versions as (

    select * from {{ ref('fct_contract_versions') }}

),

forecasts as (

    select * from {{ ref('int_consumption_forecasts_by_band') }}

),

coefficients as (

    select * from {{ ref('dim_gas_conversion_coefficient') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

months as (

    select
        month,
        max(calendar_date) as month_end,
        max(days_in_month) as days_in_month
    from calendar
    group by month

),

-- the timeline of each point: from its first anchor to the end of what its DSO has read

anchors as (

    select
        supply_point_id,
        reading_date as anchor_date,
        case
            when sum(case when reading_kind = 'actual' then 1 else 0 end) > 0 then 'actual'
            else 'self_reading'
        end as anchor_kind
    from chain
    group by supply_point_id, reading_date
    having sum(
        case when difference_kind in ('decrease', 'meter_change_without_closing') then 1 else 0 end
    ) = 0

),

anchor_totals as (

    -- consumption from the point's first reading to the end of the anchor day, per register
    select
        chain.supply_point_id,
        chain.band,
        chain.reading_date as anchor_date,
        chain.cumulative_quantity
    from chain
    inner join (
        select supply_point_id, band, reading_date, max(meter_sequence) as last_sequence
        from chain
        group by supply_point_id, band, reading_date
    ) as last_of_day
        on chain.supply_point_id = last_of_day.supply_point_id
        and chain.band = last_of_day.band
        and chain.reading_date = last_of_day.reading_date
        and chain.meter_sequence = last_of_day.last_sequence
    inner join anchors
        on chain.supply_point_id = anchors.supply_point_id
        and chain.reading_date = anchors.anchor_date

),

registers as (

    select distinct supply_point_id, band from chain

),

read_until as (

    -- the last day the point's DSO has read register meters of its commodity
    select
        supply_points.dso_code,
        supply_points.commodity,
        max(dso_readings.reading_date) as last_reading_date
    from dso_readings
    inner join supply_points
        on dso_readings.supply_point_id = supply_points.supply_point_id
    group by supply_points.dso_code, supply_points.commodity

),

supply_ends as (

    select
        supply_point_id,
        max(coalesce(version_end_date, cast('9999-12-31' as date))) as supply_end
    from contract_versions
    group by supply_point_id

),

timelines as (

    select
        supply_points.*,
        first_anchors.first_anchor_date,
        case
            when supply_ends.supply_end < cast({{ dbt.last_day('read_until.last_reading_date', 'month') }} as date)
                then supply_ends.supply_end
            else cast({{ dbt.last_day('read_until.last_reading_date', 'month') }} as date)
        end as last_day
    from supply_points
    inner join (
        select supply_point_id, min(anchor_date) as first_anchor_date
        from anchors
        group by supply_point_id
    ) as first_anchors
        on supply_points.supply_point_id = first_anchors.supply_point_id
    inner join read_until
        on supply_points.dso_code = read_until.dso_code
        and supply_points.commodity = read_until.commodity
    left join supply_ends
        on supply_points.supply_point_id = supply_ends.supply_point_id

),

-- each billing month closes at its last anchor, or at its end as an estimate

month_closes as (

    select
        timelines.supply_point_id,
        timelines.commodity,
        timelines.annual_consumption,
        timelines.first_anchor_date,
        months.month as billing_month,
        case when timelines.last_day < months.month_end then timelines.last_day
            else months.month_end end as month_last_day,
        max(anchors.anchor_date) as anchor_date
    from timelines
    inner join months
        on months.month_end > timelines.first_anchor_date
        and months.month <= timelines.last_day
    left join anchors
        on timelines.supply_point_id = anchors.supply_point_id
        and anchors.anchor_date > timelines.first_anchor_date
        and anchors.anchor_date between months.month and months.month_end
        and anchors.anchor_date <= timelines.last_day
    group by
        timelines.supply_point_id,
        timelines.commodity,
        timelines.annual_consumption,
        timelines.first_anchor_date,
        months.month,
        months.month_end,
        timelines.last_day

),

closes as (

    select
        month_closes.*,
        coalesce(month_closes.anchor_date, month_closes.month_last_day) as close_date,
        coalesce(anchors.anchor_kind, 'estimate') as close_kind
    from month_closes
    left join anchors
        on month_closes.supply_point_id = anchors.supply_point_id
        and month_closes.anchor_date = anchors.anchor_date

),

segments as (

    select
        closes.*,
        coalesce(
            lag(closes.close_date) over (
                partition by closes.supply_point_id order by closes.billing_month
            ),
            closes.first_anchor_date
        ) as previous_close_date
    from closes

),

-- anchored periods: measured consumption, and the true-up of the estimates before them

anchored as (

    select
        segments.supply_point_id,
        segments.commodity,
        segments.billing_month,
        segments.previous_close_date,
        segments.close_date,
        segments.close_kind,
        max(case when anchors.anchor_date <= segments.previous_close_date
            then anchors.anchor_date end) as last_anchor_date,
        min(case when anchors.anchor_date > segments.previous_close_date
            then anchors.anchor_date end) as next_anchor_date
    from segments
    inner join anchors
        on segments.supply_point_id = anchors.supply_point_id
        and anchors.anchor_date <= segments.close_date
    where segments.close_kind <> 'estimate'
    group by
        segments.supply_point_id,
        segments.commodity,
        segments.billing_month,
        segments.previous_close_date,
        segments.close_date,
        segments.close_kind

),

anchored_quantities as (

    select
        anchored.*,
        registers.band,
        next_anchor.anchor_kind as next_anchor_kind,
        at_close.cumulative_quantity - at_last.cumulative_quantity as measured_quantity,
        case
            when anchored.last_anchor_date < anchored.previous_close_date
                then {{ apportion(
                    'at_next.cumulative_quantity - at_last.cumulative_quantity',
                    span_weight('anchored.commodity', 'estimated_first', 'estimated_last'),
                    span_weight('anchored.commodity', 'estimated_first', 'measured_last')
                ) }}
        end as true_up_quantity
    from anchored
    inner join registers
        on anchored.supply_point_id = registers.supply_point_id
    inner join anchors as next_anchor
        on anchored.supply_point_id = next_anchor.supply_point_id
        and anchored.next_anchor_date = next_anchor.anchor_date
    inner join anchor_totals as at_close
        on anchored.supply_point_id = at_close.supply_point_id
        and registers.band = at_close.band
        and anchored.close_date = at_close.anchor_date
    inner join anchor_totals as at_last
        on anchored.supply_point_id = at_last.supply_point_id
        and registers.band = at_last.band
        and anchored.last_anchor_date = at_last.anchor_date
    inner join anchor_totals as at_next
        on anchored.supply_point_id = at_next.supply_point_id
        and registers.band = at_next.band
        and anchored.next_anchor_date = at_next.anchor_date
    left join calendar as estimated_first
        on estimated_first.calendar_date
            = cast({{ dbt.dateadd('day', 1, 'anchored.last_anchor_date') }} as date)
    left join calendar as estimated_last
        on estimated_last.calendar_date = anchored.previous_close_date
    left join calendar as measured_last
        on measured_last.calendar_date = anchored.next_anchor_date

),

-- estimated periods: forecast, else history, else registry

estimated as (

    select
        segments.supply_point_id,
        segments.commodity,
        segments.annual_consumption,
        segments.billing_month,
        cast({{ dbt.dateadd('day', 1, 'segments.previous_close_date') }} as date) as period_start,
        segments.close_date as period_end,
        registers.band
    from segments
    inner join registers
        on segments.supply_point_id = registers.supply_point_id
    where segments.close_kind = 'estimate'

),

forecast_estimates as (

    -- every month the period touches needs a forecast for the band
    select
        estimated.supply_point_id,
        estimated.period_start,
        estimated.band,
        count(*) = count(forecasts.quantity) as is_covered,
        sum(
            {{ apportion(
                'forecasts.quantity',
                dbt.datediff(
                    'case when estimated.period_start > months.month
                        then estimated.period_start else months.month end',
                    'case when estimated.period_end < months.month_end
                        then estimated.period_end else months.month_end end',
                    'day'
                ) ~ ' + 1',
                'months.days_in_month'
            ) }}
        ) as forecast_quantity
    from estimated
    inner join months
        on months.month <= estimated.period_end
        and months.month_end >= estimated.period_start
    left join forecasts
        on estimated.supply_point_id = forecasts.supply_point_id
        and months.month = forecasts.month
        and estimated.band = forecasts.band
    group by estimated.supply_point_id, estimated.period_start, estimated.band

),

histories as (

    -- trusted consumption read in the 12 months before the period
    select
        estimated.supply_point_id,
        estimated.period_start,
        estimated.band,
        sum(chain.quantity) as history_quantity,
        min(chain.previous_reading_date) as history_after,
        max(chain.reading_date) as history_until
    from estimated
    inner join chain
        on estimated.supply_point_id = chain.supply_point_id
        and estimated.band = chain.band
        and chain.reading_date < estimated.period_start
        and chain.reading_date
            >= cast({{ dbt.dateadd('day', -365, 'estimated.period_start') }} as date)
        and chain.difference_kind in ('consumption', 'roll_over', 'meter_change', 'correction')
    group by estimated.supply_point_id, estimated.period_start, estimated.band

),

estimates as (

    select
        estimated.*,
        case
            when forecast_estimates.is_covered then 'forecast'
            when histories.history_quantity is not null then 'history'
            else 'registry'
        end as estimate_source,
        case
            when forecast_estimates.is_covered and estimated.commodity = 'GAS'
                -- a gas forecast is in Smc
                then {{ divide_half_up(
                    'forecast_estimates.forecast_quantity', 'coefficients.conversion_coefficient'
                ) }}
            when forecast_estimates.is_covered then forecast_estimates.forecast_quantity
            when histories.history_quantity is not null
                then {{ apportion(
                    'histories.history_quantity',
                    span_weight('estimated.commodity', 'period_first', 'period_last'),
                    span_weight('estimated.commodity', 'history_first', 'history_last')
                ) }}
            when estimated.commodity = 'GAS'
                -- the registry's annual consumption of gas is in Smc too
                then {{ divide_half_up(
                    apportion(
                        'estimated.annual_consumption',
                        span_weight('estimated.commodity', 'period_first', 'period_last'),
                        year_weight('estimated.commodity')
                    ),
                    'coefficients.conversion_coefficient'
                ) }}
            else
                -- a year's kWh pro rata to days, split by the band's share of the quarter hours
                {{ apportion(
                    'estimated.annual_consumption',
                    '(' ~ span_weight('estimated.commodity', 'period_first', 'period_last')
                        ~ ') * (case estimated.band
                            when \'F1\' then period_last.f1_cumulative_quarter_hours
                                - period_first.f1_cumulative_quarter_hours
                                + period_first.f1_quarter_hours
                            when \'F2\' then period_last.f2_cumulative_quarter_hours
                                - period_first.f2_cumulative_quarter_hours
                                + period_first.f2_quarter_hours
                            else period_last.f3_cumulative_quarter_hours
                                - period_first.f3_cumulative_quarter_hours
                                + period_first.f3_quarter_hours
                        end)',
                    '365 * (period_last.f1_cumulative_quarter_hours
                        + period_last.f2_cumulative_quarter_hours
                        + period_last.f3_cumulative_quarter_hours
                        - period_first.f1_cumulative_quarter_hours
                        - period_first.f2_cumulative_quarter_hours
                        - period_first.f3_cumulative_quarter_hours
                        + period_first.quarter_hour_count)'
                ) }}
        end as quantity
    from estimated
    left join forecast_estimates
        on estimated.supply_point_id = forecast_estimates.supply_point_id
        and estimated.period_start = forecast_estimates.period_start
        and estimated.band = forecast_estimates.band
    left join histories
        on estimated.supply_point_id = histories.supply_point_id
        and estimated.period_start = histories.period_start
        and estimated.band = histories.band
    left join coefficients
        on estimated.supply_point_id = coefficients.supply_point_id
        and estimated.period_end >= coefficients.valid_from
        and estimated.period_end <= coalesce(coefficients.valid_to, cast('9999-12-31' as date))
    left join calendar as period_first
        on period_first.calendar_date = estimated.period_start
    left join calendar as period_last
        on period_last.calendar_date = estimated.period_end
    left join calendar as history_first
        on history_first.calendar_date
            = cast({{ dbt.dateadd('day', 1, 'histories.history_after') }} as date)
    left join calendar as history_last
        on history_last.calendar_date = histories.history_until

),

unioned as (

    select
        supply_point_id,
        commodity,
        billing_month,
        cast({{ dbt.dateadd('day', 1, 'previous_close_date') }} as date) as period_start,
        close_date as period_end,
        band,
        cast(measured_quantity - coalesce(true_up_quantity, 0) as decimal(18, 6)) as quantity,
        close_kind as provenance,
        false as is_true_up,
        cast(null as varchar) as estimate_source
    from anchored_quantities

    union all

    -- the estimated span before the anchor, restated on this month's bill
    select
        supply_point_id,
        commodity,
        billing_month,
        cast({{ dbt.dateadd('day', 1, 'last_anchor_date') }} as date) as period_start,
        previous_close_date as period_end,
        band,
        cast(true_up_quantity as decimal(18, 6)) as quantity,
        next_anchor_kind as provenance,
        true as is_true_up,
        cast(null as varchar) as estimate_source
    from anchored_quantities
    where true_up_quantity is not null

    union all

    select
        supply_point_id,
        commodity,
        billing_month,
        period_start,
        period_end,
        band,
        cast(quantity as decimal(18, 6)) as quantity,
        'estimate' as provenance,
        false as is_true_up,
        estimate_source
    from estimates

)

select
    supply_point_id,
    commodity,
    billing_month,
    period_start,
    period_end,
    band,
    quantity,
    case commodity when 'GAS' then 'm3' else 'kWh' end as unit,
    provenance,
    is_true_up,
    estimate_source
from unioned
