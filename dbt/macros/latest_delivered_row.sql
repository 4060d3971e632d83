{#-
    The deduplication policy of metering readings, in one place for every metering source.

    Ingestion replaces the rows of a re-delivered file (`<key>__v<N>.csv`), but the same reading
    can still arrive twice: twice in one file, in files of two keys (a DSO resends a day in the
    next month's file), or, should a replacement have failed half-way, in two versions of a key.
      1. Rows of a file that is not the newest loaded version of its key are stale: dropped
         (`is_current_file_version`, from landing_file_versions(): a per-file fact, so no
         second window over the readings).
      2. Of a reading still delivered more than once, the latest load wins, then the last file
         by name, then the last line: file and line make the order total, so it is deterministic.
    One window partitioned by the key: filters on key columns (tests, selections) pass through it.

    `relation` must have the key columns and is_current_file_version, loaded_at, source_file,
    source_line. The result has the relation's columns plus `_row_rank`.
-#}
{% macro latest_delivered_row(relation, key_columns) -%}
    select *
    from (
        select
            delivered.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by loaded_at desc, source_file desc, source_line desc
            ) as _row_rank
        from {{ relation }} as delivered
        where delivered.is_current_file_version
    ) as ranked
    where _row_rank = 1
{%- endmacro %}


{#-
    One row per landing file ingestion recorded: its version and whether it is the newest loaded
    version of its file key (a superseded version's rows are stale wherever they still are).
-#}
{% macro landing_file_versions() -%}
    select
        files._file,
        max(files.version) as file_version,
        max(files.version) >= coalesce(max(current_versions.current_version), 0)
            as is_current_version
    from {{ source('landing', 'landing_files') }} as files
    left join (
        select
            _file_key,
            max(version) as current_version
        from {{ source('landing', 'landing_files') }}
        where status = 'loaded'
        group by _file_key
    ) as current_versions
        on files._file_key = current_versions._file_key
    group by files._file
{%- endmacro %}
