{#-
    One row per (customer, value_family, value) for the list-valued families, with the age of the most
    recent purchase holding it: "distinct brands of the last 90 days" becomes a filter on
    last_bought_age_days < 90 instead of a distinct aggregate per window.
-#}
with

int_orders_resolved_to_customers as (

    select
        order_key,
        customer_key,
        instance_id,
        store_code,
        channel,
        promo_codes,
        age_days
    from {{ ref('int_orders_resolved_to_customers') }}
    where is_purchase

),

stg_icommkt__order_lines as (

    select
        order_key,
        sku,
        brand
    from {{ ref('stg_icommkt__order_lines') }}

),

stg_icommkt__order_line_categories as (

    select
        order_key,
        sku,
        category
    from {{ ref('stg_icommkt__order_line_categories') }}

),

purchase_lines as (

    select
        int_orders_resolved_to_customers.order_key,
        int_orders_resolved_to_customers.customer_key,
        int_orders_resolved_to_customers.instance_id,
        int_orders_resolved_to_customers.age_days,
        stg_icommkt__order_lines.sku,
        stg_icommkt__order_lines.brand
    from int_orders_resolved_to_customers
    inner join stg_icommkt__order_lines
        on int_orders_resolved_to_customers.order_key = stg_icommkt__order_lines.order_key

),

-- categories belong to a line's product: only those of a line of the order count
purchase_line_categories as (

    select distinct
        purchase_lines.order_key,
        purchase_lines.customer_key,
        purchase_lines.instance_id,
        purchase_lines.age_days,
        stg_icommkt__order_line_categories.category
    from purchase_lines
    inner join stg_icommkt__order_line_categories
        on
            purchase_lines.order_key = stg_icommkt__order_line_categories.order_key
            and purchase_lines.sku = stg_icommkt__order_line_categories.sku

),

-- one row per (purchase, brand): a brand on two lines of one order is one purchase with it
purchase_brands as (

    select distinct
        order_key,
        customer_key,
        instance_id,
        age_days,
        brand
    from purchase_lines

),

promo_codes_of_purchases as (

    select
        order_key,
        customer_key,
        instance_id,
        age_days,
        {{ unnest_list('promo_codes') }} as promo_code
    from int_orders_resolved_to_customers

),

purchase_values as (

    select
        order_key,
        customer_key,
        instance_id,
        age_days,
        'store' as value_family,
        store_code as family_value
    from int_orders_resolved_to_customers

    union all

    select
        order_key,
        customer_key,
        instance_id,
        age_days,
        'channel' as value_family,
        channel as family_value
    from int_orders_resolved_to_customers

    union all

    select
        order_key,
        customer_key,
        instance_id,
        age_days,
        'promo_code' as value_family,
        promo_code as family_value
    from promo_codes_of_purchases

    union all

    select
        order_key,
        customer_key,
        instance_id,
        age_days,
        'brand' as value_family,
        brand as family_value
    from purchase_brands

    union all

    select
        order_key,
        customer_key,
        instance_id,
        age_days,
        'category' as value_family,
        category as family_value
    from purchase_line_categories

),

final as (

    select
        -- ids
        customer_key,
        instance_id,

        -- strings
        value_family,
        family_value,

        -- numerics
        min(age_days) as last_bought_age_days,
        -- each (purchase, value) appears once above, so counting rows counts purchases
        count(*) as purchases_with_value
    from purchase_values
    where family_value is not null and family_value <> ''
    group by
        customer_key,
        instance_id,
        value_family,
        family_value

)

select * from final
