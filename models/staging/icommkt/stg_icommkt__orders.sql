{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_orders('order_key', source('icommkt', 'orders')) }}",
    post_hook="{{ record_incremental_state() }}"
) }}

with

orders as (

    select
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
        date,
        file_date,
        file_name,
        line_number,
        load_id
    from {{ source('icommkt', 'orders') }}
    {% if is_incremental() %}
        -- only the keys new loads touched, with all their raw rows (macros/incremental.sql)
        where {{ touched_by_new_loads(order_key_columns(), source('icommkt', 'orders')) }}
    {% endif %}

),

-- the current version: latest batch first (file date, file name), then the last row of its file
orders_versions as (

    select
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
        date,
        file_date,
        file_name,
        line_number,
        load_id,
        max({{ ordering_tuple(['file_date', 'file_name', 'line_number']) }}) over (
            partition by instance_id, store_code, order_number
        ) as latest_version
    from orders

),

latest_orders as (

    select
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
        date,
        file_date,
        file_name,
        line_number,
        load_id
    from orders_versions
    where {{ ordering_tuple(['file_date', 'file_name', 'line_number']) }} = latest_version

),

final as (

    select
        -- ids
        {{ surrogate_key(order_key_columns()) }} as order_key,
        instance_id,
        store_code,
        order_number,
        user_id,

        -- strings
        payment_methods,
        shipping_method,
        promo_codes,
        seller_code,
        channel,

        -- numerics
        total_items,
        total_products,
        total_amount,
        items_amount,
        discounts_amount,
        shipping_amount,

        -- booleans
        total_amount < 0 as is_return,

        -- dates
        date as order_date,

        -- lineage
        file_date as source_file_date,
        file_name as source_file_name,
        line_number as source_line_number,
        load_id as source_load_id,

        -- build
        {{ build_started_at() }} as built_at
    from latest_orders

)

select * from final
