{{ config(materialized='view') }}
{#-
    Load curves summed per supply point, local day and slot segment (macro
    load_curve_slot_segment), with the segment's band that day.

    The quarter hours were summed per delivered line (a POD's day in one file) and segment by
    ingestion, once per file (raw.ele_interval_segments): here no quarter hour is read.
    A day counts once: lines of a file that is not the newest loaded version of its key are
    stale; of the other lines delivering the same POD and day the latest load wins, then the
    last file and line (a day delivered again replaces the day). Ingestion replaces a
    re-delivered file's rows, quarantines a second line of a day within a delivery and flags
    the lines of a day that another file delivers too (redelivered): only those are ranked.
    A view: the determinants read it once, and a table of it would cost more to write than
    to compute.
-#}
with

line_segments as not materialized (

    -- ingestion summed each delivered line's quarter hours per slot segment
    select * from {{ ref('stg_metering__ele_interval_segments') }}

),

landing_files as (

    select * from {{ ref('stg_landing__landing_files') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

supply_points as (

    select supply_point_id from {{ ref('dim_supply_point') }} where commodity = 'ELE'

),

file_versions as (

    -- a file is stale when a newer version of its key is loaded
    select
        files.source_file,
        max(files.file_version) >= coalesce(max(newest.newest_version), 0) as is_current_version
    from landing_files as files
    left join (
        select source_file_key, max(file_version) as newest_version
        from landing_files
        where file_status = 'loaded'
        group by source_file_key
    ) as newest
        on files.source_file_key = newest.source_file_key
    group by files.source_file

),

current_line_segments as not materialized (

    -- a file ingestion has no record of counts as current; read by the two branches below,
    -- and cheaper filtered twice than held in memory once (DuckDB keeps a CTE read twice)
    select line_segments.*
    from line_segments
    where line_segments.source_file not in (
        select source_file from file_versions where not is_current_version
    )

),

single_line_days as (

    -- ingestion flags the lines of a day that another line delivers too (redelivered)
    select current_line_segments.*
    from current_line_segments
    where not current_line_segments.redelivered

),

counted_lines_of_redelivered_days as (

    select *
    from (
        select
            current_line_segments.*,
            dense_rank() over (
                partition by current_line_segments.supply_point_id, current_line_segments.reading_date
                order by
                    current_line_segments.loaded_at desc,
                    current_line_segments.source_file desc,
                    current_line_segments.source_line desc
            ) as line_rank
        from current_line_segments
        where current_line_segments.redelivered
    ) as ranked
    where line_rank = 1

),

counted as (

    select
        supply_point_id, reading_date, slot_segment, source_file, source_line,
        kwh, interval_count, peak_kwh
    from single_line_days
    union all
    select
        supply_point_id, reading_date, slot_segment, source_file, source_line,
        kwh, interval_count, peak_kwh
    from counted_lines_of_redelivered_days

)

select
    counted.supply_point_id,
    counted.reading_date,
    cast(counted.slot_segment as integer) as slot_segment,
    case counted.slot_segment
        when 1 then calendar.day_band
        when 2 then calendar.shoulder_band
        else calendar.night_band
    end as band,
    counted.source_file,
    counted.source_line,
    cast(counted.kwh as decimal(18, 6)) as kwh,
    cast(counted.interval_count as integer) as interval_count,
    cast(counted.peak_kwh as decimal(18, 6)) as peak_kwh
from counted
inner join calendar
    on counted.reading_date = calendar.calendar_date
inner join supply_points
    on counted.supply_point_id = supply_points.supply_point_id
