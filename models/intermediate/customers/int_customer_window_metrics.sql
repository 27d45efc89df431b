{#-
    One row per (customer, window) with at least one order in the window: the numeric families
    of SPEC §3.3 (items and value net of returns, purchases, ages of the first and last purchase,
    distinct purchase days, returns).
    Windows come from the `kpi_windows` var plus the lifetime 'Total'. A full table on purpose:
    every day moves each window's edge, so ages are taken here, as of `as_of_date`.
-#}
with

int_orders_resolved_to_customers as (

    select
        customer_key,
        instance_id,
        total_items,
        total_amount,
        is_purchase,
        order_date
    from {{ ref('int_orders_resolved_to_customers') }}

),

int_as_of_date as (

    select as_of_date
    from {{ ref('int_as_of_date') }}

),

kpi_windows as (
    {{ kpi_windows_relation() }}
),

orders_with_ages as (

    select
        int_orders_resolved_to_customers.customer_key,
        int_orders_resolved_to_customers.instance_id,
        int_orders_resolved_to_customers.total_items,
        int_orders_resolved_to_customers.total_amount,
        int_orders_resolved_to_customers.is_purchase,
        int_orders_resolved_to_customers.order_date,
        {{ dbt.datediff(
            'int_orders_resolved_to_customers.order_date', 'int_as_of_date.as_of_date', 'day'
        ) }} as age_days
    from int_orders_resolved_to_customers
    cross join int_as_of_date

),

orders_in_windows as (

    select
        orders_with_ages.customer_key,
        orders_with_ages.instance_id,
        orders_with_ages.total_items,
        orders_with_ages.total_amount,
        orders_with_ages.is_purchase,
        orders_with_ages.age_days,
        orders_with_ages.order_date,
        kpi_windows.window_name
    from orders_with_ages
    inner join kpi_windows
        on
            kpi_windows.window_days is null
            or orders_with_ages.age_days < kpi_windows.window_days

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
