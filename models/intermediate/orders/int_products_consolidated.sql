{#-
    One row per (instance, Sku) ever sent on an order line: its latest non-empty name and brand,
    so a product keeps one name and one brand on every day of the sales marts. A full table (a
    few thousand rows from one pass over the lines): a name sent today renames every past day.
-#}
{%- set as_last_sent = ['source_file_date', 'source_file_name', 'source_line_number'] -%}
with

int_order_lines_enriched as (

    select
        instance_id,
        sku,
        product_name,
        brand,
        source_file_date,
        source_file_name,
        source_line_number
    from {{ ref('int_order_lines_enriched') }}

),

final as (

    select
        -- ids
        instance_id,
        sku,

        -- strings: as last sent (latest file date, then file name, then line)
        {{ latest_non_empty('product_name', as_last_sent) }} as product_name,
        {{ latest_non_empty('brand', as_last_sent) }} as brand
    from int_order_lines_enriched
    group by
        instance_id,
        sku

)

select * from final
