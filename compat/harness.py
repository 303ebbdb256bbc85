"""The compatibility suite's harness: the registry of checks, the server under test, and the
few helpers the checks share.

A check is a function of one argument, the `Server`, registered with `@check` in a module of
`compat/cases/`. Its area is the module's name (`users`, `groups`, ...), so `suite.py -k users`
runs one area. A check fails by raising: `CheckFailed` from the `expect*` helpers, or any
exception a client raises (an `HTTPError` from the PyPI client is a failure like any other).

Checks share one server, so each one creates the principals it needs under names of its
own (`server.unique("name")`) and never deletes what it did not create.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import requests
from thoughtspot_rest_api_v1 import TSRestApiV1

API = "/callosum/v1/tspublic/v1"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Raw requests made by the suite itself never wait forever (the PyPI client sets no timeout;
# compat/run bounds the whole suite instead).
TIMEOUT = 60


# ---- the registry ---------------------------------------------------------------------------


@dataclass
class Check:
    area: str
    name: str
    func: Callable[["Server"], None]
    # (reason, match) for a check that fails because of a known server bug; see
    # `expected_failure`.
    xfail: Optional[tuple[str, str]] = None

    @property
    def id(self) -> str:
        return f"{self.area}.{self.name}"


CHECKS: list[Check] = []


def check(func: Callable[["Server"], None]) -> Callable[["Server"], None]:
    """Registers `func` as a check; its area is the last part of its module's name."""
    area = func.__module__.rsplit(".", 1)[-1]
    CHECKS.append(Check(area=area, name=func.__name__, func=func, xfail=getattr(func, "xfail", None)))
    return func


def expected_failure(reason: str, match: str):
    """Marks a check (put it under `@check`) that fails because of a known, reported server
    bug. The run counts it as an expected failure only while its failure message contains
    `match`; any other failure is a failure, and a pass is one too (the bug is fixed: remove
    the mark)."""
    def mark(func):
        func.xfail = (reason, match)
        return func
    return mark


# ---- assertions -----------------------------------------------------------------------------


