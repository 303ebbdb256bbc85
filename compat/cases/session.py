"""session/login and session/logout through the PyPI client (clients.md §1.2)."""

from harness import Server, check, expect, expect_equal, expect_http_error, recorded, UUID_RE


def session_cookie(ts):
    """The JSESSIONID cookie in a PyPI client's jar, or None."""
    for cookie in ts.requests_session.cookies:
        if cookie.name == "JSESSIONID":
            return cookie
    return None


@check
def login(server: Server) -> None:
    ts = server.client()
    watch = recorded(ts)
    expect_equal(ts.session_login(username=server.admin_user, password=server.admin_password),
                 True, "session_login's return value")
    expect_equal(watch.last.status_code, 204, "login status")
    expect_equal(watch.last.content, b"", "login body")
    cookie = session_cookie(ts)
    expect(cookie is not None, f"no JSESSIONID in the client's jar: {list(ts.requests_session.cookies)}")
    expect(UUID_RE.match(cookie.value), f"JSESSIONID {cookie.value!r} is not a GUID")
    expect_equal(cookie.path, "/", "cookie path")
    expect(not cookie.secure, "the cookie must not be Secure over plain http (the jar would drop it)")
    # The library logs in with rememberme=true: a persistent cookie.
    expect(cookie.expires is not None, "a remember-me login gives a persistent cookie")
    # The jar replays the cookie: an admin call works.
    expect(isinstance(ts.user_list(), list), "user_list after login")


@check
def login_without_remember_me(server: Server) -> None:
    ts = server.client()
    ts.session_login(username=server.admin_user, password=server.admin_password, remember_me=False)
    cookie = session_cookie(ts)
    expect(cookie is not None, "no JSESSIONID")
    expect(cookie.expires is None, f"without rememberme the cookie lasts for the browser session, "
                                   f"but it expires at {cookie.expires}")
    expect(isinstance(ts.user_list(), list), "user_list after login")


@check
def login_wrong_password(server: Server) -> None:
    ts = server.client()
    expect_http_error(lambda: ts.session_login(username=server.admin_user, password="not the password"),
                      401, "login with a wrong password")
    expect(session_cookie(ts) is None, "a failed login must not set a session cookie")
    expect_http_error(lambda: ts.session_login(username="no-such-user", password="x"),
                      401, "login as an unknown user")


@check
def logout(server: Server) -> None:
    ts = server.admin()
    watch = recorded(ts)
    ts.user_list()
    expect_equal(ts.session_logout(), True, "session_logout's return value")
    expect_equal(watch.last.status_code, 204, "logout status")
    expect_http_error(ts.user_list, 401, "user_list after logout")
    # Another session of the same user is not affected.
    other = server.admin()
    expect(isinstance(other.user_list(), list), "another session still works")


@check
def logout_without_session(server: Server) -> None:
    ts = server.client()
    expect_http_error(ts.session_logout, 401, "logout without a session")


@check
def sessions_are_independent(server: Server) -> None:
    first, second = server.admin(), server.admin()
    expect(session_cookie(first).value != session_cookie(second).value, "two logins, one session id")
    first.session_logout()
    expect(isinstance(second.user_list(), list), "the second session outlives the first's logout")
