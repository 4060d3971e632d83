{#-
    Register readings below the previous reading of the same meter that are no roll-over, and
    new meters without the old meter's closing reading: their difference is excluded from
    consumption. Shown as a warning so an operator sees each one with its reason.
-#}
{{ config(severity='warn') }}

select
    supply_point_id,
    meter_serial,
    band,
    previous_reading_date,
    reading_date,
    previous_register_value,
    register_value,
    exclusion_reason
from {{ ref('int_register_readings_differenced') }}
where is_excluded
