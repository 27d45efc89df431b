"""A small warehouse of hand-made mart rows, published like a build publishes it.

The orders behind the rows (instance AR; B = buyer with a profile, O9 = an orphan UserId):

| buyer | date       | store | channel | TotalAmount | TotalItems |                              |
|-------|------------|-------|---------|-------------|------------|------------------------------|
| B1    | 2026-06-01 | BA01  | STORE   | 100.00      | 2          |                              |
| B5    | 2026-06-02 | WEB   | ONLINE  | 10.00       | 1          | B5's 1st and 2nd purchases   |
| B5    | 2026-06-04 | WEB   | ONLINE  | 15.00       | 1          | are before June 10           |
| B2    | 2026-06-10 | BA01  | STORE   | 80.00       | 1          |                              |
| B3    | 2026-06-11 | BA01  | STORE   | 40.00       | 1          | two purchases on one day     |
| B3    | 2026-06-11 | BA01  | STORE   | 60.00       | 3          |                              |
| B1    | 2026-06-12 | WEB   | ONLINE  | 50.00       | 1          |                              |
| B6    | 2026-06-14 | CB01  | STORE   | 30.00       | 1          |                              |
| B5    | 2026-06-15 | BA01  | STORE   | 45.00       | 2          |                              |
| O9    | 2026-06-16 | WEB   | ONLINE  | 25.00       | 1          | orphan order                 |
| B2    | 2026-06-20 | BA01  | STORE   | -30.00      | -1         | a return                     |
| B6    | 2026-07-05 | CB01  | STORE   | 70.00       | 1          | B6's 2nd purchase, after June |

Instance CL has one order of 999.00 on 2026-06-15, which no AR figure may include.
"""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from loaders.publish import PublishedSet, publish

SALES_DAILY = """
create table marts.sales_daily as
select
    instance_id, cast(order_date as date) as order_date, store_code, channel,
    cast(sales as decimal(18, 2)) as sales, purchases, return_orders,
    cast(items as decimal(18, 2)) as items, buyers
from (values
    ('AR', '2026-06-01', 'BA01', 'STORE', 100.00, 1, 0, 2, 1),
    ('AR', '2026-06-02', 'WEB', 'ONLINE', 10.00, 1, 0, 1, 1),
    ('AR', '2026-06-04', 'WEB', 'ONLINE', 15.00, 1, 0, 1, 1),
    ('AR', '2026-06-10', 'BA01', 'STORE', 80.00, 1, 0, 1, 1),
    ('AR', '2026-06-11', 'BA01', 'STORE', 100.00, 2, 0, 4, 1),
    ('AR', '2026-06-12', 'WEB', 'ONLINE', 50.00, 1, 0, 1, 1),
    ('AR', '2026-06-14', 'CB01', 'STORE', 30.00, 1, 0, 1, 1),
    ('AR', '2026-06-15', 'BA01', 'STORE', 45.00, 1, 0, 2, 1),
    ('AR', '2026-06-16', 'WEB', 'ONLINE', 25.00, 1, 0, 1, 1),
    ('AR', '2026-06-20', 'BA01', 'STORE', -30.00, 0, 1, -1, 0),
    ('AR', '2026-07-05', 'CB01', 'STORE', 70.00, 1, 0, 1, 1),
    ('CL', '2026-06-15', 'SCL1', 'STORE', 999.00, 1, 0, 5, 1)
) as t (instance_id, order_date, store_code, channel, sales, purchases, return_orders, items,
        buyers)
"""

SALES_BY_CUSTOMER_DAILY = """
create table marts.sales_by_customer_daily as
select
    buyer_key, instance_id, cast(order_date as date) as order_date, store_code, channel,
    purchases, cumulative_purchases, buyer_key = 'O9' as is_orphan
from (values
    ('B1', 'AR', '2026-06-01', 'BA01', 'STORE', 1, 1),
    ('B1', 'AR', '2026-06-12', 'WEB', 'ONLINE', 1, 2),
    ('B5', 'AR', '2026-06-02', 'WEB', 'ONLINE', 1, 1),
    ('B5', 'AR', '2026-06-04', 'WEB', 'ONLINE', 1, 2),
    ('B5', 'AR', '2026-06-15', 'BA01', 'STORE', 1, 3),
    ('B2', 'AR', '2026-06-10', 'BA01', 'STORE', 1, 1),
    ('B2', 'AR', '2026-06-20', 'BA01', 'STORE', 0, 1),
    ('B3', 'AR', '2026-06-11', 'BA01', 'STORE', 2, 2),
    ('B6', 'AR', '2026-06-14', 'CB01', 'STORE', 1, 1),
    ('B6', 'AR', '2026-07-05', 'CB01', 'STORE', 1, 2),
    ('O9', 'AR', '2026-06-16', 'WEB', 'ONLINE', 1, 1),
    ('C1', 'CL', '2026-06-15', 'SCL1', 'STORE', 1, 1)
) as t (buyer_key, instance_id, order_date, store_code, channel, purchases, cumulative_purchases)
"""

