{#-
    Line-level sales per (instance, day, store, channel, category), net of returns. A line
    counts once in each category its product carries in its order (SPEC §5), so categories do
    not add up to the total; lines without any category are under category NULL.
-#}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_days('instance_id', 'order_date') }}",
    post_hook="{{ record_incremental_state() }}"
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
        order_date
    from {{ ref('int_order_lines_enriched') }}
    {% if is_incremental() %}
        -- only the days the orders new loads touched were or are dated on
        where {{ touched_days('instance_id', 'order_date') }}
    {% endif %}

),

stg_icommkt__order_line_categories as (

    select
        order_key,
        sku,
        category
    from {{ ref('stg_icommkt__order_line_categories') }}

),

-- one row per (line, category of its product in its order); one row with NULL when none
line_categories as (

    select
        int_order_lines_enriched.order_line_key,
        int_order_lines_enriched.instance_id,
        int_order_lines_enriched.store_code,
        int_order_lines_enriched.channel,
        stg_icommkt__order_line_categories.category,
        int_order_lines_enriched.quantity,
        int_order_lines_enriched.line_amount,
        int_order_lines_enriched.order_date
    from int_order_lines_enriched
    left join stg_icommkt__order_line_categories
        on
            int_order_lines_enriched.order_key = stg_icommkt__order_line_categories.order_key
            and int_order_lines_enriched.sku = stg_icommkt__order_line_categories.sku

),

daily_category_sales as (

    select
        instance_id,
        order_date,
        store_code,
        channel,
        category,
        sum(quantity) as units,
        sum(line_amount) as line_amount,
        count(*) as order_lines
    from line_categories
    group by
        instance_id,
        order_date,
        store_code,
        channel,
        category

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'order_date', 'store_code', 'channel', 'category']) }}
            as sales_by_category_daily_key,
        instance_id,
        store_code,

        -- strings
        channel,
        category,

        -- numerics
        cast(units as decimal(18, 2)) as units,
        cast(line_amount as decimal(18, 2)) as line_amount,
        cast(order_lines as {{ dbt.type_int() }}) as order_lines,

        -- dates
        order_date,

        -- build
        {{ build_started_at() }} as built_at
    from daily_category_sales

)

select * from final
