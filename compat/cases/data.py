"""searchdata and pinboarddata through the PyPI client, over the retail fixture model
(API-DECISIONS "Data"; SEARCH-DECISIONS "Semantics"; clients.md §1.2 and §2.2).

The client sends everything in the query string (`batchsize`, `pagenumber` and `offset` always,
-1 when not given) with an empty body. Expected answers are computed here, in Python, from
the fixture's data: `stores.csv` read with the csv module, and the sales and products rows
(Parquet, which the venv cannot read without pyarrow) fetched one row per order/product from
the plain tables (no joins, no model filter, grouping on unique ids) and checked against what
fixture_data.rs guarantees about them. The worksheet's joins, its model filter (no test
orders), aggregation, date buckets, ordering, `top` and `sort by` are then computed here
independently and compared with the server's answers.
"""

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Optional

import yaml

from harness import (
    FIXTURE_DIR,
    MODEL,
    PRODUCTS,
    SALES,
    SALES_OVERVIEW,
    STORE_PERFORMANCE,
    WORKSHEET,
    Server,
    check,
    expect,
    expect_equal,
    expect_error_body,
    expect_http_error,
    recorded,
)

ANSWER_KEYS = ["columnNames", "data", "samplingRatio", "totalRowCount", "rowCount", "pageSize", "offset"]
SOURCES = {"Retail Sales": WORKSHEET, "Retail Model": MODEL}
DAY = 86_400


# ---- the reference data -----------------------------------------------------------------------


@dataclass
class Order:
    order_id: int
    order_date: int  # epoch seconds of midnight UTC
    ship_time: int  # epoch seconds
    store_id: int
    product_id: int
    ship_mode: Optional[str]
    status: str
    quantity: int
    revenue: float
    discount: Optional[float]
    # Filled from the stores and products.
    store: Optional[str] = None
    region: Optional[str] = None
    product: Optional[str] = None
    category: Optional[str] = None


@dataclass
class Reference:
    orders: list  # every order, test orders included
    worksheet: list  # the worksheet's rows: no test orders (its model filter)


def rows_of(answer: dict) -> list:
    """COMPACT rows, or FULL rows turned into lists in column order."""
    data = answer["data"]
    if data and isinstance(data[0], dict):
        return [[row[c] for c in answer["columnNames"]] for row in data]
    return data


_reference: dict = {}


def reference(server: Server) -> Reference:
    """The fixture's rows (see the module's documentation); fetched once per server."""
    if server.base_url in _reference:
        return _reference[server.base_url]
    server.fixture()
    ts = server.admin()

    with open(FIXTURE_DIR / "data" / "stores.csv", newline="", encoding="utf-8") as f:
        stores = {int(r["store_id"]): (r["store_name"], r["city"], r["region"] or None) for r in csv.DictReader(f)}

    products_answer = ts.searchdata("[Product Id] [Product] [Category] [Unit Price]", PRODUCTS)
    expect_equal(products_answer["columnNames"], ["Product Id", "Product", "Category", "Average Unit Price"],
                 "products table columns")
    products = {r[0]: (r[1], r[2], r[3]) for r in rows_of(products_answer)}
    expect_equal(sorted(products), [1, 2, 3, 4, 5, 6], "the fixture's six products")

    sales_answer = ts.searchdata("[Order Id] [Order Date].detailed [Ship Time] [Store Id] [Product Id] "
                                 "[Ship Mode] [Status] [Quantity] [Revenue] [Discount]", SALES)
    expect_equal(sales_answer["columnNames"],
                 ["Order Id", "Order Date", "Ship Time", "Store Id", "Product Id", "Ship Mode", "Status",
                  "Total Quantity", "Total Revenue", "Average Discount"], "sales table columns")
    orders = [Order(*row) for row in rows_of(sales_answer)]

    # What fixture_data.rs guarantees about the sales file.
    expect_equal([o.order_id for o in orders], list(range(1000, 1300)), "300 orders, ids 1000-1299, in order")
    first, last = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc), dt.datetime(2025, 8, 1, tzinfo=dt.timezone.utc)
    for o in orders:
        expect(o.store_id in stores, f"order {o.order_id}: store {o.store_id} is in stores.csv")
        expect(o.product_id in products, f"order {o.order_id}: product {o.product_id}")
        expect(isinstance(o.order_date, int) and o.order_date % DAY == 0
               and first.timestamp() <= o.order_date < last.timestamp(),
               f"order {o.order_id}: a DATE as epoch seconds of a midnight in 2023-2025: {o.order_date!r}")
        expect(isinstance(o.ship_time, int) and o.order_date + DAY <= o.ship_time < o.order_date + 5 * DAY + DAY,
               f"order {o.order_id}: shipped 1-4 days later (DATE_TIME in epoch seconds): {o.ship_time!r}")
        expect(o.status in ("complete", "cancelled", "test"), f"order {o.order_id}: status {o.status!r}")
        expect(isinstance(o.quantity, int) and 1 <= o.quantity <= 5, f"order {o.order_id}: quantity {o.quantity!r}")
        price = products[o.product_id][2]
        expect(isinstance(o.revenue, float) and o.revenue == round(price * o.quantity * 100) / 100,
               f"order {o.order_id}: revenue {o.revenue!r} is price {price} x quantity {o.quantity}")
        row = o.order_id - 1000
        expect((o.ship_mode is None) == (row % 17 == 5), f"order {o.order_id}: NULL ship modes")
        expect((o.discount is None) == (row % 7 == 3), f"order {o.order_id}: NULL discounts")
        o.store, _, o.region = stores[o.store_id]
        o.product, o.category, _ = products[o.product_id]
    expect(any(o.status == "test" for o in orders), "the fixture has test orders")
    ref = Reference(orders=orders, worksheet=[o for o in orders if o.status != "test"])
    _reference[server.base_url] = ref
    return ref


