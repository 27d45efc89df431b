{#- SPEC §3.5: the seed maps all 125 (R, F, M) cells, each exactly once. -#}
with

rfm_segments as (

    select
        recency_score,
        frequency_score,
        monetary_score
    from {{ ref('rfm_segments') }}

),

rows_per_cell as (

    select
        recency_score,
        frequency_score,
        monetary_score,
        count(*) as cell_rows
    from rfm_segments
    group by
        recency_score,
        frequency_score,
        monetary_score

),

final as (

    select
        count(*) as cells,
        sum(
            case
                when
                    cell_rows = 1
                    and recency_score between 1 and 5
                    and frequency_score between 1 and 5
                    and monetary_score between 1 and 5
                    then 1
                else 0
            end
        ) as valid_cells_mapped_once
    from rows_per_cell

)

select * from final
where cells != 125 or valid_cells_mapped_once != 125
