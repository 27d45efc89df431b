{#-
    A deterministic key for a composite natural key (dbt-utils' generate_surrogate_key, in short):
    the MD5 of the parts joined with '|', NULL parts as '_null_', so the key itself is never NULL.

        {{ surrogate_key(['instance_id', 'store_code', 'order_number']) }}
    renders (DuckDB)
        cast(md5_number(coalesce(cast(instance_id as VARCHAR), '_null_') || '|' || ...) as uuid)

    DuckDB keeps the 128 bits as a UUID: 16 fixed bytes that join and group about twice as fast
    as the 32-character hex text, and Parquet stores as UUID. Other engines write the same UUID
    as text, so a key is the same value on every engine.
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
    {{ return(adapter.dispatch('surrogate_key_hash', 'omnichannel')(dbt.concat(parts))) }}
{%- endmacro %}

{#- md5_number reads the digest as a little-endian 128-bit number; as a UUID, its bytes are the
    digest's in reverse order. -#}
{% macro default__surrogate_key_hash(expression) -%}
    cast(md5_number({{ expression }}) as uuid)
{%- endmacro %}

{#- Spark: DuckDB's UUID as text: the MD5 hex with its bytes reversed, in 8-4-4-4-12 groups. -#}
{% macro spark__surrogate_key_hash(expression) -%}
    regexp_replace(
        regexp_replace(reverse({{ dbt.hash(expression) }}), '(.)(.)', '$2$1'),
        '^(.{8})(.{4})(.{4})(.{4})(.{12})$',
        '$1-$2-$3-$4-$5'
    )
{%- endmacro %}
