"""user/list, user/sync, user/updatepassword and user/transfer/ownership through the PyPI
client, exactly as its users call it (clients.md §1.2)."""

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
    kind_of,
    recorded,
    report,
    sync,
)


@check
def user_list(server: Server) -> None:
    ts = server.admin()
    watch = recorded(ts)
    listed = ts.user_list()
    expect_equal(watch.last.status_code, 200, "user/list status")
    expect(isinstance(listed, list) and listed, f"user/list must be a non-empty array, got {listed!r}")
    for p in listed:
        for key in ["id", "name", "displayName", "created", "modified", "principalTypeEnum",
                    "groupNames", "visibility"]:
            expect(key in p, f"user/list element {p.get('name')!r} lacks {key!r}: {p}")
        expect(UUID_RE.match(p["id"]), f"id {p['id']!r} is not a GUID")
        expect(isinstance(p["created"], int) and isinstance(p["modified"], int),
               f"created/modified are epoch ms integers: {p}")
        expect(isinstance(p["groupNames"], list), f"groupNames is a list: {p}")
        expect(p["visibility"] in ("DEFAULT", "NON_SHARABLE"), f"visibility of {p['name']}")
        expect(not any("password" in key.lower() for key in p), f"a password leaks in {p}")
        if kind_of(p) == "user":
            expect(isinstance(p.get("mail"), str), f"users always carry mail (cs_tools reads it): {p}")
        else:
            expect("mail" not in p, f"groups carry no mail: {p}")
    by_key = {(kind_of(p), p["name"]): p for p in listed}
    for group in ["Administrator", "All", "System"]:
        expect(("group", group) in by_key, f"built-in group {group} missing")
    admin = by_key.get(("user", server.admin_user))
    expect(admin is not None, f"{server.admin_user} missing from user/list")
    expect_equal(admin["principalTypeEnum"], "LOCAL_USER", "tsadmin's type")
    expect("Administrator" in admin["groupNames"], f"tsadmin's groups: {admin['groupNames']}")
    expect("All" in admin["groupNames"], f"users are in All: {admin['groupNames']}")
    # Groups first, then users (each by name), as the server documents.
    kinds = [kind_of(p) for p in listed]
    expect_equal(kinds, sorted(kinds, key=lambda k: k == "user"), "groups before users")


@check
def user_list_needs_admin(server: Server) -> None:
    user = server.unique("plain")
    create_users(server, user)
    ts = server.login(user, NEW_USER_PASSWORD)
    response = expect_http_error(ts.user_list, 403, "user/list as a non-admin")
    expect_error_body(response, 403, 10003, "user/list as a non-admin")
    anonymous = server.client()
    response = expect_http_error(anonymous.user_list, 401, "user/list without a session")
    expect_error_body(response, 401, 10003, "user/list without a session")


