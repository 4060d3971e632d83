{#-
    Ingestion's segment sums (raw.ele_interval_segments) agree with the quarter hours they
    summarise, line by line and segment by segment: a row here is a line and segment where the
    two differ, or that only one of them has. Holds the loader's segment expression and the
    macro load_curve_slot_segment together.
-#}
with

quarter_hours as (

    select
        source_file,
        source_line,
        {{ load_curve_slot_segment('slot') }} as slot_segment,
        sum(kwh) as kwh,
        count(*) as interval_count,
        max(kwh) as peak_kwh
    from {{ ref('stg_metering__ele_interval_readings') }}
    group by all

),

segments as (

    select source_file, source_line, slot_segment, kwh, interval_count, peak_kwh
    from {{ ref('stg_metering__ele_interval_segments') }}

)

select
    source_file,
    source_line,
    slot_segment,
    quarter_hours.kwh as quarter_hours_kwh,
    segments.kwh as segments_kwh,
    quarter_hours.interval_count as quarter_hours_count,
    segments.interval_count as segments_count
from quarter_hours
full outer join segments
    using (source_file, source_line, slot_segment)
where quarter_hours.kwh is distinct from segments.kwh
    or quarter_hours.interval_count is distinct from segments.interval_count
    or quarter_hours.peak_kwh is distinct from segments.peak_kwh
