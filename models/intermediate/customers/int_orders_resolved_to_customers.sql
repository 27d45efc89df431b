{#-
    Dated, not aged: ages change every day, dates do not, so a new day only recomputes the
    customers it touched (macros/incremental.sql). Ages are taken as of `as_of_date` downstream.
-#}
-- depends_on: {{ ref('stg_icommkt__orders') }}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_customers('customer_key', ref('int_as_of_date')) }}",
    post_hook="{{ record_incremental_state(ref('int_as_of_date')) }}"
) }}
with

int_orders_enriched as (

    select
        order_key,
        instance_id,
        user_id,
        store_code,
        channel,
        shipping_method,
        seller_code,
        payment_methods,
        promo_codes,
        total_items,
        total_amount,
        is_purchase,
        order_date
    from {{ ref('int_orders_enriched') }}

),

int_user_ids_resolved_to_customers as (

    select
        customer_key,
        instance_id,
        user_id,
        email
    from {{ ref('int_user_ids_resolved_to_customers') }}

),

int_as_of_date as (

    select as_of_date
    from {{ ref('int_as_of_date') }}

),

final as (

    select
        -- ids
        int_orders_enriched.order_key,
        int_user_ids_resolved_to_customers.customer_key,
        int_orders_enriched.instance_id,
        int_orders_enriched.user_id,

        -- strings
        int_user_ids_resolved_to_customers.email,
        int_orders_enriched.store_code,
        int_orders_enriched.channel,
        int_orders_enriched.shipping_method,
        int_orders_enriched.seller_code,
        int_orders_enriched.payment_methods,
        int_orders_enriched.promo_codes,

        -- numerics
        int_orders_enriched.total_items,
        int_orders_enriched.total_amount,

        -- booleans
        int_orders_enriched.is_purchase,

        -- dates
        int_orders_enriched.order_date,

        -- build
        {{ build_started_at() }} as built_at
    from int_orders_enriched
    -- orphans (no customer record with an email) are in no profile: SPEC §3.1
    inner join int_user_ids_resolved_to_customers
        on
            int_orders_enriched.instance_id = int_user_ids_resolved_to_customers.instance_id
            and int_orders_enriched.user_id = int_user_ids_resolved_to_customers.user_id
    cross join int_as_of_date
    -- orders after as_of_date are ignored by every indicator: SPEC §3.2
    where int_orders_enriched.order_date <= int_as_of_date.as_of_date
    {% if is_incremental() %}
        -- only the customers new loads or a later as_of_date touched (macros/incremental.sql)
        and {{ touched_customers(
            'int_user_ids_resolved_to_customers.customer_key', ref('int_as_of_date')
        ) }}
    {% endif %}

)

select * from final