# ---- computing answers ------------------------------------------------------------------------


def text_key(value) -> tuple:
    """Ascending, NULLs last, text case-insensitive (SEARCH-DECISIONS rule 10)."""
    if value is None:
        return (1, "")
    return (0, value.lower() if isinstance(value, str) else value)


def aggregate(rows: list, keys: Callable, measures: list) -> list:
    """[*keys, *measures] per group of `keys(row)`, sorted by the keys ascending."""
    groups = defaultdict(list)
    for row in rows:
        groups[keys(row)].append(row)
    out = [[*k, *(m(g) for m in measures)] for k, g in groups.items()]
    return sorted(out, key=lambda r: tuple(text_key(v) for v in r[:len(out[0]) - len(measures)]))


def total_revenue(rows):
    return sum(o.revenue for o in rows)


def total_quantity(rows):
    return sum(o.quantity for o in rows)


def month_start(seconds: int) -> int:
    day = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    return int(day.replace(day=1, hour=0, minute=0, second=0).timestamp())


# query → (source, column names, expected rows from the Reference)
CASES: dict = {
    "[Revenue] [Region]": (WORKSHEET, ["Region", "Total Revenue"],
                           lambda r: aggregate(r.worksheet, lambda o: (o.region,), [total_revenue])),
    "[Revenue] [Quantity] [Category]": (WORKSHEET, ["Category", "Total Revenue", "Total Quantity"],
                                        lambda r: aggregate(r.worksheet, lambda o: (o.category,),
                                                            [total_revenue, total_quantity])),
    "[Order Id] [Revenue]": (WORKSHEET, ["Order Id", "Total Revenue"],
                             lambda r: aggregate(r.worksheet, lambda o: (o.order_id,), [total_revenue])),
    "[Revenue] [Order Date].monthly": (WORKSHEET, ["Month(Order Date)", "Total Revenue"],
                                       lambda r: aggregate(r.worksheet, lambda o: (month_start(o.order_date),),
                                                           [total_revenue])),
    "[Revenue]": (WORKSHEET, ["Total Revenue"], lambda r: [[total_revenue(r.worksheet)]]),
    "[Revenue] [Product] top 3": (WORKSHEET, ["Product", "Total Revenue"],
                                  lambda r: sorted(aggregate(r.worksheet, lambda o: (o.product,), [total_revenue]),
                                                   key=lambda row: -row[1])[:3]),
    "[Revenue] [Store] [Region] sort by [Revenue] descending": (
        WORKSHEET, ["Store", "Region", "Total Revenue"],
        lambda r: sorted(aggregate(r.worksheet, lambda o: (o.store, o.region), [total_revenue]),
                         key=lambda row: -row[2])),
    "[Order Id] [Ship Time] [Ship Mode] [Discount] [Ship Mode] != 'rail'": (
        WORKSHEET, ["Order Id", "Ship Time", "Ship Mode", "Average Discount"],
        lambda r: [[o.order_id, o.ship_time, o.ship_mode, o.discount] for o in r.worksheet
                   if o.ship_mode is not None and o.ship_mode.lower() != "rail"]),
    # The model has no filter: test orders count.
    "[Model Quantity] [Model Category]": (MODEL, ["Model Category", "Total Model Quantity"],
                                          lambda r: aggregate(r.orders, lambda o: (o.category,), [total_quantity])),
}


