with

source as (

    select * from {{ source('calendar', 'public_holidays') }}

),

renamed as (

    select
        cast(holiday_date as date) as holiday_date,
        name as holiday_name
    from source

),

one_row_per_date as (

    -- two holidays can fall on one date: the day is still one holiday, keep both names
    select
        holiday_date,
        {{ dbt.listagg('holiday_name', "'; '", 'order by holiday_name') }} as holiday_name
    from renamed
    group by holiday_date

)

select * from one_row_per_date
