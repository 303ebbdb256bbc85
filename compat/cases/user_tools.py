"""ThoughtSpot's `user_tools` (tsut/api.py), replayed request for request with plain
`requests` (clients.md §2.1).

`UserTools` below does on the wire what tsut's `BaseApiInterface`, `SyncUserAndGroups`,
`SetGroupPrivilegesAPI` and `TransferOwnershipApi` do: its own Session whose header dict is
replaced (so no Accept header at all), the login response's cookies passed explicitly on every
later call, the principals as a temp-file part typed `text/json`, booleans as `json.dumps`, and
the transfer query string concatenated without URL-encoding. Where user_tools insists on one
status (login 204, user/list 200, sync 200, updatepassword 204, transfer 204,
removeprivilege 204) so do these checks. The metadata/listobjectheaders look-ups
(get_user_metadata, get_privileges_for_group, delete_*) come with a later issue.
"""

import json
import os
import tempfile
import time

import requests

from harness import TIMEOUT, Server, check, expect, expect_equal, expect_status, kind_of

SYNC_KEYS = ["usersAdded", "usersDeleted", "usersUpdated", "groupsAdded", "groupsDeleted", "groupsUpdated"]


def obj_to_json(props: dict) -> str:
    """tsut.util.obj_to_json: every non-empty attribute (groupNames always), hand-joined."""
    parts = [f'"{name}":{json.dumps(value)}' for name, value in props.items()
             if value or name == "groupNames"]
    return "{ " + ",".join(parts) + "}"


def user(name, password=None, mail=None, display_name=None, group_names=(), visibility="DEFAULT"):
    """A tsut.model.User, attribute order included."""
    return {"principalTypeEnum": "LOCAL_USER", "name": name.strip(), "displayName": display_name,
            "password": password, "mail": mail, "created": None, "groupNames": list(group_names),
            "visibility": visibility, "id": None}


def group(name, display_name=None, description=None, group_names=(), visibility="DEFAULT", privileges=None):
    """A tsut.model.Group (its privileges go into the sync JSON too, when set)."""
    return {"principalTypeEnum": "LOCAL_GROUP", "name": name.strip(), "displayName": display_name,
            "description": description, "visibility": visibility, "privileges": privileges,
            "created": None, "groupNames": list(group_names)}


def to_json(principals: list) -> str:
    """tsut.model.UsersAndGroups.to_json: groups first, then users."""
    groups = [p for p in principals if p["principalTypeEnum"].endswith("_GROUP")]
    users = [p for p in principals if p["principalTypeEnum"].endswith("_USER")]
    return "[" + ",".join(obj_to_json(p) for p in groups + users) + "]"


