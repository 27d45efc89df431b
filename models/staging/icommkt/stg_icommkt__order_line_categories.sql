{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_orders('order_key', source('icommkt', 'order_line_categories')) }}",
    post_hook="{{ record_incremental_state() }}"
) }}

with

order_line_categories as (

    select
        instance_id,
        store_code,
        order_number,
        sku,
        category,
        file_date,
        file_name,
        line_number,
        load_id
    from {{ source('icommkt', 'order_line_categories') }}
    {% if is_incremental() %}
        -- only the keys new loads touched, with all their raw rows (macros/incremental.sql)
        where {{ touched_by_new_loads(order_key_columns(), source('icommkt', 'order_line_categories')) }}
    {% endif %}

),

-- an order's latest batch is its greatest (file date, file name): its categories are current
order_line_categories_batches as (

    select
        instance_id,
        store_code,
        order_number,
        sku,
        category,
        file_date,
        file_name,
        line_number,
        load_id,
        max({{ ordering_tuple(['file_date', 'file_name']) }}) over (
            partition by instance_id, store_code, order_number
        ) as latest_batch
    from order_line_categories

),

-- one file per order, so file date, name and load are constant within each group
latest_batch_categories as (

    select
        instance_id,
        store_code,
        order_number,
        sku,
        category,
        file_date,
        file_name,
        load_id,
        min(line_number) as line_number
    from order_line_categories_batches
    where {{ ordering_tuple(['file_date', 'file_name']) }} = latest_batch
    group by
        instance_id,
        store_code,
        order_number,
        sku,
        category,
        file_date,
        file_name,
        load_id

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'store_code', 'order_number', 'sku', 'category']) }}
            as order_line_category_key,
        {{ surrogate_key(order_key_columns()) }} as order_key,
        instance_id,
        store_code,
        order_number,
        sku,

        -- strings
        category,

        -- lineage
        file_date as source_file_date,
        file_name as source_file_name,
        line_number as source_line_number,
        load_id as source_load_id,

        -- build
        {{ build_started_at() }} as built_at
    from latest_batch_categories

)

select * from final
