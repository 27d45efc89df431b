{#-
    Makes the `icommkt` sources readable on the target engine; run by `on-run-start`.

        on-run-start: ["{{ register_raw_sources() }}"]

    DuckDB (default): nothing to do, the loader writes the raw tables into the warehouse.
    Spark: `omni publish-raw` writes each raw table as Parquet under the `raw_parquet_path` var,
    partitioned by instance and file date (`orders/instance_id=AR/file_date=2026-06-30/…`).
    Each source becomes a view over its folder, in the source's schema:
        create or replace view raw.orders as
        select order_number, …, cast(instance_id as string) as instance_id,
            cast(file_date as date) as file_date
        from parquet.`<raw_parquet_path>/orders`
    The partition columns are cast back to their raw types, so `source()` reads the same columns
    and types on both engines and the models stay unchanged.
-#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'omnichannel')()) }}
{%- endmacro %}

{#- An empty hook is skipped by dbt. -#}
{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set root = var('raw_parquet_path') | trim | replace('\\', '/') -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values()
            if source.package_name == project_name and source.source_name == 'icommkt' -%}
            {%- if source.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ source.schema) -%}
                {%- do schemas.append(source.schema) -%}
            {%- endif -%}
            {%- set folder = 'parquet.`' ~ root.rstrip('/') ~ '/' ~ source.identifier ~ '`' -%}
            {%- set columns = run_query('select * from ' ~ folder ~ ' limit 0').column_names -%}
            {%- set selected = [] -%}
            {%- for column in columns -%}
                {%- if column == 'instance_id' -%}
                    {%- do selected.append('cast(instance_id as string) as instance_id') -%}
                {%- elif column == 'file_date' -%}
                    {%- do selected.append('cast(file_date as date) as file_date') -%}
                {%- else -%}
                    {%- do selected.append(adapter.quote(column)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do run_query(
                'create or replace view ' ~ source.schema ~ '.' ~ source.identifier
                ~ ' as select ' ~ selected | join(', ') ~ ' from ' ~ folder
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
