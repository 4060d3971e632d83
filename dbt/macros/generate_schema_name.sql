{#-
    Use a folder's custom schema as-is (`staging`, `marts`, `reports`, `reference`), not
    dbt's default `<target schema>_<custom>`: readers (rating, the serving snapshot) name
    `reports.rpt_...` directly, and there is one warehouse file per environment.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
