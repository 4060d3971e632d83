{#- One row per local date of the calendar, with what billing asks of a day. -#}
with

quarter_hours as (

    select * from {{ ref('dim_quarter_hour') }}

),

holidays as (

    select * from {{ ref('stg_calendar__public_holidays') }}

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
        sum(case when band = 'F3' then 1 else 0 end) as f3_quarter_hours
    from quarter_hours
    group by local_date, month, weekday, is_holiday

),

final as (

    select
        days.local_date as calendar_date,
        cast(extract(year from days.local_date) as integer) as year,
        days.month,
        cast(extract(month from days.local_date) as integer) as month_number,
        cast(extract(day from days.local_date) as integer) as day_of_month,
        days.weekday,
        days.weekday >= 6 as is_weekend,
        days.is_holiday,
        holidays.holiday_name,
        -- the gas year runs 1 October - 30 September and is named by the year it starts in
        case
            when extract(month from days.local_date) >= 10
                then cast(extract(year from days.local_date) as integer)
            else cast(extract(year from days.local_date) as integer) - 1
        end as gas_year,
        cast(days.quarter_hour_count as integer) as quarter_hour_count,
        cast(days.f1_quarter_hours as integer) as f1_quarter_hours,
        cast(days.f2_quarter_hours as integer) as f2_quarter_hours,
        cast(days.f3_quarter_hours as integer) as f3_quarter_hours
    from days
    left join holidays
        on days.local_date = holidays.holiday_date

)

select * from final
