{#-
    Every buyer has a buyer segment and every non-buyer is a prospect (SPEC §3.5); first purchase
    is never after the last; lifetime scores exist exactly for buyers.
-#}
with

customer_profile as (

    select
        customer_key,
        {{ adapter.quote('ICOMMKT_Total_Purchases') }} as total_purchases,
        {{ adapter.quote('RFM_Segment') }} as rfm_segment,
        {{ adapter.quote('ICOMMKT_RFM_Recency_Score') }} as recency_score,
        {{ adapter.quote('ICOMMKT_First_Purchase_Date') }} as first_purchase_date,
        {{ adapter.quote('ICOMMKT_Last_Purchase_Date') }} as last_purchase_date
    from {{ ref('customer_profile') }}

)

select *
from customer_profile
where
    (total_purchases > 0 and (rfm_segment = 'PROSPECTS' or recency_score is null))
    or (total_purchases = 0 and (rfm_segment != 'PROSPECTS' or recency_score is not null))
    or first_purchase_date > last_purchase_date
