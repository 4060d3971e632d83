{#-
    Billing quantities: one row per supply point, month and band.

    - Electricity interval meters: the sum of the month's quarter hours per band, with how many
      arrived (interval_count) against how many the supplied days have (expected_interval_count).
    - Electricity register meters: differences of consecutive readings per band (F1, F2, F3),
      in the month of the later reading, roll-overs and meter replacements counted; excluded
      differences (int_register_readings_differenced) do not count.
    - Gas: differences of m3 readings, band ALL.
    Which method applies follows the point's current meter type, so a point never counts twice.
    Points not in the registry are left out.
-#}
with

supply_points as (

    select
        supply_point_id,
        company_id,
        billing_account_id,
        commodity,
        meter_type
    from {{ ref('dim_supply_point') }}

),

quarter_hour_consumption as (

    select * from {{ ref('fct_quarter_hour_consumption') }}

),

quarter_hours as (

    select * from {{ ref('dim_quarter_hour') }}

),

contract_versions as (

    select * from {{ ref('fct_contract_versions') }}

),

register_differences as (

    select * from {{ ref('int_register_readings_differenced') }}

),

-- electricity interval meters

interval_supply_points as (

    select supply_point_id
    from supply_points
    where commodity = 'ELE' and meter_type = 'interval'

),

interval_sums as (

    select
        quarter_hour_consumption.supply_point_id,
        quarter_hour_consumption.month,
        quarter_hour_consumption.band,
        sum(quarter_hour_consumption.kwh) as quantity,
        count(*) as interval_count
    from quarter_hour_consumption
    inner join interval_supply_points
        on quarter_hour_consumption.supply_point_id = interval_supply_points.supply_point_id
    group by
        quarter_hour_consumption.supply_point_id,
        quarter_hour_consumption.month,
        quarter_hour_consumption.band

),

supply_spans as (

    -- a point is supplied from its first contract's start to its last contract's end (open: no end)
    select
        supply_point_id,
        min(start_date) as supply_start_date,
        max(coalesce(end_date, cast('9999-12-31' as date))) as supply_end_date
    from contract_versions
    group by supply_point_id

),

daily_band_quarter_hours as (

    select
        local_date,
        month,
        band,
        count(*) as quarter_hour_count
    from quarter_hours
    group by local_date, month, band

),

interval_months as (

    select distinct
        supply_point_id,
        month
    from interval_sums

),

expected_intervals as (

    -- the quarter hours of the supplied days of every month in which a point sent a curve;
    -- a point without any contract counts as supplied all month
    select
        interval_months.supply_point_id,
        interval_months.month,
        daily_band_quarter_hours.band,
        sum(daily_band_quarter_hours.quarter_hour_count) as expected_interval_count
    from interval_months
    inner join daily_band_quarter_hours
        on interval_months.month = daily_band_quarter_hours.month
    left join supply_spans
        on interval_months.supply_point_id = supply_spans.supply_point_id
    where supply_spans.supply_point_id is null
        or daily_band_quarter_hours.local_date
            between supply_spans.supply_start_date and supply_spans.supply_end_date
    group by
        interval_months.supply_point_id,
        interval_months.month,
        daily_band_quarter_hours.band

),

interval_consumption as (

    -- a band with no reading shows 0 of its expected count; readings outside the supplied
    -- days still count (and show more intervals than expected)
    select
        coalesce(expected_intervals.supply_point_id, interval_sums.supply_point_id)
            as supply_point_id,
        coalesce(expected_intervals.month, interval_sums.month) as month,
        coalesce(expected_intervals.band, interval_sums.band) as band,
        'interval' as metering_method,
        coalesce(interval_sums.quantity, 0) as quantity,
        'kWh' as unit,
        coalesce(interval_sums.interval_count, 0) as interval_count,
        coalesce(expected_intervals.expected_interval_count, 0) as expected_interval_count
    from expected_intervals
    full outer join interval_sums
        on expected_intervals.supply_point_id = interval_sums.supply_point_id
        and expected_intervals.month = interval_sums.month
        and expected_intervals.band = interval_sums.band

),

-- register meters, electricity and gas

register_consumption as (

    select
        register_differences.supply_point_id,
        register_differences.month,
        register_differences.band,
        'register' as metering_method,
        sum(register_differences.quantity) as quantity,
        register_differences.unit,
        cast(null as integer) as interval_count,
        cast(null as integer) as expected_interval_count
    from register_differences
    inner join supply_points
        on register_differences.supply_point_id = supply_points.supply_point_id
        and register_differences.commodity = supply_points.commodity
    where not register_differences.is_excluded
        and (supply_points.commodity = 'GAS' or supply_points.meter_type = 'register')
    group by
        register_differences.supply_point_id,
        register_differences.month,
        register_differences.band,
        register_differences.unit

),

unioned as (

    select * from interval_consumption
    union all
    select * from register_consumption

),

final as (

    select
        unioned.supply_point_id,
        unioned.month,
        unioned.band,
        supply_points.company_id,
        supply_points.billing_account_id,
        supply_points.commodity,
        unioned.metering_method,
        cast(unioned.quantity as decimal(18, 6)) as quantity,
        unioned.unit,
        cast(unioned.interval_count as integer) as interval_count,
        cast(unioned.expected_interval_count as integer) as expected_interval_count
    from unioned
    inner join supply_points
        on unioned.supply_point_id = supply_points.supply_point_id

)

select * from final
