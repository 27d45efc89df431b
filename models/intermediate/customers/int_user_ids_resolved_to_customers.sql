with

stg_icommkt__customers as (

    select
        instance_id,
        user_id,
        email_normalized
    from {{ ref('stg_icommkt__customers') }}

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'email_normalized']) }} as customer_key,
        instance_id,
        user_id,

        -- strings
        email_normalized as email
    from stg_icommkt__customers
    where email_normalized <> ''

)

select * from final
