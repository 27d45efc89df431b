{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_orders('order_key', source('icommkt', 'orders')) }}",
    post_hook="{{ record_incremental_state() }}"
) }}

with

stg_icommkt__orders as (

    select
        order_key,
        instance_id,
        store_code,
        order_number,
        user_id,
        payment_methods,
        shipping_method,
        promo_codes,
        seller_code,
        channel,
        total_items,
        total_products,
        total_amount,
        items_amount,
        discounts_amount,
        shipping_amount,
        is_return,
        order_date,
        source_file_date
    from {{ ref('stg_icommkt__orders') }}
    {% if is_incremental() %}
        -- only the orders new loads touched (macros/incremental.sql)
        where {{ orders_touched_by_new_loads('order_key', source('icommkt', 'orders')) }}
    {% endif %}

),

store_channels as (

    select
        instance_id,
        store_code,
        channel
    from {{ ref('store_channels') }}

),

final as (

    select
        -- ids
        stg_icommkt__orders.order_key,
        stg_icommkt__orders.instance_id,
        stg_icommkt__orders.store_code,
        stg_icommkt__orders.order_number,
        stg_icommkt__orders.user_id,

        -- strings
        coalesce(
            stg_icommkt__orders.channel, store_channels.channel, 'UNKNOWN'
        ) as channel,
        stg_icommkt__orders.shipping_method,
        stg_icommkt__orders.seller_code,
        {{ split_to_list('stg_icommkt__orders.payment_methods') }} as payment_methods,
        {{ split_to_list('stg_icommkt__orders.promo_codes') }} as promo_codes,

        -- numerics
        stg_icommkt__orders.total_items,
        stg_icommkt__orders.total_products,
        stg_icommkt__orders.total_amount,
        stg_icommkt__orders.items_amount,
        stg_icommkt__orders.discounts_amount,
        stg_icommkt__orders.shipping_amount,

        -- booleans
        not stg_icommkt__orders.is_return as is_purchase,
        stg_icommkt__orders.is_return,

        -- dates
        stg_icommkt__orders.order_date,
        stg_icommkt__orders.source_file_date,

        -- build
        {{ build_started_at() }} as built_at
    from stg_icommkt__orders
    left join store_channels
        on
            stg_icommkt__orders.instance_id = store_channels.instance_id
            and stg_icommkt__orders.store_code = store_channels.store_code

)

select * from final
