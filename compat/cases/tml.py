"""metadata/tml/import and metadata/tml/export through the PyPI client (API-DECISIONS
"Metadata"; clients.md §1.4), and TML that the PyPI package `thoughtspot-tml` reads: the
fixture's files, every export, and the demo's generated model.

The client's `metadata_tml_import` sends `import_objects` as Python's `str()` of a list of
strings (YAML as given with formattype YAML or JSON_STR, `json.dumps` of each object with
JSON), `import_policy` ALL_OR_NONE (VALIDATE_ONLY with `validate_only=True`) and
`Accept: text/plain`; on an ERROR entry it raises `SyntaxError(answer["object"])` after the
HTTP 200.
"""

import json
import os
import re
import warnings
from pathlib import Path
from urllib.parse import parse_qs

import yaml
from thoughtspot_tml.exceptions import TMLDecodeError
from thoughtspot_tml.utils import determine_tml_type

from harness import (
    FIXTURE,
    FIXTURE_DIR,
    SALES,
    SALES_OVERVIEW,
    STORE_PERFORMANCE,
    UUID_RE,
    WORKSHEET,
    CheckFailed,
    Server,
    check,
    expect,
    expect_equal,
    expected_failure,
    fixture_documents,
    import_entries,
    install_fixture_data,
    recorded,
)

# The metadata type each TML kind lists under.
METADATA_TYPE = {
    "answer": "QUESTION_ANSWER_BOOK",
    "liveboard": "PINBOARD_ANSWER_BOOK",
    "pinboard": "PINBOARD_ANSWER_BOOK",
    "table": "LOGICAL_TABLE",
    "worksheet": "LOGICAL_TABLE",
    "model": "LOGICAL_TABLE",
    "connection": "DATA_SOURCE",
}


def loads_tml(text: str, kind: str, what: str):
    """Parses a TML document with thoughtspot-tml's class for `kind` (the library's own
    `determine_tml_type`); fails the check with the library's message when it cannot."""
    with warnings.catch_warnings():
        # `pinboard` maps to the deprecated alias of Liveboard, which warns.
        warnings.simplefilter("ignore")
        cls = determine_tml_type(info={"type": kind})
        if kind == "pinboard" and text.lstrip().startswith("{"):
            # thoughtspot-tml reads a pinboard as a Liveboard by renaming `pinboard:` in the
            # text (Liveboard._loads); the JSON spelling `"pinboard":` escapes that rename, so
            # rename the key the same way here.
            tree = json.loads(text)
            text = json.dumps({("liveboard" if k == "pinboard" else k): v for k, v in tree.items()})
        try:
            return cls.loads(text)
        except TMLDecodeError as err:
            raise CheckFailed(f"{what}: thoughtspot-tml ({cls.__name__}) cannot parse it: {err}") from None


# A mapping key PyYAML (YAML 1.1, which thoughtspot-tml reads TML with) takes for a boolean
# when unquoted: `on:` in joins becomes `True:`. ThoughtSpot writes such keys quoted (`"on":`),
# as the fixture does.
BOOLEAN_KEY = re.compile(r'^([ ]*(?:- )?)(on|off|yes|no|On|Off|Yes|No|ON|OFF|YES|NO)(:)', re.MULTILINE)
YAML_11_KEYS = "keys a YAML 1.1 reader takes for booleans"


def loads_yaml_tml(text: str, kind: str, what: str):
    """`loads_tml` for YAML text, telling unquoted boolean-looking keys (a known server bug,
    see BOOLEAN_KEY) apart from any other problem: such a document must otherwise parse once
    those keys are quoted, and then fails with a message naming them."""
    try:
        return loads_tml(text, kind, what)
    except CheckFailed:
        keys = sorted({m.group(2) for m in BOOLEAN_KEY.finditer(text)})
        if not keys:
            raise
        loads_tml(BOOLEAN_KEY.sub(r'\1"\2"\3', text), kind, f"{what}, even with {keys} quoted")
        raise CheckFailed(f"{what}: {YAML_11_KEYS} are unquoted: {keys} (PyYAML, and so thoughtspot-tml, "
                          f"reads `on:` as `True:`; write them quoted, `\"on\":`)") from None


def headers_by_id(ts, object_type: str, **kwargs) -> dict[str, dict]:
    return {h["id"]: h for h in ts.metadata_listobjectheaders(object_type, **kwargs)}


