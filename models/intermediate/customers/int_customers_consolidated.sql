{#-
    One row per customer = (instance, normalised email) (SPEC §3.1): all UserIds sharing an email
    are one person. Attributes are merged across those UserIds like within one (latest non-empty
    value wins), ordered by when each UserId was last seen. Incremental by customer: a new day
    recomputes the customers of the users it touched, every e-mail they carried included.
-#}
-- depends_on: {{ ref('stg_icommkt__orders') }}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_customers('customer_key', ref('int_as_of_date')) }}",
    post_hook="{{ record_incremental_state(ref('int_as_of_date')) }}"
) }}
with

stg_icommkt__customers as (

    select
        instance_id,
        user_id,
        email_normalized,
        first_name,
        last_name,
        gender,
        phone,
        city,
        country,
        opt_in,
        birth_date,
        extra_attributes,
        last_seen_file_date
    from {{ ref('stg_icommkt__customers') }}
    where email_normalized <> ''
    {% if is_incremental() %}
        -- only the customers new loads touched (macros/incremental.sql)
        and {{ touched_customers(
            surrogate_key(['instance_id', 'email_normalized']), ref('int_as_of_date')
        ) }}
    {% endif %}

),

user_ids_in_order as (

    select
        {{ surrogate_key(['instance_id', 'email_normalized']) }} as customer_key,
        instance_id,
        user_id,
        email_normalized,
        first_name,
        last_name,
        gender,
        phone,
        city,
        country,
        opt_in,
        birth_date,
        extra_attributes,
        last_seen_file_date,
        row_number() over (
            partition by instance_id, email_normalized
            order by last_seen_file_date asc, user_id asc
        ) as seen_order
    from stg_icommkt__customers

),

merged_attributes as (

    select
        customer_key,
        instance_id,
        email_normalized as email,
        {{ aggregate_clean_list('user_id') }} as user_ids,
        {{ latest_non_empty('first_name', 'seen_order') }} as first_name,
        {{ latest_non_empty('last_name', 'seen_order') }} as last_name,
        {{ latest_non_empty('gender', 'seen_order') }} as gender,
        {{ latest_non_empty('phone', 'seen_order') }} as phone,
        {{ latest_non_empty('city', 'seen_order') }} as city,
        {{ latest_non_empty('country', 'seen_order') }} as country,
        {{ latest_non_empty('opt_in', 'seen_order') }} as opt_in,
        {{ latest_non_empty('birth_date', 'seen_order') }} as birth_date
    from user_ids_in_order
    group by
        customer_key,
        instance_id,
        email_normalized

),

extra_attribute_values as (

    select
        customer_key,
        seen_order,
        {{ explode_map('extra_attributes', 'attribute_name', 'attribute_value') }}
    from user_ids_in_order

),

latest_extra_attributes as (

    select
        customer_key,
        attribute_name,
        {{ latest_non_empty('attribute_value', 'seen_order') }} as attribute_value
    from extra_attribute_values
    group by
        customer_key,
        attribute_name

),

merged_extra_attributes as (

    select
        customer_key,
        {{ build_map('attribute_name', 'attribute_value') }} as extra_attributes
    from latest_extra_attributes
    group by customer_key

),

final as (

    select
        -- ids
        merged_attributes.customer_key,
        merged_attributes.instance_id,
        merged_attributes.email,
        merged_attributes.user_ids,

        -- strings
        merged_attributes.first_name,
        merged_attributes.last_name,
        merged_attributes.gender,
        merged_attributes.phone,
        merged_attributes.city,
        merged_attributes.country,
        coalesce(
            merged_extra_attributes.extra_attributes, {{ empty_text_map() }}
        ) as extra_attributes,

        -- booleans
        merged_attributes.opt_in,

        -- dates
        merged_attributes.birth_date,

        -- build
        {{ build_started_at() }} as built_at
    from merged_attributes
    left join merged_extra_attributes
        on merged_attributes.customer_key = merged_extra_attributes.customer_key

)

select * from final
