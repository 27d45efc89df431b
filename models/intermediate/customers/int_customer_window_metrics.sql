{#-
    One row per (customer, window) with at least one order in the window: the numeric families
    of SPEC §3.3 (items and value net of returns, purchases, ages of the first and last purchase,
    distinct purchase days, returns).
    Windows come from the `kpi_windows` var plus the lifetime 'Total'.
-#}
with

int_orders_resolved_to_customers as (

    select
        customer_key,
        instance_id,
        total_items,
        total_amount,
        is_purchase,
        age_days,
        order_date
    from {{ ref('int_orders_resolved_to_customers') }}

),

kpi_windows as (
    {{ kpi_windows_relation() }}
),

orders_in_windows as (

    select
        int_orders_resolved_to_customers.customer_key,
        int_orders_resolved_to_customers.instance_id,
        int_orders_resolved_to_customers.total_items,
        int_orders_resolved_to_customers.total_amount,
        int_orders_resolved_to_customers.is_purchase,
        int_orders_resolved_to_customers.age_days,
        int_orders_resolved_to_customers.order_date,
        kpi_windows.window_name
    from int_orders_resolved_to_customers
    inner join kpi_windows
        on
            kpi_windows.window_days is null
            or int_orders_resolved_to_customers.age_days < kpi_windows.window_days

),

final as (

    select
        -- ids
        customer_key,
        instance_id,

        -- strings
        window_name,

        -- numerics
        sum(total_items) as items,
        sum(total_amount) as order_value,
        sum(case when is_purchase then 1 else 0 end) as purchases,
        min(case when is_purchase then age_days end) as last_purchase_age_days,
        max(case when is_purchase then age_days end) as first_purchase_age_days,
        count(distinct case when is_purchase then age_days end) as purchase_days,
        sum(case when is_purchase then 0 else 1 end) as return_orders,
        sum(case when is_purchase then 0 else total_amount end) as returned_value,

        -- dates
        min(case when is_purchase then order_date end) as first_purchase_date,
        max(case when is_purchase then order_date end) as last_purchase_date
    from orders_in_windows
    group by
        customer_key,
        instance_id,
        window_name

)

select * from final