class UserTools:
    SERVER_URL = "{tsurl}/callosum/v1"

    def __init__(self, tsurl: str, username: str, password: str, global_password=False):
        self.tsurl = tsurl
        self.username = username
        self.password = password
        self.global_password = global_password
        self.cookies = None
        self.session = requests.Session()
        self.session.headers = {"X-Requested-By": "ThoughtSpot", "User-Agent": "TS User Tools 1.0"}

    def format_url(self, url: str) -> str:
        return (UserTools.SERVER_URL + url).format(tsurl=self.tsurl)

    def login(self) -> requests.Response:
        response = self.session.post(self.format_url("/tspublic/v1/session/login"),
                                     data={"username": self.username, "password": self.password},
                                     timeout=TIMEOUT)
        expect_status(response, 204, f"user_tools login as {self.username}")
        self.cookies = response.cookies
        return response

    def get_all_users_and_groups(self) -> list:
        response = self.session.get(self.format_url("/tspublic/v1/user/list"), cookies=self.cookies,
                                    timeout=TIMEOUT)
        expect_status(response, 200, "user_tools user/list")
        return json.loads(response.text)

    def sync(self, principals: list, apply_changes: bool, remove_deleted: bool = False) -> dict:
        json_str = to_json(principals)
        json.loads(json_str)
        tmp_file = tempfile.gettempdir() + "/ug.json.%d" % time.time()
        with open(tmp_file, "w") as out:
            out.write(json_str)
        try:
            with open(tmp_file, "rb") as principals_file:
                params = {
                    "principals": (tmp_file, principals_file, "text/json"),
                    "applyChanges": json.dumps(apply_changes),
                    "removeDeleted": json.dumps(remove_deleted),
                }
                if self.global_password:
                    params["password"] = self.global_password
                response = self.session.post(self.format_url("/tspublic/v1/user/sync"), files=params,
                                             cookies=self.cookies, timeout=TIMEOUT)
        finally:
            os.remove(tmp_file)
        expect_status(response, 200, "user_tools user/sync")
        return json.loads(response.text)

    def privilege(self, action: str, groups: list, privilege: str) -> requests.Response:
        params = {"privilege": privilege, "groupNames": json.dumps(groups)}
        return self.session.post(self.format_url(f"/tspublic/v1/group/{action}"), files=params,
                                 cookies=self.cookies, timeout=TIMEOUT)

    def update_user_password(self, userid: str, currentpassword: str, password: str) -> requests.Response:
        params = {"name": userid, "currentpassword": currentpassword, "password": password}
        return self.session.post(self.format_url("/tspublic/v1/user/updatepassword"), data=params,
                                 cookies=self.cookies, timeout=TIMEOUT)

    def transfer_ownership(self, from_username: str, to_username: str) -> requests.Response:
        url = self.format_url("/tspublic/v1/user/transfer/ownership")
        url = url + "?fromUserName=" + from_username + "&toUserName=" + to_username
        return self.session.post(url, cookies=self.cookies, timeout=TIMEOUT)


def admin_tools(server: Server, **kwargs) -> UserTools:
    tools = UserTools(server.base_url, server.admin_user, server.admin_password, **kwargs)
    tools.login()
    return tools


@check
def login(server: Server) -> None:
    tools = UserTools(server.base_url, server.admin_user, server.admin_password)
    response = tools.login()
    expect("Accept" not in response.request.headers, f"user_tools sends no Accept: {response.request.headers}")
    expect("JSESSIONID" in response.cookies, f"the login response sets JSESSIONID: {response.cookies}")
    wrong = UserTools(server.base_url, server.admin_user, "wrong password")
    response = wrong.session.post(wrong.format_url("/tspublic/v1/session/login"),
                                  data={"username": wrong.username, "password": wrong.password}, timeout=TIMEOUT)
    expect_status(response, 401, "user_tools login with a wrong password")


@check
def user_list(server: Server) -> None:
    tools = admin_tools(server)
    listed = tools.get_all_users_and_groups()
    # UGJsonReader.parse_json: users by principalTypeEnum ending in _USER, the rest groups.
    users = [p for p in listed if str(p["principalTypeEnum"]).endswith("_USER")]
    groups = [p for p in listed if not str(p["principalTypeEnum"]).endswith("_USER")]
    expect(users and groups, "both users and groups listed")
    for p in users:
        for key in ["name", "displayName", "mail", "groupNames", "visibility", "created", "id"]:
            expect(key in p, f"user_tools reads {key} of users: {p}")
    for p in groups:
        for key in ["name", "displayName", "groupNames", "visibility"]:
            expect(key in p, f"user_tools reads {key} of groups: {p}")


