{#-
    Line-level sales per (instance, day, store, channel, Sku), net of returns: return lines
    carry negative quantities and amounts. Product name and brand come from
    int_products_consolidated; a build that renames a product updates its rows on every day.
-#}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_days('instance_id', 'order_date') }}",
    post_hook=[
        "{{ update_product_attributes(ref('int_products_consolidated')) }}",
        "{{ record_incremental_state() }}",
    ]
) }}
with

int_order_lines_enriched as (

    select
        order_line_key,
        order_key,
        instance_id,
        store_code,
        sku,
        channel,
        quantity,
        line_amount,
        has_order_header,
        order_date
    from {{ ref('int_order_lines_enriched') }}
    {% if is_incremental() %}
        -- only the days the orders new loads touched were or are dated on
        where {{ touched_days('instance_id', 'order_date') }}
    {% endif %}

),

int_products_consolidated as (

    select
        instance_id,
        sku,
        product_name,
        brand
    from {{ ref('int_products_consolidated') }}

),

-- one row per order first: counting them is cheaper than a distinct count per product and day
-- (10M orders: 9 s against 12 s)
order_product_sales as (

    select
        instance_id,
        order_date,
        store_code,
        channel,
        sku,
        order_key,
        sum(quantity) as units,
        sum(line_amount) as line_amount,
        count(*) as order_lines,
        sum(case when has_order_header then 0 else 1 end) as lines_without_order
    from int_order_lines_enriched
    group by
        instance_id,
        order_date,
        store_code,
        channel,
        sku,
        order_key

),

daily_product_sales as (

    select
        instance_id,
        order_date,
        store_code,
        channel,
        sku,
        sum(units) as units,
        sum(line_amount) as line_amount,
        sum(order_lines) as order_lines,
        count(*) as orders,
        sum(lines_without_order) as lines_without_order
    from order_product_sales
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
        int_products_consolidated.product_name,
        int_products_consolidated.brand,

        -- numerics
        cast(daily_product_sales.units as decimal(18, 2)) as units,
        cast(daily_product_sales.line_amount as decimal(18, 2)) as line_amount,
        cast(daily_product_sales.order_lines as {{ dbt.type_int() }}) as order_lines,
        cast(daily_product_sales.orders as {{ dbt.type_int() }}) as orders,
        cast(daily_product_sales.lines_without_order as {{ dbt.type_int() }})
            as lines_without_order,

        -- dates
        daily_product_sales.order_date,

        -- build
        {{ build_started_at() }} as built_at
    from daily_product_sales
    inner join int_products_consolidated
        on
            daily_product_sales.instance_id = int_products_consolidated.instance_id
            and daily_product_sales.sku = int_products_consolidated.sku

)

select * from final