class CheckFailed(AssertionError):
    """A check's expectation did not hold."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_equal(actual: object, expected: object, what: str) -> None:
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def expect_status(response: requests.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise CheckFailed(
            f"{what}: expected HTTP {status}, got {response.status_code} "
            f"{response.request.method} {response.url}\n  body: {response.text[:500]}"
        )


def expect_http_error(call: Callable[[], object], status: int, what: str) -> requests.Response:
    """Runs a PyPI-client call that must fail with `status` (the client raises HTTPError
    from `raise_for_status`); returns the failed response."""
    try:
        call()
    except requests.exceptions.HTTPError as err:
        response = err.response
        expect(response is not None, f"{what}: HTTPError without a response")
        expect_status(response, status, what)
        return response
    raise CheckFailed(f"{what}: expected HTTP {status}, but the call succeeded")


def expect_error_body(response: requests.Response, status: int, code: int, what: str) -> list[str]:
    """Asserts a v1 error response (API-DECISIONS "Errors"): the status, a JSON body with
    `code`, `incident_id_guid` (the `x-callosum-incident-id` header), `trace_id_guid`, and
    `debug`, a string holding a JSON list of messages. Returns the messages."""
    expect_status(response, status, what)
    expect(
        response.headers.get("content-type", "").startswith("application/json"),
        f"{what}: error content-type is {response.headers.get('content-type')!r}",
    )
    try:
        body = response.json()
    except ValueError as err:
        raise CheckFailed(f"{what}: error body is not JSON ({err}): {response.text[:300]!r}")
    expect(isinstance(body, dict), f"{what}: error body is not an object: {body!r}")
    expect_equal(body.get("code"), code, f"{what}: error code")
    incident = body.get("incident_id_guid")
    expect(isinstance(incident, str) and UUID_RE.match(incident), f"{what}: incident_id_guid {incident!r}")
    expect_equal(incident, response.headers.get("x-callosum-incident-id"), f"{what}: incident id vs header")
    trace = body.get("trace_id_guid")
    expect(isinstance(trace, str) and UUID_RE.match(trace), f"{what}: trace_id_guid {trace!r}")
    debug = body.get("debug")
    expect(isinstance(debug, str), f"{what}: debug must be a string holding JSON, got {debug!r}")
    try:
        messages = json.loads(debug)
    except ValueError as err:
        raise CheckFailed(f"{what}: debug is not JSON ({err}): {debug!r}")
    expect(
        isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages),
        f"{what}: debug must decode to a non-empty list of messages, got {messages!r}",
    )
    return messages


# ---- watching what the PyPI client receives --------------------------------------------------


class Recorder:
    """Remembers every response a `requests.Session` receives, through the session's public
    `hooks`. The PyPI client returns `True`/`None` for most calls, so this is how a check sees
    the status the server really answered; the client itself is not changed."""

    def __init__(self, session: requests.Session):
        self.responses: list[requests.Response] = []
        session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args, **kwargs) -> None:
        self.responses.append(response)

    @property
    def last(self) -> requests.Response:
        expect(self.responses, "no response was received")
        return self.responses[-1]


def recorded(ts: TSRestApiV1) -> Recorder:
    return Recorder(ts.requests_session)


# ---- the server under test --------------------------------------------------------------------


@dataclass
class Store:
    """Where the server keeps its metadata, for fixtures no endpoint can create yet."""

    kind: str  # "sqlite" or "postgres"
    sqlite_path: Optional[str] = None
    pg_url: Optional[str] = None
    pg_schema: Optional[str] = None


@dataclass
class Server:
    base_url: str
    admin_user: str
    admin_password: str
    store: Store
    # The server's --data-dir: a TML connection's relative `path` resolves against it, and
    # data files must lie under it.
    data_dir: Optional[str] = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    _fixture: Optional[dict] = None

    def url(self, endpoint: str) -> str:
        """The URL of a v1 endpoint (`"user/list"`)."""
        return f"{self.base_url}{API}/{endpoint}"

    def unique(self, stem: str) -> str:
        """A principal name no other check uses."""
        return f"{stem}-{self.run_id}-{next(self._counter)}"

    def client(self) -> TSRestApiV1:
        """A fresh PyPI client (not logged in), built exactly as its README shows."""
        return TSRestApiV1(server_url=self.base_url)

    def login(self, username: str, password: str) -> TSRestApiV1:
        ts = self.client()
        ts.session_login(username=username, password=password)
        return ts

    def admin(self) -> TSRestApiV1:
        return self.login(self.admin_user, self.admin_password)

    def fixture(self) -> dict:
        """Makes sure the retail fixture model is in the server (see `import_fixture`), once
        per suite run; returns the import's answer. Checks that need the model call this
        first, so each can run alone (`-k`)."""
        if self._fixture is None:
            self._fixture = import_fixture(self)
        return self._fixture

    def principals(self) -> dict[tuple[str, str], dict]:
        """user/list as the admin, keyed by (kind, name) with kind "user" or "group"."""
        listed = self.admin().user_list()
        return {(kind_of(p), p["name"]): p for p in listed}

    # -- fixtures written straight into the store ---------------------------------------------
    #
    # Ownership transfer needs objects owned by a user, and no endpoint creates objects yet
    # (metadata/tml/import comes with the catalog). Until it does, these helpers write and read
    # the `metadata_objects` rows directly, through the same database the server uses.
    # Replace them with TML imports and metadata/listobjectheaders once those exist.

    def seed_object(self, owner: str, name: str) -> str:
        """Creates a metadata object (an answer) owned by the user `owner`; returns its GUID.
        Fills every column the table has that it knows, so it follows the schema as it grows;
        a new required column it does not know fails with a message saying so."""
        guid = str(uuid.uuid4())
        known = {
            "id": quote(guid),
            "object_type": "'QUESTION_ANSWER_BOOK'",
            "name": quote(name),
            "name_key": quote(name.lower()),
            "owner_id": "p.id",
            "created": "1600000000000",
            "modified": "1600000000000",
            "modified_by": "p.id",
            "is_auto_created": "0",
            "position": "0",
        }
        columns = self._metadata_object_columns()
        unknown = [c for c, required in columns if required and c not in known]
        expect(not unknown, f"seed_object does not know the required metadata_objects columns {unknown}: "
                            "teach it them (or create objects with metadata/tml/import)")
        names = [c for c, _ in columns if c in known]
        self._sql(
            f"INSERT INTO metadata_objects ({', '.join(names)}) "
            f"SELECT {', '.join(known[c] for c in names)} FROM principals p "
            "WHERE p.kind = 'USER' AND p.name = {owner}",
            owner=owner,
        )
        expect(self.object_owner(guid) == owner, f"seeding object {name} for {owner} failed")
        return guid

    def _metadata_object_columns(self) -> list[tuple[str, bool]]:
        """(name, required) of each column of metadata_objects; required = NOT NULL without a
        default."""
        if self.store.kind == "sqlite":
            rows = self._sql("SELECT name, \"notnull\", dflt_value FROM pragma_table_info('metadata_objects')")
        else:
            rows = self._sql(
                "SELECT column_name, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END, column_default "
                "FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'metadata_objects'")
        expect(rows, "the store has no metadata_objects table")
        return [(str(n), str(notnull) == "1" and default in (None, "")) for n, notnull, default in rows]

    def object_owner(self, guid: str) -> Optional[str]:
        """The name of the user owning a metadata object."""
        rows = self._sql(
            "SELECT p.name FROM metadata_objects o JOIN principals p ON p.id = o.owner_id "
            "WHERE o.id = {guid}",
            guid=guid,
        )
        return rows[0][0] if rows else None

    def _sql(self, template: str, **values: str) -> list[tuple]:
        sql = template.format(**{k: quote(v) for k, v in values.items()}) if values else template
        if self.store.kind == "sqlite":
            with sqlite3.connect(self.store.sqlite_path, timeout=30) as db:
                return db.execute(sql).fetchall()
        if self.store.kind == "postgres":
            out = subprocess.run(
                ["psql", self.store.pg_url, "-v", "ON_ERROR_STOP=1", "-qAtX", "-F", "\t",
                 "-c", f"SET search_path TO {self.store.pg_schema}", "-c", sql],
                check=True, capture_output=True, text=True, timeout=TIMEOUT,
            ).stdout
            return [tuple(line.split("\t")) for line in out.splitlines() if line]
        raise CheckFailed(f"unknown store kind {self.store.kind!r}")


def quote(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def kind_of(principal: dict) -> str:
    """"user" or "group", from `principalTypeEnum` (as user_tools tells them apart)."""
    return "user" if principal["principalTypeEnum"].endswith("_USER") else "group"


def server_from_env() -> Server:
    """The server described by the environment compat/run sets."""
    store = Store(
        kind=os.environ.get("COMPAT_STORE", "sqlite"),
        sqlite_path=os.environ.get("COMPAT_SQLITE_PATH"),
        pg_url=os.environ.get("COMPAT_PG_URL"),
        pg_schema=os.environ.get("COMPAT_PG_SCHEMA"),
    )
    return Server(
        base_url=os.environ["COMPAT_BASE_URL"].rstrip("/"),
        admin_user=os.environ.get("COMPAT_ADMIN_USER", "tsadmin"),
        admin_password=os.environ["COMPAT_ADMIN_PASSWORD"],
        store=store,
        data_dir=os.environ.get("COMPAT_DATA_DIR"),
    )


# ---- identity fixtures (through the API) ----------------------------------------------------

SYNC_KEYS = ["usersAdded", "usersDeleted", "usersUpdated", "groupsAdded", "groupsDeleted", "groupsUpdated"]
NEW_USER_PASSWORD = "welcome to searchlight+&1"


def report(**lists):
    """A user/sync response with the given lists, every other list empty."""
    return {key: sorted(lists.get(key, [])) for key in SYNC_KEYS}


def sync(ts, principals, apply, password=NEW_USER_PASSWORD, remove_deleted=False):
    """user_sync as the library's users call it: the principals as a JSON string."""
    return ts.user_sync(principals_file=json.dumps(principals), password=password,
                        apply_changes=apply, remove_deleted=remove_deleted)


