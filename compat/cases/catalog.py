"""metadata/listobjectheaders and metadata/listvizheaders through the PyPI client, over the
retail fixture model (API-DECISIONS "Metadata"; clients.md §1.2).

The client always sends `type`, `sort=DEFAULT`, `sortascending=true`, `offset=-1` and
`batchsize=-1`; `subtypes`, `fetchids` and `skipids` as JSON arrays and `filter` as `pattern`.
Given a subtype (`WORKSHEET`) as the type, it asks for `type=LOGICAL_TABLE&subtypes=["..."]`.
Other checks add objects of their own to the same server, so these look at the fixture's
objects by GUID and at properties every listing has (sorted, each header once).
"""

from urllib.parse import parse_qs, urlsplit

from harness import (
    CONNECTION,
    FIXTURE,
    MODEL,
    MONTHLY_REVENUE,
    PRODUCTS,
    REVENUE_BY_REGION,
    SALES,
    SALES_OVERVIEW,
    SALES_OVERVIEW_VIZ_1,
    STORE_PERFORMANCE,
    STORES,
    UUID_RE,
    WORKSHEET,
    Server,
    check,
    expect,
    expect_equal,
    expect_error_body,
    expect_http_error,
    recorded,
)

TABLES = [PRODUCTS, SALES, STORES]
HEADER_FIELDS = {"id", "name", "author", "authorName", "created", "modified", "modifiedBy", "owner",
                 "isAutoCreated", "isAutoDelete", "tags"}
# Column objects of the fixture: 10 + 4 + 4 table columns, 13 worksheet and 5 model columns.
FIXTURE_COLUMNS = 36


def ids(headers: list) -> list:
    return [h["id"] for h in headers]


def by_id(headers: list) -> dict:
    return {h["id"]: h for h in headers}


def expect_sorted_by_name(headers: list, what: str) -> None:
    names = [h["name"] for h in headers]
    expect_equal(names, sorted(names, key=str.lower), f"{what}: DEFAULT sorts by name")


def admin_id(ts) -> str:
    return next(u["id"] for u in ts.user_list() if u["name"] == "tsadmin")


