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

),

-- the batch (file) holding an order's current categories: latest file date, then name
latest_categories_batches as (

    select
        instance_id,
        store_code,
        order_number,
        max_by(file_date, {{ ordering_tuple(['file_date', 'file_name']) }}) as file_date,
        max_by(file_name, {{ ordering_tuple(['file_date', 'file_name']) }}) as file_name
    from order_line_categories
    group by
        instance_id,
        store_code,
        order_number

),

-- one file per order, so file date, name and load are constant within each group
latest_batch_categories as (

    select
        order_line_categories.instance_id,
        order_line_categories.store_code,
        order_line_categories.order_number,
        order_line_categories.sku,
        order_line_categories.category,
        order_line_categories.file_date,
        order_line_categories.file_name,
        order_line_categories.load_id,
        min(order_line_categories.line_number) as line_number
    from order_line_categories
    inner join latest_categories_batches
        on
            order_line_categories.instance_id = latest_categories_batches.instance_id
            and order_line_categories.store_code = latest_categories_batches.store_code
            and order_line_categories.order_number = latest_categories_batches.order_number
            and order_line_categories.file_date = latest_categories_batches.file_date
            and order_line_categories.file_name = latest_categories_batches.file_name
    group by
        order_line_categories.instance_id,
        order_line_categories.store_code,
        order_line_categories.order_number,
        order_line_categories.sku,
        order_line_categories.category,
        order_line_categories.file_date,
        order_line_categories.file_name,
        order_line_categories.load_id

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'store_code', 'order_number', 'sku', 'category']) }}
            as order_line_category_key,
        {{ surrogate_key(['instance_id', 'store_code', 'order_number']) }} as order_key,
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
        load_id as source_load_id
    from latest_batch_categories

)

select * from final
