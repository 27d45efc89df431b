{#-
    Order-level sales per (instance, day, store, channel): every order received, orphans
    included (SPEC §3.1), returns netted (SPEC §3.2). Buyers are counted per customer; an
    orphan order's buyer is its UserId (see macros/sales.sql).
-#}
with

int_orders_enriched as (

    select
        order_key,
        instance_id,
        store_code,
        user_id,
        channel,
        total_items,
        total_amount,
        discounts_amount,
        shipping_amount,
        is_purchase,
        is_return,
        order_date
    from {{ ref('int_orders_enriched') }}

),

int_user_ids_resolved_to_customers as (

    select
        customer_key,
        instance_id,
        user_id
    from {{ ref('int_user_ids_resolved_to_customers') }}

),

orders_with_buyers as (

    select
        int_orders_enriched.order_key,
        {{ sales_buyer_key(
            'int_user_ids_resolved_to_customers.customer_key',
            'int_orders_enriched.instance_id',
            'int_orders_enriched.user_id'
        ) }} as buyer_key,
        int_orders_enriched.instance_id,
        int_orders_enriched.store_code,
        int_orders_enriched.channel,
        int_orders_enriched.total_items,
        int_orders_enriched.total_amount,
        int_orders_enriched.discounts_amount,
        int_orders_enriched.shipping_amount,
        int_orders_enriched.is_purchase,
        int_orders_enriched.is_return,
        int_user_ids_resolved_to_customers.customer_key is null as is_orphan,
        int_orders_enriched.order_date
    from int_orders_enriched
    left join int_user_ids_resolved_to_customers
        on
            int_orders_enriched.instance_id = int_user_ids_resolved_to_customers.instance_id
            and int_orders_enriched.user_id = int_user_ids_resolved_to_customers.user_id

),

daily_sales as (

    select
        instance_id,
        order_date,
        store_code,
        channel,
        sum(total_amount) as sales,
        sum(case when is_purchase then 1 else 0 end) as purchases,
        sum(case when is_return then 1 else 0 end) as return_orders,
        sum(case when is_return then total_amount else 0 end) as returned_value,
        sum(total_items) as items,
        sum(discounts_amount) as discounts,
        sum(shipping_amount) as shipping,
        count(distinct case when is_purchase then buyer_key end) as buyers,
        count(distinct case when is_purchase and is_orphan then buyer_key end) as orphan_buyers,
        sum(case when is_orphan then 1 else 0 end) as orphan_orders,
        sum(case when is_orphan then total_amount else 0 end) as orphan_sales
    from orders_with_buyers
    group by
        instance_id,
        order_date,
        store_code,
        channel

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'order_date', 'store_code', 'channel']) }}
            as sales_daily_key,
        instance_id,
        store_code,

        -- strings
        channel,

        -- numerics
        cast(sales as decimal(18, 2)) as sales,
        cast(purchases as {{ dbt.type_int() }}) as purchases,
        cast(return_orders as {{ dbt.type_int() }}) as return_orders,
        cast(returned_value as decimal(18, 2)) as returned_value,
        cast(items as decimal(18, 2)) as items,
        cast(discounts as decimal(18, 2)) as discounts,
        cast(shipping as decimal(18, 2)) as shipping,
        cast(buyers as {{ dbt.type_int() }}) as buyers,
        cast(orphan_buyers as {{ dbt.type_int() }}) as orphan_buyers,
        cast(orphan_orders as {{ dbt.type_int() }}) as orphan_orders,
        cast(orphan_sales as decimal(18, 2)) as orphan_sales,

        -- dates
        order_date
    from daily_sales

)

select * from final