def named(ts, object_type: str, name: str) -> list[dict]:
    """The headers of one type whose name is exactly `name` (a pattern without `%`)."""
    return [h for h in ts.metadata_listobjectheaders(object_type, filter=name) if h["name"] == name]


def answer_yaml(name: str, description: str, query: str = "[Revenue] [Region]",
                source: str = "Retail Sales") -> str:
    """A small answer over the fixture worksheet, without a GUID (so it is a new object,
    found by name when imported again)."""
    return yaml.safe_dump({"answer": {
        "name": name,
        "description": description,
        "tables": [{"id": source, "name": source}],
        "search_query": query,
        "display_mode": "TABLE_MODE",
    }}, sort_keys=False, allow_unicode=True)


def import_errors(call) -> list[dict]:
    """Runs a metadata_tml_import that must report an ERROR entry: the client raises
    SyntaxError with the answer's `object` list. Returns the entries' `response`s."""
    try:
        call()
    except SyntaxError as err:
        objects = err.args[0]
        expect(isinstance(objects, list), f"SyntaxError carries the object list, got {objects!r}")
        return [o["response"] for o in objects]
    raise CheckFailed("the import reported no ERROR entry (the client raised nothing)")


def status(entry: dict) -> str:
    return entry["status"]["status_code"]


def message(entry: dict) -> str:
    return entry["status"].get("error_message", "")


# ---- import -----------------------------------------------------------------------------------


@check
def import_yaml(server: Server) -> None:
    install_fixture_data(server)
    docs = [text for _, text in fixture_documents()]
    ts = server.admin()
    watch = recorded(ts)
    answer = ts.metadata_tml_import(docs, formattype="YAML")

    response = watch.last
    expect_equal(response.status_code, 200, "import status")
    expect_equal(response.request.headers.get("Accept"), "text/plain", "the client's Accept for TML")
    form = parse_qs(response.request.body)
    expect(form["import_objects"][0].startswith("['guid: "),
           f"the client sends str() of a list: {form['import_objects'][0][:40]!r}")
    expect_equal(form["import_policy"], ["ALL_OR_NONE"], "import_policy")

    for entry, (file, name, kind, guid) in zip(import_entries(answer, len(docs), "YAML import"), FIXTURE):
        expect_equal(status(entry), "OK", f"{file}: status ({message(entry)})")
        expect_equal(entry["header"]["id_guid"], guid, f"{file}: GUID")
        expect_equal(entry["header"]["name"], name, f"{file}: name")
        expect_equal(entry["header"]["type"], kind, f"{file}: type")
    expect_equal(ts.guids_from_imported_tml(answer), [g for *_, g in FIXTURE], "guids_from_imported_tml")

    for file, name, kind, guid in FIXTURE:
        listed = ts.metadata_listobjectheaders(METADATA_TYPE[kind], fetchids=[guid])
        expect_equal([h["name"] for h in listed], [name], f"{file} listed as {METADATA_TYPE[kind]}")


@check
def import_json(server: Server) -> None:
    install_fixture_data(server)
    trees = [yaml.safe_load(text) for _, text in fixture_documents()]
    ts = server.admin()
    # formattype JSON (the default): Python objects, each sent as json.dumps.
    answer = ts.metadata_tml_import(trees)
    for entry, (file, _, kind, guid) in zip(import_entries(answer, len(trees), "JSON import"), FIXTURE):
        expect_equal(status(entry), "OK", f"{file} as JSON: status ({message(entry)})")
        expect_equal(entry["header"]["id_guid"], guid, f"{file} as JSON: GUID")
        expect_equal(entry["header"]["type"], kind, f"{file} as JSON: type")
    # formattype JSON_STR: JSON text the caller already has.
    texts = [json.dumps(t, indent=2) for t in trees]
    answer = ts.metadata_tml_import(texts, formattype="JSON_STR")
    for entry, (file, *_, guid) in zip(import_entries(answer, len(texts), "JSON_STR import"), FIXTURE):
        expect_equal((status(entry), entry["header"]["id_guid"]), ("OK", guid), f"{file} as JSON text")

    # What the documents say arrives intact through both encodings: str() escapes \\, quotes
    # and (for json.dumps) \\uNNNN; repr() switches to double quotes around a text with an
    # apostrophe.
    for form, description in [
        ("JSON", 'Owner\'s "view" of C:\\data, café ’ok’ \t tab'),
        ("YAML", "Owner's view of C:\\data, café ’ok’"),
        ("YAML", 'Both \' and " quotes'),
    ]:
        name = server.unique("Compat JSON answer")
        doc = yaml.safe_load(answer_yaml(name, description))
        if form == "JSON":
            answer = ts.metadata_tml_import(doc)
        else:
            answer = ts.metadata_tml_import(answer_yaml(name, description), formattype="YAML")
        entry = import_entries(answer, 1, f"{form} answer")[0]
        expect_equal(status(entry), "OK", f"{form} answer: status ({message(entry)})")
        expect(UUID_RE.match(entry["header"]["id_guid"]), f"{form} answer: GUID {entry['header']}")
        listed = named(ts, "QUESTION_ANSWER_BOOK", name)
        expect_equal([h["id"] for h in listed], [entry["header"]["id_guid"]], f"{form} answer listed once")
        expect_equal(listed[0].get("description"), description, f"{form} answer: description round trip")


