{#-
    Select-list expression that turns one row into one row per calendar day from `start_date`
    to `end_date`, both included (a per-row date spine).

        select instance_id, {{ date_spine('first_file_date', 'last_file_date') }} as file_date
        from instance_date_ranges
    renders (DuckDB)
        cast(unnest(generate_series(cast(first_file_date as date),
            cast(last_file_date as date), interval 1 day)) as date)

    A Spark variant would be `explode(sequence(start, end, interval 1 day))`.
-#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'omnichannel')(start_date, end_date)) }}
{%- endmacro %}

{#- DuckDB: generate_series over dates yields a list of timestamps, hence the cast back. -#}
{% macro default__date_spine(start_date, end_date) -%}
    cast(unnest(generate_series(
        cast({{ start_date }} as date),
        cast({{ end_date }} as date),
        interval 1 day
    )) as date)
{%- endmacro %}

{#- Spark: sequence() over dates already yields dates. -#}
{% macro spark__date_spine(start_date, end_date) -%}
    explode(sequence(
        cast({{ start_date }} as date),
        cast({{ end_date }} as date),
        interval 1 day
    ))
{%- endmacro %}