@check
def sync(server: Server) -> None:
    tools = admin_tools(server, global_password="tools global pw")
    team, lead, member = server.unique("Tools Team"), server.unique("tools.lead"), server.unique("tools.member")
    principals = [
        group(team, display_name="Tools team", description="synced by user_tools", privileges=["DATADOWNLOADING"]),
        user(lead, password="lead's own pw", mail="lead@example.com", display_name="Lead", group_names=[team]),
        user(member, display_name="Member", group_names=[team], visibility="NON_SHARABLE"),
    ]
    dry = tools.sync(principals, apply_changes=False)
    expect_equal(sorted(dry), sorted(SYNC_KEYS), "the six lists of the sync answer")
    expect_equal(dry["usersAdded"], sorted([lead, member]), "dry run: users added")
    expect_equal(dry["groupsAdded"], [team], "dry run: groups added")
    expect(not any(dry[k] for k in ["usersDeleted", "groupsDeleted", "usersUpdated", "groupsUpdated"]),
           f"dry run: nothing else: {dry}")
    names = {(kind_of(p), p["name"]) for p in tools.get_all_users_and_groups()}
    expect(("user", lead) not in names, "a dry run created nothing")

    applied = tools.sync(principals, apply_changes=True)
    expect_equal(applied, dry, "apply answers what the dry run said")
    listed = {(kind_of(p), p["name"]): p for p in tools.get_all_users_and_groups()}
    expect_equal(sorted(listed[("user", member)]["groupNames"]), sorted([team, "All"]), "member's groups")
    expect_equal(listed[("user", member)]["visibility"], "NON_SHARABLE", "member's visibility")
    expect_equal(listed[("user", lead)]["mail"], "lead@example.com", "lead's mail")
    UserTools(server.base_url, lead, "lead's own pw").login()
    UserTools(server.base_url, member, "tools global pw").login()

    again = tools.sync(principals, apply_changes=True)
    expect(not any(again[k] for k in SYNC_KEYS), f"the same list again changes nothing: {again}")


@check
def privileges(server: Server) -> None:
    tools = admin_tools(server)
    team = server.unique("Tools Privileged")
    tools.sync([group(team)], apply_changes=True)
    added = tools.privilege("addprivilege", [team], "DATADOWNLOADING")
    # user_tools itself expects 204 here (it was written against old releases); the documented
    # answer, which the PyPI client needs, is 200 with the updated groups (API-DECISIONS).
    expect_status(added, 200, "user_tools addprivilege")
    expect_equal(added.json()[0]["privileges"], ["DATADOWNLOADING"], "privileges after adding")
    removed = tools.privilege("removeprivilege", [team], "DATADOWNLOADING")
    expect_status(removed, 204, "user_tools removeprivilege")
    check_again = tools.privilege("addprivilege", [team], "A3ANALYSIS")
    expect_equal(check_again.json()[0]["privileges"], ["A3ANALYSIS"], "DATADOWNLOADING was removed")


@check
def update_password(server: Server) -> None:
    tools = admin_tools(server)
    name = server.unique("tools.pw")
    tools.sync([user(name, password="before pw")], apply_changes=True)
    # An admin changes another user's password: currentpassword is the ADMIN's password.
    response = tools.update_user_password(name, server.admin_password, "after pw")
    expect_status(response, 204, "user_tools updatepassword")
    UserTools(server.base_url, name, "after pw").login()
    old = UserTools(server.base_url, name, "before pw")
    response = old.session.post(old.format_url("/tspublic/v1/session/login"),
                                data={"username": name, "password": "before pw"}, timeout=TIMEOUT)
    expect_status(response, 401, "login with the password before the change")
    # The same password again: user_tools recognises this message in the body.
    response = tools.update_user_password(name, server.admin_password, "after pw")
    expect_status(response, 400, "updatepassword to the current password")
    expect("New password cannot be the same as current password" in response.text,
           f"the same-password message: {response.text}")


@check
def transfer_ownership(server: Server) -> None:
    tools = admin_tools(server)
    # A name with a space: user_tools concatenates it raw, requests sends it as %20.
    source, target = server.unique("Tools Owner"), server.unique("tools.heir")
    tools.sync([user(source, password="pw 1"), user(target, password="pw 2")], apply_changes=True)
    first = server.seed_object(source, server.unique("pinboard"))
    second = server.seed_object(source, server.unique("answer"))
    response = tools.transfer_ownership(source, target)
    expect_status(response, 204, "user_tools transfer/ownership")
    expect_equal(response.content, b"", "transfer body")
    expect_equal((server.object_owner(first), server.object_owner(second)), (target, target),
                 "every object moved")
    response = tools.transfer_ownership(source, server.unique("nobody"))
    expect_status(response, 400, "transfer to an unknown user")
