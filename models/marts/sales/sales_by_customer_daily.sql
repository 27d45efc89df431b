{#-
    Orders per (instance, buyer, day, store, channel), with the buyer's cumulative purchases
    up to that day over every store and channel: unique and recurring customers of SPEC §5
    for any date range, store and channel (see analyses/dashboard_kpis.sql).
-#}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_buyers('buyer_key') }}",
    post_hook="{{ record_incremental_state() }}"
) }}
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
        int_user_ids_resolved_to_customers.customer_key,
        int_orders_enriched.instance_id,
        case
            when int_user_ids_resolved_to_customers.customer_key is null
                then int_orders_enriched.user_id
        end as orphan_user_id,
        int_orders_enriched.store_code,
        int_orders_enriched.channel,
        int_orders_enriched.total_items,
        int_orders_enriched.total_amount,
        int_orders_enriched.is_purchase,
        int_orders_enriched.is_return,
        int_orders_enriched.order_date
    from int_orders_enriched
    left join int_user_ids_resolved_to_customers
        on
            int_orders_enriched.instance_id = int_user_ids_resolved_to_customers.instance_id
            and int_orders_enriched.user_id = int_user_ids_resolved_to_customers.user_id
    {% if is_incremental() %}
        -- every order of the buyers new loads touched (macros/incremental.sql)
        where {{ orders_of_touched_buyers(
            'int_orders_enriched.instance_id',
            'int_orders_enriched.user_id',
            ref('int_user_ids_resolved_to_customers')
        ) }}
    {% endif %}

),

buyer_store_days as (

    select
        buyer_key,
        customer_key,
        instance_id,
        orphan_user_id,
        store_code,
        channel,
        order_date,
        sum(case when is_purchase then 1 else 0 end) as purchases,
        sum(case when is_return then 1 else 0 end) as return_orders,
        sum(total_amount) as sales,
        sum(total_items) as items
    from orders_with_buyers
    group by
        buyer_key,
        customer_key,
        instance_id,
        orphan_user_id,
        store_code,
        channel,
        order_date

),

final as (

    select
        -- ids
        {{ surrogate_key(['buyer_key', 'order_date', 'store_code', 'channel']) }}
            as sales_by_customer_daily_key,
        buyer_key,
        customer_key,
        instance_id,
        orphan_user_id,
        store_code,

        -- strings
        channel,

        -- numerics
        cast(purchases as {{ dbt.type_int() }}) as purchases,
        cast(return_orders as {{ dbt.type_int() }}) as return_orders,
        cast(sales as decimal(18, 2)) as sales,
        cast(items as decimal(18, 2)) as items,
        -- the buyer's purchases on or before each day, over every store and channel: a range
        -- frame holds all of the day's rows, so no per-day aggregate and join back are needed
        cast(sum(purchases) over (
            partition by buyer_key
            order by order_date
            range between unbounded preceding and current row
        ) as {{ dbt.type_int() }}) as cumulative_purchases,

        -- booleans
        customer_key is null as is_orphan,

        -- dates
        order_date,

        -- build
        {{ build_started_at() }} as built_at
    from buyer_store_days

)

select * from final
