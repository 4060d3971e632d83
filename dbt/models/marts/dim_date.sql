{#-
    One row per local date of the calendar, with what billing asks of a day: its quarter hours
    per band, the band of each load-curve slot segment, and the weights that apportion a
    quantity over days (pro rata to days for electricity, to the seasonal profile for gas).
-#}
with

quarter_hours as (

    select * from {{ ref('dim_quarter_hour') }}

),

holidays as (

    select * from {{ ref('stg_calendar__public_holidays') }}

),

gas_profile as (

    select * from {{ ref('ref_gas_seasonal_profile') }}

),

days as (

    select
        local_date,
        month,
        weekday,
        is_holiday,
        count(*) as quarter_hour_count,
        sum(case when band = 'F1' then 1 else 0 end) as f1_quarter_hours,
        sum(case when band = 'F2' then 1 else 0 end) as f2_quarter_hours,
        sum(case when band = 'F3' then 1 else 0 end) as f3_quarter_hours,
        -- one band per slot segment (assert_slot_segments_have_one_band_per_day)
        min(case when {{ load_curve_slot_segment('slot') }} = 1 then band end) as day_band,
        min(case when {{ load_curve_slot_segment('slot') }} = 2 then band end) as shoulder_band,
        min(case when {{ load_curve_slot_segment('slot') }} = 3 then band end) as night_band
    from quarter_hours
    group by local_date, month, weekday, is_holiday

),

weighted as (

    -- a gas day weighs its month's share / the month's days; 377580 = lcm(28, 29, 30, 31)
    -- makes every day's weight a whole number, so apportioned quantities stay exact
    select
        days.*,
        cast(
            cast(gas_profile.share * 1000000 as bigint) * 377580
            / cast(extract(day from {{ dbt.last_day('days.local_date', 'month') }}) as integer)
            as bigint
        ) as gas_profile_weight
    from days
    left join gas_profile
        on cast(extract(month from days.local_date) as integer) = gas_profile.month_number
        and days.local_date >= gas_profile.valid_from
        and days.local_date <= coalesce(gas_profile.valid_to, cast('9999-12-31' as date))

),

final as (

    select
        weighted.local_date as calendar_date,
        cast(extract(year from weighted.local_date) as integer) as year,
        weighted.month,
        cast(extract(month from weighted.local_date) as integer) as month_number,
        cast(extract(day from weighted.local_date) as integer) as day_of_month,
        cast(
            extract(day from {{ dbt.last_day('weighted.local_date', 'month') }}) as integer
        ) as days_in_month,
        weighted.weekday,
        weighted.weekday >= 6 as is_weekend,
        weighted.is_holiday,
        holidays.holiday_name,
        -- the gas year runs 1 October - 30 September and is named by the year it starts in
        case
            when extract(month from weighted.local_date) >= 10
                then cast(extract(year from weighted.local_date) as integer)
            else cast(extract(year from weighted.local_date) as integer) - 1
        end as gas_year,
        cast(weighted.quarter_hour_count as integer) as quarter_hour_count,
        cast(weighted.f1_quarter_hours as integer) as f1_quarter_hours,
        cast(weighted.f2_quarter_hours as integer) as f2_quarter_hours,
        cast(weighted.f3_quarter_hours as integer) as f3_quarter_hours,
        weighted.day_band,
        weighted.shoulder_band,
        weighted.night_band,
        -- cumulative counts from the calendar's first day: a span's total is a difference
        cast(row_number() over (order by weighted.local_date) as integer) as day_number,
        cast(sum(weighted.f1_quarter_hours) over cumulative as bigint) as f1_cumulative_quarter_hours,
        cast(sum(weighted.f2_quarter_hours) over cumulative as bigint) as f2_cumulative_quarter_hours,
        cast(sum(weighted.f3_quarter_hours) over cumulative as bigint) as f3_cumulative_quarter_hours,
        weighted.gas_profile_weight,
        cast(sum(weighted.gas_profile_weight) over cumulative as bigint)
            as gas_profile_cumulative_weight
    from weighted
    left join holidays
        on weighted.local_date = holidays.holiday_date
    window cumulative as (order by weighted.local_date rows unbounded preceding)

)

select * from final
