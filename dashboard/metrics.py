"""The sales dashboard's figures (SPEC §5), computed on a published set of marts.

Plain functions of a DuckDB connection (see `loaders.publish.open_set`) and the dashboard's
filters, so they are tested without Streamlit. Card ratios are exact decimals rounded half away
from zero, like the profile's averages; chart series are DataFrames ready to plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

# Rows of a mart that match the filters; `$store_code` / `$channel` NULL means every one.
MATCHES_FILTERS = """
    instance_id = $instance_id
    and order_date between $date_from and $date_to
    and ($store_code is null or store_code = $store_code)
    and ($channel is null or channel = $channel)
"""


@dataclass(frozen=True)
class Filters:
    """What the user picked: one instance, a date range (both ends included), store, channel."""

    instance_id: str
    date_from: date
    date_to: date
    store_code: str | None = None
    channel: str | None = None

    def parameters(self) -> dict[str, object]:
        return {
            "instance_id": self.instance_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "store_code": self.store_code,
            "channel": self.channel,
        }


@dataclass(frozen=True)
class Cards:
    """The card figures. Ratios are None when their divisor is 0."""

    total_sales: Decimal
    purchases: int
    unique_customers: int
    recurring_customers: int
    rcr: Decimal | None
    average_ticket: Decimal | None
    customer_value: Decimal | None
    items: Decimal


@dataclass(frozen=True)
class FilterOptions:
    """What the filters can offer for one instance."""

    first_date: date
    last_date: date
    stores: list[str]
    channels: list[str]


def exact_ratio(numerator: Decimal | int, denominator: int, places: int) -> Decimal | None:
    """numerator ÷ denominator rounded half away from zero to `places` decimals; None for ÷ 0."""
    if denominator == 0:
        return None
    quotient = Decimal(numerator) / Decimal(denominator)
    return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def instances(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("select distinct instance_id from sales_daily order by 1").fetchall()
    return [row[0] for row in rows]


def filter_options(con: duckdb.DuckDBPyConnection, instance_id: str) -> FilterOptions | None:
    """Date bounds, stores and channels of an instance's orders; None when it has none."""
    bounds = con.execute(
        "select min(order_date), max(order_date) from sales_daily where instance_id = ?",
        [instance_id],
    ).fetchone()
    if bounds is None or bounds[0] is None:
        return None
    stores = con.execute(
        "select distinct store_code from sales_daily where instance_id = ? order by 1",
        [instance_id],
    ).fetchall()
    channels = con.execute(
        "select distinct channel from sales_daily where instance_id = ? order by 1",
        [instance_id],
    ).fetchall()
    return FilterOptions(bounds[0], bounds[1], [r[0] for r in stores], [r[0] for r in channels])


def cards(con: duckdb.DuckDBPyConnection, filters: Filters) -> Cards:
    """Sales, purchases and items from the order headers; unique and recurring buyers.

    A buyer is unique in the range with a purchase in it at the chosen store and channel, and
    recurring when their purchases up to the range end, at every store and channel, are 2 or
    more (DECISIONLOG: recurring customers under a store or channel filter).
    """
    totals = con.execute(
        f"""
        select
            coalesce(sum(sales), 0),
            coalesce(sum(purchases), 0),
            coalesce(sum(items), 0)
        from sales_daily
        where {MATCHES_FILTERS}
        """,
        filters.parameters(),
    ).fetchone()
    buyers = con.execute(
        f"""
        with range_buyers as (
            select distinct buyer_key
            from sales_by_customer_daily
            where {MATCHES_FILTERS} and purchases > 0
        ),
        purchases_to_range_end as (
            select buyer_key, max(cumulative_purchases) as purchases_to_date
            from sales_by_customer_daily
            where instance_id = $instance_id and order_date <= $date_to
            group by buyer_key
        )
        select
            count(*),
            count(*) filter (where purchases_to_range_end.purchases_to_date >= 2)
        from range_buyers
        inner join purchases_to_range_end using (buyer_key)
        """,
        filters.parameters(),
    ).fetchone()
    total_sales, purchases, items = Decimal(totals[0]), int(totals[1]), Decimal(totals[2])
    unique_customers, recurring_customers = int(buyers[0]), int(buyers[1])
    return Cards(
        total_sales=total_sales,
        purchases=purchases,
        unique_customers=unique_customers,
        recurring_customers=recurring_customers,
        rcr=exact_ratio(recurring_customers, unique_customers, 4),
        average_ticket=exact_ratio(total_sales, purchases, 2),
        customer_value=exact_ratio(total_sales, unique_customers, 2),
        items=items,
    )