# Lines: SKU1 (Nike; Shoes and Running) 3 units 90.00 on June 11 and 2 units 100.00 on June 1;
# SKU2 (Adidas; Apparel) 10.00 on June 11, 50.00 on June 12, returned -30.00 on June 20;
# SKU3 (no brand, no category) 2 units 45.00 on June 15; SKU4 (Puma; Accessories) 1 unit 20.00
# on June 14.
SALES_BY_PRODUCT_DAILY = """
create table marts.sales_by_product_daily as
select
    instance_id, cast(order_date as date) as order_date, store_code, channel, sku,
    product_name, brand, cast(units as decimal(18, 2)) as units,
    cast(line_amount as decimal(18, 2)) as line_amount
from (values
    ('AR', '2026-06-01', 'BA01', 'STORE', 'SKU1', 'Zapatilla', 'Nike', 2, 100.00),
    ('AR', '2026-06-11', 'BA01', 'STORE', 'SKU1', 'Zapatilla', 'Nike', 3, 90.00),
    ('AR', '2026-06-11', 'BA01', 'STORE', 'SKU2', 'Remera', 'Adidas', 1, 10.00),
    ('AR', '2026-06-12', 'WEB', 'ONLINE', 'SKU2', 'Remera', 'Adidas', 1, 50.00),
    ('AR', '2026-06-20', 'BA01', 'STORE', 'SKU2', 'Remera', 'Adidas', -1, -30.00),
    ('AR', '2026-06-15', 'BA01', 'STORE', 'SKU3', 'Gorra', null, 2, 45.00),
    ('AR', '2026-06-14', 'CB01', 'STORE', 'SKU4', 'Medias', 'Puma', 1, 20.00),
    ('CL', '2026-06-15', 'SCL1', 'STORE', 'SKU9', 'Campera', 'Nike', 5, 999.00)
) as t (instance_id, order_date, store_code, channel, sku, product_name, brand, units,
        line_amount)
"""

SALES_BY_CATEGORY_DAILY = """
create table marts.sales_by_category_daily as
select
    instance_id, cast(order_date as date) as order_date, store_code, channel, category,
    cast(units as decimal(18, 2)) as units, cast(line_amount as decimal(18, 2)) as line_amount
from (values
    ('AR', '2026-06-01', 'BA01', 'STORE', 'Shoes', 2, 100.00),
    ('AR', '2026-06-01', 'BA01', 'STORE', 'Running', 2, 100.00),
    ('AR', '2026-06-11', 'BA01', 'STORE', 'Shoes', 3, 90.00),
    ('AR', '2026-06-11', 'BA01', 'STORE', 'Running', 3, 90.00),
    ('AR', '2026-06-11', 'BA01', 'STORE', 'Apparel', 1, 10.00),
    ('AR', '2026-06-12', 'WEB', 'ONLINE', 'Apparel', 1, 50.00),
    ('AR', '2026-06-20', 'BA01', 'STORE', 'Apparel', -1, -30.00),
    ('AR', '2026-06-15', 'BA01', 'STORE', null, 2, 45.00),
    ('AR', '2026-06-14', 'CB01', 'STORE', 'Accessories', 1, 20.00),
    ('CL', '2026-06-15', 'SCL1', 'STORE', 'Shoes', 5, 999.00)
) as t (instance_id, order_date, store_code, channel, category, units, line_amount)
"""

