{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_rows(['instance_id', 'user_id'], source('icommkt', 'customers')) }}",
    post_hook="{{ record_incremental_state() }}"
) }}

with

customers as (

    select
        instance_id,
        user_id,
        email,
        first_name,
        last_name,
        gender,
        phone,
        city,
        country,
        opt_in,
        birth_date,
        extra_attributes,
        file_date,
        file_name,
        line_number,
        load_id
    from {{ source('icommkt', 'customers') }}
    {% if is_incremental() %}
        -- only the keys new loads touched, with all their raw rows (macros/incremental.sql)
        where {{ touched_by_new_loads(['instance_id', 'user_id'], source('icommkt', 'customers')) }}
    {% endif %}

),

-- the customer's history in delivery order: file date, then line within the file
customer_history as (

    select
        instance_id,
        user_id,
        email,
        first_name,
        last_name,
        gender,
        phone,
        city,
        country,
        opt_in,
        birth_date,
        extra_attributes,
        file_date,
        file_name,
        load_id,
        row_number() over (
            partition by instance_id, user_id
            order by file_date asc, file_name asc, line_number asc
        ) as history_order
    from customers

),

merged_attributes as (

    select
        instance_id,
        user_id,
        {{ latest_non_empty('email', 'history_order') }} as email,
        {{ latest_non_empty('first_name', 'history_order') }} as first_name,
        {{ latest_non_empty('last_name', 'history_order') }} as last_name,
        {{ latest_non_empty('gender', 'history_order') }} as gender,
        {{ latest_non_empty('phone', 'history_order') }} as phone,
        {{ latest_non_empty('city', 'history_order') }} as city,
        {{ latest_non_empty('country', 'history_order') }} as country,
        {{ latest_non_empty('opt_in', 'history_order') }} as opt_in,
        {{ latest_non_empty('birth_date', 'history_order') }} as birth_date,
        {{ latest_non_empty('file_name', 'history_order') }} as last_seen_file_name,
        {{ latest_non_empty('load_id', 'history_order') }} as last_seen_load_id,
        min(file_date) as first_seen_file_date,
        max(file_date) as last_seen_file_date
    from customer_history
    group by
        instance_id,
        user_id

),

extra_attribute_history as (

    select
        instance_id,
        user_id,
        history_order,
        {{ explode_map('extra_attributes', 'attribute_name', 'attribute_value') }}
    from customer_history

),

-- a key whose values were all empty is kept, with a NULL value
latest_extra_attributes as (

    select
        instance_id,
        user_id,
        attribute_name,
        {{ latest_non_empty('attribute_value', 'history_order') }} as attribute_value
    from extra_attribute_history
    group by
        instance_id,
        user_id,
        attribute_name

),

merged_extra_attributes as (

    select
        instance_id,
        user_id,
        {{ build_map('attribute_name', 'attribute_value') }} as extra_attributes
    from latest_extra_attributes
    group by
        instance_id,
        user_id

),

final as (

    select
        -- ids
        {{ surrogate_key(['merged_attributes.instance_id', 'merged_attributes.user_id']) }}
            as user_key,
        merged_attributes.instance_id,
        merged_attributes.user_id,

        -- strings
        merged_attributes.email,
        lower(trim(merged_attributes.email)) as email_normalized,
        merged_attributes.first_name,
        merged_attributes.last_name,
        merged_attributes.gender,
        merged_attributes.phone,
        merged_attributes.city,
        merged_attributes.country,
        coalesce(
            merged_extra_attributes.extra_attributes,
            {{ empty_text_map() }}
        ) as extra_attributes,

        -- booleans
        merged_attributes.opt_in,

        -- dates
        merged_attributes.birth_date,
        merged_attributes.first_seen_file_date,
        merged_attributes.last_seen_file_date,

        -- lineage
        merged_attributes.last_seen_file_name,
        merged_attributes.last_seen_load_id,

        -- build
        {{ build_started_at() }} as built_at
    from merged_attributes
    left join merged_extra_attributes
        on
            merged_attributes.instance_id = merged_extra_attributes.instance_id
            and merged_attributes.user_id = merged_extra_attributes.user_id

)

select * from final
