{#-
    Exact decimal division, rounded half away from zero (half-up on magnitudes) to `scale`
    decimals: the one rounding of derived quantities (DOMAIN.md §4: C's steps; shares of a
    quantity apportioned over days). DuckDB divides DECIMALs in floating point, so its version
    works on integers (HUGEINT) instead. The operands must have at most six decimals.
    NULL when the denominator is zero.
-#}
{% macro divide_half_up(numerator, denominator, scale=6) -%}
    {{ return(adapter.dispatch('divide_half_up', 'energia')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__divide_half_up(numerator, denominator, scale=6) -%}
    round(cast({{ numerator }} as numeric) / nullif({{ denominator }}, 0), {{ scale }})
{%- endmacro %}

{% macro duckdb__divide_half_up(numerator, denominator, scale=6) -%}
    {%- set n = 'cast((' ~ numerator ~ ') * 1000000 as hugeint)' -%}
    {%- set d = 'cast((' ~ denominator ~ ') * 1000000 as hugeint)' -%}
    (
        cast(
            sign({{ n }}) * sign({{ d }})
            * ((abs({{ n }}) * {{ 2 * 10 ** scale }} + abs({{ d }})) // nullif(2 * abs({{ d }}), 0))
            as decimal(38, 0)
        ) * {{ '1' if scale == 0 else '0.' ~ '0' * (scale - 1) ~ '1' }}
    )
{%- endmacro %}


{#-
    The share of `total` that `part_weight` out of `whole_weight` carries, exact to six
    decimals: apportions a quantity over days (weights from dim_date). NULL for a zero whole.
-#}
{% macro apportion(total, part_weight, whole_weight) -%}
    {{ divide_half_up('(' ~ total ~ ') * (' ~ part_weight ~ ')', whole_weight, 6) }}
{%- endmacro %}
