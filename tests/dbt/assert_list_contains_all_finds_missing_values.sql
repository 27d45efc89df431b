{#-
    The list containment behind the nested-windows test, on fixed lists: it must report a value
    missing from the longer list, or that test could pass on any profile. Fails with each case
    the macro gets wrong.
-#}
with

cases as (

    select
        'one value missing' as case_name,
        {{ split_to_list("'a'") }} as superset,
        {{ split_to_list("'a,b'") }} as subset,
        false as expected
    union all
    select
        'contained' as case_name,
        {{ split_to_list("'a,b'") }} as superset,
        {{ split_to_list("'b'") }} as subset,
        true as expected
    union all
    select
        'empty subset' as case_name,
        {{ split_to_list("'a'") }} as superset,
        {{ split_to_list("''") }} as subset,
        true as expected

),

final as (

    select
        case_name,
        expected
    from cases
    where {{ list_contains_all('superset', 'subset') }} <> expected

)

select * from final
