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
        as_of_date date,
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{#- An empty hook is skipped by dbt. -#}
{% macro spark__create_incremental_state() -%}
{%- endmacro %}

{#-
    Post-hook: the model now holds every load finished so far and, for models that keep only
    orders up to `as_of_date`, the date it was built as of (from `as_of_relation`).
-#}
{% macro record_incremental_state(as_of_relation=none) -%}
    {{ return(adapter.dispatch('record_incremental_state', 'omnichannel')(as_of_relation)) }}
{%- endmacro %}

{% macro default__record_incremental_state(as_of_relation) -%}
    insert or replace into {{ incremental_state_relation() }}
        (model_name, loaded_through, as_of_date, recorded_at)
    select
        '{{ this.identifier }}' as model_name,
        max(finished_at) as loaded_through,
        {% if as_of_relation is none -%}
            cast(null as date)
        {%- else -%}
            (select as_of_date from {{ as_of_relation }})
        {%- endif %} as as_of_date,
        current_timestamp as recorded_at
    from {{ source('icommkt', 'load_manifest') }}
{%- endmacro %}

{% macro spark__record_incremental_state(as_of_relation) -%}
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
    relation, or a list of them sharing the key columns). With `hashed_as`, the model's column
    holding the surrogate key of those columns is probed instead: one UUID column in place of
    several text columns (10M orders, 31M category rows: 0.06 s against 0.56 s per scan).
-#}
{% macro touched_by_new_loads(key_columns, raw_relations, hashed_as=none) -%}
    {%- if raw_relations is not sequence or raw_relations is string -%}
        {%- set raw_relations = [raw_relations] -%}
    {%- endif -%}
    {%- set raw_key = key_columns | join(', ') if hashed_as is none
        else surrogate_key(key_columns) -%}
    (
        {{ '(' ~ key_columns | join(', ') ~ ')' if hashed_as is none else hashed_as }} in (
            {%- for raw_relation in raw_relations %}
            select {{ raw_key }}
            from {{ raw_relation }}
            where load_id in ({{ new_load_ids() }})
            {% if not loop.last %}union{% endif -%}
            {%- endfor %}
        )
        or {{ load_replaced_since_watermark() }}
    )
{%- endmacro %}

{#- Pre-hook: drop the rows the model is about to recompute. -#}
{% macro delete_touched_rows(key_columns, raw_relations, hashed_as=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ touched_by_new_loads(key_columns, raw_relations, hashed_as) }}
    {%- endif -%}
{%- endmacro %}

{#- The key columns of an order, which its `order_key` is hashed from. -#}
{% macro order_key_columns() -%}
    {{ return(['instance_id', 'store_code', 'order_number']) }}
{%- endmacro %}

{#- `touched_by_new_loads` for a model keyed by order, probed on its order key. -#}
{% macro orders_touched_by_new_loads(order_key_column, raw_relations) -%}
    {{ return(touched_by_new_loads(order_key_columns(), raw_relations, order_key_column)) }}
{%- endmacro %}

{#- Pre-hook of a model keyed by order: drop the rows of the orders it is about to recompute. -#}
{% macro delete_touched_orders(order_key_column, raw_relations) -%}
    {{ return(delete_touched_rows(order_key_columns(), raw_relations, order_key_column)) }}
{%- endmacro %}

{#- Any delivery replaced since the watermark: its old rows have left the raw layer. -#}
{% macro load_replaced_since_watermark() -%}
    exists (
        select 1
        from {{ source('icommkt', 'load_manifest') }}
        where status = 'replaced' and finished_at > {{ incremental_watermark() }}
    )
{%- endmacro %}

{#-
    Users whose orders or e-mail may have changed since the model's last build: those with a
    customer row from a new load, and those named by any raw version of an order that has an
    order, line or category row from a new load (so an order that moved to another user marks
    both). With `as_of_relation`, also the users of orders dated after the previous build's
    `as_of_date` and up to the current one.
-#}
{% macro touched_users(as_of_relation=none) -%}
    select instance_id, user_id
    from {{ source('icommkt', 'customers') }}
    where load_id in ({{ new_load_ids() }})
    union
    select instance_id, user_id
    from {{ source('icommkt', 'orders') }}
    where {{ is_touched_order() }}
    {%- if as_of_relation is not none %}
    union
    select instance_id, user_id
    from {{ ref('stg_icommkt__orders') }}
    where
        order_date > {{ previous_as_of_date() }}
        and order_date <= (select as_of_date from {{ as_of_relation }})
    {%- endif %}
{%- endmacro %}

{#- Select of the loads finished after the model's watermark. -#}
{% macro new_load_ids() -%}
    select load_id
    from {{ source('icommkt', 'load_manifest') }}
    where finished_at > {{ incremental_watermark() }}
{%- endmacro %}

{#- Select of the orders (instance_id, store_code, order_number) with a row from a new load. -#}
{% macro touched_order_keys() -%}
    {%- for raw in ['orders', 'order_lines', 'order_line_categories'] %}
    select {{ order_key_columns() | join(', ') }}
    from {{ source('icommkt', raw) }}
    where load_id in ({{ new_load_ids() }})
    {% if not loop.last %}union{% endif -%}
    {%- endfor %}
{%- endmacro %}

{#- Condition on a raw row: its order has a row from a new load (`touched_order_keys`). -#}
{% macro is_touched_order() -%}
    ({{ order_key_columns() | join(', ') }}) in ({{ touched_order_keys() }})
{%- endmacro %}

{#-
    Condition on an (instance, day) pair: a day any raw version of a touched order was dated
    on, or the file date of any raw version of its lines (lines without an order header are
    dated so); every day after a replaced delivery.
-#}
{% macro touched_days(instance_id_column, date_column) -%}
    (
        ({{ instance_id_column }}, {{ date_column }}) in (
            select instance_id, order_date
            from {{ touched_set('days', touched_day_pairs()) }}
        )
        or {{ load_replaced_since_watermark() }}
    )
{%- endmacro %}

{#- Pre-hook of a day-keyed sales mart. -#}
{% macro delete_touched_days(instance_id_column, date_column) -%}
    {%- if is_incremental() -%}
        {{ remember_touched_set('days', touched_day_pairs()) }};

        delete from {{ this }}
        where {{ touched_days(instance_id_column, date_column) }}
    {%- endif -%}
{%- endmacro %}

{#- Select of the (instance_id, order_date) pairs `touched_days` stands for. -#}
{% macro touched_day_pairs() -%}
    select instance_id, date as order_date
    from {{ source('icommkt', 'orders') }}
    where {{ is_touched_order() }}
    union
    select instance_id, file_date as order_date
    from {{ source('icommkt', 'order_lines') }}
    where {{ is_touched_order() }}
{%- endmacro %}

{#-
    A model's pre-hook computes a touched set into a table, and the delete and the model's
    select both read it: computing it takes a scan of the raw orders, about a second at 10M
    orders. The table is named after the set's SQL and the model's state (watermark and
    as_of_date): a later model with the same SQL, bar its own name in the state lookups, and the
    same state finds the table and reuses it. The tables live for one build: the on-run-start
    hook drops those an interrupted build left, the on-run-end hook the build's own. Outside
    `run` and `build` (say `dbt show` or `dbt compile`) no pre-hook ran, so the set is its
    defining select.
-#}
{% macro touched_set(name, definition) -%}
    {%- if flags.WHICH in ['run', 'build'] -%}
        {{ return(touched_set_table(name, definition)) }}
    {%- endif -%}
    {{ return('(' ~ definition ~ ') as touched_' ~ name) }}
{%- endmacro %}

{% macro touched_set_table(name, definition) -%}
    {%- set shared_definition = definition.replace(
        "model_name = '" ~ this.identifier ~ "'", "model_name = <model>"
    ) -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema='meta',
        identifier='touched_' ~ name ~ '__'
            ~ local_md5(shared_definition ~ incremental_state_text())
    )) }}
{%- endmacro %}

{#- The model's watermark and as_of_date as one text, read when the model runs. -#}
{% macro incremental_state_text() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set state -%}
        select
            cast({{ incremental_watermark() }} as {{ dbt.type_string() }}),
            cast({{ previous_as_of_date() }} as {{ dbt.type_string() }})
    {%- endset -%}
    {{ return(run_query(state).rows[0] | join('|')) }}
{%- endmacro %}

{#- Statement of a pre-hook that fills a touched set, unless a model before it did. -#}
{% macro remember_touched_set(name, definition) -%}
    create table if not exists {{ touched_set_table(name, definition) }} as
    {{ definition }}
{%- endmacro %}

{#- on-run-start and on-run-end: no touched set outlives the build that computed it. -#}
{% macro drop_touched_sets() -%}
    {{ return(adapter.dispatch('drop_touched_sets', 'omnichannel')()) }}
{%- endmacro %}

{#- run_query, not dbt's list_relations_without_caching: that one leaves a transaction open,
    which dbt rolls back after the hooks, drops included. -#}
{% macro default__drop_touched_sets() -%}
    {%- set meta = incremental_state_relation().without_identifier() -%}
    {%- if execute -%}
        {%- set tables = run_query(
            "select table_name from information_schema.tables"
            ~ " where table_catalog = '" ~ meta.database ~ "'"
            ~ " and table_schema = '" ~ meta.schema ~ "'"
            ~ " and left(table_name, 8) = 'touched_'"
        ).columns[0].values() -%}
        {%- for table in tables %}
        drop table if exists {{ meta }}.{{ adapter.quote(table) }};
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- Spark builds are never incremental (keyed_incremental), so they compute no touched set. -#}
{% macro spark__drop_touched_sets() -%}
{%- endmacro %}

{#-
    Post-hook of the day-keyed product mart: a product renamed since its rows were built (a new
    line sent another name or brand) gets the new ones on its untouched days too.
-#}
{% macro update_product_attributes(products_relation) -%}
    {%- if is_incremental() -%}
        update {{ this }} as sales
        set
            product_name = products.product_name,
            brand = products.brand
        from {{ products_relation }} as products
        where
            sales.instance_id = products.instance_id
            and sales.sku = products.sku
            and (
                sales.product_name is distinct from products.product_name
                or sales.brand is distinct from products.brand
            )
    {%- endif -%}
{%- endmacro %}

{% macro previous_as_of_date() -%}
    (
        select as_of_date
        from {{ incremental_state_relation() }}
        where model_name = '{{ this.identifier }}'
    )
{%- endmacro %}

{#- Customer keys of every e-mail any raw version of a touched user carried. -#}
{% macro touched_customer_keys(as_of_relation=none, users=none) -%}
    select distinct {{ surrogate_key(['instance_id', 'lower(trim(email))']) }} as customer_key
    from {{ source('icommkt', 'customers') }}
    where (instance_id, user_id) in (
        {%- if users is none %}
        {{ touched_users(as_of_relation) }}
        {%- else %}
        select instance_id, user_id from {{ users }}
        {%- endif %}
    )
{%- endmacro %}

{#-
    Condition on `customer_key_column`: the customer is touched (an e-mail change marks the old
    and the new customer). A lower `as_of_date` than last time, or a replaced delivery, touches
    every customer. With `window_orders` (the customers' orders, dated), a customer with an
    order that the later `as_of_date` moved out of a window is touched too.
        where {{ touched_customers('customer_key', ref('int_as_of_date')) }}
-#}
{% macro touched_customers(customer_key_column, as_of_relation, window_orders=none) -%}
    {%- set name, definition = touched_customer_set(as_of_relation, window_orders) -%}
    (
        {{ customer_key_column }} in (
            select customer_key
            from {{ touched_set(name, definition) }}
        )
        or {{ load_replaced_since_watermark() }}
        or coalesce({{ previous_as_of_date() }}, cast('1900-01-01' as date))
        > (select as_of_date from {{ as_of_relation }})
    )
{%- endmacro %}

{#-
    (name, select) of the touched customer set. With `window_orders`, the shared customer set
    plus the window-edge customers, as one set, so the filter stays one semi join.
-#}
{% macro touched_customer_set(as_of_relation, window_orders) -%}
    {%- if window_orders is none -%}
        {{ return(('customers', touched_customer_keys(as_of_relation))) }}
    {%- endif -%}
    {{ return((
        'window_customers',
        'select customer_key from '
            ~ touched_set('customers', touched_customer_keys(as_of_relation))
            ~ '\n    union\n    ' ~ window_edge_customer_keys(window_orders, as_of_relation)
    )) }}
{%- endmacro %}

{#-
    Customers with an order in the window of N days at the previous `as_of_date` and out of it
    at the current one: their windowed sums change though nothing was loaded. A window holds the
    orders less than N days old (as int_customer_window_metrics).
-#}
{% macro window_edge_customer_keys(orders_relation, as_of_relation) -%}
    select customer_key
    from {{ orders_relation }}
    where
        {%- for days in var('kpi_windows') %}
        (
            {{ dbt.datediff('order_date', previous_as_of_date(), 'day') }} < {{ days }}
            and {{ dbt.datediff(
                'order_date', '(select as_of_date from ' ~ as_of_relation ~ ')', 'day'
            ) }} >= {{ days }}
        ){{ ' or' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#-
    The sales marts' buyers (see sales_buyer_key) a build recomputes: every touched customer,
    and every touched user as an orphan buyer (a user who has just got a customer record must
    lose that row). Every order counts, whatever its date. A single membership test each: an
    `or` between two of them costs DuckDB its semi-join (30 s instead of 2 s on 10M orders).
-#}
{% macro touched_buyer_keys() -%}
    select customer_key as buyer_key
    from {{ touched_set('customers', touched_buyer_customer_keys()) }}
    union
    select {{ sales_buyer_key('null', 'instance_id', 'user_id') }} as buyer_key
    from {{ touched_set('users', touched_users()) }}
{%- endmacro %}

{#- The customer keys of the touched users, for the buyer-keyed mart. -#}
{% macro touched_buyer_customer_keys() -%}
    {{ touched_customer_keys(users=touched_set('users', touched_users())) }}
{%- endmacro %}

{#- Condition on the orders of touched buyers, by their (instance, UserId). -#}
{% macro orders_of_touched_buyers(instance_id_column, user_id_column, user_customers) -%}
    (
        ({{ instance_id_column }}, {{ user_id_column }}) in (
            select instance_id, user_id
            from {{ user_customers }}
            where customer_key in (
                select customer_key
                from {{ touched_set('customers', touched_buyer_customer_keys()) }}
            )
            union
            select instance_id, user_id
            from {{ touched_set('users', touched_users()) }}
        )
        or {{ load_replaced_since_watermark() }}
    )
{%- endmacro %}

{#- Pre-hook of a model keyed by customer: drop the rows it is about to recompute. -#}
{% macro delete_touched_customers(customer_key_column, as_of_relation, window_orders=none) -%}
    {%- if is_incremental() -%}
        {{ remember_touched_set('customers', touched_customer_keys(as_of_relation)) }};

        {%- if window_orders is not none %}
        {%- set name, definition = touched_customer_set(as_of_relation, window_orders) %}
        {{ remember_touched_set(name, definition) }};
        {%- endif %}

        delete from {{ this }}
        where {{ touched_customers(customer_key_column, as_of_relation, window_orders) }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the buyer-keyed sales mart. -#}
{% macro delete_touched_buyers(buyer_key_column) -%}
    {%- if is_incremental() -%}
        {{ remember_touched_set('users', touched_users()) }};

        {{ remember_touched_set('customers', touched_buyer_customer_keys()) }};

        delete from {{ this }}
        where
            {{ buyer_key_column }} in ({{ touched_buyer_keys() }})
            or {{ load_replaced_since_watermark() }}
    {%- endif -%}
{%- endmacro %}
