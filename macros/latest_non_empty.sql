{#-
    Aggregate: the value of `column` on the latest row (greatest `order_by`) where it is not
    empty (NULL, or '' once cast to text). An empty value never hides an earlier known one.

        select user_id, {{ latest_non_empty('city', 'history_order') }} as city
        from customer_rows
        group by user_id
    renders (default)
        max_by(city, case when cast(city as VARCHAR) <> '' then history_order end)

    `order_by` is one orderable expression, or a list of them compared left to right
    (['file_date', 'file_name', 'line_number'] renders a tuple): cheaper than numbering the rows
    with row_number() first.
-#}
{% macro latest_non_empty(column, order_by) -%}
    {%- if order_by is not string -%}
        {%- set order_by = ordering_tuple(order_by) -%}
    {%- endif -%}
    {{ return(adapter.dispatch('latest_non_empty', 'omnichannel')(column, order_by)) }}
{%- endmacro %}

{#- Several expressions as one value that compares left to right (a struct on most engines). -#}
{% macro ordering_tuple(expressions) -%}
    {{ return(adapter.dispatch('ordering_tuple', 'omnichannel')(expressions)) }}
{%- endmacro %}

{% macro default__ordering_tuple(expressions) -%}
    row({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__ordering_tuple(expressions) -%}
    struct({{ expressions | join(', ') }})
{%- endmacro %}

{#- max_by (DuckDB, Spark, Databricks, Snowflake, Trino) skips rows whose ordering is NULL. -#}
{% macro default__latest_non_empty(column, order_by) -%}
    max_by(
        {{ column }},
        case when cast({{ column }} as {{ dbt.type_string() }}) <> '' then {{ order_by }} end
    )
{%- endmacro %}
