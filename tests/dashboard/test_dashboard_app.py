"""The Streamlit app, run by Streamlit's AppTest against the hand-made published set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.api.models import OrderIn, order_record
from loaders.api.spool import SpoolWriter
from loaders.publish import PublishedSet
from tests.api.conftest import order

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def cards(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


LIVE = "Live: API orders since the build"


@pytest.fixture
def app(small_set: PublishedSet, monkeypatch, tmp_path: Path) -> AppTest:
    # The app finds the published folder beside the warehouse, as `omni dashboard` tells it.
    monkeypatch.setenv("OMNI_WAREHOUSE", str(small_set.directory.parents[2] / "omni.duckdb"))
    monkeypatch.setenv("OMNI_API_SPOOL", str(tmp_path / "api-spool"))
    return AppTest.from_file(str(APP), default_timeout=60).run()


def test_first_view_is_the_first_instance_over_its_whole_period(app):
    assert not app.exception
    assert app.sidebar.selectbox[0].value == "AR"
    # Worked out in test_dashboard_metrics.test_the_whole_period: 495.00 over 11 purchases,
    # 6 buyers of whom 4 recurring.
    assert cards(app) == {
        "Total sales": "495.00",
        "Purchases": "11",
        "Unique customers": "6",
        "Recurring customers": "4",
        "RCR": "66.67 %",
        "Average ticket": "45.00",
        "Customer value": "82.50",
        "Items sold": "14",
        LIVE: "0",
    }


def test_live_card_counts_orders_posted_since_the_build(app, tmp_path: Path):
    # The set was built on 2026-07-06; these posts are received now, so after it. A re-post of
    # one order counts once, and the other instance's order is not AR's.
    writer = SpoolWriter(tmp_path / "api-spool")
    try:
        posts = [
            order("L1"),
            order("L1", TotalAmount="12.00"),
            order("L2"),
            order("L3", instance="CL"),
        ]
        lines = [
            writer.record("order", body["instance"], order_record(OrderIn.model_validate(body)))[0]
            for body in posts
        ]
        writer.submit(lines).result(timeout=10)
    finally:
        writer.close()
    app.run()
    assert cards(app)[LIVE] == "2"
    app.sidebar.selectbox[0].set_value("CL").run()
    assert cards(app)[LIVE] == "1"


def test_filters_change_the_cards(app):
    app.sidebar.date_input[0].set_value((date(2026, 6, 10), date(2026, 6, 30))).run()
    assert cards(app)["Total sales"] == "300.00"
    assert cards(app)["RCR"] == "50.00 %"
    assert cards(app)["Average ticket"] == "42.86"

    app.sidebar.selectbox[1].set_value("BA01").run()
    assert cards(app) == {
        "Total sales": "195.00",
        "Purchases": "4",
        "Unique customers": "3",
        "Recurring customers": "2",
        "RCR": "66.67 %",
        "Average ticket": "48.75",
        "Customer value": "65.00",
        "Items sold": "6",
        LIVE: "0",
    }


def test_another_instance(app):
    app.sidebar.selectbox[0].set_value("CL").run()
    assert cards(app)["Total sales"] == "999.00"
    assert cards(app)["Unique customers"] == "1"
    assert cards(app)["RCR"] == "0.00 %"


def test_without_a_published_set_the_app_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("OMNI_WAREHOUSE", str(tmp_path / "omni.duckdb"))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    assert "omni build" in app.info[0].value
    assert not app.metric