def same_value(actual, expected) -> bool:
    if isinstance(expected, float):
        return isinstance(actual, float) and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(expected, int):
        return type(actual) is int and actual == expected  # integers stay integers
    return actual == expected and type(actual) is type(expected)


def expect_rows(actual: list, expected: list, what: str) -> None:
    expect_equal(len(actual), len(expected), f"{what}: rows")
    for i, (a, e) in enumerate(zip(actual, expected)):
        expect(len(a) == len(e) and all(same_value(x, y) for x, y in zip(a, e)),
               f"{what}: row {i}: expected {e!r}, got {a!r}")


def expect_answer_shape(answer: dict, what: str) -> None:
    expect(isinstance(answer, dict), f"{what}: an object, got {answer!r}")
    missing = [k for k in ANSWER_KEYS if k not in answer]
    expect(not missing, f"{what}: the answer lacks {missing}: {sorted(answer)}")
    expect_equal(answer["samplingRatio"], 1, f"{what}: samplingRatio")
    expect_equal(answer["rowCount"], len(answer["data"]), f"{what}: rowCount is the rows in the page")
    expect(isinstance(answer["pageSize"], int) and answer["pageSize"] > 0,
           f"{what}: a positive pageSize (cs_tools loops forever otherwise): {answer['pageSize']!r}")
    expect(answer["rowCount"] <= answer["pageSize"], f"{what}: rowCount <= pageSize")


def expect_full_matches_compact(full: dict, compact: dict, what: str) -> None:
    expect_equal(full["columnNames"], compact["columnNames"], f"{what}: FULL columnNames")
    for key in ["samplingRatio", "totalRowCount", "rowCount", "pageSize", "offset"]:
        expect_equal(full[key], compact[key], f"{what}: FULL {key}")
    for i, (row, values) in enumerate(zip(full["data"], compact["data"])):
        expect(isinstance(row, dict), f"{what}: a FULL row is an object: {row!r}")
        expect_equal(list(row), compact["columnNames"], f"{what}: FULL row {i} keys, in column order")
        expect_equal(list(row.values()), values, f"{what}: FULL row {i} has the COMPACT values")
    expect_equal(len(full["data"]), len(compact["data"]), f"{what}: FULL rows")


def viz_queries() -> dict:
    """Each visualization's search and source, from the fixture's liveboard and pinboard TML,
    by pinboard GUID: [(viz name, search_query, source GUID)]."""
    out = {}
    for guid, file, kind in [(SALES_OVERVIEW, "Sales Overview.liveboard.tml", "liveboard"),
                             (STORE_PERFORMANCE, "Store Performance.pinboard.tml", "pinboard")]:
        tree = yaml.safe_load((FIXTURE_DIR / file).read_text(encoding="utf-8"))
        out[guid] = [(v["answer"]["name"], v["answer"]["search_query"], SOURCES[v["answer"]["tables"][0]["name"]])
                     for v in tree[kind]["visualizations"]]
    return out


# ---- searchdata -------------------------------------------------------------------------------


@check
def searchdata_compact(server: Server) -> None:
    ref = reference(server)
    ts = server.admin()
    watch = recorded(ts)
    for query, (source, names, compute) in CASES.items():
        answer = ts.searchdata(query, source)
        expect_answer_shape(answer, query)
        expect_equal(list(answer), ANSWER_KEYS, f"{query}: the keys of a searchdata answer")
        expect_equal(answer["columnNames"], names, f"{query}: columnNames")
        expected = compute(ref)
        expect_rows(answer["data"], expected, query)
        expect_equal((answer["totalRowCount"], answer["offset"]), (len(expected), 0),
                     f"{query}: totalRowCount and offset")
    request = watch.last.request
    expect_equal(request.method, "POST", "searchdata method")
    expect("query_string=" in request.url and "pagenumber=-1" in request.url and "offset=-1" in request.url,
           f"the client sends the search and -1 paging in the query string: {request.url}")
    expect(not request.body, "an empty body")


