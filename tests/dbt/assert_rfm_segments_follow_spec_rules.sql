{#- SPEC §3.5, rule by rule, written independently of the seed: any disagreeing cell fails. -#}
with

rfm_segments as (

    select
        recency_score,
        frequency_score,
        monetary_score,
        rfm_group,
        rfm_segment
    from {{ ref('rfm_segments') }}

),

expected as (

    select
        recency_score,
        frequency_score,
        monetary_score,
        rfm_group,
        rfm_segment,
        case
            when frequency_score = 1 then 'BEGINNERS'
            when frequency_score <= 3 then 'FREQUENT'
            else 'LOYAL'
        end as expected_group,
        case
            when frequency_score = 1 and recency_score = 5 then 'BEGINNERS_NEW'
            when frequency_score = 1 and recency_score = 4 then 'BEGINNERS_PROMISING'
            when frequency_score = 1 and recency_score = 3 then 'BEGINNERS_NEEDS_ATTENTION'
            when frequency_score = 1 and monetary_score >= 3 then 'BEGINNERS_HIBERNATING'
            when frequency_score = 1 then 'BEGINNERS_LOSE_IT'
            when frequency_score <= 3 and recency_score = 5 then 'FREQUENT_POTENTIAL_LOYALISTS'
            when frequency_score <= 3 and recency_score = 4 then 'FREQUENT_PROMISING'
            when frequency_score <= 3 and recency_score = 3 then 'FREQUENT_NEEDS_ATTENTION'
            when frequency_score <= 3 and monetary_score >= 4 then 'FREQUENT_AT_RISK'
            when frequency_score <= 3 then 'FREQUENT_HIBERNATING'
            when recency_score = 5 and monetary_score >= 4 then 'LOYAL_CHAMPIONS'
            when recency_score >= 4 then 'LOYAL_LOYALISTS'
            when recency_score = 3 then 'LOYAL_NEEDS_ATTENTION'
            when monetary_score >= 4 then 'LOYAL_CANT_LOSE_THEM'
            else 'LOYAL_AT_RISK'
        end as expected_segment
    from rfm_segments

)

select *
from expected
where rfm_group != expected_group or rfm_segment != expected_segment
