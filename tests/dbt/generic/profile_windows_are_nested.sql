{#-
    Windows are nested (SPEC §3.2): for every pair of consecutive windows (and the last window
    vs Total), the shorter never exceeds the longer — purchases always; items and value for
    customers without returns (a return can make a shorter window's net larger); every list of a
    shorter window is contained in the longer one's (the singular test
    `assert_list_contains_all_finds_missing_values` checks that containment test itself). Adding
    a window to `kpi_windows` adds its checks here. A generic test of the profile, so a daily
    build checks the rows it rewrote (macros/test_scope.sql): the rows it kept change only in
    their RFM columns and ages.

        data_tests:
          - profile_windows_are_nested
-#}
{% test profile_windows_are_nested(model) %}
{%- set windows = kpi_windows() -%}

with

customer_profile as (

    select * from {{ model }}

),

violations as (
    {%- for shorter in windows[:-1] %}
    {%- set longer = windows[loop.index] %}
    select
        customer_key,
        '{{ shorter.name }} vs {{ longer.name }}' as windows_compared
    from customer_profile
    where
        {{ kpi_column('Purchases', shorter) }} > {{ kpi_column('Purchases', longer) }}
        or (
            {{ adapter.quote('ICOMMKT_Total_Returns') }} = 0
            and (
                {{ kpi_column('Items', shorter) }} > {{ kpi_column('Items', longer) }}
                or {{ kpi_column('Value', shorter) }} > {{ kpi_column('Value', longer) }}
            )
        )
        {%- for family in ['Brands', 'Categories', 'Promo_Codes', 'Stores'] %}
        or not {{ list_contains_all(kpi_column(family, longer), kpi_column(family, shorter)) }}
        {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from violations

{% endtest %}
