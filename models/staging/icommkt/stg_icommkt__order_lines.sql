{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_orders('order_key', source('icommkt', 'order_lines')) }}",
    post_hook="{{ record_incremental_state() }}"
) }}

with

order_lines as (

    select
        instance_id,
        store_code,
        order_number,
        sku,
        product_name,
        brand,
        seller_code,
        quantity,
        unit_price,
        line_amount,
        file_date,
        file_name,
        line_number,
        load_id
    from {{ source('icommkt', 'order_lines') }}
    {% if is_incremental() %}
        -- only the keys new loads touched, with all their raw rows (macros/incremental.sql)
        where {{ touched_by_new_loads(order_key_columns(), source('icommkt', 'order_lines')) }}
    {% endif %}

),

-- an order's latest batch is its greatest (file date, file name): its lines are the current ones
order_lines_batches as (

    select
        instance_id,
        store_code,
        order_number,
        sku,
        product_name,
        brand,
        seller_code,
        quantity,
        unit_price,
        line_amount,
        file_date,
        file_name,
        line_number,
        load_id,
        max({{ ordering_tuple(['file_date', 'file_name']) }}) over (
            partition by instance_id, store_code, order_number
        ) as latest_batch
    from order_lines

),

latest_batch_lines as (

    select
        instance_id,
        store_code,
        order_number,
        sku,
        product_name,
        brand,
        seller_code,
        quantity,
        unit_price,
        line_amount,
        file_date,
        file_name,
        line_number,
        load_id
    from order_lines_batches
    where {{ ordering_tuple(['file_date', 'file_name']) }} = latest_batch

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'store_code', 'order_number', 'line_number']) }}
            as order_line_key,
        {{ surrogate_key(order_key_columns()) }} as order_key,
        instance_id,
        store_code,
        order_number,
        sku,

        -- strings
        product_name,
        brand,
        seller_code,

        -- numerics
        quantity,
        unit_price,
        line_amount,

        -- lineage
        file_date as source_file_date,
        file_name as source_file_name,
        line_number as source_line_number,
        load_id as source_load_id,

        -- build
        {{ build_started_at() }} as built_at
    from latest_batch_lines

)

select * from final
