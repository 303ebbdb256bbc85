"""searchdata and pinboarddata through the PyPI client over a worksheet whose tables are in
PostgreSQL (issue 14).

The fixture's rows (as `data.reference` reads them) are loaded into a schema of their own in
the test PostgreSQL (`SEARCHLIGHT_TEST_POSTGRES_URL`, default
postgres://postgres@127.0.0.1:5432/test). The fixture's tables, worksheet and liveboard are
imported again under new names, on an `RDBMS_POSTGRES` connection to that schema. Every
search of `data.CASES` over the worksheet must then answer the rows computed in Python, as
over files, and each visualization of the liveboard must answer what searchdata answers.
"""

import csv
import os
import re
import subprocess
import urllib.parse

from cases.data import CASES, expect_answer_shape, expect_rows, reference
from harness import (
    FIXTURE_DIR,
    PRODUCTS,
    SALES_OVERVIEW,
    TIMEOUT,
    WORKSHEET,
    Server,
    check,
    expect,
    expect_equal,
    import_entries,
)

PG_URL = os.environ.get("SEARCHLIGHT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_URL, "-v", "ON_ERROR_STOP=1", "-qX", "-c", sql],
                   check=True, capture_output=True, text=True, timeout=TIMEOUT)


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def load(server: Server, schema: str) -> None:
    """The fixture's three tables, with exactly the rows the file tables hold."""
    ref = reference(server)
    products = server.admin().searchdata("[Product Id] [Product] [Category] [Unit Price]", PRODUCTS)["data"]
    with open(FIXTURE_DIR / "data" / "stores.csv", newline="", encoding="utf-8") as f:
        store_rows = list(csv.reader(f))[1:]
    statements = [
        f"CREATE SCHEMA {schema}",
        f"CREATE TABLE {schema}.sales (order_id bigint, order_date date, ship_time timestamp, store_id bigint, "
        "product_id bigint, ship_mode text, status text, quantity bigint, revenue double precision, "
        "discount double precision)",
        f"CREATE TABLE {schema}.stores (store_id bigint, store_name text, city text, region text)",
        f"CREATE TABLE {schema}.products (product_id bigint, product_name text, category text, "
        "unit_price double precision)",
        f"INSERT INTO {schema}.sales VALUES " + ", ".join(
            f"({o.order_id}, (to_timestamp({o.order_date}) AT TIME ZONE 'UTC')::date, to_timestamp({o.ship_time}) AT TIME ZONE 'UTC', "
            f"{o.store_id}, {o.product_id}, {literal(o.ship_mode)}, {literal(o.status)}, {o.quantity}, "
            f"{o.revenue!r}, {literal(o.discount)})" for o in ref.orders),
        f"INSERT INTO {schema}.stores VALUES " + ", ".join(
            f"({int(r[0])}, {literal(r[1])}, {literal(r[2])}, {literal(r[3] or None)})" for r in store_rows),
        f"INSERT INTO {schema}.products VALUES " + ", ".join(
            f"({p[0]}, {literal(p[1])}, {literal(p[2])}, {p[3]!r})" for p in products),
    ]
    psql("; ".join(statements))


def renamed(text: str, suffix: str, schema: str) -> str:
    """A fixture document as a new object over the warehouse: no GUID, every name it defines or
    references with `suffix`, tables on the warehouse connection."""
    text = re.sub(r"^guid: .*\n", "", text, flags=re.M)
    text = re.sub(r"^\s*viz_guid: .*\n", "", text, flags=re.M)
    for table, file in [("sales", "sales.parquet"), ("stores", "stores.csv"), ("products", "products.parquet")]:
        text = text.replace(f"db_table: {file}", f"db_table: {table}\n  schema: {schema}")
        text = re.sub(rf"(?<!db_)(name|table|with|source|destination): {table}\b", rf"\1: {table}{suffix}", text)
        text = text.replace(f"[{table}::", f"[{table}{suffix}::")
    for name in ["Retail Sales", "Retail Files", "Sales Overview"]:
        text = re.sub(rf"(name|id): {name}\b", rf"\1: {name}{suffix}", text)
    return text


@check
def searchdata_and_pinboarddata_over_postgres(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    schema = f"compat_wh_{server.run_id}"
    suffix = f" wh {server.run_id}"
    url = urllib.parse.urlparse(PG_URL)
    load(server, schema)
    try:
        connection = (
            f"connection:\n  name: Retail Files{suffix}\n  type: RDBMS_POSTGRES\n  properties:\n"
            f"  - key: host\n    value: {url.hostname}\n  - key: port\n    value: '{url.port or 5432}'\n"
            f"  - key: database\n    value: {url.path.lstrip('/')}\n  - key: user\n    value: {url.username}\n")
        files = ["sales.table.tml", "stores.table.tml", "products.table.tml", "Retail Sales.worksheet.tml",
                 "Sales Overview.liveboard.tml"]
        docs = [connection] + [renamed((FIXTURE_DIR / f).read_text(encoding="utf-8"), suffix, schema) for f in files]
        answer = ts.metadata_tml_import(docs, formattype="YAML")
        entries = import_entries(answer, len(docs), "warehouse import")
        for entry, name in zip(entries, ["connection"] + files):
            expect_equal(entry["status"]["status_code"], "OK", f"warehouse import of {name}: {entry}")
        worksheet, liveboard = entries[4]["header"]["id_guid"], entries[5]["header"]["id_guid"]

        ref = reference(server)
        for query, (source, names, compute) in CASES.items():
            if source != WORKSHEET:
                continue
            answer = ts.searchdata(query, worksheet)
            expect_answer_shape(answer, f"{query} over PostgreSQL")
            expect_equal(answer["columnNames"], names, f"{query} over PostgreSQL: columnNames")
            expect_rows(answer["data"], compute(ref), f"{query} over PostgreSQL")

        vizzes = ts.pinboarddata(liveboard, [])
        expect(len(vizzes) >= 3, f"the liveboard's visualizations: {list(vizzes)}")
        for viz_id, entry in vizzes.items():
            expect(not entry.get("error"), f"viz {viz_id}: error {entry.get('error')!r}")
            expect_answer_shape(entry, f"viz {entry['name']} over PostgreSQL")
        files_board = ts.pinboarddata(SALES_OVERVIEW, [])
        expect_equal([e["data"] for e in vizzes.values()], [e["data"] for e in files_board.values()],
                     "every visualization over PostgreSQL answers what it answers over files")
    finally:
        psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

