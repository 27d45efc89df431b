{#-
    Keyed incremental models: a build only recomputes the keys that loads since its last build
    touched, so a new day costs what the day holds, not the whole history.

    A model keyed on its natural key declares
        {{ config(
            materialized=keyed_incremental(),
            pre_hook="{{ delete_touched_rows(['instance_id', 'user_id'], source('icommkt', 'customers')) }}",
            post_hook="{{ record_incremental_state() }}"
        ) }}
    and filters its raw rows the same way:
        from {{ source('icommkt', 'customers') }}
        {% if is_incremental() %}
        where {{ touched_by_new_loads(['instance_id', 'user_id'], source('icommkt', 'customers')) }}
        {% endif %}

    Touched keys are those with a raw row from a load that finished after the model's last
    build (its watermark in the state table). The pre-hook deletes every row of those keys and
    the model appends them again from all their raw rows, so a key's history (re-sends, older
    versions) is weighed exactly as in a full build. A changed re-delivery deletes the rows of
    the delivery it replaces from the raw layer; keys found only there would go stale, so any
    replacement since the last build makes the model recompute every key. Without a recorded
    watermark (first build, or a table built before the state existed) every key is touched.
-#}

{#- 'incremental' where rows can be deleted in place (DuckDB); a rebuilt table elsewhere. -#}
{% macro keyed_incremental() -%}
    {{ return(adapter.dispatch('keyed_incremental', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__keyed_incremental() -%}
    {{ return('incremental') }}
{%- endmacro %}

{#- Spark's Parquet tables cannot delete rows: every build rebuilds them. -#}
{% macro spark__keyed_incremental() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro incremental_state_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema='meta', identifier='incremental_state'
    )) }}
{%- endmacro %}

{#- on-run-start: the table of watermarks, one row per keyed incremental model. -#}
{% macro create_incremental_state() -%}
    {{ return(adapter.dispatch('create_incremental_state', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__create_incremental_state() -%}
    create schema if not exists {{ incremental_state_relation().without_identifier() }};
    create table if not exists {{ incremental_state_relation() }} (
        model_name {{ dbt.type_string() }} primary key,
        loaded_through {{ dbt.type_timestamp() }},
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{#- An empty hook is skipped by dbt. -#}
{% macro spark__create_incremental_state() -%}
{%- endmacro %}

{#- Post-hook: the model now holds every load finished so far. -#}
{% macro record_incremental_state() -%}
    {{ return(adapter.dispatch('record_incremental_state', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__record_incremental_state() -%}
    insert or replace into {{ incremental_state_relation() }}
    select
        '{{ this.identifier }}' as model_name,
        max(finished_at) as loaded_through,
        current_timestamp as recorded_at
    from {{ source('icommkt', 'load_manifest') }}
{%- endmacro %}

{% macro spark__record_incremental_state() -%}
{%- endmacro %}

{#- The model's watermark: the last load finished when it was last built. -#}
{% macro incremental_watermark() -%}
    coalesce(
        (
            select loaded_through
            from {{ incremental_state_relation() }}
            where model_name = '{{ this.identifier }}'
        ),
        cast('1900-01-01' as {{ dbt.type_timestamp() }})
    )
{%- endmacro %}

{#-
    Condition on `key_columns`: the key has a row from a new load in `raw_relations` (one
    relation, or a list of them sharing the key columns).
-#}
{% macro touched_by_new_loads(key_columns, raw_relations) -%}
    {%- if raw_relations is not sequence or raw_relations is string -%}
        {%- set raw_relations = [raw_relations] -%}
    {%- endif -%}
    (
        ({{ key_columns | join(', ') }}) in (
            {%- for raw_relation in raw_relations %}
            select {{ key_columns | join(', ') }}
            from {{ raw_relation }}
            where load_id in (
                select load_id
                from {{ source('icommkt', 'load_manifest') }}
                where finished_at > {{ incremental_watermark() }}
            )
            {% if not loop.last %}union{% endif -%}
            {%- endfor %}
        )
        or exists (
            select 1
            from {{ source('icommkt', 'load_manifest') }}
            where status = 'replaced' and finished_at > {{ incremental_watermark() }}
        )
    )
{%- endmacro %}

{#- Pre-hook: drop the rows the model is about to recompute. -#}
{% macro delete_touched_rows(key_columns, raw_relations) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ touched_by_new_loads(key_columns, raw_relations) }}
    {%- endif -%}
{%- endmacro %}
