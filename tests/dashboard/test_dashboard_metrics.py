"""Dashboard figures on the hand-made set of tests/dashboard/conftest.py, worked out by hand."""

from __future__ import annotations

from contextlib import closing
from datetime import date
from decimal import Decimal

import pytest

from dashboard import metrics
from dashboard.metrics import Cards, Filters
from loaders.publish import open_set

JUNE_10_TO_30 = Filters("AR", date(2026, 6, 10), date(2026, 6, 30))


@pytest.fixture
def con(small_set):
    with closing(open_set(small_set)) as connection:
        yield connection


def test_cards_for_a_range(con):
    # In range: 80 + 40 + 60 + 50 + 30 + 45 + 25 - 30 (return) = 300.00 over 7 purchases; items
    # 1 + 1 + 3 + 1 + 1 + 2 + 1 - 1 = 9. Buyers B1, B2, B3, B5, B6 and orphan O9: 6. Recurring
    # (2+ purchases up to June 30): B1 (June 1 and 12), B3 (two on June 11), B5 (its 2nd purchase
    # is on June 4, before the range): 3. B6's 2nd purchase is on July 5, after the range end.
    assert metrics.cards(con, JUNE_10_TO_30) == Cards(
        total_sales=Decimal("300.00"),
        purchases=7,
        unique_customers=6,
        recurring_customers=3,
        rcr=Decimal("0.5000"),  # 3 / 6
        average_ticket=Decimal("42.86"),  # 300 / 7 = 42.857…
        customer_value=Decimal("50.00"),  # 300 / 6
        items=Decimal("9.00"),
    )


def test_a_store_filter_chooses_buyers_but_counts_their_purchases_everywhere(con):
    # BA01 in range: B2 80 and -30, B3 40 and 60, B5 45 -> 195.00, 4 purchases, items 6.
    # Buyers B2, B3, B5; recurring B3 and B5 (B5's earlier purchases were online).
    cards = metrics.cards(con, Filters("AR", date(2026, 6, 10), date(2026, 6, 30), "BA01"))
    assert cards == Cards(
        total_sales=Decimal("195.00"),
        purchases=4,
        unique_customers=3,
        recurring_customers=2,
        rcr=Decimal("0.6667"),  # 2 / 3
        average_ticket=Decimal("48.75"),  # 195 / 4
        customer_value=Decimal("65.00"),  # 195 / 3
        items=Decimal("6.00"),
    )


def test_a_channel_filter(con):
    # ONLINE in range: B1 50 and orphan O9 25; only B1 has 2 purchases.
    cards = metrics.cards(con, Filters("AR", date(2026, 6, 10), date(2026, 6, 30), None, "ONLINE"))
    assert (cards.total_sales, cards.purchases, cards.unique_customers) == (Decimal("75.00"), 2, 2)
    assert (cards.recurring_customers, cards.rcr) == (1, Decimal("0.5000"))
    assert (cards.average_ticket, cards.customer_value) == (Decimal("37.50"), Decimal("37.50"))


def test_the_whole_period(con):
    # Every AR order: 300 + 100 + 10 + 15 + 70 = 495.00 over 11 purchases, items 9 + 5 = 14.
    # Up to July 5, B6 has 2 purchases too: recurring B1, B3, B5, B6.
    cards = metrics.cards(con, Filters("AR", date(2026, 6, 1), date(2026, 7, 5)))
    assert cards.total_sales == Decimal("495.00")
    assert (cards.purchases, cards.unique_customers, cards.recurring_customers) == (11, 6, 4)
    assert cards.rcr == Decimal("0.6667")
    assert cards.average_ticket == Decimal("45.00")
    assert cards.customer_value == Decimal("82.50")
    assert cards.items == Decimal("14.00")


def test_an_empty_selection_has_no_ratios(con):
    cards = metrics.cards(con, Filters("AR", date(2026, 6, 21), date(2026, 6, 30)))
    assert cards == Cards(Decimal("0"), 0, 0, 0, None, None, None, Decimal("0"))