@check
def user_sync_dry_run_then_apply(server: Server) -> None:
    ts = server.admin()
    watch = recorded(ts)
    group, parent = server.unique("Sales"), server.unique("Regions")
    ann, bob = server.unique("ann"), server.unique("bob")
    principals = [
        {"name": parent, "displayName": "All regions", "principalTypeEnum": "LOCAL_GROUP",
         "groupNames": [], "visibility": "DEFAULT"},
        {"name": group, "displayName": "Sales team", "description": "EMEA sales",
         "principalTypeEnum": "LOCAL_GROUP", "groupNames": [parent], "visibility": "DEFAULT"},
        {"name": ann, "displayName": "Ann Example", "mail": "ann@example.com", "principalTypeEnum": "LOCAL_USER",
         "groupNames": [group], "visibility": "DEFAULT", "password": "ann's own password"},
        {"name": bob, "displayName": "Bob Example", "principalTypeEnum": "LOCAL_USER",
         "groupNames": [group, "All"], "visibility": "NON_SHARABLE"},
    ]
    expected = report(usersAdded=[ann, bob], groupsAdded=[group, parent])

    dry = sync(ts, principals, apply=False)
    expect_equal(watch.last.status_code, 200, "dry-run status")
    expect_equal(dry, expected, "dry-run report")
    request = watch.last.request
    body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else str(request.body)
    expect('name="removeDelete"' in body, "the library sends its removeDelete spelling")
    expect_equal(request.headers.get("Content-Type", "").split(";")[0], "multipart/form-data",
                 "the library's sync content type")
    before = server.principals()
    for key in [("user", ann), ("user", bob), ("group", group), ("group", parent)]:
        expect(key not in before, f"a dry run created {key}")

    applied = sync(ts, principals, apply=True)
    expect_equal(applied, expected, "apply report (same as the dry run)")
    after = server.principals()
    for key in [("user", ann), ("user", bob), ("group", group), ("group", parent)]:
        expect(key in after, f"apply did not create {key}")
    # Principals of other checks are still there: removeDelete=false was honoured.
    expect(set(before) <= set(after), f"sync deleted {sorted(set(before) - set(after))}")
    a, b, g = after[("user", ann)], after[("user", bob)], after[("group", group)]
    expect_equal(a["displayName"], "Ann Example", "ann's display name")
    expect_equal(a["mail"], "ann@example.com", "ann's mail")
    expect_equal(sorted(a["groupNames"]), sorted([group, "All"]), "ann's groups")
    expect_equal(b["mail"], "", "a user without mail lists mail as empty")
    expect_equal(b["visibility"], "NON_SHARABLE", "bob's visibility")
    expect_equal(g["description"], "EMEA sales", "group description")
    expect_equal(g["groupNames"], [parent], "nested group's parent")

    # The new users log in, each with a client of its own: ann with her own password, bob
    # with the sync's password.
    server.login(ann, "ann's own password")
    server.login(bob, NEW_USER_PASSWORD)
    expect_http_error(lambda: server.login(ann, NEW_USER_PASSWORD), 401,
                      "a user's own password wins over the sync password")

    # The same list again changes nothing.
    expect_equal(sync(ts, principals, apply=True), report(), "repeated sync")

    # A changed user and a changed membership are updates; a dry run with remove_deleted
    # reports the principals it would delete (including those of other checks) and deletes
    # nothing.
    principals[3] = dict(principals[3], displayName="Robert Example", groupNames=[parent])
    expect_equal(sync(ts, principals, apply=True), report(usersUpdated=[bob]), "update report")
    after = server.principals()
    expect_equal(after[("user", bob)]["displayName"], "Robert Example", "bob's new display name")
    expect_equal(sorted(after[("user", bob)]["groupNames"]), sorted([parent, "All"]), "bob's new groups")
    would = sync(ts, principals, apply=False, remove_deleted=True)
    expect(server.admin_user not in would["usersDeleted"], "built-in users are never deleted")
    expect(not {"Administrator", "All", "System"} & set(would["groupsDeleted"]), "built-in groups stay")
    others = {name for (kind, name) in after if kind == "user" and name not in (ann, bob)}
    built_in = {server.admin_user, "system", "su"}
    expect((others - built_in) <= set(would["usersDeleted"]),
           f"removeDelete=true would delete every unlisted user: {would['usersDeleted']}")
    expect(set(server.principals()) == set(after), "a dry run with remove_deleted deleted something")


@check
def user_sync_rejects_bad_principal(server: Server) -> None:
    ts = server.admin()
    good, orphan = server.unique("good"), server.unique("orphan")
    principals = [
        {"name": good, "principalTypeEnum": "LOCAL_USER", "groupNames": []},
        {"name": orphan, "principalTypeEnum": "LOCAL_USER", "groupNames": [server.unique("NoSuchGroup")]},
    ]
    response = expect_http_error(lambda: sync(ts, principals, apply=True), 400, "sync naming an unknown group")
    messages = expect_error_body(response, 400, 10002, "sync naming an unknown group")
    expect(any(orphan in m for m in messages), f"the message names the principal: {messages}")
    expect(("user", good) not in server.principals(), "a rejected sync changed nothing")
    response = expect_http_error(
        lambda: ts.user_sync(principals_file="this is not JSON", password="x", apply_changes=True),
        400, "sync with principals that are not JSON")
    expect_error_body(response, 400, 10002, "sync with principals that are not JSON")


