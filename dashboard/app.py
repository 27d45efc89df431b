"""The sales dashboard (SPEC §5): Streamlit layout over `dashboard.metrics`.

Run it with `omni dashboard`. It reads only the published Parquet set (see `loaders.publish`),
never the DuckDB warehouse, so a running load or build neither blocks it nor breaks it; a small
fragment polls the manifest and reruns the page when a newer build is published.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import streamlit as st

from dashboard import metrics
from loaders.api.spool import pending_api_orders
from loaders.publish import PublishedSet, current_set, open_set
from loaders.settings import load_settings

REFRESH_SECONDS = 10
ALL_STORES = "All stores"
ALL_CHANNELS = "All channels"
PRODUCTS_SHOWN = 10


def money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def count(value: int | Decimal) -> str:
    """Integers as 1,234; a net unit count with decimals keeps them."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f} %"


def card_values(cards: metrics.Cards) -> list[tuple[str, str, str]]:
    """(label, value, help) of each card, in display order."""
    return [
        ("Total sales", money(cards.total_sales), "Net TotalAmount: purchases minus returns."),
        ("Purchases", count(cards.purchases), "Orders with TotalAmount ≥ 0."),
        ("Unique customers", count(cards.unique_customers), "Buyers with a purchase here."),
        (
            "Recurring customers",
            count(cards.recurring_customers),
            "Of them, buyers with 2+ purchases up to the range end, at any store or channel.",
        ),
        ("RCR", percent(cards.rcr), "Recurring ÷ unique customers."),
        ("Average ticket", money(cards.average_ticket), "Total sales ÷ purchases."),
        ("Customer value", money(cards.customer_value), "Total sales ÷ unique customers."),
        ("Items sold", count(cards.items), "Net TotalItems: units bought minus units returned."),
    ]


def show_cards(values: list[tuple[str, str, str]], per_row: int = 4) -> None:
    for start in range(0, len(values), per_row):
        columns = st.columns(per_row)
        for column, (label, value, help_text) in zip(
            columns, values[start : start + per_row], strict=False
        ):
            column.metric(label, value, help=help_text)


def choose_filters(con) -> metrics.Filters | None:
    """Sidebar filters; None when the set has no orders at all."""
    names = metrics.instances(con)
    if not names:
        return None
    instance_id = st.sidebar.selectbox("Instance", names)
    options = metrics.filter_options(con, instance_id)
    picked = st.sidebar.date_input(
        "Dates",
        value=(options.first_date, options.last_date),
        min_value=options.first_date,
        max_value=options.last_date,
        key=f"dates-{instance_id}",
    )
    date_from, date_to = (picked[0], picked[-1]) if picked else (options.first_date,) * 2
    store = st.sidebar.selectbox("Store", [ALL_STORES, *options.stores], key=f"store-{instance_id}")
    channel = st.sidebar.selectbox(
        "Channel", [ALL_CHANNELS, *options.channels], key=f"channel-{instance_id}"
    )
    return metrics.Filters(
        instance_id,
        date_from,
        date_to,
        None if store == ALL_STORES else store,
        None if channel == ALL_CHANNELS else channel,
    )


def sales_bars(container, title: str, frame, dimension: str) -> None:
    """Horizontal bars of `sales` per `dimension`, largest first."""
    container.subheader(title)
    container.bar_chart(frame, x=dimension, y="sales", horizontal=True, sort="-sales")


def show_charts(con, filters: metrics.Filters) -> None:
    st.subheader("Daily sales")
    st.line_chart(metrics.daily_trend(con, filters), x="order_date", y="sales")

    left, right = st.columns(2)
    sales_bars(left, "Sales by store", metrics.sales_by_store(con, filters), "store_code")
    sales_bars(right, "Sales by channel", metrics.sales_by_channel(con, filters), "channel")
    left, right = st.columns(2)
    sales_bars(left, "Line sales by brand", metrics.sales_by_brand(con, filters), "brand")
    sales_bars(right, "Line sales by category", metrics.sales_by_category(con, filters), "category")
    st.caption(
        "Store and channel bars add up to total sales (order totals). Brand, category and "
        "product figures are line amounts, net of returns; a product in several categories "
        "counts in each."
    )

    left, right = st.columns(2)
    left.subheader(f"Top {PRODUCTS_SHOWN} products (units)")
    left.dataframe(metrics.products(con, filters, PRODUCTS_SHOWN), hide_index=True)
    right.subheader(f"Least sold {PRODUCTS_SHOWN} products (units)")
    right.dataframe(metrics.products(con, filters, PRODUCTS_SHOWN, least=True), hide_index=True)


def show_rfm(con, published: PublishedSet, instance_id: str) -> None:
    st.subheader("Customers per RFM segment")
    distribution = metrics.rfm_distribution(con, instance_id)
    by_group = distribution.groupby("rfm_group", sort=False, as_index=False)["customers"].sum()
    left, right = st.columns([1, 2])
    left.bar_chart(by_group, x="rfm_group", y="customers", sort=False)
    right.bar_chart(distribution, x="rfm_segment", y="customers", color="rfm_group", sort=False)
    st.caption(
        f"Customer profile as of {published.as_of_date}: the whole instance, whatever the "
        "date, store and channel filters."
    )


@st.fragment(run_every=REFRESH_SECONDS)
def show_live_orders(spool_dir: Path, built_at: datetime, instance_id: str) -> None:
    """Orders the API accepted since the build the page shows: they are in no mart yet."""
    st.metric(
        "Live: API orders since the build",
        count(pending_api_orders(spool_dir, built_at, instance_id)),
        help="Distinct orders received through the API after the build shown here; the next "
        "`omni run` adds them to every figure. Refreshed every 10 seconds.",
    )


@st.fragment(run_every=REFRESH_SECONDS)
def follow_new_builds(published_dir, shown_build_id: str | None) -> None:
    """Rerun the page once a newer set is published (a build finished)."""
    latest = current_set(published_dir)
    if (latest.build_id if latest else None) != shown_build_id:
        st.rerun()


def main() -> None:
    st.set_page_config(page_title="Omnichannel sales", layout="wide")
    settings = load_settings()
    published_dir = settings.published_directory
    published = current_set(published_dir)
    st.title("Omnichannel sales")
    if published is None:
        st.info(f"No published marts in {published_dir} yet: run `omni build` or `omni demo`.")
        follow_new_builds(published_dir, None)
        return
    con = open_set(published)
    try:
        filters = choose_filters(con)
        st.caption(
            f"Build of {published.built_at:%Y-%m-%d %H:%M} UTC; "
            f"profile as of {published.as_of_date}."
        )
        if filters is None:
            st.info("The published marts hold no orders yet.")
        else:
            show_cards(card_values(metrics.cards(con, filters)))
            show_live_orders(settings.api_spool, published.built_at, filters.instance_id)
            show_charts(con, filters)
            show_rfm(con, published, filters.instance_id)
    finally:
        con.close()
    follow_new_builds(published_dir, published.build_id)


main()
