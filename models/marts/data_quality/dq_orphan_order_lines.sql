{%- set raw_orders_and_lines = [source('icommkt', 'orders'), source('icommkt', 'order_lines')] -%}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_orders('order_key', [source('icommkt', 'orders'), source('icommkt', 'order_lines')]) }}",
    post_hook="{{ record_incremental_state() }}"
) }}
with

stg_icommkt__order_lines as (

    select
        order_line_key,
        order_key,
        instance_id,
        store_code,
        order_number,
        sku,
        source_file_name,
        quantity,
        line_amount,
        source_line_number,
        source_file_date
    from {{ ref('stg_icommkt__order_lines') }}
    {% if is_incremental() %}
        -- only the orders whose header or lines new loads touched (macros/incremental.sql)
        where {{ orders_touched_by_new_loads('order_key', raw_orders_and_lines) }}
    {% endif %}

),

stg_icommkt__orders as (

    select order_key
    from {{ ref('stg_icommkt__orders') }}
    {% if is_incremental() %}
        where {{ orders_touched_by_new_loads('order_key', raw_orders_and_lines) }}
    {% endif %}

),

final as (

    select
        -- ids
        stg_icommkt__order_lines.order_line_key,
        stg_icommkt__order_lines.order_key,
        stg_icommkt__order_lines.instance_id,
        stg_icommkt__order_lines.store_code,
        stg_icommkt__order_lines.order_number,
        stg_icommkt__order_lines.sku,

        -- strings
        stg_icommkt__order_lines.source_file_name,

        -- numerics
        stg_icommkt__order_lines.quantity,
        stg_icommkt__order_lines.line_amount,
        stg_icommkt__order_lines.source_line_number,

        -- dates
        stg_icommkt__order_lines.source_file_date
    from stg_icommkt__order_lines
    left join stg_icommkt__orders
        on stg_icommkt__order_lines.order_key = stg_icommkt__orders.order_key
    where stg_icommkt__orders.order_key is null

)

select * from final
