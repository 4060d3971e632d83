{#-
    Every customer self-reading with its plausibility verdict (DOMAIN.md §4): accepted ones
    become readings of the billing determinants, the others are kept with the reason, for an
    operator. The first check that fails gives the reason:

    1. the supply point is in the registry, and is register-metered (or gas);
    2. every register it needs is there (F1, F2, F3 for electricity; m3 for gas);
    3. the meter serial, when given, is the meter in place that day;
    4. no DSO actual reading of the same day (that one takes precedence: superseded);
    5. not below the previous DSO actual reading of the same meter, unless it is a roll-over
       (wrapping past 10^digits is the smaller move);
    6. electricity: the consumption since that reading fits the physical cap, committed power x
       hours (+10%, the DSO limiter's tolerance, as ingestion allows);
    7. the consumption since that reading is at most var self_reading_history_multiple (3) x
       the expected one: the point's last 12 months of DSO readings pro rata to days (gas: to
       the seasonal profile), or, without any, the registry's annual consumption pro rata.
    Without a previous actual reading, checks 5-7 have nothing to compare with and pass.
-#}
{%- set multiple = var('self_reading_history_multiple', 3) -%}
with

self_readings as (

    select * from {{ ref('stg_customer__self_readings') }}

),

supply_points as (

    select * from {{ ref('dim_supply_point') }}

),

versions as (

    select * from {{ ref('int_supply_points_versioned') }}

),

actual_readings as (

    select * from {{ ref('int_register_readings_unpivoted') }}
    where reading_kind = 'actual'

),

differences as (

    select * from {{ ref('int_register_readings_differenced') }}
    where not is_excluded

),

calendar as (

    select * from {{ ref('dim_date') }}

),

located as (

    select
        self_readings.*,
        supply_points.supply_point_id is not null as is_registered,
        supply_points.commodity,
        supply_points.meter_type,
        supply_points.power_kw,
        supply_points.annual_consumption,
        version_of_the_day.meter_serial as meter_serial,
        version_of_the_day.meter_digits
    from self_readings
    left join supply_points
        on self_readings.supply_point_id = supply_points.supply_point_id
    left join versions as version_of_the_day
        on self_readings.supply_point_id = version_of_the_day.supply_point_id
        and self_readings.reading_date >= version_of_the_day.valid_from
        and self_readings.reading_date
            <= coalesce(version_of_the_day.valid_to, cast('9999-12-31' as date))

),

registers as (

    select self_reading_id, 'F1' as band, reading_f1 as register_value from located
    where commodity = 'ELE'
    union all
    select self_reading_id, 'F2' as band, reading_f2 as register_value from located
    where commodity = 'ELE'
    union all
    select self_reading_id, 'F3' as band, reading_f3 as register_value from located
    where commodity = 'ELE'
    union all
    select self_reading_id, 'ALL' as band, reading_m3 as register_value from located
    where commodity = 'GAS'

),

previous_candidates as (

    select
        registers.self_reading_id,
        registers.band,
        registers.register_value,
        located.meter_digits,
        actual_readings.reading_date as previous_actual_date,
        actual_readings.register_value as previous_value
    from registers
    inner join located
        on registers.self_reading_id = located.self_reading_id
    left join actual_readings
        on located.supply_point_id = actual_readings.supply_point_id
        and located.meter_serial = actual_readings.meter_serial
        and registers.band = actual_readings.band
        and actual_readings.reading_date < located.reading_date

),

previous_actuals as (

    {{ latest_per_key(
        'previous_candidates',
        'self_reading_id, band',
        'previous_actual_date desc nulls last'
    ) }}

),

moves as (

    select
        previous_actuals.*,
        case
            when register_value is null or previous_value is null then null
            when register_value >= previous_value then register_value - previous_value
            when cast(power(10, meter_digits) as decimal(18, 0)) - previous_value + register_value
                < previous_value - register_value
                then cast(power(10, meter_digits) as decimal(18, 0)) - previous_value + register_value
        end as move
    from previous_actuals

),

per_reading as (

    select
        self_reading_id,
        min(case when register_value is null then band end) as missing_band,
        min(
            case when previous_value is not null and register_value is not null and move is null
                then band end
        ) as band_below,
        max(previous_actual_date) as previous_actual_date,
        sum(move) as implied_consumption
    from moves
    group by self_reading_id

),

same_day_actuals as (

    select distinct supply_point_id, reading_date from actual_readings

),

histories as (

    -- DSO-read consumption in the 12 months up to the previous actual reading
    select
        located.self_reading_id,
        sum(differences.quantity) as history_quantity,
        min(differences.previous_reading_date) as history_after,
        max(differences.reading_date) as history_until
    from located
    inner join per_reading
        on located.self_reading_id = per_reading.self_reading_id
    inner join differences
        on located.supply_point_id = differences.supply_point_id
        and differences.reading_date <= per_reading.previous_actual_date
        and differences.reading_date
            > cast({{ dbt.dateadd('day', -365, 'per_reading.previous_actual_date') }} as date)
    group by located.self_reading_id

),

expectations as (

    select
        located.self_reading_id,
        {{ dbt.datediff('per_reading.previous_actual_date', 'located.reading_date', 'day') }}
            as days_since_previous,
        case
            when histories.history_quantity is not null
                then {{ apportion(
                    'histories.history_quantity',
                    span_weight('located.commodity', 'span_from', 'span_until'),
                    span_weight('located.commodity', 'history_from', 'history_to')
                ) }}
            else {{ apportion(
                'located.annual_consumption',
                span_weight('located.commodity', 'span_from', 'span_until'),
                year_weight('located.commodity')
            ) }}
        end as expected_consumption
    from located
    inner join per_reading
        on located.self_reading_id = per_reading.self_reading_id
    left join histories
        on located.self_reading_id = histories.self_reading_id
    left join calendar as span_from
        on span_from.calendar_date
            = cast({{ dbt.dateadd('day', 1, 'per_reading.previous_actual_date') }} as date)
    left join calendar as span_until
        on span_until.calendar_date = located.reading_date
    left join calendar as history_from
        on history_from.calendar_date
            = cast({{ dbt.dateadd('day', 1, 'histories.history_after') }} as date)
    left join calendar as history_to
        on history_to.calendar_date = histories.history_until

),

judged as (

    select
        located.*,
        per_reading.previous_actual_date,
        cast(per_reading.implied_consumption as decimal(18, 6)) as implied_consumption,
        cast(expectations.expected_consumption as decimal(18, 6)) as expected_consumption,
        cast(
            located.power_kw * 24 * expectations.days_since_previous * 1.1 as decimal(18, 6)
        ) as physical_cap,
        same_day_actuals.reading_date is not null as has_same_day_actual,
        per_reading.missing_band,
        per_reading.band_below,
        expectations.days_since_previous
    from located
    left join per_reading
        on located.self_reading_id = per_reading.self_reading_id
    left join expectations
        on located.self_reading_id = expectations.self_reading_id
    left join same_day_actuals
        on located.supply_point_id = same_day_actuals.supply_point_id
        and located.reading_date = same_day_actuals.reading_date

),

reasons as (

    select
        judged.*,
        case
            when not is_registered then 'supply point not in the registry'
            when commodity = 'ELE' and meter_type = 'interval'
                then 'an interval meter: its load curve is its reading'
            when missing_band is not null
                then 'no reading of register ' || missing_band
            when declared_meter_serial is not null
                and declared_meter_serial <> coalesce(meter_serial, '')
                then 'meter ' || declared_meter_serial || ' is not the meter in place ('
                    || coalesce(meter_serial, 'none') || ')'
            when has_same_day_actual
                then 'the DSO''s actual reading of the same day takes precedence'
            when band_below is not null
                then 'register ' || band_below || ' below the previous actual reading of '
                    || cast(previous_actual_date as varchar) || ', and no roll-over'
            when commodity = 'ELE' and implied_consumption > physical_cap
                then cast(implied_consumption as varchar) || ' kWh in '
                    || cast(days_since_previous as varchar)
                    || ' days is above the physical cap of ' || cast(physical_cap as varchar)
                    || ' kWh (committed power x hours)'
            when expected_consumption > 0
                and implied_consumption > {{ multiple }} * expected_consumption
                then cast(implied_consumption as varchar) || ' in '
                    || cast(days_since_previous as varchar) || ' days is more than {{ multiple }}'
                    || ' x the ' || cast(expected_consumption as varchar)
                    || ' expected from history'
        end as reason
    from judged

)

select
    self_reading_id,
    supply_point_id,
    commodity,
    reading_date,
    channel,
    meter_serial,
    declared_meter_serial,
    reading_f1,
    reading_f2,
    reading_f3,
    reading_m3,
    previous_actual_date,
    implied_consumption,
    expected_consumption,
    case
        when reason is null then 'accepted'
        when has_same_day_actual and reason like 'the DSO%' then 'superseded'
        else 'rejected'
    end as status,
    reason,
    source_file,
    source_line
from reasons
