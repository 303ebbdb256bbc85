"""Login throttling (README "Security"): past its free failures an account is locked for a
while, and clients see the lock as an HTTP error like a wrong password, with `Retry-After`
and the v1 error body."""

import requests

from harness import TIMEOUT, Server, check, expect, expect_error_body, expect_http_error

HEADERS = {"X-Requested-By": "ThoughtSpot"}


@check
def wrong_logins_lock_the_account(server: Server) -> None:
    # A name no other check uses (and no user has), so that nothing else is locked.
    name = server.unique("throttled")
    data = {"username": name, "password": "not the password"}
    # The default allows 5 failures; each further one locks the account (1 s, then 2, 4, ...),
    # so a few more attempts are certain to meet a lock.
    locked = None
    for attempt in range(12):
        response = requests.post(server.url("session/login"), headers=HEADERS, data=data,
                                 timeout=TIMEOUT)
        if response.status_code == 429:
            locked = response
            break
        expect_error_body(response, 401, 10003, f"wrong login #{attempt + 1}")
    expect(locked is not None, "12 wrong logins for one account were never refused with 429")
    retry = locked.headers.get("Retry-After", "")
    expect(retry.isdigit() and int(retry) >= 1, f"429 without a Retry-After in seconds: {retry!r}")
    messages = expect_error_body(locked, 429, 10003, "a login while the account is locked")
    expect(any(name in m for m in messages), f"the message names the account: {messages}")
    # The PyPI client surfaces the lock as an HTTP error, as it does a wrong password.
    ts = server.client()
    expect_http_error(lambda: ts.session_login(username=name, password="x"), 429,
                      "session_login while the account is locked")
