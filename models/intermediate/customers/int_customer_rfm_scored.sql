{#-
    RFM per instance and window (SPEC §3.4) over the window's buyers. R and M are tie-aware
    quintiles: score = min(5, 1 + floor(5 * worse / (n - 1))), where `worse` counts the buyers
    strictly worse (rank() - 1), so equal customers always share a score. F comes from purchase
    bins (var `rfm_frequency_bins`: the least purchases for F = 1..5) or, with
    `rfm_frequency_mode: quintile`, is scored like M.
-#}
{%- set frequency_mode = var('rfm_frequency_mode') -%}
{%- set frequency_bins = var('rfm_frequency_bins') -%}
{%- if frequency_mode == 'quintile' -%}
{%- set frequency_score = quintile_score('buyers_fewer_purchases', 'buyers') -%}
{%- else -%}
{%- set frequency_score = score_from_bins('purchases', frequency_bins) -%}
{%- endif -%}

with

int_customer_window_metrics as (

    select
        customer_key,
        instance_id,
        window_name,
        purchases,
        order_value,
        last_purchase_date
    from {{ ref('int_customer_window_metrics') }}
    where purchases > 0

),

ranked as (

    select
        customer_key,
        instance_id,
        window_name,
        purchases,
        order_value,
        count(*) over (partition by instance_id, window_name) as buyers,
        -- the same as_of_date for all: an earlier last purchase is a less recent one
        rank() over (
            partition by instance_id, window_name order by last_purchase_date asc
        ) - 1 as buyers_less_recent,
        rank() over (
            partition by instance_id, window_name order by order_value asc
        ) - 1 as buyers_lower_value,
        rank() over (
            partition by instance_id, window_name order by purchases asc
        ) - 1 as buyers_fewer_purchases
    from int_customer_window_metrics

),

scored as (

    select
        customer_key,
        instance_id,
        window_name,
        {{ quintile_score('buyers_less_recent', 'buyers') }} as recency_score,
        {{ frequency_score }} as frequency_score,
        {{ quintile_score('buyers_lower_value', 'buyers') }} as monetary_score
    from ranked

),

final as (

    select
        -- ids
        customer_key,
        instance_id,

        -- strings
        window_name,
        {{ dbt.concat([
            'cast(recency_score as ' ~ dbt.type_string() ~ ')',
            'cast(frequency_score as ' ~ dbt.type_string() ~ ')',
            'cast(monetary_score as ' ~ dbt.type_string() ~ ')',
        ]) }} as rfm,

        -- numerics
        recency_score,
        frequency_score,
        monetary_score
    from scored

)

select * from final
