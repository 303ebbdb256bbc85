//! group/addprivilege and group/removeprivilege (API-DECISIONS.md "Users and groups"), and
//! what a privilege does for the members of a group, nested ones included.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// Groups `Admins` ⊃ `Team` ⊃ user `u` (password `u pw`), plus `Sales` and `Ops`.
async fn setup(app: &TestApp) -> reqwest::Client {
    let admin = app.admin().await;
    let principals = json!([
        group_json("Admins", &[]),
        group_json("Team", &["Admins"]),
        group_json("Sales", &[]),
        group_json("Ops", &[]),
        user_json("u", &["Team"])
    ]);
    sync_ok(app, &admin, &principals, true, true, Some("u pw")).await;
    admin
}

fn privileges(group: &Value) -> BTreeSet<String> {
    group["privileges"]
        .as_array()
        .expect("privileges array")
        .iter()
        .map(|p| p.as_str().expect("privilege name").to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn addprivilege_answers_the_updated_groups(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = setup(&app).await;
    let list = list_as(&app, &admin).await;

    // Multipart (7.x docs, the PyPI client's file parts), groupNames as a JSON array.
    let form = Form::new()
        .part("privilege", file_part("privilege", "DATADOWNLOADING"))
        .part("groupNames", file_part("groupNames", r#"["Sales", "Ops"]"#));
    let response = post_parts(&app, &admin, "group/addprivilege", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let groups: Vec<Value> = response.json().await.unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    for g in &groups {
        let keys: BTreeSet<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["displayName", "id", "name", "privileges"].into(),
            "{g}"
        );
        let name = g["name"].as_str().unwrap();
        assert_eq!(g["id"], group(&list, name)["id"], "{name}'s id");
        assert_eq!(g["displayName"], group(&list, name)["displayName"]);
        assert_eq!(privileges(g), set(&["DATADOWNLOADING"]));
    }
    let names: BTreeSet<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ops", "Sales"].into());

    // Urlencoded (6.x docs), a bare name: the answer lists every privilege of the group.
    let response = app
        .post_form(
            &admin,
            "group/addprivilege",
            &[("privilege", "USERDATAUPLOADING"), ("groupNames", "Sales")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let groups: Vec<Value> = response.json().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["name"], "Sales");
    assert_eq!(
        privileges(&groups[0]),
        set(&["DATADOWNLOADING", "USERDATAUPLOADING"])
    );
    // Granting again is harmless.
    let response = app
        .post_form(
            &admin,
            "group/addprivilege",
            &[("privilege", "USERDATAUPLOADING"), ("groupNames", "Sales")],
        )
        .await;
    let groups: Vec<Value> = response.json().await.unwrap();
    assert_eq!(
        privileges(&groups[0]),
        set(&["DATADOWNLOADING", "USERDATAUPLOADING"])
    );

    // The all-users group by either name, as a bare token or in a list.
    for spelling in ["ALL_GROUP", "All", r#"["ALL_GROUP"]"#, r#"["All"]"#] {
        let response = app
            .post_multipart(
                &admin,
                "group/addprivilege",
                &[("privilege", "DATADOWNLOADING"), ("groupNames", spelling)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{spelling}");
        let groups: Vec<Value> = response.json().await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0]["name"], "All");
        assert_eq!(groups[0]["id"], group(&list, "All")["id"]);
        assert_eq!(privileges(&groups[0]), set(&["DATADOWNLOADING"]));
    }
    // A JSON string (ts_rest_api_and_tml_tools passes one name as a string).
    let response = app
        .post_multipart(
            &admin,
            "group/addprivilege",
            &[("privilege", "SHAREWITHALL"), ("groupNames", r#""Ops""#)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let groups: Vec<Value> = response.json().await.unwrap();
    assert_eq!(groups[0]["name"], "Ops");
    assert_eq!(
        privileges(&groups[0]),
        set(&["DATADOWNLOADING", "SHAREWITHALL"])
    );

    // Every documented privilege is accepted.
    for privilege in [
        "ADMINISTRATION",
        "DEVELOPER",
        "USERDATAUPLOADING",
        "DATADOWNLOADING",
        "DATAMANAGEMENT",
        "SHAREWITHALL",
        "EXPERIMENTALFEATUREPRIVILEGE",
        "JOBSCHEDULING",
        "RANALYSIS",
        "A3ANALYSIS",
        "BYPASSRLS",
    ] {
        let response = app
            .post_form(
                &admin,
                "group/addprivilege",
                &[("privilege", privilege), ("groupNames", "Team")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{privilege}");
    }

    // removeprivilege: 204 with no body, multipart or urlencoded.
    let form = Form::new()
        .part("privilege", file_part("privilege", "DATADOWNLOADING"))
        .part("groupNames", file_part("groupNames", r#"["Sales","Ops"]"#));
    let response = post_parts(&app, &admin, "group/removeprivilege", form).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty());
    let response = app
        .post_form(
            &admin,
            "group/removeprivilege",
            &[
                ("privilege", "DATADOWNLOADING"),
                ("groupNames", "ALL_GROUP"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Removing what is not there is harmless.
    let response = app
        .post_form(
            &admin,
            "group/removeprivilege",
            &[("privilege", "DATADOWNLOADING"), ("groupNames", "Sales")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // What is left shows in the next answer.
    let response = app
        .post_form(
            &admin,
            "group/addprivilege",
            &[
                ("privilege", "JOBSCHEDULING"),
                ("groupNames", "[Sales, Ops, All]"),
            ],
        )
        .await;
    let groups: Vec<Value> = response.json().await.unwrap();
    let by_name = |name: &str| {
        privileges(
            groups
                .iter()
                .find(|g| g["name"] == name)
                .unwrap_or_else(|| panic!("{name} in {groups:?}")),
        )
    };
    assert_eq!(
        by_name("Sales"),
        set(&["JOBSCHEDULING", "USERDATAUPLOADING"])
    );
    assert_eq!(by_name("Ops"), set(&["JOBSCHEDULING", "SHAREWITHALL"]));
    assert_eq!(by_name("All"), set(&["JOBSCHEDULING"]));
}

async fn privileges_reach_nested_members(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = setup(&app).await;
    let u = app.logged_in("u", "u pw").await;
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;

    // ADMINISTRATION on Admins reaches u through Team, in the session u already has.
    let response = app
        .post_multipart(
            &admin,
            "group/addprivilege",
            &[
                ("privilege", "ADMINISTRATION"),
                ("groupNames", r#"["Admins"]"#),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.get(&u, "user/list").await.status(), StatusCode::OK);
    // u can now do what administrators do, e.g. grant a privilege.
    let response = app
        .post_form(
            &u,
            "group/addprivilege",
            &[("privilege", "DATADOWNLOADING"), ("groupNames", "Sales")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Revoked: 403 again, at once.
    let response = app
        .post_multipart(
            &admin,
            "group/removeprivilege",
            &[
                ("privilege", "ADMINISTRATION"),
                ("groupNames", r#"["Admins"]"#),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;

    // Through All, which every user is in.
    let response = app
        .post_form(
            &admin,
            "group/addprivilege",
            &[("privilege", "ADMINISTRATION"), ("groupNames", "ALL_GROUP")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.get(&u, "user/list").await.status(), StatusCode::OK);
    let response = app
        .post_form(
            &admin,
            "group/removeprivilege",
            &[("privilege", "ADMINISTRATION"), ("groupNames", "All")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;

    // Leaving the group by sync ends the privilege too.
    app.post_form(
        &admin,
        "group/addprivilege",
        &[("privilege", "ADMINISTRATION"), ("groupNames", "Admins")],
    )
    .await;
    assert_eq!(app.get(&u, "user/list").await.status(), StatusCode::OK);
    let principals = json!([
        group_json("Admins", &[]),
        group_json("Team", &[]),
        group_json("Sales", &[]),
        group_json("Ops", &[]),
        user_json("u", &["Team"])
    ]);
    sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;
    // A group deleted by sync takes its privileges with it: a new group of the same name
    // starts with none.
    let principals = json!([user_json("u", &[])]);
    sync_ok(&app, &admin, &principals, true, true, None).await;
    let principals = json!([group_json("Admins", &[]), user_json("u", &["Admins"])]);
    sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;
}

async fn bad_privilege_requests_change_nothing(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = setup(&app).await;
    let u = app.logged_in("u", "u pw").await;
    let before = list_as(&app, &admin).await;

    for endpoint in ["group/addprivilege", "group/removeprivilege"] {
        // An unknown privilege (DD's example typo among them): 400 naming it and the
        // allowed ones.
        for privilege in ["DATAUPLOADING", "SUPERUSER"] {
            let response = app
                .post_multipart(
                    &admin,
                    endpoint,
                    &[("privilege", privilege), ("groupNames", r#"["Admins"]"#)],
                )
                .await;
            let message = assert_error(response, 400, 10002).await;
            assert!(
                message.contains(privilege) && message.contains("USERDATAUPLOADING"),
                "{message}"
            );
        }
        // An unknown group among known ones: 400 naming it; the known ones are untouched.
        let response = app
            .post_multipart(
                &admin,
                endpoint,
                &[
                    ("privilege", "ADMINISTRATION"),
                    ("groupNames", r#"["Admins", "Nope"]"#),
                ],
            )
            .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains("Nope"), "{message}");
        // A user's name is not a group's.
        let response = app
            .post_form(
                &admin,
                endpoint,
                &[("privilege", "ADMINISTRATION"), ("groupNames", "u")],
            )
            .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains("group") && message.contains(": u"),
            "{message}"
        );
        // Missing parameters.
        for (form, missing) in [
            (vec![("groupNames", "Admins")], "privilege"),
            (vec![("privilege", "ADMINISTRATION")], "groupNames"),
            (
                vec![("privilege", ""), ("groupNames", "Admins")],
                "privilege",
            ),
        ] {
            let message =
                assert_error(app.post_form(&admin, endpoint, &form).await, 400, 10002).await;
            assert!(message.contains(missing), "{message}");
        }
    }
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;

    // The other way round: with ADMINISTRATION granted, a refused removal keeps it.
    let response = app
        .post_form(
            &admin,
            "group/addprivilege",
            &[("privilege", "ADMINISTRATION"), ("groupNames", "Admins")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app
        .post_form(
            &admin,
            "group/removeprivilege",
            &[
                ("privilege", "ADMINISTRATION"),
                ("groupNames", "[Admins, Nope]"),
            ],
        )
        .await;
    assert_error(response, 400, 10002).await;
    assert_eq!(app.get(&u, "user/list").await.status(), StatusCode::OK);

    // Non-admins and anonymous callers are refused and change nothing.
    let response = app
        .post_form(
            &admin,
            "group/removeprivilege",
            &[("privilege", "ADMINISTRATION"), ("groupNames", "Admins")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for endpoint in ["group/addprivilege", "group/removeprivilege"] {
        let form = [("privilege", "ADMINISTRATION"), ("groupNames", "Admins")];
        assert_error(app.post_form(&u, endpoint, &form).await, 403, 10003).await;
        assert_error(app.post_form(&client(), endpoint, &form).await, 401, 10003).await;
    }
    assert_error(app.get(&u, "user/list").await, 403, 10003).await;
    assert_eq!(list_as(&app, &admin).await, before);
}

async fn the_administrator_group_keeps_administration(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let message = assert_error(
        app.post_multipart(
            &admin,
            "group/removeprivilege",
            &[
                ("privilege", "ADMINISTRATION"),
                ("groupNames", r#"["Administrator"]"#),
            ],
        )
        .await,
        400,
        10002,
    )
    .await;
    assert!(message.contains("Administrator"), "{message}");
    // tsadmin is still an administrator.
    assert_eq!(
        app.get(&admin, "user/list").await.status(),
        reqwest::StatusCode::OK
    );

    // The same group named twice (alias and name) is answered once.
    let response = app
        .post_multipart(
            &admin,
            "group/addprivilege",
            &[
                ("privilege", "DATADOWNLOADING"),
                ("groupNames", r#"["ALL_GROUP", "All"]"#),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let groups: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["name"], "All");
}

both_stores!(
    the_administrator_group_keeps_administration,
    addprivilege_answers_the_updated_groups,
    privileges_reach_nested_members,
    bad_privilege_requests_change_nothing,
);