RFM_DISTRIBUTION = """
create table marts.customer_rfm_distribution as
select
    instance_id, rfm_group, rfm_segment, customers,
    cast(customer_share as decimal(18, 4)) as customer_share,
    cast('2026-06-30' as date) as as_of_date
from (values
    ('AR', 'LOYAL', 'LOYAL_CHAMPIONS', 1, 0.2000),
    ('AR', 'FREQUENT', 'FREQUENT_PROMISING', 2, 0.4000),
    ('AR', 'BEGINNERS', 'BEGINNERS_NEW', 1, 0.2000),
    ('AR', 'BEGINNERS', 'BEGINNERS_LOSE_IT', 0, 0.0000),
    ('AR', 'PROSPECTS', 'PROSPECTS', 1, 0.2000),
    ('CL', 'LOYAL', 'LOYAL_CHAMPIONS', 0, 0.0000),
    ('CL', 'FREQUENT', 'FREQUENT_PROMISING', 0, 0.0000),
    ('CL', 'BEGINNERS', 'BEGINNERS_NEW', 1, 1.0000),
    ('CL', 'BEGINNERS', 'BEGINNERS_LOSE_IT', 0, 0.0000),
    ('CL', 'PROSPECTS', 'PROSPECTS', 0, 0.0000)
) as t (instance_id, rfm_group, rfm_segment, customers, customer_share)
"""

# A profile with every kind of column the export formats: lists, dates, decimals, booleans,
# extra attributes, NULLs; the names and types are customer_profile's.
CUSTOMER_PROFILE = """
create table marts.customer_profile as
select
    customer_key, instance_id, email, user_ids, first_name, last_name,
    cast(birth_date as date) as birth_date, opt_in, extra_attributes,
    cast("ICOMMKT_Last_Purchase_Date" as date) as "ICOMMKT_Last_Purchase_Date",
    cast("ICOMMKT_Total_Value" as decimal(18, 2)) as "ICOMMKT_Total_Value",
    "ICOMMKT_Total_Purchases", "ICOMMKT_Total_Brands", "ICOMMKT_Total_RFM",
    "ICOMMKT_Is_Omnichannel",
    cast("ICOMMKT_Avg_Days_Between_Purchases" as decimal(18, 1))
        as "ICOMMKT_Avg_Days_Between_Purchases",
    "RFM_Group", "RFM_Segment", cast('2026-06-30' as date) as as_of_date
from (values
    ('k1', 'AR', 'ana@example.com', ['U1', 'W7'], 'Ana', 'Peña', '1990-02-28', true,
     map {'LoyaltyTier': 'GOLD'}, '2026-06-12', 150.00, 2, ['Adidas', 'Nike'], '555',
     true, 11.0, 'LOYAL', 'LOYAL_CHAMPIONS'),
    ('k2', 'AR', 'bruno@example.com', ['U2'], 'Bruno', null, null, false,
     map {'LoyaltyTier': 'SILVER', 'Store Pref': 'BA01'}, '2026-06-20', 50.00, 1, ['Puma'],
     '311', false, null, 'BEGINNERS', 'BEGINNERS_NEW'),
    ('k3', 'AR', 'carla@example.com', ['U3'], 'Carla', 'Díaz', '1985-12-01', null,
     map {}, null, 0.00, 0, [], null, false, null, 'PROSPECTS', 'PROSPECTS'),
    ('k4', 'CL', 'diego@example.com', ['U4'], 'Diego', null, null, true, map {},
     '2026-06-15', 999.00, 1, ['Nike'], '111', false, null, 'BEGINNERS', 'BEGINNERS_NEW')
) as t (customer_key, instance_id, email, user_ids, first_name, last_name, birth_date, opt_in,
        extra_attributes, "ICOMMKT_Last_Purchase_Date", "ICOMMKT_Total_Value",
        "ICOMMKT_Total_Purchases", "ICOMMKT_Total_Brands", "ICOMMKT_Total_RFM",
        "ICOMMKT_Is_Omnichannel", "ICOMMKT_Avg_Days_Between_Purchases", "RFM_Group",
        "RFM_Segment")
"""

MARTS = (
    SALES_DAILY,
    SALES_BY_CUSTOMER_DAILY,
    SALES_BY_PRODUCT_DAILY,
    SALES_BY_CATEGORY_DAILY,
    RFM_DISTRIBUTION,
    CUSTOMER_PROFILE,
)


def write_small_warehouse(path: Path) -> Path:
    """A real DuckDB file holding the hand-made marts in the `marts` schema, as dbt leaves them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(path))) as con:
        con.execute("create schema marts")
        for statement in MARTS:
            con.execute(statement)
    return path


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory) -> Path:
    return write_small_warehouse(tmp_path_factory.mktemp("small") / "omni.duckdb")


@pytest.fixture(scope="session")
def small_set(small_warehouse: Path) -> PublishedSet:
    return publish(
        small_warehouse, small_warehouse.parent / "published", datetime(2026, 7, 6, tzinfo=UTC)
    )