@check
def reimport_updates_in_place(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    types = sorted(set(METADATA_TYPE.values()))
    before = {t: headers_by_id(ts, t) for t in types}
    vizzes_before = {g: ts.metadata_listvizheaders(g) for g in (SALES_OVERVIEW, STORE_PERFORMANCE)}

    docs = [text for _, text in fixture_documents()]
    answer = ts.metadata_tml_import(list(reversed(docs)), formattype="YAML")
    entries = import_entries(answer, len(docs), "re-import")
    expect_equal([e["header"]["id_guid"] for e in entries], [g for *_, g in reversed(FIXTURE)],
                 "a re-import (in any order) answers the same GUIDs")

    after = {t: headers_by_id(ts, t) for t in types}
    for t in types:
        expect_equal(sorted(after[t]), sorted(before[t]), f"{t}: the same objects after a re-import")
    for file, name, kind, guid in FIXTURE:
        header = after[METADATA_TYPE[kind]][guid]
        expect_equal(header["created"], before[METADATA_TYPE[kind]][guid]["created"], f"{file}: created")
        same_name = [h for h in after[METADATA_TYPE[kind]].values() if h["name"] == name]
        expect_equal(len(same_name), 1, f"{file}: one {METADATA_TYPE[kind]} named {name!r}")
    for guid, vizzes in vizzes_before.items():
        expect_equal([v["id"] for v in ts.metadata_listvizheaders(guid)], [v["id"] for v in vizzes],
                     f"visualization GUIDs of {guid} after a re-import")

    # A document without a GUID is found by name: changed, it updates the same object.
    name = server.unique("Compat answer")
    first = import_entries(ts.metadata_tml_import(answer_yaml(name, "First."), formattype="YAML"), 1,
                           "new answer")[0]
    guid = first["header"]["id_guid"]
    again = import_entries(ts.metadata_tml_import(answer_yaml(name, "Second.", "[Revenue] [Category]"),
                                                  formattype="YAML"), 1, "changed answer")[0]
    expect_equal(again["header"]["id_guid"], guid, "a changed document without a GUID updates in place")
    listed = named(ts, "QUESTION_ANSWER_BOOK", name)
    expect_equal([(h["id"], h.get("description")) for h in listed], [(guid, "Second.")],
                 "one answer, updated")


@check
def broken_documents(server: Server) -> None:
    server.fixture()
    docs = dict(fixture_documents())
    ts = server.admin()
    watch = recorded(ts)
    sales_before = headers_by_id(ts, "LOGICAL_TABLE", fetchids=[SALES])[SALES]
    fresh = server.unique("Compat answer")

    # A table naming a column its Parquet file does not have, beside a good new answer:
    # ALL_OR_NONE stores nothing.
    bad_sales = docs["sales.table.tml"].replace("db_column_name: revenue\n", "db_column_name: revenue_usd\n")
    expect(bad_sales != docs["sales.table.tml"], "the fixture's sales table names the column revenue")
    entries = import_errors(lambda: ts.metadata_tml_import([answer_yaml(fresh, "Never stored."), bad_sales],
                                                           formattype="YAML"))
    expect_equal(watch.last.status_code, 200, "an import with errors still answers 200")
    expect_equal(len(entries), 2, "one entry per document")
    expect_equal(status(entries[1]), "ERROR", "the broken table")
    expect("revenue_usd" in message(entries[1]), f"the message names the column: {message(entries[1])!r}")
    expect_equal(status(entries[0]), "ERROR", "ALL_OR_NONE: the good document fails with the batch")
    expect(message(entries[0]), "the good document says why it was not stored")
    expect_equal(named(ts, "QUESTION_ANSWER_BOOK", fresh), [], "ALL_OR_NONE stored nothing")
    expect_equal(headers_by_id(ts, "LOGICAL_TABLE", fetchids=[SALES])[SALES], sales_before,
                 "the failed import left the sales table alone")

    # Other ways to be wrong, each named in its message.
    for text, needle, what in [
        ("table:\n  name: [unclosed\n", "YAML", "a YAML syntax error"),
        ("{\"answer\": {\"name\": ", "JSON", "a JSON syntax error"),
        (answer_yaml(server.unique("Compat answer"), "x", source="No Such Worksheet"), "No Such Worksheet",
         "an answer over an unknown worksheet"),
        (answer_yaml(server.unique("Compat answer"), "x", query="[Revenue] [No Such Column]"),
         "No Such Column", "an answer with an unknown column"),
        ("notakind:\n  name: x\n", "notakind", "an unknown document kind"),
    ]:
        entries = import_errors(lambda: ts.metadata_tml_import([text], formattype="YAML"))
        expect_equal(watch.last.status_code, 200, f"{what}: status")
        expect_equal(status(entries[0]), "ERROR", what)
        expect(message(entries[0]), f"{what}: an error message")
        if needle:
            expect(needle in message(entries[0]), f"{what}: the message names {needle!r}: {message(entries[0])!r}")


@check
def validate_only_stores_nothing(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    watch = recorded(ts)
    before = {t: headers_by_id(ts, t) for t in sorted(set(METADATA_TYPE.values()))}

    docs = [text for _, text in fixture_documents()]
    answer = ts.metadata_tml_import(docs, validate_only=True, formattype="YAML")
    expect_equal(parse_qs(watch.last.request.body)["import_policy"], ["VALIDATE_ONLY"], "the policy sent")
    for entry, (file, *_, guid) in zip(import_entries(answer, len(docs), "VALIDATE_ONLY"), FIXTURE):
        expect_equal(status(entry), "OK", f"{file}: validated ({message(entry)})")
        expect_equal(entry["header"]["id_guid"], guid, f"{file}: GUID")

    name = server.unique("Compat validated answer")
    entry = import_entries(ts.metadata_tml_import(answer_yaml(name, "Validated only."), validate_only=True,
                                                  formattype="YAML"), 1, "VALIDATE_ONLY answer")[0]
    expect_equal(status(entry), "OK", f"a good new answer validates ({message(entry)})")
    entries = import_errors(lambda: ts.metadata_tml_import(
        [answer_yaml(server.unique("Compat answer"), "x", query="[Revenue] [Nope]")],
        validate_only=True, formattype="YAML"))
    expect_equal(status(entries[0]), "ERROR", "a bad document under VALIDATE_ONLY")
    expect("Nope" in message(entries[0]), f"the message names the column: {message(entries[0])!r}")

    expect_equal(named(ts, "QUESTION_ANSWER_BOOK", name), [], "VALIDATE_ONLY stored nothing")
    after = {t: headers_by_id(ts, t) for t in before}
    expect_equal(after, before, "VALIDATE_ONLY changed nothing")


# ---- TML that thoughtspot-tml reads -----------------------------------------------------------


@check
def fixture_tml_parses(server: Server) -> None:
    for file, name, kind, guid in FIXTURE:
        path = FIXTURE_DIR / file
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls = determine_tml_type(path=path)
        parsed = loads_tml(path.read_text(encoding="utf-8"), kind, file)
        expect(isinstance(parsed, cls), f"{file}: {type(parsed).__name__}, not {cls.__name__}")
        expect_equal((parsed.name, parsed.guid), (name, guid), f"{file}: name and GUID")


@check
def export_parses_and_round_trips(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    watch = recorded(ts)
    exported_trees, exported_yaml = [], []
    for file, name, kind, guid in FIXTURE:
        # The client's JSON export: the edoc parsed into a dict.
        tree = ts.metadata_tml_export(guid)
        body = watch.last.json()
        info = body["object"][0]["info"]
        expect_equal((info["id"], info["name"], info["type"]), (guid, name, kind), f"{file}: export info")
        expect_equal(info["status"]["status_code"], "OK", f"{file}: export status")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls = determine_tml_type(info=info)
        parsed = loads_tml(json.dumps(tree), kind, f"{file} exported as JSON")
        expect(isinstance(parsed, cls), f"{file}: the export's info.type picks {cls.__name__}")
        expect_equal((parsed.name, parsed.guid), (name, guid), f"{file} exported as JSON: name and GUID")
        exported_trees.append(tree)

        # YAML and JSON text, as strings.
        text = ts.metadata_tml_export_string(guid, formattype="YAML")
        expect(not text.lstrip().startswith("{"), f"{file}: a YAML export, got {text[:60]!r}")
        expect_equal(loads_yaml_tml_tree(text), json.loads(json.dumps(tree)),
                     f"{file}: the YAML export is the JSON export's document")
        exported_yaml.append(text)
        text = ts.metadata_tml_export_string(guid, formattype="JSON")
        expect_equal(json.loads(text), tree, f"{file}: JSON text and the client's JSON export agree")

    # Liveboards export the GUIDs of their visualizations, in listvizheaders order.
    for position, guid in [(5, SALES_OVERVIEW), (6, STORE_PERFORMANCE)]:
        kind = FIXTURE[position][2]
        listed = [v["id"] for v in ts.metadata_listvizheaders(guid)]
        exported = [v.get("viz_guid") for v in exported_trees[position][kind]["visualizations"]]
        expect_equal(exported, listed, f"{FIXTURE[position][0]}: viz_guid of each visualization")

    # Exports import back onto the same objects: the client's export-edit-import loop.
    before = headers_by_id(ts, "LOGICAL_TABLE")
    for what, answer in [
        ("JSON", ts.metadata_tml_import(exported_trees)),
        ("YAML", ts.metadata_tml_import(exported_yaml, formattype="YAML")),
    ]:
        entries = import_entries(answer, len(FIXTURE), f"{what} export imported back")
        expect_equal([(status(e), e["header"]["id_guid"]) for e in entries], [("OK", g) for *_, g in FIXTURE],
                     f"{what} export imported back")
    after = headers_by_id(ts, "LOGICAL_TABLE")
    expect_equal(sorted(after), sorted(before), "importing exports back creates nothing")
    expect_equal(after[WORKSHEET]["created"], before[WORKSHEET]["created"], "the worksheet is the same object")


def loads_yaml_tml_tree(text: str):
    """A YAML document as a YAML 1.2 reader sees it (boolean-looking keys stay text)."""
    return yaml.safe_load(BOOLEAN_KEY.sub(r'\1"\2"\3', text))


@check
def export_yaml_parses(server: Server) -> None:
    server.fixture()
    ts = server.admin()
    problems = []
    for file, name, kind, guid in FIXTURE:
        text = ts.metadata_tml_export_string(guid, formattype="YAML")
        try:
            parsed = loads_yaml_tml(text, kind, f"{file} exported as YAML")
        except CheckFailed as err:
            if YAML_11_KEYS not in str(err):
                raise
            problems.append(str(err))
            continue
        expect_equal((parsed.name, parsed.guid), (name, guid), f"{file} exported as YAML: name and GUID")
    expect(not problems, "\n".join(problems))


@check
def demo_tml_parses(server: Server) -> None:
    demo = os.environ.get("COMPAT_DEMO_DIR")
    expect(demo, "COMPAT_DEMO_DIR is not set: compat/run generates the demo's TML (serve --demo) "
                 "when a tml.demo check is selected; see its output for why it could not")
    files = sorted(Path(demo).glob("*.tml"))
    expect(files, f"no TML in {demo}")
    kinds: dict[str, int] = {}
    guids = set()
    problems = []
    for path in files:
        kind = path.name[:-len(".tml")].rpartition(".")[2]
        kinds[kind] = kinds.get(kind, 0) + 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls = determine_tml_type(path=path)
        text = path.read_text(encoding="utf-8")
        guids.add(yaml.safe_load(text).get("guid"))
        try:
            parsed = loads_yaml_tml(text, kind, f"demo {path.name}")
        except CheckFailed as err:
            if YAML_11_KEYS not in str(err):
                raise
            problems.append(str(err))
            continue
        expect(isinstance(parsed, cls), f"demo {path.name}: {type(parsed).__name__}, not {cls.__name__}")
        expect(parsed.name and path.name.startswith(parsed.name), f"demo {path.name}: name {parsed.name!r}")
        expect(parsed.guid and UUID_RE.match(parsed.guid), f"demo {path.name}: GUID {parsed.guid!r}")
    expect_equal(len(guids), len(files), "every demo document has its own GUID")
    for kind in ["connection", "table", "worksheet", "answer", "liveboard"]:
        expect(kinds.get(kind), f"the demo has a {kind}: {kinds}")
    expect(not problems, "\n".join(problems))
