{#-
    The last purchase of each buyer (SPEC §3.2): every purchase on the last purchase date, so two
    orders that day are both part of it. Amount = their TotalAmount summed; lists over them.
    Incremental by customer: a new day recomputes only the buyers it touched.
-#}
-- depends_on: {{ ref('int_as_of_date') }}
-- depends_on: {{ ref('stg_icommkt__orders') }}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_customers('customer_key', ref('int_as_of_date')) }}",
    post_hook="{{ record_incremental_state(ref('int_as_of_date')) }}"
) }}
with

int_orders_resolved_to_customers as (

    select
        order_key,
        customer_key,
        instance_id,
        store_code,
        shipping_method,
        seller_code,
        payment_methods,
        promo_codes,
        total_amount,
        order_date
    from {{ ref('int_orders_resolved_to_customers') }}
    where is_purchase
    {% if is_incremental() %}
        -- only the customers new loads or a later as_of_date touched (macros/incremental.sql)
        and {{ touched_customers('customer_key', ref('int_as_of_date')) }}
    {% endif %}

),

stg_icommkt__order_lines as (

    select
        order_key,
        sku,
        brand,
        seller_code
    from {{ ref('stg_icommkt__order_lines') }}

),

stg_icommkt__order_line_categories as (

    select
        order_key,
        sku,
        category
    from {{ ref('stg_icommkt__order_line_categories') }}

),

last_purchase_dates as (

    select
        customer_key,
        max(order_date) as last_purchase_date
    from int_orders_resolved_to_customers
    group by customer_key

),

last_purchase_orders as (

    select
        int_orders_resolved_to_customers.order_key,
        int_orders_resolved_to_customers.customer_key,
        int_orders_resolved_to_customers.instance_id,
        int_orders_resolved_to_customers.store_code,
        int_orders_resolved_to_customers.shipping_method,
        int_orders_resolved_to_customers.seller_code,
        int_orders_resolved_to_customers.payment_methods,
        int_orders_resolved_to_customers.promo_codes,
        int_orders_resolved_to_customers.total_amount,
        int_orders_resolved_to_customers.order_date
    from int_orders_resolved_to_customers
    inner join last_purchase_dates
        on
            int_orders_resolved_to_customers.customer_key = last_purchase_dates.customer_key
            and int_orders_resolved_to_customers.order_date
            = last_purchase_dates.last_purchase_date

),

last_purchase_lines as (

    select
        last_purchase_orders.customer_key,
        stg_icommkt__order_lines.order_key,
        stg_icommkt__order_lines.sku,
        stg_icommkt__order_lines.brand,
        stg_icommkt__order_lines.seller_code
    from last_purchase_orders
    inner join stg_icommkt__order_lines
        on last_purchase_orders.order_key = stg_icommkt__order_lines.order_key

),

orders_summary as (

    select
        customer_key,
        instance_id,
        max(order_date) as last_purchase_date,
        sum(total_amount) as last_purchase_amount,
        {{ aggregate_flat_clean_list('payment_methods') }} as payment_methods,
        {{ aggregate_clean_list('shipping_method') }} as shipping_methods,
        {{ aggregate_clean_list('store_code') }} as stores,
        {{ aggregate_flat_clean_list('promo_codes') }} as promo_codes,
        {{ aggregate_clean_list('seller_code') }} as order_sellers
    from last_purchase_orders
    group by
        customer_key,
        instance_id

),

lines_summary as (

    select
        customer_key,
        {{ aggregate_clean_list('sku') }} as items,
        {{ aggregate_clean_list('brand') }} as brands,
        {{ aggregate_clean_list('seller_code') }} as line_sellers
    from last_purchase_lines
    group by customer_key

),

categories_summary as (

    select
        last_purchase_lines.customer_key,
        {{ aggregate_clean_list('stg_icommkt__order_line_categories.category') }} as categories
    from last_purchase_lines
    inner join stg_icommkt__order_line_categories
        on
            last_purchase_lines.order_key = stg_icommkt__order_line_categories.order_key
            and last_purchase_lines.sku = stg_icommkt__order_line_categories.sku
    group by last_purchase_lines.customer_key

),

final as (

    select
        -- ids
        orders_summary.customer_key,
        orders_summary.instance_id,

        -- lists
        orders_summary.payment_methods,
        orders_summary.shipping_methods,
        coalesce(lines_summary.items, {{ empty_list() }}) as items,
        coalesce(lines_summary.brands, {{ empty_list() }}) as brands,
        coalesce(categories_summary.categories, {{ empty_list() }}) as categories,
        {{ clean_list(concat_lists(
            'orders_summary.order_sellers',
            'coalesce(lines_summary.line_sellers, ' ~ empty_list() ~ ')'
        )) }} as sellers,
        orders_summary.stores,
        orders_summary.promo_codes,

        -- numerics
        orders_summary.last_purchase_amount,

        -- dates
        orders_summary.last_purchase_date,

        -- build
        {{ build_started_at() }} as built_at
    from orders_summary
    left join lines_summary
        on orders_summary.customer_key = lines_summary.customer_key
    left join categories_summary
        on orders_summary.customer_key = categories_summary.customer_key

)

select * from final