def create_users(server: "Server", *names, password=NEW_USER_PASSWORD, groups=()):
    """Syncs plain users (and their groups) into existing; nothing else changes."""
    principals = [{"name": g, "displayName": g, "principalTypeEnum": "LOCAL_GROUP", "groupNames": []}
                  for g in groups]
    principals += [{"name": n, "displayName": n.title(), "principalTypeEnum": "LOCAL_USER",
                    "groupNames": list(groups), "password": password} for n in names]
    result = sync(server.admin(), principals, apply=True)
    expect_equal(result["usersAdded"], sorted(names), "users created for the check")


# ---- the catalog fixture: the retail model (through the API) ----------------------------------
#
# crates/server/tests/fixtures/retail: real TML (a LOCAL_FILES connection with `path: data`,
# three tables, a worksheet, a model, two answers, a liveboard and a legacy pinboard) over
# small Parquet and CSV files. Its documents fix their GUIDs, so importing it again updates the
# same objects: every check that needs the model calls `server.fixture()`, and checks that
# change the catalog do so only on objects of their own (`server.unique` names, no GUID).

REPO = Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO / "crates" / "server" / "tests" / "fixtures" / "retail"

CONNECTION = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0001"
SALES = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0010"
STORES = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0011"
PRODUCTS = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0012"
WORKSHEET = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0020"
MODEL = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0021"
REVENUE_BY_REGION = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0030"
MONTHLY_REVENUE = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0031"
SALES_OVERVIEW = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0040"
SALES_OVERVIEW_VIZ_1 = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0041"  # the one viz_guid the TML fixes
STORE_PERFORMANCE = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0050"

