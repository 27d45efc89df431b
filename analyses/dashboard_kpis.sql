{#-
    The sales dashboard's cards (SPEC §5) for one instance, date range, store and channel, from
    the sales marts. Set the five parameters below (`none` = every store / channel), then
    `dbt compile --select dashboard_kpis` and run target/compiled/…/dashboard_kpis.sql. In an
    application, bind the five values of the `parameters` CTE as query parameters instead.

    - total_sales, purchases and items come from `sales_daily` (every order, orphans included,
      returns netted).
    - unique_customers: buyers with a purchase in the range at the chosen store and channel;
      recurring_customers: those of them with 2+ purchases up to the range end at *any* store
      and channel (the customer's history with the retailer, not with the one store).
    - rcr = recurring ÷ unique (fraction, 4 decimals); average_ticket = sales ÷ purchases;
      customer_value = sales ÷ unique customers (2 decimals); NULL when the divisor is 0.
-#}
{%- set instance_id = 'AR' -%}
{%- set date_from = '2026-06-11' -%}
{%- set date_to = '2026-06-30' -%}
{%- set store_code = none -%}
{%- set channel = none -%}

with

-- the dashboard's filters; a NULL store or channel means every store or channel
parameters as (

    select
        '{{ instance_id }}' as instance_id,
        cast('{{ date_from }}' as date) as date_from,
        cast('{{ date_to }}' as date) as date_to,
        cast(
            {% if store_code %}'{{ store_code }}'{% else %}null{% endif %}
            as {{ dbt.type_string() }}
        ) as store_code,
        cast(
            {% if channel %}'{{ channel }}'{% else %}null{% endif %}
            as {{ dbt.type_string() }}
        ) as channel

),

sales_daily as (

    select
        instance_id,
        store_code,
        channel,
        sales,
        purchases,
        items,
        order_date
    from {{ ref('sales_daily') }}

),

sales_by_customer_daily as (

    select
        buyer_key,
        instance_id,
        store_code,
        channel,
        purchases,
        cumulative_purchases,
        order_date
    from {{ ref('sales_by_customer_daily') }}

),

range_totals as (

    select
        coalesce(sum(sales_daily.sales), 0) as total_sales,
        coalesce(sum(sales_daily.purchases), 0) as purchases,
        coalesce(sum(sales_daily.items), 0) as items
    from sales_daily
    inner join parameters
        on
            sales_daily.instance_id = parameters.instance_id
            and sales_daily.order_date >= parameters.date_from
            and sales_daily.order_date <= parameters.date_to
            and (parameters.store_code is null or sales_daily.store_code = parameters.store_code)
            and (parameters.channel is null or sales_daily.channel = parameters.channel)

),

-- buyers: at least one purchase in the range at the chosen store and channel
range_buyers as (

    select distinct sales_by_customer_daily.buyer_key
    from sales_by_customer_daily
    inner join parameters
        on
            sales_by_customer_daily.instance_id = parameters.instance_id
            and sales_by_customer_daily.order_date >= parameters.date_from
            and sales_by_customer_daily.order_date <= parameters.date_to
            and (
                parameters.store_code is null
                or sales_by_customer_daily.store_code = parameters.store_code
            )
            and (
                parameters.channel is null
                or sales_by_customer_daily.channel = parameters.channel
            )
    where sales_by_customer_daily.purchases > 0

),

-- every buyer's purchases up to the range end, over every store and channel
purchases_to_range_end as (

    select
        sales_by_customer_daily.buyer_key,
        max(sales_by_customer_daily.cumulative_purchases) as purchases_to_date
    from sales_by_customer_daily
    inner join parameters
        on
            sales_by_customer_daily.instance_id = parameters.instance_id
            and sales_by_customer_daily.order_date <= parameters.date_to
    group by sales_by_customer_daily.buyer_key

),

range_customers as (

    select
        count(*) as unique_customers,
        coalesce(
            sum(case when purchases_to_range_end.purchases_to_date >= 2 then 1 else 0 end), 0
        ) as recurring_customers
    from range_buyers
    inner join purchases_to_range_end
        on range_buyers.buyer_key = purchases_to_range_end.buyer_key

),

final as (

    select
        range_totals.total_sales,
        range_totals.purchases,
        range_customers.unique_customers,
        range_customers.recurring_customers,
        case
            when range_customers.unique_customers > 0
                then {{ exact_ratio(
                    'range_customers.recurring_customers', 'range_customers.unique_customers', 4
                ) }}
        end as rcr,
        case
            when range_totals.purchases > 0
                then {{ exact_ratio('range_totals.total_sales', 'range_totals.purchases', 2) }}
        end as average_ticket,
        case
            when range_customers.unique_customers > 0
                then {{ exact_ratio(
                    'range_totals.total_sales', 'range_customers.unique_customers', 2
                ) }}
        end as customer_value,
        range_totals.items
    from range_totals
    cross join range_customers

)

select * from final
