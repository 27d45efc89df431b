{#-
    The windows of every windowed KPI family (SPEC §3.2), from the `kpi_windows` var, plus the
    lifetime form. Adding a window to the var adds every family's column.

        {% for window in kpi_windows() %} {{ window.name }} {% endfor %}
    renders
        30_Days 60_Days 90_Days 180_Days 360_Days Total

    kpi_column('Items', window) is the column of a family in a window, quoted for the engine:
        ICOMMKT_Items_30_Days … ICOMMKT_Total_Items
-#}
{% macro kpi_windows() -%}
    {%- set windows = [] -%}
    {%- for days in var('kpi_windows') -%}
        {%- do windows.append({'name': days ~ '_Days', 'days': days}) -%}
    {%- endfor -%}
    {%- do windows.append({'name': 'Total', 'days': none}) -%}
    {{ return(windows) }}
{%- endmacro %}

{% macro kpi_column(family, window) -%}
    {%- if window.days is none -%}
        {{ return(adapter.quote('ICOMMKT_Total_' ~ family)) }}
    {%- else -%}
        {{ return(adapter.quote('ICOMMKT_' ~ family ~ '_' ~ window.name)) }}
    {%- endif -%}
{%- endmacro %}

{#-
    One row per window, (window_name, window_days), to join orders to every window they fall in:
    an order of age a (days before as_of_date) is in window N when 0 <= a < N; lifetime has NULL.
-#}
{% macro kpi_windows_relation() -%}
    {%- for window in kpi_windows() %}
    select
        '{{ window.name }}' as window_name,
        {% if window.days is none -%}
            cast(null as {{ dbt.type_int() }})
        {%- else -%}
            {{ window.days }}
        {%- endif %} as window_days
    {% if not loop.last %}union all{% endif -%}
    {%- endfor %}
{%- endmacro %}

{#- Integer division rounding down, written once per engine (SPEC §3.4 asks for integer floors). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'omnichannel')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}

{#- Spark: `div` is integral division (operands here are never negative). -#}
{% macro spark__integer_divide(numerator, denominator) -%}
    (({{ numerator }}) div ({{ denominator }}))
{%- endmacro %}

{#-
    Tie-aware quintile score 1..5 (SPEC §3.4) from `worse` = how many of the `population` are
    strictly worse: 1 + floor(5 * worse / (population - 1)), capped at 5; 1 when alone.
        {{ quintile_score('buyers_lower_value', 'buyers') }}
-#}
{% macro quintile_score(worse, population) -%}
    case
        when {{ population }} = 1 then 1
        else least(5, 1 + {{ integer_divide('5 * ' ~ worse, population ~ ' - 1') }})
    end
{%- endmacro %}

{#-
    Pick one window's value out of the long (customer, window) rows while grouping by customer.
        {{ pivot_window('items', window, default=0) }}
    renders
        coalesce(max(case when window_name = '30_Days' then items end), 0)
-#}
{% macro pivot_window(expression, window, default=none) -%}
    {%- set picked -%}
        max(case when window_name = '{{ window.name }}' then {{ expression }} end)
    {%- endset -%}
    {%- if default is none -%}
        {{ picked }}
    {%- else -%}
        coalesce({{ picked }}, {{ default }})
    {%- endif -%}
{%- endmacro %}

{#-
    numerator / denominator rounded half away from zero to `decimals` places, exactly: the
    numerator (at most `decimals` decimals) is scaled to an integer and divided in integers, so
    0.03 / 2 is 0.02 — floating point would give 0.01.
        {{ exact_ratio('order_value', 'purchases', 2) }}      -- decimal(18, 2)
-#}
{% macro exact_ratio(numerator, denominator, decimals) -%}
    {%- set units = 'cast((' ~ numerator ~ ') * ' ~ (10 ** decimals) ~ ' as ' ~ dbt.type_bigint() ~ ')' -%}
    {%- set divisor = '(' ~ denominator ~ ')' -%}
    {%- set unit_size = '0.' ~ ('0' * (decimals - 1)) ~ '1' -%}
    cast(
        cast(
            sign({{ units }})
            * {{ integer_divide('abs(' ~ units ~ ') * 2 + ' ~ divisor, '2 * ' ~ divisor) }}
            as decimal(18, 0)
        ) * cast({{ unit_size }} as decimal(18, {{ decimals }}))
        as decimal(18, {{ decimals }})
    )
{%- endmacro %}

{#-
    Score 1..n from ascending lower bounds: bins [1, 2, 3, 4, 6] give 1 purchase -> 1, 2 -> 2,
    3 -> 3, 4-5 -> 4, 6+ -> 5 (SPEC §3.4's default F).
        {{ score_from_bins('purchases', [1, 2, 3, 4, 6]) }}
-#}
{% macro score_from_bins(expression, lower_bounds) -%}
    case
        {%- for lower_bound in lower_bounds | reverse %}
        when {{ expression }} >= {{ lower_bound }} then {{ lower_bounds | length - loop.index0 }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}