@check
def user_updatepassword(server: Server) -> None:
    user = server.unique("carol")
    first, second, third = "first pw 1", "second pw 2", "third pw 3"
    create_users(server, user, password=first)

    # A user changes its own password (the library sends it as `newpassword`).
    ts = server.login(user, first)
    watch = recorded(ts)
    expect_equal(ts.user_updatepassword(username=user, current_password=first, new_password=second),
                 None, "user_updatepassword's return value")
    expect_equal(watch.last.status_code, 204, "updatepassword status")
    expect('newpassword=' in watch.last.request.body, "the library sends newpassword")
    server.login(user, second)
    expect_http_error(lambda: server.login(user, first), 401, "login with the old password")

    # Wrong current password, and new equal to current.
    response = expect_http_error(
        lambda: ts.user_updatepassword(username=user, current_password="wrong", new_password=third),
        401, "updatepassword with a wrong current password")
    expect_error_body(response, 401, 10003, "updatepassword with a wrong current password")
    response = expect_http_error(
        lambda: ts.user_updatepassword(username=user, current_password=second, new_password=second),
        400, "updatepassword to the same password")
    messages = expect_error_body(response, 400, 10002, "updatepassword to the same password")
    expect(any("New password cannot be the same as current password" in m for m in messages),
           f"the same-password message (user_tools matches it): {messages}")

    # An admin resets it with the admin's own password; the user's sessions end.
    admin = server.admin()
    admin.user_updatepassword(username=user, current_password=server.admin_password, new_password=third)
    server.login(user, third)
    expect_http_error(lambda: server.login(user, second), 401, "login with the password before the reset")
    expect_http_error(ts.user_list, 401, "the user's old session after an admin reset")

    response = expect_http_error(
        lambda: admin.user_updatepassword(username=server.unique("nobody"),
                                          current_password=server.admin_password, new_password=third),
        400, "updatepassword of an unknown user")
    expect_error_body(response, 400, 10002, "updatepassword of an unknown user")


@check
def user_transfer_ownership(server: Server) -> None:
    dave, erin = server.unique("dave"), server.unique("erin")
    create_users(server, dave, erin)
    first = server.seed_object(dave, server.unique("answer"))
    second = server.seed_object(dave, server.unique("answer"))
    third = server.seed_object(dave, server.unique("pinboard"))
    ts = server.admin()
    watch = recorded(ts)

    # Only the listed objects (the library sends them as `objectid`, a JSON array).
    expect_equal(ts.user_transfer_ownership(dave, erin, object_guids=[first, third]), True,
                 "user_transfer_ownership's return value")
    expect_equal(watch.last.status_code, 204, "transfer status with object_guids")
    expect("objectid=" in watch.last.request.url, f"the library sends objectid: {watch.last.request.url}")
    expect_equal(server.object_owner(first), erin, "owner of a listed object")
    expect_equal(server.object_owner(third), erin, "owner of the other listed object")
    expect_equal(server.object_owner(second), dave, "owner of the object not listed")

    # An object the source does not own is refused, and nothing moves.
    response = expect_http_error(lambda: ts.user_transfer_ownership(dave, erin, object_guids=[second, first]),
                                 400, "transfer of an object the source does not own")
    expect_error_body(response, 400, 10002, "transfer of an object the source does not own")
    expect_equal(server.object_owner(second), dave, "a refused transfer moved nothing")

    # Everything else.
    ts.user_transfer_ownership(current_owner_username=dave, new_owner_username=erin)
    expect_equal(watch.last.status_code, 204, "transfer status without object_guids")
    expect_equal(server.object_owner(second), erin, "owner after transferring everything")

    # Nothing left to move is still a success.
    ts.user_transfer_ownership(dave, erin)
    expect_equal(watch.last.status_code, 204, "transfer with nothing to move")

    for source, target, what in [
        (server.unique("nobody"), erin, "an unknown source user"),
        (dave, server.unique("nobody"), "an unknown target user"),
        (server.admin_user, erin, "tsadmin as the source"),
    ]:
        response = expect_http_error(lambda: ts.user_transfer_ownership(source, target), 400,
                                     f"transfer from {what}")
        expect_error_body(response, 400, 10002, f"transfer from {what}")
    expect_equal(server.object_owner(first), erin, "failed transfers moved nothing")

    # user/ownership is the same operation.
    response = ts.requests_session.post(server.url("user/ownership"),
                                        params={"fromUserName": erin, "toUserName": dave})
    expect_equal(response.status_code, 204, "user/ownership alias")
    expect_equal(server.object_owner(first), dave, "owner after the alias transfer")
