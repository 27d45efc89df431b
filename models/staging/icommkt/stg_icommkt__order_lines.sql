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

),

-- the batch (file) holding an order's current lines: latest file date, then name
latest_lines_batches as (

    select
        instance_id,
        store_code,
        order_number,
        max_by(file_date, {{ ordering_tuple(['file_date', 'file_name']) }}) as file_date,
        max_by(file_name, {{ ordering_tuple(['file_date', 'file_name']) }}) as file_name
    from order_lines
    group by
        instance_id,
        store_code,
        order_number

),

latest_batch_lines as (

    select
        order_lines.instance_id,
        order_lines.store_code,
        order_lines.order_number,
        order_lines.sku,
        order_lines.product_name,
        order_lines.brand,
        order_lines.seller_code,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.line_amount,
        order_lines.file_date,
        order_lines.file_name,
        order_lines.line_number,
        order_lines.load_id
    from order_lines
    inner join latest_lines_batches
        on
            order_lines.instance_id = latest_lines_batches.instance_id
            and order_lines.store_code = latest_lines_batches.store_code
            and order_lines.order_number = latest_lines_batches.order_number
            and order_lines.file_date = latest_lines_batches.file_date
            and order_lines.file_name = latest_lines_batches.file_name

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'store_code', 'order_number', 'line_number']) }}
            as order_line_key,
        {{ surrogate_key(['instance_id', 'store_code', 'order_number']) }} as order_key,
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
        load_id as source_load_id
    from latest_batch_lines

)

select * from final
