{#-
    The one date every indicator is computed as of (SPEC §3.2): the `as_of_date` var when given,
    else the latest file date loaded, else the latest order date (only the API has sent data).
    Downstream models join this one row instead of reading the var, so unit tests can pin it.
-#}
{%- set as_of_date_var = var('as_of_date') -%}

with

stg_icommkt__load_manifest as (

    select
        file_date,
        is_loaded
    from {{ ref('stg_icommkt__load_manifest') }}

),

stg_icommkt__orders as (

    select order_date
    from {{ ref('stg_icommkt__orders') }}

),

latest_file_date as (

    select max(file_date) as latest_file_date
    from stg_icommkt__load_manifest
    where is_loaded

),

latest_order_date as (

    select max(order_date) as latest_order_date
    from stg_icommkt__orders

),

final as (

    select
        coalesce(
            {% if as_of_date_var %}cast('{{ as_of_date_var }}' as date){% else %}null{% endif %},
            latest_file_date.latest_file_date,
            latest_order_date.latest_order_date
        ) as as_of_date
    from latest_file_date
    cross join latest_order_date

)

select * from final
