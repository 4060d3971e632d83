{#-
    One row per quarter hour of the local (Europe/Rome) calendar: 96 a day, 92 on the spring
    DST day, 100 on the autumn one. The span comes from vars so a unit test can build one day.
-#}
{%- set first_day = modules.datetime.date.fromisoformat(var('calendar_start')) -%}
{%- set last_day = modules.datetime.date.fromisoformat(var('calendar_end')) -%}
{%- set day_count = (last_day - first_day).days + 1 -%}

with

day_numbers as (

    {{ dbt.generate_series(day_count) }}

),

-- a local day has at most 100 quarter hours (the autumn DST day)
slot_numbers as (

    {{ dbt.generate_series(100) }}

),

local_days as (

    select
        cast(
            {{ dbt.dateadd('day', 'generated_number - 1', "cast('" ~ first_day ~ "' as date)") }}
            as date
        ) as local_date
    from day_numbers

),

candidate_quarter_hours as (

    -- slot n of a day starts (n - 1) x 15 minutes after the instant of local midnight;
    -- counting in UTC instants makes DST days come out right by themselves
    select
        local_days.local_date,
        cast(slot_numbers.generated_number as integer) as slot,
        {{ dbt.dateadd(
            'minute',
            '(slot_numbers.generated_number - 1) * 15',
            local_midnight_to_utc('local_days.local_date')
        ) }} as quarter_hour_start_utc
    from local_days
    cross join slot_numbers

),

localised as (

    select
        local_date,
        slot,
        quarter_hour_start_utc,
        {{ to_local_timestamp('quarter_hour_start_utc') }} as local_start
    from candidate_quarter_hours

),

quarter_hours as (

    -- the slots that start before the next local midnight: 92, 96 or 100 of them
    select
        quarter_hour_start_utc,
        local_date,
        slot,
        cast(extract(hour from local_start) as integer) as local_hour,
        cast(extract(minute from local_start) as integer) as local_minute
    from localised
    where cast(local_start as date) = local_date

),

holidays as (

    select holiday_date from {{ ref('stg_calendar__public_holidays') }}

),

calendar as (

    select
        quarter_hours.quarter_hour_start_utc,
        quarter_hours.local_date,
        quarter_hours.slot,
        quarter_hours.local_hour,
        quarter_hours.local_minute,
        cast({{ dbt.date_trunc('month', 'quarter_hours.local_date') }} as date) as month,
        {{ iso_weekday('quarter_hours.local_date') }} as weekday,
        holidays.holiday_date is not null as is_holiday
    from quarter_hours
    left join holidays
        on quarter_hours.local_date = holidays.holiday_date

),

banded as (

    -- ARERA bands (DOMAIN.md §3); a quarter hour takes the band of the local hour it starts in
    select
        calendar.*,
        case
            when is_holiday or weekday = 7 then 'F3'
            when weekday = 6 then
                case when local_hour between 7 and 22 then 'F2' else 'F3' end
            when local_hour between 8 and 18 then 'F1'
            when local_hour = 7 or local_hour between 19 and 22 then 'F2'
            else 'F3'
        end as band
    from calendar

)

select
    quarter_hour_start_utc,
    local_date,
    slot,
    local_hour,
    local_minute,
    month,
    weekday,
    is_holiday,
    band
from banded
