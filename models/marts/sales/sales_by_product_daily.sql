{#-
    Line-level sales per (instance, day, store, channel, Sku), net of returns: return lines
    carry negative quantities and amounts. Product name and brand are the Sku's latest
    non-empty values, so one product keeps one name and one brand on every day.
-#}
with

int_order_lines_enriched as (

    select
        order_line_key,
        order_key,
        instance_id,
        store_code,
        sku,
        product_name,
        brand,
        channel,
        quantity,
        line_amount,
        has_order_header,
        order_date,
        source_file_date,
        source_file_name,
        source_line_number
    from {{ ref('int_order_lines_enriched') }}

),

-- a Sku's name and brand as last sent: latest file date, then file name, then line
products as (

    select
        instance_id,
        sku,
        {{ latest_non_empty(
            'product_name', ['source_file_date', 'source_file_name', 'source_line_number']
        ) }} as product_name,
        {{ latest_non_empty(
            'brand', ['source_file_date', 'source_file_name', 'source_line_number']
        ) }} as brand
    from int_order_lines_enriched
    group by
        instance_id,
        sku

),

daily_product_sales as (

    select
        instance_id,
        order_date,
        store_code,
        channel,
        sku,
        sum(quantity) as units,
        sum(line_amount) as line_amount,
        count(*) as order_lines,
        count(distinct order_key) as orders,
        sum(case when has_order_header then 0 else 1 end) as lines_without_order
    from int_order_lines_enriched
    group by
        instance_id,
        order_date,
        store_code,
        channel,
        sku

),

final as (

    select
        -- ids
        {{ surrogate_key([
            'daily_product_sales.instance_id',
            'daily_product_sales.order_date',
            'daily_product_sales.store_code',
            'daily_product_sales.channel',
            'daily_product_sales.sku',
        ]) }} as sales_by_product_daily_key,
        daily_product_sales.instance_id,
        daily_product_sales.store_code,
        daily_product_sales.sku,

        -- strings
        daily_product_sales.channel,
        products.product_name,
        products.brand,

        -- numerics
        cast(daily_product_sales.units as decimal(18, 2)) as units,
        cast(daily_product_sales.line_amount as decimal(18, 2)) as line_amount,
        cast(daily_product_sales.order_lines as {{ dbt.type_int() }}) as order_lines,
        cast(daily_product_sales.orders as {{ dbt.type_int() }}) as orders,
        cast(daily_product_sales.lines_without_order as {{ dbt.type_int() }})
            as lines_without_order,

        -- dates
        daily_product_sales.order_date
    from daily_product_sales
    inner join products
        on
            daily_product_sales.instance_id = products.instance_id
            and daily_product_sales.sku = products.sku

)

select * from final
