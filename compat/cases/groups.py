"""group/addprivilege and group/removeprivilege through the PyPI client (clients.md §1.2,
§1.3 items 4 and 5)."""

import requests

from harness import (
    NEW_USER_PASSWORD,
    UUID_RE,
    Server,
    check,
    create_users,
    expect,
    expect_equal,
    expect_error_body,
    expect_http_error,
    recorded,
    sync,
)


def create_groups(server: Server, *names) -> None:
    principals = [{"name": n, "displayName": f"{n} (display)", "principalTypeEnum": "LOCAL_GROUP",
                   "groupNames": []} for n in names]
    result = sync(server.admin(), principals, apply=True)
    expect_equal(result["groupsAdded"], sorted(names), "groups created for the check")


def privileges_of(groups: list, name: str) -> list:
    for g in groups:
        if g["name"] == name:
            return g["privileges"]
    raise AssertionError(f"group {name} not in the response {groups!r}")


@check
def group_addprivilege(server: Server) -> None:
    one, two = server.unique("Analysts"), server.unique("Finance")
    create_groups(server, one, two)
    ts = server.admin()
    watch = recorded(ts)

    groups = ts.group_addprivilege(privilege="DATADOWNLOADING", group_names=[one])
    expect_equal(watch.last.status_code, 200, "addprivilege status")
    body = watch.last.request.body
    expect(b'name="privilege"; filename="privilege"' in body,
           "the library sends each parameter as a file part named after itself")
    expect(isinstance(groups, list) and len(groups) == 1, f"one group in the answer: {groups!r}")
    group = groups[0]
    expect_equal(group["name"], one, "group name")
    expect_equal(group["displayName"], f"{one} (display)", "group display name")
    expect(UUID_RE.match(group["id"]), f"group id {group['id']!r}")
    expect_equal(group["privileges"], ["DATADOWNLOADING"], "privileges after adding")

    # Again (idempotent), and several groups at once.
    groups = ts.group_addprivilege(privilege="DATADOWNLOADING", group_names=[one, two])
    expect_equal(sorted(g["name"] for g in groups), sorted([one, two]), "both groups answered")
    expect_equal(privileges_of(groups, one), ["DATADOWNLOADING"], "adding twice keeps one grant")
    groups = ts.group_addprivilege(privilege="USERDATAUPLOADING", group_names=[one])
    expect_equal(privileges_of(groups, one), ["DATADOWNLOADING", "USERDATAUPLOADING"],
                 "privileges accumulate (sorted)")

    # One group name as a plain string, as ts_rest_api_and_tml_tools passes it (the library
    # then sends a JSON string, `"name"`).
    groups = ts.group_addprivilege(privilege="JOBSCHEDULING", group_names=two)
    expect_equal([g["name"] for g in groups], [two], "a JSON-string groupNames")
    expect_equal(privileges_of(groups, two), ["DATADOWNLOADING", "JOBSCHEDULING"], "privileges of the second group")

    # The all-users group under its 6.x name.
    groups = ts.group_addprivilege(privilege="DATADOWNLOADING", group_names=["ALL_GROUP"])
    expect_equal([g["name"] for g in groups], ["All"], "ALL_GROUP is the All group")
    ts.requests_session.post(server.url("group/removeprivilege"),
                             files={"privilege": "DATADOWNLOADING", "groupNames": '["All"]'})


@check
def group_removeprivilege(server: Server) -> None:
    group = server.unique("Auditors")
    create_groups(server, group)
    ts = server.admin()
    ts.group_addprivilege(privilege="DATADOWNLOADING", group_names=[group])
    ts.group_addprivilege(privilege="JOBSCHEDULING", group_names=[group])
    watch = recorded(ts)

    # The server answers 204 with no body, as documented; the library then calls .json() on
    # the empty body and raises, after the change was made (clients.md §1.3 item 4).
    try:
        ts.group_removeprivilege(privilege="DATADOWNLOADING", group_names=[group])
    except requests.exceptions.JSONDecodeError:
        pass
    else:
        raise AssertionError("group_removeprivilege returned although the answer has no body")
    expect_equal(watch.last.status_code, 204, "removeprivilege status")
    expect_equal(watch.last.content, b"", "removeprivilege body")

    # The privilege really is gone: a second addprivilege answers the group's privileges.
    groups = ts.group_addprivilege(privilege="SHAREWITHALL", group_names=[group])
    expect_equal(privileges_of(groups, group), ["JOBSCHEDULING", "SHAREWITHALL"],
                 "privileges after removing DATADOWNLOADING")


@check
def privileges_take_effect(server: Server) -> None:
    group, user = server.unique("Admins"), server.unique("frank")
    create_users(server, user, groups=[group])
    as_user = server.login(user, NEW_USER_PASSWORD)
    expect_http_error(as_user.user_list, 403, "user/list before ADMINISTRATION")

    admin = server.admin()
    admin.group_addprivilege(privilege="ADMINISTRATION", group_names=[group])
    # The same session gains the privilege at once.
    expect(isinstance(as_user.user_list(), list), "user/list once the user's group is an admin group")
    try:
        admin.group_removeprivilege(privilege="ADMINISTRATION", group_names=[group])
    except requests.exceptions.JSONDecodeError:
        pass
    expect_http_error(as_user.user_list, 403, "user/list after ADMINISTRATION was removed")


@check
def privilege_errors(server: Server) -> None:
    group = server.unique("Editors")
    create_groups(server, group)
    ts = server.admin()
    response = expect_http_error(
        lambda: ts.group_addprivilege(privilege="TIMETRAVEL", group_names=[group]), 400,
        "addprivilege with an unknown privilege")
    messages = expect_error_body(response, 400, 10002, "addprivilege with an unknown privilege")
    expect(any("TIMETRAVEL" in m for m in messages), f"the message names the value: {messages}")

    missing = server.unique("NoSuchGroup")
    response = expect_http_error(
        lambda: ts.group_addprivilege(privilege="DATADOWNLOADING", group_names=[group, missing]), 400,
        "addprivilege with an unknown group")
    messages = expect_error_body(response, 400, 10002, "addprivilege with an unknown group")
    expect(any(missing in m for m in messages), f"the message names the group: {messages}")
    # All or nothing: the known group did not get the privilege.
    groups = ts.group_addprivilege(privilege="SHAREWITHALL", group_names=[group])
    expect_equal(privileges_of(groups, group), ["SHAREWITHALL"], "a rejected call granted nothing")
