{#-
    int_as_of_date holds exactly one row with a non-null date (SPEC §3.2): every downstream
    model cross-joins it, so zero rows would empty the profile and two would duplicate it.
    Fails with one row describing what was found.
-#}
with

int_as_of_date as (

    select as_of_date
    from {{ ref('int_as_of_date') }}

),

summary as (

    select
        count(*) as row_count,
        count(as_of_date) as dated_row_count
    from int_as_of_date

),

final as (

    select
        row_count,
        dated_row_count
    from summary
    where row_count <> 1 or dated_row_count <> 1

)

select * from final
