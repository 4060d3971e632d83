{#-
    Keep one row per key from a relation or CTE: the first one in `order_by`.
    Portable (a window function in a subquery, no QUALIFY). Every key must be fully ordered
    by `order_by` for the choice to be deterministic: end it with a column unique per key.
-#}
{% macro latest_per_key(relation, partition_by, order_by) -%}
    select *
    from (
        select
            ranked_input.*,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _row_rank
        from {{ relation }} as ranked_input
    ) as ranked
    where _row_rank = 1
{%- endmacro %}
