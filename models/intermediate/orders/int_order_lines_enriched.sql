{#-
    One row per current order line (SPEC §2.4), with its order's date and channel: the base of
    the product and category sales marts. A line whose order header never arrived (listed in
    `dq_orphan_order_lines`) is kept, dated on its batch's file date and with the store's
    channel from the seed, so line amounts always add up to the lines received.
-#}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_orders('order_key', [source('icommkt', 'orders'), source('icommkt', 'order_lines')]) }}",
    post_hook="{{ record_incremental_state() }}"
) }}

with

stg_icommkt__order_lines as (

    select
        order_line_key,
        order_key,
        instance_id,
        store_code,
        order_number,
        sku,
        product_name,
        brand,
        seller_code,
        quantity,
        unit_price,
        line_amount,
        source_file_date,
        source_file_name,
        source_line_number
    from {{ ref('stg_icommkt__order_lines') }}
    {% if is_incremental() %}
        -- only the orders new loads touched (macros/incremental.sql)
        where {{ orders_touched_by_new_loads('order_key', [source('icommkt', 'orders'), source('icommkt', 'order_lines')]) }}
    {% endif %}

),

int_orders_enriched as (

    select
        order_key,
        channel,
        order_date
    from {{ ref('int_orders_enriched') }}

),

store_channels as (

    select
        instance_id,
        store_code,
        channel
    from {{ ref('store_channels') }}

),

final as (

    select
        -- ids
        stg_icommkt__order_lines.order_line_key,
        stg_icommkt__order_lines.order_key,
        stg_icommkt__order_lines.instance_id,
        stg_icommkt__order_lines.store_code,
        stg_icommkt__order_lines.order_number,
        stg_icommkt__order_lines.sku,

        -- strings
        stg_icommkt__order_lines.product_name,
        stg_icommkt__order_lines.brand,
        stg_icommkt__order_lines.seller_code,
        coalesce(
            int_orders_enriched.channel, store_channels.channel, 'UNKNOWN'
        ) as channel,

        -- numerics
        stg_icommkt__order_lines.quantity,
        stg_icommkt__order_lines.unit_price,
        stg_icommkt__order_lines.line_amount,

        -- booleans
        int_orders_enriched.order_key is not null as has_order_header,

        -- dates
        coalesce(
            int_orders_enriched.order_date, stg_icommkt__order_lines.source_file_date
        ) as order_date,

        -- lineage
        stg_icommkt__order_lines.source_file_date,
        stg_icommkt__order_lines.source_file_name,
        stg_icommkt__order_lines.source_line_number,

        -- build
        {{ build_started_at() }} as built_at
    from stg_icommkt__order_lines
    left join int_orders_enriched
        on stg_icommkt__order_lines.order_key = int_orders_enriched.order_key
    left join store_channels
        on
            stg_icommkt__order_lines.instance_id = store_channels.instance_id
            and stg_icommkt__order_lines.store_code = store_channels.store_code

)

select * from final
