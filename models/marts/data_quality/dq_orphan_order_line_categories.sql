with

int_order_line_categories_orphaned as (

    select
        order_line_category_key,
        order_key,
        instance_id,
        store_code,
        order_number,
        sku,
        category,
        source_file_name,
        source_line_number,
        source_file_date
    from {{ ref('int_order_line_categories_orphaned') }}

),

final as (

    select
        -- ids
        order_line_category_key,
        order_key,
        instance_id,
        store_code,
        order_number,
        sku,

        -- strings
        category,
        source_file_name,

        -- numerics
        source_line_number,

        -- dates
        source_file_date
    from int_order_line_categories_orphaned

)

select * from final
