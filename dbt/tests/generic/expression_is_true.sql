{#-
    Every row satisfies a SQL boolean `expression` (rows where it is NULL fail too). On a column
    the expression is still written in full (`kwh >= 0`), so it reads the same at both levels.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
