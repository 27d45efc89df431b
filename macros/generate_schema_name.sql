{#-
    Use a model's custom schema name as it is, instead of dbt's `<target>_<custom>`:

        +schema: staging    ->  staging.stg_icommkt__orders
        (no +schema)        ->  <target.schema>.<model>
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
