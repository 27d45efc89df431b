{#-
    RFM group and segment distribution of each instance's customers (SPEC §5), from the
    profile as of `as_of_date`. Every segment of the seed, plus PROSPECTS, has a row for every
    instance, with 0 customers when empty, so charts keep a fixed set of bars.
-#}
with

customer_profile as (

    select
        customer_key,
        instance_id,
        {{ adapter.quote('RFM_Group') }} as rfm_group,
        {{ adapter.quote('RFM_Segment') }} as rfm_segment,
        {{ adapter.quote('ICOMMKT_Total_Value') }} as total_value,
        as_of_date
    from {{ ref('customer_profile') }}

),

rfm_segments as (

    select
        rfm_group,
        rfm_segment
    from {{ ref('rfm_segments') }}

),

-- the seed's 15 buyer segments, PROSPECTS, and any other value the profile holds
segments as (

    select
        rfm_group,
        rfm_segment
    from rfm_segments
    union distinct
    select
        'PROSPECTS' as rfm_group,
        'PROSPECTS' as rfm_segment
    union distinct
    select
        rfm_group,
        rfm_segment
    from customer_profile

),

instances as (

    select
        instance_id,
        count(*) as instance_customers,
        sum(case when rfm_group <> 'PROSPECTS' then 1 else 0 end) as instance_buyers,
        max(as_of_date) as as_of_date
    from customer_profile
    group by instance_id

),

segment_customers as (

    select
        instance_id,
        rfm_group,
        rfm_segment,
        count(*) as customers,
        sum(total_value) as total_value
    from customer_profile
    group by
        instance_id,
        rfm_group,
        rfm_segment

),

instance_segments as (

    select
        instances.instance_id,
        segments.rfm_group,
        segments.rfm_segment,
        instances.instance_customers,
        instances.instance_buyers,
        coalesce(segment_customers.customers, 0) as customers,
        coalesce(segment_customers.total_value, 0) as total_value,
        instances.as_of_date
    from instances
    cross join segments
    left join segment_customers
        on
            instances.instance_id = segment_customers.instance_id
            and segments.rfm_group = segment_customers.rfm_group
            and segments.rfm_segment = segment_customers.rfm_segment

),

final as (

    select
        -- ids
        {{ surrogate_key(['instance_id', 'rfm_group', 'rfm_segment']) }}
            as customer_rfm_distribution_key,
        instance_id,

        -- strings
        rfm_group,
        rfm_segment,

        -- numerics
        cast(customers as {{ dbt.type_int() }}) as customers,
        {{ exact_ratio('customers', 'instance_customers', 4) }} as customer_share,
        case
            when rfm_group <> 'PROSPECTS' and instance_buyers > 0
                then {{ exact_ratio('customers', 'instance_buyers', 4) }}
        end as buyer_share,
        cast(total_value as decimal(18, 2)) as total_value,
        case
            when customers > 0 then {{ exact_ratio('total_value', 'customers', 2) }}
        end as average_value,

        -- dates
        as_of_date
    from instance_segments

)

select * from final
