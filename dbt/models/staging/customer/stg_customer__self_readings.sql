{#- One row per supply point and self-reading date; of a reading sent twice the latest load wins. -#}
with

source as (

    select * from {{ source('customer', 'self_readings') }}

),

renamed as (

    select
        -- ids
        supply_point_id || '|' || cast(cast(reading_date as date) as varchar) as self_reading_id,
        supply_point_id,
        cast(reading_date as date) as reading_date,

        -- what the customer sent
        meter_serial as declared_meter_serial,
        channel,
        cast(reading_f1 as decimal(18, 6)) as reading_f1,
        cast(reading_f2 as decimal(18, 6)) as reading_f2,
        cast(reading_f3 as decimal(18, 6)) as reading_f3,
        cast(reading_m3 as decimal(18, 6)) as reading_m3,

        -- lineage
        _file as source_file,
        cast(_line as integer) as source_line,
        _loaded_at as loaded_at

    from source

),

deduplicated as (

    {{ latest_per_key(
        'renamed',
        'self_reading_id',
        'loaded_at desc, source_file desc, source_line desc'
    ) }}

)

select
    self_reading_id,
    supply_point_id,
    reading_date,
    declared_meter_serial,
    channel,
    reading_f1,
    reading_f2,
    reading_f3,
    reading_m3,
    source_file,
    source_line,
    loaded_at
from deduplicated
