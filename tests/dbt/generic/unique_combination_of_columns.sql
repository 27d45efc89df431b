{#-
    Fails with one row per combination of `combination_of_columns` that occurs more than once
    (a composite primary key check without a combined column).

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [instance_id, user_id]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

model_rows as (

    select
        {{ combination_of_columns | join(',\n        ') }}
    from {{ model }}

),

duplicated_combinations as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count
    from model_rows
    group by
        {{ combination_of_columns | join(',\n        ') }}
    having count(*) > 1

),

final as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        row_count
    from duplicated_combinations

)

select * from final

{% endtest %}
