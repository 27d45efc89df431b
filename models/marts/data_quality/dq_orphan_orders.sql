with

stg_icommkt__orders as (

    select
        order_key,
        instance_id,
        store_code,
        order_number,
        user_id,
        channel,
        total_amount,
        is_return,
        order_date,
        source_file_date,
        source_file_name,
        source_line_number
    from {{ ref('stg_icommkt__orders') }}

),

stg_icommkt__customers as (

    select
        instance_id,
        user_id,
        email_normalized
    from {{ ref('stg_icommkt__customers') }}

),

customers_with_email as (

    select
        instance_id,
        user_id
    from stg_icommkt__customers
    where email_normalized is not null and email_normalized <> ''

),

final as (

    select
        -- ids
        stg_icommkt__orders.order_key,
        stg_icommkt__orders.instance_id,
        stg_icommkt__orders.store_code,
        stg_icommkt__orders.order_number,
        stg_icommkt__orders.user_id,

        -- strings
        stg_icommkt__orders.channel,
        stg_icommkt__orders.source_file_name,

        -- numerics
        stg_icommkt__orders.total_amount,
        stg_icommkt__orders.source_line_number,

        -- booleans
        stg_icommkt__orders.is_return,

        -- dates
        stg_icommkt__orders.order_date,
        stg_icommkt__orders.source_file_date
    from stg_icommkt__orders
    left join customers_with_email
        on
            stg_icommkt__orders.instance_id = customers_with_email.instance_id
            and stg_icommkt__orders.user_id = customers_with_email.user_id
    where customers_with_email.user_id is null

)

select * from final
