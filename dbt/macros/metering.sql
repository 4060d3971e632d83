{#-
    The slot segment of a load-curve quarter hour: 1 day (slots 33-76, 08:00-19:00 on a
    96-slot day), 2 shoulder (slots 29-32 and 77-92, 07:00-08:00 and 19:00-23:00), 3 night
    (the rest). On any day every slot of a segment has one band (dim_date gives it per day;
    a singular test checks it against dim_quarter_hour, DST days included), so a day's curve
    is split into bands by summing three segments, with no per-quarter-hour calendar join.
-#}
{% macro load_curve_slot_segment(slot) -%}
    case
        when {{ slot }} between 33 and 76 then 1
        when {{ slot }} between 29 and 92 then 2
        else 3
    end
{%- endmacro %}


{#-
    Consumption between consecutive cumulative register readings of a supply point, per
    register (band), across its meters (DOMAIN.md §4, docs/contracts.md §4).

    `relation` has one row per reading and register: supply_point_id, band, reading_date,
    meter_serial, meter_sequence (1 for the point's first meter, 2 for the one replacing it...),
    meter_digits, reading_kind, register_value, plus any other columns (kept). Readings are
    chained by date, then meter (on a replacement day the old meter's closing reading comes
    before the new meter's opening). Each reading gets the difference from the one before it:

    - opening: the point's first reading, no difference (quantity NULL);
    - consumption: same meter, not lower: current - previous;
    - roll_over: same meter, lower, and wrapping past 10^digits is the smaller move:
      10^digits - previous + current;
    - decrease: same meter, lower and no roll-over, between two DSO readings: implausible,
      quantity current - previous (negative, kept so that sums over a span still telescope);
    - correction: the same, with a customer self-reading at either end: the self-reading was
      read high, and the negative difference gives it back;
    - meter_change: the new meter's opening after the old meter's closing of the same day:
      quantity 0, so a span across a replacement is old closing - old previous + new reading
      - new opening;
    - meter_change_without_closing: a new meter whose predecessor has no closing reading on
      the replacement day: quantity 0, the old meter's last stretch is unknown.
-#}
{% macro register_differences(relation) -%}
    select
        chained.*,
        case
            when chained.previous_reading_date is null then 'opening'
            when chained.previous_meter_serial <> chained.meter_serial then
                case
                    when chained.previous_reading_date = chained.reading_date then 'meter_change'
                    else 'meter_change_without_closing'
                end
            when chained.register_value >= chained.previous_register_value then 'consumption'
            when chained.wrapped_quantity < chained.previous_register_value - chained.register_value
                then 'roll_over'
            when chained.reading_kind = 'self_reading'
                or chained.previous_reading_kind = 'self_reading' then 'correction'
            else 'decrease'
        end as difference_kind,
        cast(
            case
                when chained.previous_reading_date is null then null
                when chained.previous_meter_serial <> chained.meter_serial then 0
                when chained.register_value >= chained.previous_register_value
                    then chained.register_value - chained.previous_register_value
                when chained.wrapped_quantity < chained.previous_register_value - chained.register_value
                    then chained.wrapped_quantity
                else chained.register_value - chained.previous_register_value
            end as decimal(18, 6)
        ) as quantity
    from (
        select
            lagged.*,
            -- the register past 10^digits and round again from zero
            cast(power(10, lagged.meter_digits) as decimal(18, 0))
                - lagged.previous_register_value + lagged.register_value as wrapped_quantity
        from (
            select
                readings.*,
                lag(readings.reading_date) over chain as previous_reading_date,
                lag(readings.meter_serial) over chain as previous_meter_serial,
                lag(readings.register_value) over chain as previous_register_value,
                lag(readings.reading_kind) over chain as previous_reading_kind
            from {{ relation }} as readings
            window chain as (
                partition by readings.supply_point_id, readings.band
                order by readings.reading_date, readings.meter_sequence
            )
        ) as lagged
    ) as chained
{%- endmacro %}


{#-
    The weight of the days from one dim_date row to another, both included: days for
    electricity, the seasonal profile's weight for gas. `first_day` and `last_day` are aliases
    of joined dim_date rows. Quantities are apportioned over days in proportion to it.
-#}
{% macro span_weight(commodity, first_day, last_day) -%}
    case
        when {{ commodity }} = 'GAS'
            then {{ last_day }}.gas_profile_cumulative_weight
                - {{ first_day }}.gas_profile_cumulative_weight + {{ first_day }}.gas_profile_weight
        else {{ last_day }}.day_number - {{ first_day }}.day_number + 1
    end
{%- endmacro %}


{#- A year's weight in span_weight's units: 365 days, or the gas profile's whole (share 1). -#}
{% macro year_weight(commodity) -%}
    case when {{ commodity }} = 'GAS' then cast(377580000000 as bigint) else 365 end
{%- endmacro %}
