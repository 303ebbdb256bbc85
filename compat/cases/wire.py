"""Wire conventions every client relies on (API-DECISIONS "Every request" and "Errors"),
checked with plain requests."""

import requests

from harness import (
    API,
    TIMEOUT,
    UUID_RE,
    Server,
    check,
    create_users,
    expect,
    expect_equal,
    expect_error_body,
    expect_status,
)

HEADERS = {"X-Requested-By": "ThoughtSpot"}


def login(server: Server, session: requests.Session) -> requests.Response:
    return session.post(server.url("session/login"), headers=HEADERS, timeout=TIMEOUT,
                        data={"username": server.admin_user, "password": server.admin_password})


def expect_callosum_headers(response: requests.Response, what: str) -> None:
    for name in ["x-callosum-incident-id", "x-callosum-trace-id"]:
        value = response.headers.get(name)
        expect(value is not None and UUID_RE.match(value), f"{what}: {name} is {value!r}")
    elapsed = response.headers.get("x-callosum-request-time-us")
    expect(elapsed is not None and elapsed.isdigit(), f"{what}: x-callosum-request-time-us is {elapsed!r}")


@check
def callosum_headers(server: Server) -> None:
    session = requests.Session()
    response = login(server, session)
    expect_status(response, 204, "login")
    expect_callosum_headers(response, "login (204)")
    response = session.get(server.url("user/list"), timeout=TIMEOUT)
    expect_status(response, 200, "user/list")
    expect_callosum_headers(response, "user/list (200)")
    response = requests.get(server.url("user/list"), timeout=TIMEOUT)
    expect_callosum_headers(response, "user/list without a session (401)")
    first = requests.get(server.url("user/list"), timeout=TIMEOUT).headers["x-callosum-incident-id"]
    expect(first != response.headers["x-callosum-incident-id"], "every request gets its own incident id")


@check
def error_body_shape(server: Server) -> None:
    # 401: no session.
    expect_error_body(requests.get(server.url("user/list"), timeout=TIMEOUT), 401, 10003, "no session")
    # 401: wrong credentials.
    response = requests.post(server.url("session/login"), headers=HEADERS, timeout=TIMEOUT,
                             data={"username": server.admin_user, "password": "wrong"})
    expect_error_body(response, 401, 10003, "wrong credentials")
    # 400: a missing parameter, named in the message.
    session = requests.Session()
    login(server, session)
    response = session.post(server.url("user/transfer/ownership"), headers=HEADERS, timeout=TIMEOUT,
                            params={"toUserName": "x"})
    messages = expect_error_body(response, 400, 10002, "missing fromUserName")
    expect(any("fromUserName" in m for m in messages), f"the message names the parameter: {messages}")
    # 400: a bad boolean.
    response = session.post(server.url("user/sync"), headers=HEADERS, timeout=TIMEOUT,
                            files={"principals": "[]", "applyChanges": "maybe"})
    messages = expect_error_body(response, 400, 10002, "applyChanges=maybe")
    expect(any("applyChanges" in m for m in messages), f"the message names the parameter: {messages}")
    # An unknown endpoint answers JSON too, never an HTML page.
    response = session.get(server.url("no/such/endpoint"), timeout=TIMEOUT, allow_redirects=False)
    expect(400 <= response.status_code < 500, f"unknown endpoint: {response.status_code}")
    expect(response.headers.get("content-type", "").startswith("application/json"),
           f"unknown endpoint answers JSON: {response.headers.get('content-type')}")


@check
def requested_by_required(server: Server) -> None:
    session = requests.Session()
    response = session.post(server.url("session/login"), timeout=TIMEOUT,
                            data={"username": server.admin_user, "password": server.admin_password})
    messages = expect_error_body(response, 400, 10002, "login without X-Requested-By")
    expect(any("X-Requested-By" in m for m in messages), f"the message names the header: {messages}")
    expect("JSESSIONID" not in response.cookies, "a refused login opens no session")
    # Any value and any header-name case will do.
    for name, value in [("x-requested-by", "CS Tools"), ("X-REQUESTED-BY", "anything")]:
        response = requests.post(server.url("session/login"), headers={name: value}, timeout=TIMEOUT,
                                 data={"username": server.admin_user, "password": server.admin_password})
        expect_status(response, 204, f"login with {name}: {value}")
    # A state-changing call without it changes nothing.
    login(server, session)
    response = session.post(server.url("group/addprivilege"), timeout=TIMEOUT,
                            files={"privilege": "DATADOWNLOADING", "groupNames": '["All"]'})
    expect_error_body(response, 400, 10002, "addprivilege without X-Requested-By")
    response = session.post(server.url("group/addprivilege"), headers=HEADERS, timeout=TIMEOUT,
                            files={"privilege": "SHAREWITHALL", "groupNames": '["All"]'})
    expect_status(response, 200, "addprivilege with X-Requested-By")
    expect("DATADOWNLOADING" not in response.json()[0]["privileges"], "the refused call changed nothing")
    session.post(server.url("group/removeprivilege"), headers=HEADERS, timeout=TIMEOUT,
                 files={"privilege": "SHAREWITHALL", "groupNames": '["All"]'})
    # GET needs no X-Requested-By, and no Accept header is required anywhere.
    response = session.get(server.url("user/list"), headers={"Accept": None}, timeout=TIMEOUT)
    expect_status(response, 200, "user/list without X-Requested-By or Accept")


@check
def doubled_slash_and_form_semantics(server: Server) -> None:
    # A client configured with a trailing slash sends //callosum/... (user_tools does).
    session = requests.Session()
    response = session.post(f"{server.base_url}/{API}/session/login", headers=HEADERS, timeout=TIMEOUT,
                            data={"username": server.admin_user, "password": server.admin_password})
    expect_status(response, 204, "login at //callosum")
    response = session.get(f"{server.base_url}/{API}/user/list", timeout=TIMEOUT)
    expect_status(response, 200, "user/list at //callosum")
    # `+` in a query string is a space (form semantics), as requests encodes spaces.
    response = session.post(server.url("user/transfer/ownership") + "?fromUserName=no+such+user&toUserName=x",
                            headers=HEADERS, timeout=TIMEOUT)
    messages = expect_error_body(response, 400, 10002, "transfer from an unknown user")
    expect(any("no such user" in m for m in messages), f"+ decodes to a space: {messages}")


@check
def content_types(server: Server) -> None:
    one, two = server.unique("ct.one"), server.unique("ct.two")
    create_users(server, one, two)
    session = requests.Session()
    login(server, session)
    # The docs' examples: parameters in the query string, `Content-Type: application/json`
    # and an empty body.
    response = session.post(server.url("user/transfer/ownership"), params={"fromUserName": one, "toUserName": two},
                            headers={**HEADERS, "Content-Type": "application/json"}, data=b"", timeout=TIMEOUT)
    expect_status(response, 204, "transfer with an empty application/json body")
    # A body no parameters can be read from.
    response = session.post(server.url("user/sync"), headers={**HEADERS, "Content-Type": "text/plain"},
                            data=b"principals=[]", timeout=TIMEOUT)
    expect_error_body(response, 415, 10002, "user/sync with a text/plain body")


@check
def healthz(server: Server) -> None:
    response = requests.get(f"{server.base_url}/healthz", timeout=TIMEOUT)
    expect_status(response, 200, "/healthz")
    expect_equal(response.text.strip(), "ok", "/healthz body")
