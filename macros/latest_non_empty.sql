{#-
    Aggregate: the value of `column` on the latest row (greatest `order_by`) where it is not
    empty (NULL, or '' once cast to text). An empty value never hides an earlier known one.

        select user_id, {{ latest_non_empty('city', 'history_order') }} as city
        from customer_rows
        group by user_id
    renders (default)
        max_by(city, case when cast(city as VARCHAR) <> '' then history_order end)

    `order_by` is one orderable expression; number the rows with row_number() first when the
    order is composite (file_date, then line_number).
-#}
{% macro latest_non_empty(column, order_by) -%}
    {{ return(adapter.dispatch('latest_non_empty', 'omnichannel')(column, order_by)) }}
{%- endmacro %}

{#- max_by (DuckDB, Spark, Databricks, Snowflake, Trino) skips rows whose ordering is NULL. -#}
{% macro default__latest_non_empty(column, order_by) -%}
    max_by(
        {{ column }},
        case when cast({{ column }} as {{ dbt.type_string() }}) <> '' then {{ order_by }} end
    )
{%- endmacro %}
