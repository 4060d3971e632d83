{#-
    Time zone arithmetic, the one place where engines disagree on syntax (DESIGN.md decision 1).
    Models call these macros instead of writing `at time zone` themselves; a new engine adds
    its `<adapter>__` version here. The default is the SQL standard `AT TIME ZONE`, which
    DuckDB (with its built-in ICU extension) and PostgreSQL both implement.
-#}

{#- The naive local wall-clock time of an instant (TIMESTAMP WITH TIME ZONE -> TIMESTAMP). -#}
{% macro to_local_timestamp(utc_instant) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'energia')(utc_instant)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_instant) -%}
    ({{ utc_instant }} at time zone '{{ var("local_time_zone") }}')
{%- endmacro %}


{#- The instant at which a local date begins (DATE -> TIMESTAMP WITH TIME ZONE). -#}
{% macro local_midnight_to_utc(local_date) -%}
    {{ return(adapter.dispatch('local_midnight_to_utc', 'energia')(local_date)) }}
{%- endmacro %}

{% macro default__local_midnight_to_utc(local_date) -%}
    (cast({{ local_date }} as timestamp) at time zone '{{ var("local_time_zone") }}')
{%- endmacro %}


{#- ISO day of the week of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(a_date) -%}
    {{ return(adapter.dispatch('iso_weekday', 'energia')(a_date)) }}
{%- endmacro %}

{% macro default__iso_weekday(a_date) -%}
    cast(extract(isodow from {{ a_date }}) as integer)
{%- endmacro %}
