{#-
    Data tests of the keyed incremental models check the rows written since they last passed.

    A one-day build rewrites a few thousand keys of tables with tens of millions of rows;
    testing every row again each day would cost more than the build. So a model that documents
    the column `built_at` (when the build that wrote a row started) has its data tests scoped:
    a test that passed before checks only the rows written after the build it passed in, and a
    uniqueness test every row sharing a key with those, so a new row duplicating an old one is
    still caught. A test with no recorded pass (first build, new test) checks the whole table,
    and a failed test stays unrecorded, so the next build checks its rows again. The on-run-end
    hook records each scoped test that passed, with the start of its build.
-#}

{#- When this build started: the `built_at` of every row it writes. -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro test_passes_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema='meta', identifier='test_passes'
    )) }}
{%- endmacro %}

{#- on-run-start: one row per scoped test, the start of the last build it passed in. -#}
{% macro create_test_passes() -%}
    {{ return(adapter.dispatch('create_test_passes', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__create_test_passes() -%}
    create schema if not exists {{ test_passes_relation().without_identifier() }};
    create table if not exists {{ test_passes_relation() }} (
        test_id {{ dbt.type_string() }} primary key,
        passed_in_build_started_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{#- Spark rebuilds every table, so its tests always check whole tables. -#}
{% macro spark__create_test_passes() -%}
{%- endmacro %}

{#- A test of this node is scoped: the node a generic test is attached to documents `built_at`. -#}
{% macro is_scoped_test_of(attached_node) -%}
    {{ return('built_at' in graph.nodes.get(attached_node or '', {}).get('columns', {})) }}
{%- endmacro %}

{#- Start of the last build this test passed in, or none. -#}
{% macro last_passed_build_started_at() -%}
    {{ return(adapter.dispatch('last_passed_build_started_at', 'omnichannel')()) }}
{%- endmacro %}

{% macro default__last_passed_build_started_at() -%}
    {%- set passes = run_query(
        "select cast(passed_in_build_started_at as " ~ dbt.type_string() ~ ") from "
        ~ test_passes_relation() ~ " where test_id = '" ~ model.unique_id ~ "'"
    ) -%}
    {{ return(passes.columns[0].values()[0] if passes.rows | length else none) }}
{%- endmacro %}

{% macro spark__last_passed_build_started_at() -%}
    {{ return(none) }}
{%- endmacro %}

{#- Key columns of a uniqueness test: scoping it by row would miss a new row's old duplicate. -#}
{% macro uniqueness_test_columns() -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set arguments = test.get('kwargs', {}) -%}
    {%- if test.get('name') == 'unique' -%}
        {{ return([arguments['column_name']]) }}
    {%- elif test.get('name') == 'unique_combination_of_columns' -%}
        {{ return(arguments['combination_of_columns']) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}

{#- dbt's hook for a test's `where`, extended with the scope above. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scoped = execute and model is mapping and is_scoped_test_of(model.get('attached_node')) -%}
    {%- set since = last_passed_build_started_at() if scoped else none -%}
    {%- set filters = [] -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if since is not none -%}
        {%- set written_since = "built_at > cast('" ~ since ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
        {%- set key_columns = uniqueness_test_columns() | join(', ') -%}
        {%- if key_columns -%}
            {%- do filters.append(
                '(' ~ key_columns ~ ') in (select ' ~ key_columns ~ ' from ' ~ relation
                ~ ' where ' ~ written_since ~ ')'
            ) -%}
        {%- else -%}
            {%- do filters.append(written_since) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if filters -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- on-run-end: record the scoped tests that passed in this build. -#}
{% macro record_test_passes(results) -%}
    {{ return(adapter.dispatch('record_test_passes', 'omnichannel')(results)) }}
{%- endmacro %}

{% macro default__record_test_passes(results) -%}
    {%- set passed = [] -%}
    {%- for result in results if result.node.resource_type == 'test' and result.status == 'pass' -%}
        {%- if is_scoped_test_of(result.node.attached_node) -%}
            {%- do passed.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if passed -%}
        insert or replace into {{ test_passes_relation() }} (test_id, passed_in_build_started_at)
        values
        {%- for test_id in passed %}
            ('{{ test_id }}', {{ build_started_at() }}){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{% macro spark__record_test_passes(results) -%}
{%- endmacro %}