@check
def every_type(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    watch = recorded(ts)
    tsadmin = admin_id(ts)
    expected = {
        "QUESTION_ANSWER_BOOK": [MONTHLY_REVENUE, REVENUE_BY_REGION],
        "PINBOARD_ANSWER_BOOK": [SALES_OVERVIEW, STORE_PERFORMANCE],
        "LOGICAL_TABLE": [PRODUCTS, MODEL, WORKSHEET, SALES, STORES],
        "DATA_SOURCE": [CONNECTION],
    }
    names = {guid: name for _, name, _, guid in FIXTURE}
    for object_type, guids in expected.items():
        headers = ts.metadata_listobjectheaders(object_type)
        query = parse_qs(urlsplit(watch.last.request.url).query)
        expect_equal(query["type"], [object_type], "the type sent")
        expect(isinstance(headers, list), f"{object_type}: a JSON array, got {headers!r}")
        expect_sorted_by_name(headers, object_type)
        expect_equal(len(set(ids(headers))), len(headers), f"{object_type}: each header once")
        listed = by_id(headers)
        for guid in guids:
            expect(guid in listed, f"{object_type}: {names[guid]} ({guid}) is not listed")
            header = listed[guid]
            missing = HEADER_FIELDS - set(header)
            expect(not missing, f"{object_type} {names[guid]}: header lacks {sorted(missing)}: {header}")
            expect_equal(header["name"], names[guid], f"{object_type}: name")
            expect_equal((header["author"], header["owner"], header["authorName"]), (tsadmin, tsadmin, "tsadmin"),
                         f"{object_type} {names[guid]}: author and owner are the importer")
            expect_equal(header["modifiedBy"], tsadmin, f"{object_type} {names[guid]}: modifiedBy")
            expect(isinstance(header["created"], int) and header["created"] > 1_600_000_000_000,
                   f"{object_type} {names[guid]}: created in epoch milliseconds: {header['created']!r}")
            expect(header["modified"] >= header["created"], f"{object_type} {names[guid]}: modified >= created")
            expect_equal((header["isAutoCreated"], header["isAutoDelete"]), (False, False),
                         f"{object_type} {names[guid]}: auto flags")
            expect(isinstance(header["tags"], list), f"{object_type} {names[guid]}: tags")
    tables = by_id(ts.metadata_listobjectheaders("LOGICAL_TABLE"))
    expect_equal(tables[WORKSHEET].get("description"),
                 "Orders with their store and product; test orders left out.", "the worksheet's description")
    expect_equal(by_id(ts.metadata_listobjectheaders("DATA_SOURCE"))[CONNECTION].get("description"),
                 "The fixture data beside these TML files.", "the connection's description")

    # Columns: every table, worksheet and model column is a LOGICAL_COLUMN.
    columns = ts.metadata_listobjectheaders("LOGICAL_COLUMN")
    expect(len(columns) >= FIXTURE_COLUMNS, f"at least the fixture's {FIXTURE_COLUMNS} columns: {len(columns)}")
    expect_sorted_by_name(columns, "LOGICAL_COLUMN")
    column_names = [c["name"] for c in columns]
    for name in ["Model Revenue", "Unit Price", "Ship Mode", "Category", "Store"]:
        expect(name in column_names, f"column {name!r} listed")
    expect(column_names.count("Order Date") >= 2, "Order Date: a column of sales and one of the worksheet")
    for column in columns:
        expect(UUID_RE.match(column["id"]), f"column id {column['id']!r}")

    # Users and groups, with displayName.
    users = ts.metadata_listobjectheaders("USER")
    expect_sorted_by_name(users, "USER")
    admin = [u for u in users if u["name"] == "tsadmin"]
    expect_equal(len(admin), 1, "tsadmin listed once")
    expect_equal(admin[0]["id"], tsadmin, "tsadmin's id as user/list gives it")
    expect(all(isinstance(u.get("displayName"), str) for u in users), "USER headers have displayName")
    groups = ts.metadata_listobjectheaders("USER_GROUP")
    expect("All" in [g["name"] for g in groups], "the All group is listed")
    expect(all(isinstance(g.get("displayName"), str) for g in groups), "USER_GROUP headers have displayName")

    # An unknown type or subtype: 400, naming it.
    for kwargs, value in [({"object_type": "NO_SUCH_TYPE"}, "NO_SUCH_TYPE"),
                          ({"object_type": "LOGICAL_TABLE", "subtypes": ["NO_SUCH_SUBTYPE"]}, "NO_SUCH_SUBTYPE")]:
        response = expect_http_error(lambda: ts.metadata_listobjectheaders(**kwargs), 400, f"listing {value}")
        messages = expect_error_body(response, 400, 10002, f"listing {value}")
        expect(any(value in m for m in messages), f"the message names {value}: {messages}")


@check
def subtypes_and_the_worksheet_shortcut(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    watch = recorded(ts)

    worksheets = ts.metadata_listobjectheaders("WORKSHEET")
    query = parse_qs(urlsplit(watch.last.request.url).query)
    expect_equal((query["type"], query["subtypes"]), (["LOGICAL_TABLE"], ['["WORKSHEET"]']),
                 "the client rewrites WORKSHEET to a subtype")
    listed = by_id(worksheets)
    expect(WORKSHEET in listed and MODEL in listed, "worksheets and models are WORKSHEETs")
    expect(not set(TABLES) & set(listed), "no table is a WORKSHEET")
    expect_equal(listed[WORKSHEET].get("subtype"), "WORKSHEET", "the worksheet's subtype")

    explicit = ts.metadata_listobjectheaders("LOGICAL_TABLE", subtypes=["WORKSHEET"])
    expect_equal(ids(explicit), ids(worksheets), "subtypes=[WORKSHEET] is the shortcut's listing")
    tables = by_id(ts.metadata_listobjectheaders("LOGICAL_TABLE", subtypes=["ONE_TO_ONE_LOGICAL"]))
    expect(set(TABLES) <= set(tables), "the fixture's tables are ONE_TO_ONE_LOGICAL")
    expect(not {WORKSHEET, MODEL} & set(tables), "no worksheet is ONE_TO_ONE_LOGICAL")
    both = ids(ts.metadata_listobjectheaders("LOGICAL_TABLE", subtypes=["ONE_TO_ONE_LOGICAL", "WORKSHEET"]))
    expect_equal(sorted(both), sorted(set(tables) | set(listed)), "two subtypes list both")


@check
def pattern_fetchids_skipids(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    watch = recorded(ts)

    def names(object_type: str, **kwargs) -> list:
        return [h["name"] for h in ts.metadata_listobjectheaders(object_type, **kwargs)]

    # `filter` is sent as `pattern`: case-insensitive, `%` the wildcard, else the whole name.
    names("LOGICAL_TABLE", filter="retail%")
    expect_equal(parse_qs(urlsplit(watch.last.request.url).query)["pattern"], ["retail%"], "filter as pattern")
    for object_type, pattern, expected in [
        ("LOGICAL_TABLE", "retail%", ["Retail Model", "Retail Sales"]),
        ("LOGICAL_TABLE", "RETAIL SALES", ["Retail Sales"]),
        ("LOGICAL_TABLE", "%SALES", ["Retail Sales", "sales"]),
        ("DATA_SOURCE", "retail files", ["Retail Files"]),
        ("PINBOARD_ANSWER_BOOK", "%overview%", ["Sales Overview"]),
        ("QUESTION_ANSWER_BOOK", "%by region", ["Revenue by Region"]),
        ("LOGICAL_COLUMN", "model re%", ["Model Region", "Model Revenue"]),
    ]:
        expect_equal(names(object_type, filter=pattern), expected, f"{object_type} pattern {pattern!r}")
    # The author's name matches too: everything tsadmin imported.
    by_author = ids(ts.metadata_listobjectheaders("PINBOARD_ANSWER_BOOK", filter="tsadmin"))
    expect({SALES_OVERVIEW, STORE_PERFORMANCE} <= set(by_author), f"pattern tsadmin matches the author: {by_author}")

    listed = ts.metadata_listobjectheaders("LOGICAL_TABLE", fetchids=[WORKSHEET, SALES])
    expect_equal(parse_qs(urlsplit(watch.last.request.url).query)["fetchids"],
                 [f'["{WORKSHEET}", "{SALES}"]'], "fetchids as a JSON array")
    expect_equal(ids(listed), [WORKSHEET, SALES], "fetchids: just those, by name")
    expect_equal(ids(ts.metadata_listobjectheaders("LOGICAL_TABLE", fetchids=[SALES], skipids=[SALES])), [],
                 "skipids wins over fetchids")
    expect_equal(ids(ts.metadata_listobjectheaders("LOGICAL_TABLE", fetchids=[REVENUE_BY_REGION])), [],
                 "fetchids of another type lists nothing")
    all_tables = ids(ts.metadata_listobjectheaders("LOGICAL_TABLE"))
    skipped = ids(ts.metadata_listobjectheaders("LOGICAL_TABLE", skipids=[WORKSHEET, MODEL]))
    expect_equal(skipped, [g for g in all_tables if g not in (WORKSHEET, MODEL)], "skipids")
    expect_equal(ids(ts.metadata_listobjectheaders("LOGICAL_TABLE", fetchids=[])), all_tables,
                 "fetchids [] means not given")


@check
def paging(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    for object_type, batch in [("LOGICAL_COLUMN", 7), ("LOGICAL_TABLE", 2), ("USER_GROUP", 1)]:
        everything = ts.metadata_listobjectheaders(object_type)
        pages, offset = [], 0
        while True:
            page = ts.metadata_listobjectheaders(object_type, batchsize=batch, offset=offset)
            expect(len(page) <= batch, f"{object_type}: a page of {len(page)} for batchsize {batch}")
            pages.append(page)
            offset += len(page)
            if len(page) < batch:
                break
            expect(len(pages) <= len(everything) + 1, f"{object_type}: paging does not end")
        walked = [h for page in pages for h in page]
        expect_equal(len(set(ids(walked))), len(walked), f"{object_type}: every header arrives once")
        expect_equal(ids(walked), ids(everything), f"{object_type}: the pages join to the whole listing")
        expect_equal(walked, everything, f"{object_type}: paged headers equal the unpaged ones")
        # batchsize alone is the first page; an offset past the end is empty.
        expect_equal(ids(ts.metadata_listobjectheaders(object_type, batchsize=batch)), ids(everything[:batch]),
                     f"{object_type}: batchsize without offset")
        expect_equal(ts.metadata_listobjectheaders(object_type, offset=len(everything) + 3), [],
                     f"{object_type}: an offset past the end")
        expect_equal(ids(ts.metadata_listobjectheaders(object_type, offset=1)), ids(everything[1:]),
                     f"{object_type}: offset without batchsize")
    # Paging runs after pattern and fetchids: a page of the matching headers.
    page = ts.metadata_listobjectheaders("LOGICAL_TABLE", filter="%s%", batchsize=2, offset=1)
    matching = ts.metadata_listobjectheaders("LOGICAL_TABLE", filter="%s%")
    expect_equal(ids(page), ids(matching[1:3]), "a page of a pattern's headers")


@check
def viz_headers(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    tsadmin = admin_id(ts)
    for guid, expected in [
        (SALES_OVERVIEW, [("Revenue by Category", "TABLE"), ("Revenue by Month", "CHART"),
                          ("Total Revenue", "HEADLINE"), ("Top 3 Products", "CHART")]),
        (STORE_PERFORMANCE, [("Revenue by Store", "TABLE"), ("Quantity by Category (model)", "CHART")]),
        (REVENUE_BY_REGION, [("Revenue by Region", "TABLE")]),
        (MONTHLY_REVENUE, [("Monthly Revenue", "CHART")]),
    ]:
        vizzes = ts.metadata_listvizheaders(guid)
        expect(isinstance(vizzes, list), f"{guid}: a JSON array, got {vizzes!r}")
        expect_equal([(v["name"], v["vizType"]) for v in vizzes], expected, f"visualizations of {guid}")
        for viz in vizzes:
            for name in ["id", "name", "author", "created", "modified", "modifiedBy", "owner", "vizType"]:
                expect(name in viz, f"viz header lacks {name}: {viz}")
            expect(UUID_RE.match(viz["id"]), f"viz id {viz['id']!r}")
            expect_equal(viz["owner"], guid, "a viz's owner is its pinboard or answer")
            expect_equal((viz["author"], viz["modifiedBy"]), (tsadmin, tsadmin), "a viz's author")
        expect_equal(len(set(ids(vizzes))), len(vizzes), f"{guid}: every viz has its own id")
    expect_equal(ts.metadata_listvizheaders(SALES_OVERVIEW)[0]["id"], SALES_OVERVIEW_VIZ_1,
                 "the viz_guid the TML fixes")
    overview = set(ids(ts.metadata_listvizheaders(SALES_OVERVIEW)))
    expect(not overview & set(ids(ts.metadata_listvizheaders(STORE_PERFORMANCE))), "viz ids differ across pinboards")
    expect(not overview & {g for *_, g in FIXTURE}, "a viz id is not an object's")

    for bad in ["00000000-0000-4000-8000-00000000beef", WORKSHEET]:
        response = expect_http_error(lambda: ts.metadata_listvizheaders(bad), 400, f"listvizheaders of {bad}")
        expect_error_body(response, 400, 10002, f"listvizheaders of {bad}")
