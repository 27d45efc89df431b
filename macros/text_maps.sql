{#-
    Helpers for map(text, text) columns (the Customers file's extra attributes).

    explode_map: select-list fragment, one output row per map entry (none for an empty or
    NULL map).
        select user_id, {{ explode_map('extra_attributes', 'attribute_name', 'attribute_value') }}
        from customer_rows
    renders (DuckDB)
        unnest(map_keys(extra_attributes)) as attribute_name,
        unnest(map_values(extra_attributes)) as attribute_value
    (Spark: `explode(extra_attributes) as (attribute_name, attribute_value)`.)

    build_map: aggregate, the rows' (key, value) pairs as one map, keys sorted.
        select user_id, {{ build_map('attribute_name', 'attribute_value') }} as extra_attributes
        from extra_attributes_latest
        group by user_id
    (Spark: `map_from_entries(array_sort(collect_list(struct(key, value))))`.)

    empty_text_map: an empty map(text, text) literal, for rows without any entry.
-#}
{% macro explode_map(map_column, key_alias, value_alias) -%}
    {{ return(adapter.dispatch('explode_map', 'omnichannel')(map_column, key_alias, value_alias)) }}
{%- endmacro %}

{#- DuckDB unnests several lists of one select in lockstep; keys and values share one order. -#}
{% macro default__explode_map(map_column, key_alias, value_alias) -%}
    unnest(map_keys({{ map_column }})) as {{ key_alias }},
    unnest(map_values({{ map_column }})) as {{ value_alias }}
{%- endmacro %}

{% macro spark__explode_map(map_column, key_alias, value_alias) -%}
    explode({{ map_column }}) as ({{ key_alias }}, {{ value_alias }})
{%- endmacro %}

{% macro build_map(key_column, value_column) -%}
    {{ return(adapter.dispatch('build_map', 'omnichannel')(key_column, value_column)) }}
{%- endmacro %}

{% macro default__build_map(key_column, value_column) -%}
    map_from_entries(
        list(
            struct_pack(key := {{ key_column }}, value := {{ value_column }})
            order by {{ key_column }}
        )
    )
{%- endmacro %}

{#- Spark: entries sorted by key (then value), as DuckDB's `order by` does. -#}
{% macro spark__build_map(key_column, value_column) -%}
    map_from_entries(
        array_sort(collect_list(struct({{ key_column }} as key, {{ value_column }} as value)))
    )
{%- endmacro %}

{% macro empty_text_map() -%}
    {{ return(adapter.dispatch('empty_text_map', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__empty_text_map() -%}
    cast(map() as map({{ dbt.type_string() }}, {{ dbt.type_string() }}))
{%- endmacro %}

{% macro spark__empty_text_map() -%}
    cast(map() as map<{{ dbt.type_string() }}, {{ dbt.type_string() }}>)
{%- endmacro %}