def daily_trend(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Net sales and purchases per day of the range; days without orders show 0."""
    return con.execute(
        f"""
        with days as (
            select cast(day as date) as order_date
            from generate_series(
                cast($date_from as timestamp), cast($date_to as timestamp), interval 1 day
            ) as days (day)
        ),
        daily as (
            select order_date, sum(sales) as sales, sum(purchases) as purchases
            from sales_daily
            where {MATCHES_FILTERS}
            group by order_date
        )
        select
            days.order_date,
            cast(coalesce(daily.sales, 0) as double) as sales,
            cast(coalesce(daily.purchases, 0) as bigint) as purchases
        from days
        left join daily using (order_date)
        order by days.order_date
        """,
        filters.parameters(),
    ).df()


def sales_by_store(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Net sales (order totals) per store, largest first; they add up to the sales card."""
    return _order_sales_by(con, filters, "store_code")


def sales_by_channel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Net sales (order totals) per channel, largest first; they add up to the sales card."""
    return _order_sales_by(con, filters, "channel")


def sales_by_brand(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Net line amounts and units per brand, largest first (a product without brand: '(none)')."""
    return _line_sales_by(con, filters, "sales_by_product_daily", "brand")


def sales_by_category(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Net line amounts and units per category, largest first.

    A line counts in every category of its product, so categories add up to more than the
    lines' total; lines without a category show as '(none)'.
    """
    return _line_sales_by(con, filters, "sales_by_category_daily", "category")


def products(
    con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 10, least: bool = False
) -> pd.DataFrame:
    """The `limit` products with most (or, with `least`, fewest) net units sold in the range.

    Ties on units are broken by net line amount (same direction), then by Sku.
    """
    direction = "asc" if least else "desc"
    return con.execute(
        f"""
        select
            sku,
            any_value(product_name) as product_name,
            any_value(brand) as brand,
            cast(sum(units) as double) as units,
            cast(sum(line_amount) as double) as sales
        from sales_by_product_daily
        where {MATCHES_FILTERS}
        group by sku
        order by units {direction}, sales {direction}, sku
        limit $limit
        """,
        {**filters.parameters(), "limit": limit},
    ).df()


def rfm_distribution(con: duckdb.DuckDBPyConnection, instance_id: str) -> pd.DataFrame:
    """Customers per RFM group and segment of the instance's profile (every segment listed)."""
    return con.execute(
        """
        select
            rfm_group,
            rfm_segment,
            customers,
            cast(customer_share as double) as customer_share
        from customer_rfm_distribution
        where instance_id = ?
        order by
            case rfm_group
                when 'LOYAL' then 1 when 'FREQUENT' then 2 when 'BEGINNERS' then 3 else 4
            end,
            rfm_segment
        """,
        [instance_id],
    ).df()


def _line_sales_by(
    con: duckdb.DuckDBPyConnection, filters: Filters, mart: str, dimension: str
) -> pd.DataFrame:
    return con.execute(
        f"""
        select
            coalesce({dimension}, '(none)') as {dimension},
            cast(sum(line_amount) as double) as sales,
            cast(sum(units) as double) as units
        from {mart}
        where {MATCHES_FILTERS}
        group by all
        order by sales desc, {dimension}
        """,
        filters.parameters(),
    ).df()


def _order_sales_by(
    con: duckdb.DuckDBPyConnection, filters: Filters, dimension: str
) -> pd.DataFrame:
    return con.execute(
        f"""
        select
            {dimension},
            cast(sum(sales) as double) as sales,
            cast(sum(purchases) as bigint) as purchases
        from sales_daily
        where {MATCHES_FILTERS}
        group by all
        order by sales desc, {dimension}
        """,
        filters.parameters(),
    ).df()
