{#-
    The omnichannel customer profile (SPEC §3): one row per (instance, normalised email), with
    the customer's attributes and every ICOMMKT_* indicator as of `as_of_date`. Windowed columns
    are generated from the `kpi_windows` var (see macros/kpi_windows.sql).
    Keyed-incremental by customer (macros/customer_profile.sql): a build recomputes the
    customers int_customer_window_metrics recomputes (touched, or with an order that has just
    left a window); the post-hook updates every other row's RFM columns and ages in place.
-#}
-- depends_on: {{ ref('stg_icommkt__orders') }}
-- depends_on: {{ ref('int_orders_resolved_to_customers') }}
{{ config(
    materialized=keyed_incremental(),
    pre_hook="{{ delete_touched_customers('customer_key', ref('int_as_of_date'), window_orders=ref('int_orders_resolved_to_customers')) }}",
    post_hook=[
        "{{ refresh_kept_profile_rows(ref('int_customer_rfm_scored'), ref('rfm_segments'), ref('int_as_of_date')) }}",
        "{{ record_incremental_state(ref('int_as_of_date')) }}"
    ]
) }}
{%- if is_incremental() %}
    {%- set recomputed_customers = touched_customers(
        'customer_key', ref('int_as_of_date'), window_orders=ref('int_orders_resolved_to_customers')
    ) %}
{%- endif %}
with

int_customers_consolidated as (

    select
        customer_key,
        instance_id,
        email,
        user_ids,
        first_name,
        last_name,
        gender,
        phone,
        city,
        country,
        extra_attributes,
        opt_in,
        birth_date
    from {{ ref('int_customers_consolidated') }}
    {% if is_incremental() %}
        where {{ recomputed_customers }}
    {% endif %}

),

int_customer_window_metrics as (

    select
        customer_key,
        window_name,
        items,
        order_value,
        purchases,
        purchase_days,
        return_orders,
        returned_value,
        first_purchase_date,
        last_purchase_date
    from {{ ref('int_customer_window_metrics') }}
    {% if is_incremental() %}
        where {{ recomputed_customers }}
    {% endif %}

),

int_customer_rfm_scored as (

    select
        customer_key,
        window_name,
        rfm,
        recency_score,
        frequency_score,
        monetary_score
    from {{ ref('int_customer_rfm_scored') }}
    {% if is_incremental() %}
        where {{ recomputed_customers }}
    {% endif %}

),

int_as_of_date as (

    select as_of_date
    from {{ ref('int_as_of_date') }}

),

int_customer_value_lists as (

    select
        customer_key,
        favorite_store,
        favorite_brand,
        favorite_category,
        known_channels,
        brand_dates,
        category_dates,
        promo_code_dates,
        store_dates,
        channel_dates
    from {{ ref('int_customer_value_lists') }}
    {% if is_incremental() %}
        where {{ recomputed_customers }}
    {% endif %}

),

int_customer_last_purchase as (

    select
        customer_key,
        payment_methods,
        shipping_methods,
        items,
        brands,
        categories,
        sellers,
        stores,
        promo_codes,
        last_purchase_amount
    from {{ ref('int_customer_last_purchase') }}
    {% if is_incremental() %}
        where {{ recomputed_customers }}
    {% endif %}

),

rfm_segments as (

    select
        recency_score,
        frequency_score,
        monetary_score,
        rfm_group,
        rfm_segment
    from {{ ref('rfm_segments') }}

),

window_kpis as (

    select
        customer_key,
        {% for window in kpi_windows() %}
        {{ pivot_window('items', window, default=0) }} as {{ kpi_column('Items', window) }},
        {{ pivot_window('purchases', window, default=0) }}
            as {{ kpi_column('Purchases', window) }},
        {{ pivot_window('order_value', window, default=0) }}
            as {{ kpi_column('Value', window) }},
        {{ pivot_window(
            'case when purchases > 0 then '
            ~ exact_ratio('order_value', 'purchases', 2) ~ ' end',
            window
        ) }} as {{ kpi_column('Average_Value', window) }},
        {% endfor %}
        {{ pivot_window('first_purchase_date', {'name': 'Total'}) }} as first_purchase_date,
        {{ pivot_window('last_purchase_date', {'name': 'Total'}) }} as last_purchase_date,
        {{ pivot_window('purchase_days', {'name': 'Total'}, default=0) }} as purchase_days,
        {{ pivot_window('return_orders', {'name': 'Total'}, default=0) }} as total_returns,
        {{ pivot_window('returned_value', {'name': 'Total'}, default=0) }}
            as total_returned_value
    from int_customer_window_metrics
    group by customer_key

),

window_rfm as (
    {{ rfm_by_customer('int_customer_rfm_scored', 'rfm_segments') }}
),

final as (

    select
        -- ids
        int_customers_consolidated.customer_key,
        int_customers_consolidated.instance_id,
        int_customers_consolidated.email,
        int_customers_consolidated.user_ids,

        -- customer attributes
        int_customers_consolidated.first_name,
        int_customers_consolidated.last_name,
        int_customers_consolidated.gender,
        int_customers_consolidated.birth_date,
        int_customers_consolidated.phone,
        int_customers_consolidated.city,
        int_customers_consolidated.country,
        int_customers_consolidated.opt_in,
        int_customers_consolidated.extra_attributes,

        -- dates and recency
        window_kpis.first_purchase_date as {{ adapter.quote('ICOMMKT_First_Purchase_Date') }},
        window_kpis.last_purchase_date as {{ adapter.quote('ICOMMKT_Last_Purchase_Date') }},
        {{ days_between('window_kpis.first_purchase_date', 'int_as_of_date.as_of_date') }}
            as {{ adapter.quote('ICOMMKT_Days_Since_First_Purchase') }},
        {{ days_between('window_kpis.last_purchase_date', 'int_as_of_date.as_of_date') }}
            as {{ adapter.quote('ICOMMKT_Days_Since_Last_Purchase') }},
        cast(int_customer_last_purchase.last_purchase_amount as decimal(18, 2))
            as {{ adapter.quote('ICOMMKT_Last_Purchase_Amount') }},

        -- windowed families, then their lifetime (Total) form
        {% for window in kpi_windows() %}
        cast(coalesce(window_kpis.{{ kpi_column('Items', window) }}, 0) as decimal(18, 2))
            as {{ kpi_column('Items', window) }},
        {{ values_within(
            'int_customer_value_lists.brand_dates', window.days, 'int_as_of_date.as_of_date'
        ) }}
            as {{ kpi_column('Brands', window) }},
        {{ values_within(
            'int_customer_value_lists.category_dates', window.days, 'int_as_of_date.as_of_date'
        ) }}
            as {{ kpi_column('Categories', window) }},
        cast(
            coalesce(window_kpis.{{ kpi_column('Purchases', window) }}, 0)
            as {{ dbt.type_int() }}
        ) as {{ kpi_column('Purchases', window) }},
        cast(coalesce(window_kpis.{{ kpi_column('Value', window) }}, 0) as decimal(18, 2))
            as {{ kpi_column('Value', window) }},
        window_kpis.{{ kpi_column('Average_Value', window) }},
        window_rfm.{{ kpi_column('RFM', window) }},
        {{ values_within(
            'int_customer_value_lists.promo_code_dates', window.days, 'int_as_of_date.as_of_date'
        ) }}
            as {{ kpi_column('Promo_Codes', window) }},
        {{ values_within(
            'int_customer_value_lists.store_dates', window.days, 'int_as_of_date.as_of_date'
        ) }}
            as {{ kpi_column('Stores', window) }},
        {% endfor %}

        -- the last purchase (every purchase on the last purchase date)
        {%- for column, list_column in [
            ('Payment_Methods', 'payment_methods'),
            ('Shipping_Methods', 'shipping_methods'),
            ('Items', 'items'),
            ('Brands', 'brands'),
            ('Categories', 'categories'),
            ('Sellers', 'sellers'),
            ('Stores', 'stores'),
            ('Promo_Codes', 'promo_codes'),
        ] %}
        coalesce(int_customer_last_purchase.{{ list_column }}, {{ empty_list() }})
            as {{ adapter.quote('ICOMMKT_Last_Purchase_' ~ column) }},
        {% endfor %}

        -- segmentation (lifetime scores)
        {{ segment_or_prospects('window_rfm.rfm_group') }} as {{ adapter.quote('RFM_Group') }},
        {{ segment_or_prospects('window_rfm.rfm_segment') }}
            as {{ adapter.quote('RFM_Segment') }},
        cast(window_rfm.recency_score as {{ dbt.type_int() }})
            as {{ adapter.quote('ICOMMKT_RFM_Recency_Score') }},
        cast(window_rfm.frequency_score as {{ dbt.type_int() }})
            as {{ adapter.quote('ICOMMKT_RFM_Frequency_Score') }},
        cast(window_rfm.monetary_score as {{ dbt.type_int() }})
            as {{ adapter.quote('ICOMMKT_RFM_Monetary_Score') }},

        -- extended indicators
        cast(coalesce(window_kpis.total_returns, 0) as {{ dbt.type_int() }})
            as {{ adapter.quote('ICOMMKT_Total_Returns') }},
        cast(coalesce(window_kpis.total_returned_value, 0) as decimal(18, 2))
            as {{ adapter.quote('ICOMMKT_Total_Returned_Value') }},
        int_customer_value_lists.favorite_store
            as {{ adapter.quote('ICOMMKT_Favorite_Store') }},
        int_customer_value_lists.favorite_brand
            as {{ adapter.quote('ICOMMKT_Favorite_Brand') }},
        int_customer_value_lists.favorite_category
            as {{ adapter.quote('ICOMMKT_Favorite_Category') }},
        {{ values_within(
            'int_customer_value_lists.channel_dates', none, 'int_as_of_date.as_of_date'
        ) }} as {{ adapter.quote('ICOMMKT_Channels') }},
        coalesce(int_customer_value_lists.known_channels, 0) >= 2
            as {{ adapter.quote('ICOMMKT_Is_Omnichannel') }},
        case
            when window_kpis.purchase_days >= 2
                then {{ exact_ratio(
                    dbt.datediff(
                        'window_kpis.first_purchase_date', 'window_kpis.last_purchase_date', 'day'
                    ),
                    'window_kpis.purchase_days - 1',
                    1
                ) }}
        end as {{ adapter.quote('ICOMMKT_Avg_Days_Between_Purchases') }},

        -- as of
        int_as_of_date.as_of_date,
        {{ build_started_at() }} as built_at
    from int_customers_consolidated
    cross join int_as_of_date
    left join window_kpis
        on int_customers_consolidated.customer_key = window_kpis.customer_key
    left join window_rfm
        on int_customers_consolidated.customer_key = window_rfm.customer_key
    left join int_customer_value_lists
        on int_customers_consolidated.customer_key = int_customer_value_lists.customer_key
    left join int_customer_last_purchase
        on int_customers_consolidated.customer_key = int_customer_last_purchase.customer_key

)

select * from final