# (file, name, TML kind, GUID), in file-name order (the order `fixture_documents` gives).
FIXTURE = [
    ("Monthly Revenue.answer.tml", "Monthly Revenue", "answer", MONTHLY_REVENUE),
    ("Retail Files.connection.tml", "Retail Files", "connection", CONNECTION),
    ("Retail Model.model.tml", "Retail Model", "model", MODEL),
    ("Retail Sales.worksheet.tml", "Retail Sales", "worksheet", WORKSHEET),
    ("Revenue by Region.answer.tml", "Revenue by Region", "answer", REVENUE_BY_REGION),
    ("Sales Overview.liveboard.tml", "Sales Overview", "liveboard", SALES_OVERVIEW),
    ("Store Performance.pinboard.tml", "Store Performance", "pinboard", STORE_PERFORMANCE),
    ("products.table.tml", "products", "table", PRODUCTS),
    ("sales.table.tml", "sales", "table", SALES),
    ("stores.table.tml", "stores", "table", STORES),
]


def fixture_documents() -> list[tuple[str, str]]:
    """The fixture's TML files as (file name, text), by file name."""
    docs = sorted((p.name, p.read_text(encoding="utf-8")) for p in FIXTURE_DIR.glob("*.tml"))
    expect_equal([name for name, _ in docs], [f for f, *_ in FIXTURE], "the fixture's TML files")
    return docs


def install_fixture_data(server: Server) -> Path:
    """Copies the fixture's data/ into the server's data dir (where the connection's relative
    `path: data` points over the API); returns the copy."""
    expect(server.data_dir, "COMPAT_DATA_DIR is not set: compat/run exports the server's --data-dir "
                            "so the fixture's data files can be put under it")
    target = Path(server.data_dir) / "data"
    shutil.copytree(FIXTURE_DIR / "data", target, dirs_exist_ok=True)
    return target


def import_entries(answer: dict, count: int, what: str) -> list[dict]:
    """The `object` entries of a metadata/tml/import answer, one per document."""
    expect(isinstance(answer, dict) and isinstance(answer.get("object"), list),
           f"{what}: the answer has no `object` list: {answer!r}")
    expect_equal(len(answer["object"]), count, f"{what}: entries (one per document)")
    return [entry["response"] for entry in answer["object"]]


def import_fixture(server: Server) -> dict:
    """Installs the fixture's data and imports all its documents as tsadmin through the PyPI
    client (YAML); asserts each answers OK with the document's GUID."""
    install_fixture_data(server)
    docs = [text for _, text in fixture_documents()]
    answer = server.admin().metadata_tml_import(docs, formattype="YAML")
    for entry, (file, name, kind, guid) in zip(import_entries(answer, len(docs), "fixture import"), FIXTURE):
        expect_equal(entry["status"]["status_code"], "OK", f"fixture import of {file}")
        expect_equal(entry["header"]["id_guid"], guid, f"fixture import of {file}: GUID")
    return answer