def test_a_range_with_only_a_return(con):
    cards = metrics.cards(con, Filters("AR", date(2026, 6, 20), date(2026, 6, 20)))
    assert (cards.total_sales, cards.purchases, cards.unique_customers) == (Decimal("-30.00"), 0, 0)
    assert (cards.average_ticket, cards.rcr) == (None, None)


def test_exact_ratio_rounds_half_away_from_zero():
    assert metrics.exact_ratio(Decimal("0.05"), 2, 2) == Decimal("0.03")  # 0.025 (float: 0.02)
    assert metrics.exact_ratio(Decimal("-0.05"), 2, 2) == Decimal("-0.03")
    assert metrics.exact_ratio(2, 3, 4) == Decimal("0.6667")
    assert metrics.exact_ratio(1, 0, 2) is None


def test_filter_options(con):
    options = metrics.filter_options(con, "AR")
    assert (options.first_date, options.last_date) == (date(2026, 6, 1), date(2026, 7, 5))
    assert options.stores == ["BA01", "CB01", "WEB"]
    assert options.channels == ["ONLINE", "STORE"]
    assert metrics.instances(con) == ["AR", "CL"]
    assert metrics.filter_options(con, "XX") is None


def test_daily_trend_has_every_day_of_the_range(con):
    trend = metrics.daily_trend(con, JUNE_10_TO_30)
    assert len(trend) == 21
    by_day = dict(zip(trend["order_date"].dt.date, trend["sales"], strict=True))
    assert by_day[date(2026, 6, 11)] == 100.0
    assert by_day[date(2026, 6, 13)] == 0.0
    assert by_day[date(2026, 6, 20)] == -30.0
    assert trend["sales"].sum() == 300.0


def test_sales_by_store_and_channel_add_up_to_total_sales(con):
    stores = metrics.sales_by_store(con, JUNE_10_TO_30)
    assert list(zip(stores["store_code"], stores["sales"], strict=True)) == [
        ("BA01", 195.0),  # 80 + 40 + 60 + 45 - 30
        ("WEB", 75.0),
        ("CB01", 30.0),
    ]
    channels = metrics.sales_by_channel(con, JUNE_10_TO_30)
    assert list(zip(channels["channel"], channels["sales"], strict=True)) == [
        ("STORE", 225.0),
        ("ONLINE", 75.0),
    ]


def test_sales_by_brand_and_category_use_line_amounts(con):
    brands = metrics.sales_by_brand(con, JUNE_10_TO_30)
    assert list(zip(brands["brand"], brands["sales"], strict=True)) == [
        ("Nike", 90.0),
        ("(none)", 45.0),
        ("Adidas", 30.0),  # 10 + 50 - 30
        ("Puma", 20.0),
    ]
    categories = metrics.sales_by_category(con, JUNE_10_TO_30)
    # SKU1's 90.00 counts in both of its categories.
    assert list(zip(categories["category"], categories["sales"], strict=True)) == [
        ("Running", 90.0),
        ("Shoes", 90.0),
        ("(none)", 45.0),
        ("Apparel", 30.0),
        ("Accessories", 20.0),
    ]


def test_top_and_least_sold_products(con):
    # Units in range: SKU1 3, SKU3 2, SKU2 1 (30.00 net), SKU4 1 (20.00): ties go by amount.
    top = metrics.products(con, JUNE_10_TO_30, limit=3)
    assert list(top["sku"]) == ["SKU1", "SKU3", "SKU2"]
    assert list(top["units"]) == [3.0, 2.0, 1.0]
    least = metrics.products(con, JUNE_10_TO_30, limit=2, least=True)
    assert list(least["sku"]) == ["SKU4", "SKU2"]
    assert list(least["product_name"]) == ["Medias", "Remera"]


def test_rfm_distribution_of_one_instance(con):
    distribution = metrics.rfm_distribution(con, "AR")
    assert list(zip(distribution["rfm_segment"], distribution["customers"], strict=True)) == [
        ("LOYAL_CHAMPIONS", 1),
        ("FREQUENT_PROMISING", 2),
        ("BEGINNERS_LOSE_IT", 0),
        ("BEGINNERS_NEW", 1),
        ("PROSPECTS", 1),
    ]
