{#-
    Materialization settings that differ per engine, for models that grow by the day.

        {{ config(
            materialized=incremental_materialized(),
            incremental_strategy=incremental_strategy(),
            unique_key='order_key',
        ) }}
    renders
        DuckDB: materialized='incremental', incremental_strategy='delete+insert'
        Spark:  materialized='table' (var `spark_incremental` false, the default), or with
                `spark_incremental: true` materialized='incremental',
                incremental_strategy='insert_overwrite' (needs `partition_by` on the model;
                `merge` needs Delta, Iceberg or Hudi tables)
-#}
{% macro incremental_materialized() -%}
    {{ return(adapter.dispatch('incremental_materialized', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__incremental_materialized() -%}
    {{ return('incremental') }}
{%- endmacro %}

{#- Spark's parquet tables cannot delete+insert: rebuild them unless told otherwise. -#}
{% macro spark__incremental_materialized() -%}
    {{ return('incremental' if var('spark_incremental', false) else 'table') }}
{%- endmacro %}

{% macro incremental_strategy() -%}
    {{ return(adapter.dispatch('incremental_strategy', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
