{#- SPEC §3.5: the seed maps all 125 (R, F, M) cells, each exactly once. -#}
with

rfm_segments as (

    select
        recency_score,
        frequency_score,
        monetary_score
    from {{ ref('rfm_segments') }}

),

cells as (

    select count(*) as cell_rows
    from rfm_segments
    where
        recency_score between 1 and 5
        and frequency_score between 1 and 5
        and monetary_score between 1 and 5

),

distinct_cells as (

    select distinct
        recency_score,
        frequency_score,
        monetary_score
    from rfm_segments

),

final as (

    select
        cells.cell_rows,
        (select count(*) from distinct_cells) as distinct_cell_rows,
        (select count(*) from rfm_segments) as seed_rows
    from cells

)

select *
from final
where cell_rows != 125 or distinct_cell_rows != 125 or seed_rows != 125
