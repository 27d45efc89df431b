{#-
    A deterministic key for a composite natural key (dbt-utils' generate_surrogate_key, in short).

        {{ surrogate_key(['instance_id', 'store_code', 'order_number']) }}
    renders (DuckDB)
        md5(cast(coalesce(cast(instance_id as VARCHAR), '_null_') || '|' || ... as VARCHAR))

    NULL parts become '_null_' so the key itself is never NULL; '|' separates the parts.
-#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')"
        ) -%}
        {%- if not loop.last -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
