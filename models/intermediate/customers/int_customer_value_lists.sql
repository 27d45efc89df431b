{#-
    One row per buying customer with the list-valued families as lists of (value, last bought
    date), sorted by value, and the favourite store, brand and category: the profile filters
    these lists per window instead of aggregating 30M value rows every day.
-#}
-- depends_on: {{ ref('stg_icommkt__orders') }}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_customers('customer_key', ref('int_as_of_date')) }}",
    post_hook="{{ record_incremental_state(ref('int_as_of_date')) }}"
) }}

with

int_customer_values_last_bought as (

    select
        customer_key,
        instance_id,
        value_family,
        family_value,
        purchases_with_value,
        last_bought_date
    from {{ ref('int_customer_values_last_bought') }}
    {% if is_incremental() %}
        -- only the customers new loads or a later as_of_date touched (macros/incremental.sql)
        where {{ touched_customers('customer_key', ref('int_as_of_date')) }}
    {% endif %}

),

final as (

    select
        -- ids
        customer_key,
        instance_id,

        -- strings: the favourite is the value with most purchases, ties to the smaller
        {% for family in ['store', 'brand', 'category'] %}
        {{ aggregate_favorite_value(
            'family_value', 'purchases_with_value', "value_family = '" ~ family ~ "'"
        ) }} as favorite_{{ family }},
        {% endfor %}

        -- numerics: UNKNOWN (no channel sent, store not in the seed) is not a second channel
        count(
            case when value_family = 'channel' and family_value != 'UNKNOWN' then 1 end
        ) as known_channels,

        -- lists
        {% for family in ['brand', 'category', 'promo_code', 'store', 'channel'] %}
        {{ aggregate_value_dates(
            'family_value', 'last_bought_date', "value_family = '" ~ family ~ "'"
        ) }} as {{ family }}_dates,
        {% endfor %}

        -- build
        {{ build_started_at() }} as built_at
    from int_customer_values_last_bought
    group by
        customer_key,
        instance_id

)

select * from final