@check
def searchdata_full(server: Server) -> None:
    ref = reference(server)
    ts = server.admin()
    for query in ["[Revenue] [Quantity] [Category]", "[Revenue] [Order Date].monthly",
                  "[Order Id] [Ship Time] [Ship Mode] [Discount] [Ship Mode] != 'rail'"]:
        source, names, compute = CASES[query]
        full = ts.searchdata(query, source, format_type="FULL")
        expect_answer_shape(full, f"{query} FULL")
        expect_equal(full["columnNames"], names, f"{query} FULL: columnNames")
        expect_rows(rows_of(full), compute(ref), f"{query} FULL")
        expect_full_matches_compact(full, ts.searchdata(query, source, format_type="COMPACT"), query)

    response = expect_http_error(lambda: ts.searchdata("[Revenue]", WORKSHEET, format_type="XML"), 400,
                                 "formattype XML")
    messages = expect_error_body(response, 400, 10002, "formattype XML")
    expect(any("formattype" in m for m in messages), f"the message names formattype: {messages}")


@check
def searchdata_errors(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    for query, source, needle, what in [
        ("[Revenue] [Regoin]", WORKSHEET, "Regoin", "an unknown column"),
        ("[Revenue]", "00000000-0000-4000-8000-00000000beef", "00000000-0000-4000-8000-00000000beef",
         "an unknown source"),
        ("", WORKSHEET, None, "an empty query"),
    ]:
        response = expect_http_error(lambda: ts.searchdata(query, source), 400, what)
        messages = expect_error_body(response, 400, 10002, what)
        if needle:
            expect(any(needle in m for m in messages), f"{what}: the message names {needle!r}: {messages}")
    response = expect_http_error(lambda: ts.searchdata("[Revenue] [Regoin]", WORKSHEET), 400, "a typo")
    messages = expect_error_body(response, 400, 10002, "a typo")
    expect(any("Region" in m for m in messages), f"an unknown column's message suggests Region: {messages}")


@check
def searchdata_paging_like_cs_tools(server: Server) -> None:
    ref = reference(server)
    ts = server.admin()
    query = "[Order Id] [Revenue]"
    source, _, compute = CASES[query]
    expected = compute(ref)
    whole = ts.searchdata(query, source, format_type="FULL")
    expect_equal(whole["rowCount"], len(expected), "the unpaged answer has every row")
    expect(whole["pageSize"] >= whole["rowCount"], "batchsize -1: pageSize covers the result")

    # cs_tools: FULL, offset from 0, offset += rowCount until rowCount < pageSize.
    batch = 37
    expect(batch < len(expected), "the batch is smaller than the result")
    rows, offset, pages = [], 0, 0
    while True:
        page = ts.searchdata(query, source, format_type="FULL", batch_size=batch, offset=offset)
        pages += 1
        expect_answer_shape(page, f"page {pages}")
        expect_equal((page["offset"], page["pageSize"], page["totalRowCount"]), (offset, batch, len(expected)),
                     f"page {pages}: offset, pageSize, totalRowCount")
        rows.extend(page["data"])
        offset += page["rowCount"]
        if page["rowCount"] < page["pageSize"]:
            break
        expect(pages <= len(expected) // batch + 1, "paging does not end")
    expect_equal(pages, len(expected) // batch + 1, "pages walked")
    order_ids = [r["Order Id"] for r in rows]
    expect_equal(len(set(order_ids)), len(order_ids), "every row arrives once")
    expect_equal(rows, whole["data"], "the pages join to the unpaged answer")
    expect_rows(rows_of({"columnNames": whole["columnNames"], "data": rows}), expected, "paged rows")

    # The PyPI client's own page_number (1-based), COMPACT.
    joined, number = [], 1
    while True:
        page = ts.searchdata(query, source, batch_size=50, page_number=number)
        expect_equal(page["offset"], (number - 1) * 50, f"page_number {number}: offset")
        joined.extend(page["data"])
        if page["rowCount"] < 50:
            break
        number += 1
    expect_rows(joined, expected, "rows paged by page_number")


# ---- pinboarddata -----------------------------------------------------------------------------


@check
def pinboarddata_all_vizzes(server: Server) -> None:
    ref = reference(server)
    ts = server.admin()
    watch = recorded(ts)
    for guid, vizzes in viz_queries().items():
        headers = ts.metadata_listvizheaders(guid)
        viz_ids = [h["id"] for h in headers]
        expect_equal(len(viz_ids), len(vizzes), f"{guid}: a viz header per visualization in the TML")

        answer = ts.pinboarddata(guid, [])
        expect("vizid=%5B%5D" in watch.last.request.url, f"the client sends vizid=[]: {watch.last.request.url}")
        expect_equal(list(answer), viz_ids, f"{guid}: one entry per visualization, in order")
        for viz_id, (name, query, source) in zip(viz_ids, vizzes):
            entry = answer[viz_id]
            what = f"{name} ({query})"
            expect_answer_shape(entry, what)
            expect_equal(entry["name"], name, f"{what}: name")
            expect(not entry.get("error"), f"{what}: error {entry.get('error')!r}")
            searched = ts.searchdata(query, source)
            expect_equal(entry["columnNames"], searched["columnNames"], f"{what}: columnNames as searchdata")
            expect_equal(entry["data"], searched["data"], f"{what}: rows as searchdata")
            expect_equal((entry["totalRowCount"], entry["rowCount"], entry["offset"]),
                         (searched["totalRowCount"], searched["rowCount"], 0), f"{what}: counts")
            if query in CASES:
                expect_rows(entry["data"], CASES[query][2](ref), f"{what}: rows")
        expect(all(q in CASES for _, q, _ in vizzes), "every visualization's answer is computed independently")

        # vizid absent (the docs' form) is all of them too.
        response = ts.requests_session.post(server.url("pinboarddata"), params={"id": guid})
        expect_equal(response.status_code, 200, "pinboarddata without vizid")
        expect_equal(response.json(), answer, f"{guid}: vizid absent = vizid []")

        full = ts.pinboarddata(guid, [], format_type="FULL")
        expect_equal(list(full), viz_ids, f"{guid} FULL: the same visualizations")
        for viz_id in viz_ids:
            expect_full_matches_compact(full[viz_id], answer[viz_id], f"{guid} viz {viz_id}")

        # Paging applies to every visualization.
        paged = ts.pinboarddata(guid, [], batch_size=2)
        for viz_id in viz_ids:
            expect_equal((paged[viz_id]["pageSize"], paged[viz_id]["data"], paged[viz_id]["totalRowCount"]),
                         (2, answer[viz_id]["data"][:2], answer[viz_id]["totalRowCount"]),
                         f"{guid} viz {viz_id} with batchsize 2")


@check
def pinboarddata_one_viz(server: Server) -> None:
    ref = reference(server)
    ts = server.admin()
    vizzes = viz_queries()[SALES_OVERVIEW]
    viz_ids = [h["id"] for h in ts.metadata_listvizheaders(SALES_OVERVIEW)]
    for position in [0, 3]:
        name, query, source = vizzes[position]
        for format_type in ["COMPACT", "FULL"]:
            answer = ts.pinboarddata(SALES_OVERVIEW, [viz_ids[position]], format_type=format_type)
            expect_equal(list(answer), [viz_ids[position]], f"{name} {format_type}: only the viz asked for")
            entry = answer[viz_ids[position]]
            expect_answer_shape(entry, f"{name} {format_type}")
            expect_equal(entry["name"], name, f"{name} {format_type}: name")
            expect_equal(entry, {**ts.searchdata(query, source, format_type=format_type), "name": name},
                         f"{name} {format_type}: the answer searchdata gives")
            expect_rows(rows_of(entry), CASES[query][2](ref), f"{name} {format_type}")

    two = ts.pinboarddata(SALES_OVERVIEW, [viz_ids[3], viz_ids[1]])
    expect_equal(sorted(two), sorted([viz_ids[3], viz_ids[1]]), "two vizzes asked for, two answered")

    unknown = "00000000-0000-4000-8000-00000000beef"
    for guid, vizids, what in [(SALES_OVERVIEW, [unknown], "an unknown viz id"),
                               (unknown, [], "an unknown pinboard"),
                               (STORE_PERFORMANCE, [viz_ids[0]], "another pinboard's viz")]:
        response = expect_http_error(lambda: ts.pinboarddata(guid, vizids), 400, f"pinboarddata with {what}")
        expect_error_body(response, 400, 10002, f"pinboarddata with {what}")
