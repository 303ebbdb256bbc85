//! user/sync (API-DECISIONS.md "Users and groups"): dry runs, applies, `removeDeleted`,
//! passwords, built-ins, identity by (name, kind), nesting, validation and the multipart
//! shapes real clients send.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// The state the change tests start from.
fn baseline() -> Value {
    json!([
        group_json("Sales", &[]),
        group_json("Ops", &[]),
        group_json("Old", &[]),
        user_json("alice", &["Sales"]),
        user_json("carol", &[]),
        user_json("dave", &["Old"]),
        user_json("ed", &[])
    ])
}

async fn dry_run_reports_what_apply_does(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let first = sync_ok(&app, &admin, &baseline(), true, true, None).await;
    assert_eq!(
        first,
        report(
            &["alice", "carol", "dave", "ed"],
            &[],
            &[],
            &["Old", "Ops", "Sales"],
            &[],
            &[]
        ),
        "names sorted"
    );

    let before = list_as(&app, &admin).await;
    let wanted = json!([
        {"name": "Sales", "displayName": "Sales Dept", "principalTypeEnum": "LOCAL_GROUP",
         "groupNames": []},
        group_json("Ops", &[]),
        group_json("Eng", &["Sales"]),
        {"name": "alice", "displayName": "alice", "mail": "alice@example.com",
         "principalTypeEnum": "LOCAL_USER", "groupNames": ["Sales"]},
        user_json("carol", &[]),
        user_json("zoe", &["Eng"]),
        user_json("bea", &[]),
        // ed moves to Ops: a membership change is an update.
        user_json("ed", &["Ops"])
    ]);
    let expected = json!({
        "usersAdded": ["bea", "zoe"],
        "usersDeleted": ["dave"],
        "usersUpdated": ["alice", "ed"],
        "groupsAdded": ["Eng"],
        "groupsDeleted": ["Old"],
        "groupsUpdated": ["Sales"],
    });

    // A dry run (the default) reports and changes nothing.
    let dry = app
        .post_multipart(
            &admin,
            "user/sync",
            &[("principals", wanted.to_string().as_str())],
        )
        .await;
    assert_eq!(dry.status(), StatusCode::OK);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(dry, expected);
    let explicit_dry = sync_ok(&app, &admin, &wanted, false, true, None).await;
    assert_eq!(explicit_dry, expected);
    assert_eq!(
        list_as(&app, &admin).await,
        before,
        "a dry run changes nothing"
    );

    // The apply does exactly what the dry run said.
    let applied = sync_ok(&app, &admin, &wanted, true, true, None).await;
    assert_eq!(applied, dry);
    let after = list_as(&app, &admin).await;
    assert_eq!(
        names(&after, true),
        ["alice", "bea", "carol", "ed", "system", "tsadmin", "zoe"]
    );
    assert_eq!(
        names(&after, false),
        ["Administrator", "All", "Eng", "Ops", "Sales", "System"]
    );
    assert_eq!(group(&after, "Sales")["displayName"], "Sales Dept");
    assert_eq!(user(&after, "alice")["mail"], "alice@example.com");
    assert_eq!(parents(user(&after, "ed")), ["All", "Ops"]);
    assert_eq!(parents(user(&after, "zoe")), ["All", "Eng"]);
    assert_eq!(parents(group(&after, "Eng")), ["Sales"]);
    // Unchanged principals keep their records, `modified` included.
    assert_eq!(user(&after, "carol"), user(&before, "carol"));
    assert_eq!(group(&after, "Ops"), group(&before, "Ops"));
    assert_eq!(user(&after, "alice")["id"], user(&before, "alice")["id"]);
    assert_eq!(
        user(&after, "alice")["created"],
        user(&before, "alice")["created"]
    );

    // The same list again: nothing to do.
    let again = sync_ok(&app, &admin, &wanted, true, true, None).await;
    assert_eq!(again, report(&[], &[], &[], &[], &[], &[]));
    assert_eq!(list_as(&app, &admin).await, after);
}

async fn sync_updates_every_field(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let first = json!([
        {"name": "G", "displayName": "Group G", "description": "first", "principalTypeEnum": "LOCAL_GROUP"},
        {"name": "H", "principalTypeEnum": "LOCAL_GROUP"},
        {"name": "u", "displayName": "User U", "mail": "u@example.com", "description": "d",
         "principalTypeEnum": "LOCAL_USER", "groupNames": ["G"], "visibility": "NON_SHARABLE"}
    ]);
    sync_ok(&app, &admin, &first, true, true, None).await;
    let before = list_as(&app, &admin).await;
    let u = user(&before, "u");
    assert_eq!(
        (
            &u["displayName"],
            &u["mail"],
            &u["description"],
            &u["visibility"]
        ),
        (
            &json!("User U"),
            &json!("u@example.com"),
            &json!("d"),
            &json!("NON_SHARABLE")
        )
    );

    // Each field on its own makes an update.
    let variants = [
        json!({"name": "u", "displayName": "Renamed", "mail": "u@example.com", "description": "d",
               "principalTypeEnum": "LOCAL_USER", "groupNames": ["G"], "visibility": "NON_SHARABLE"}),
        json!({"name": "u", "displayName": "Renamed", "mail": "new@example.com", "description": "d",
               "principalTypeEnum": "LOCAL_USER", "groupNames": ["G"], "visibility": "NON_SHARABLE"}),
        json!({"name": "u", "displayName": "Renamed", "mail": "new@example.com", "description": "e",
               "principalTypeEnum": "LOCAL_USER", "groupNames": ["G"], "visibility": "NON_SHARABLE"}),
        json!({"name": "u", "displayName": "Renamed", "mail": "new@example.com", "description": "e",
               "principalTypeEnum": "LOCAL_USER", "groupNames": ["G"], "visibility": "DEFAULT"}),
        json!({"name": "u", "displayName": "Renamed", "mail": "new@example.com", "description": "e",
               "principalTypeEnum": "LOCAL_USER", "groupNames": ["G", "H"], "visibility": "DEFAULT"}),
        // Unset mail and description: mail becomes "" and description disappears.
        json!({"name": "u", "displayName": "Renamed", "principalTypeEnum": "LOCAL_USER",
               "groupNames": ["H"], "visibility": "DEFAULT"}),
    ];
    let groups = [
        json!({"name": "G", "displayName": "Group G", "description": "first", "principalTypeEnum": "LOCAL_GROUP"}),
        json!({"name": "H", "principalTypeEnum": "LOCAL_GROUP"}),
    ];
    for variant in &variants {
        let principals = json!([groups[0], groups[1], variant]);
        let applied = sync_ok(&app, &admin, &principals, true, true, None).await;
        assert_eq!(
            applied,
            report(&[], &[], &["u"], &[], &[], &[]),
            "{variant}"
        );
    }
    let after = list_as(&app, &admin).await;
    let u = user(&after, "u");
    assert_eq!(u["displayName"], "Renamed");
    assert_eq!(u["mail"], "");
    assert!(u.get("description").is_none(), "{u}");
    assert_eq!(u["visibility"], "DEFAULT");
    assert_eq!(parents(u), ["All", "H"]);
    assert!(u["modified"].as_i64() >= user(&before, "u")["modified"].as_i64());

    // Group fields: display name, description, visibility, parents.
    let principals = json!([
        {"name": "G", "displayName": "Group G2", "principalTypeEnum": "LOCAL_GROUP",
         "visibility": "NON_SHARABLE", "groupNames": ["H"]},
        {"name": "H", "principalTypeEnum": "LOCAL_GROUP", "description": "now described"},
        variants[5]
    ]);
    let applied = sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_eq!(applied, report(&[], &[], &[], &[], &[], &["G", "H"]));
    let after = list_as(&app, &admin).await;
    let g = group(&after, "G");
    assert_eq!(g["displayName"], "Group G2");
    assert!(g.get("description").is_none());
    assert_eq!(g["visibility"], "NON_SHARABLE");
    assert_eq!(parents(g), ["H"]);
    assert_eq!(group(&after, "H")["description"], "now described");
}

async fn remove_deleted_defaults_to_true_with_aliases(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let both = json!([
        user_json("u1", &[]),
        user_json("u2", &[]),
        group_json("g", &[])
    ]);
    sync_ok(&app, &admin, &both, true, true, None).await;
    let only_u1 = json!([user_json("u1", &[])]).to_string();
    let run = |extra: Vec<(&'static str, &'static str)>| {
        let mut parts = vec![("principals", only_u1.clone())];
        parts.extend(extra.into_iter().map(|(n, v)| (n, v.to_string())));
        let admin = admin.clone();
        let app = &app;
        async move {
            let parts: Vec<(&str, &str)> = parts.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let response = app.post_multipart(&admin, "user/sync", &parts).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let deletes = report(&[], &["u2"], &[], &[], &["g"], &[]);
    let keeps = report(&[], &[], &[], &[], &[], &[]);

    // Not given: true.
    assert_eq!(run(vec![]).await, deletes);
    assert_eq!(run(vec![("removeDeleted", "")]).await, deletes);
    assert_eq!(run(vec![("removeDeleted", "-1")]).await, deletes);
    assert_eq!(run(vec![("removeDeleted", "true")]).await, deletes);
    // false under each spelling.
    for name in ["removeDeleted", "remoteDeleted", "removeDelete"] {
        assert_eq!(run(vec![(name, "false")]).await, keeps, "{name}=false");
        assert_eq!(run(vec![(name, "true")]).await, deletes, "{name}=true");
    }
    let before = list_as(&app, &admin).await;
    assert!(
        find(&before, "u2", true).is_some(),
        "dry runs deleted nothing"
    );

    // Applied with the PyPI spelling: u2 and g stay.
    assert_eq!(
        run(vec![("applyChanges", "true"), ("removeDelete", "false")]).await,
        keeps
    );
    assert_eq!(list_as(&app, &admin).await, before);
    // Applied with the default: they go.
    assert_eq!(run(vec![("applyChanges", "true")]).await, deletes);
    let after = list_as(&app, &admin).await;
    assert!(find(&after, "u2", true).is_none());
    assert!(find(&after, "g", false).is_none());
    assert!(find(&after, "u1", true).is_some());
}

async fn passwords_of_new_users(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let principals = json!([
        {"name": "anna", "principalTypeEnum": "LOCAL_USER", "groupNames": [], "password": "own pw"},
        user_json("ben", &[]),
        user_json("cy", &[])
    ]);
    sync_ok(&app, &admin, &principals, true, true, Some("global pw")).await;

    let login = |name: &'static str, password: &'static str| {
        let app = &app;
        async move { app.login(&client(), name, password).await.status() }
    };
    // The principal's own password wins; the others get the request's.
    assert_eq!(login("anna", "own pw").await, StatusCode::NO_CONTENT);
    assert_eq!(login("anna", "global pw").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("ben", "global pw").await, StatusCode::NO_CONTENT);
    // A synced user works like any other: it can change its password.
    let cy = app.logged_in("cy", "global pw").await;
    let response = app
        .post_form(
            &cy,
            "user/updatepassword",
            &[
                ("name", "cy"),
                ("currentpassword", "global pw"),
                ("password", "cy pw"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // A later sync never changes an existing user's password, whatever it carries.
    let principals = json!([
        {"name": "anna", "principalTypeEnum": "LOCAL_USER", "groupNames": [], "password": "other pw"},
        {"name": "ben", "principalTypeEnum": "LOCAL_USER", "groupNames": [], "password": "other pw"},
        user_json("cy", &[]),
        user_json("dan", &[])
    ]);
    let applied = sync_ok(&app, &admin, &principals, true, true, Some("second pw")).await;
    assert_eq!(applied, report(&["dan"], &[], &[], &[], &[], &[]));
    assert_eq!(login("anna", "own pw").await, StatusCode::NO_CONTENT);
    assert_eq!(login("anna", "other pw").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("ben", "global pw").await, StatusCode::NO_CONTENT);
    assert_eq!(login("ben", "other pw").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("cy", "cy pw").await, StatusCode::NO_CONTENT);
    assert_eq!(login("cy", "second pw").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("dan", "second pw").await, StatusCode::NO_CONTENT);
    // tsadmin is untouched too.
    assert_eq!(login(ADMIN, ADMIN_PASSWORD).await, StatusCode::NO_CONTENT);

    // A new user without any password cannot log in.
    let principals = json!([user_json("eve", &[])]);
    sync_ok(&app, &admin, &principals, true, false, None).await;
    assert_eq!(login("eve", "global pw").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("eve", "second pw").await, StatusCode::UNAUTHORIZED);
}

async fn built_ins_are_never_deleted_or_demoted(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let before = list_as(&app, &admin).await;

    // An empty list with removeDeleted: nothing to delete but non-built-ins (there are none).
    let nothing = report(&[], &[], &[], &[], &[], &[]);
    assert_eq!(
        sync_ok(&app, &admin, &json!([]), true, true, None).await,
        nothing
    );
    assert_eq!(list_as(&app, &admin).await, before);

    // Listing the built-ins differently changes nothing about them.
    let principals = json!([
        {"name": ADMIN, "displayName": "Hacked", "principalTypeEnum": "LOCAL_USER",
         "groupNames": [], "password": "taken over", "mail": "x@example.com"},
        {"name": "system", "principalTypeEnum": "LOCAL_USER", "groupNames": ["Administrator"],
         "password": "taken over"},
        {"name": "Administrator", "displayName": "Nobody", "principalTypeEnum": "LOCAL_GROUP",
         "groupNames": ["Sales"]},
        {"name": "All", "principalTypeEnum": "LOCAL_GROUP", "groupNames": ["Administrator"]},
        {"name": "ALL_GROUP", "principalTypeEnum": "LOCAL_GROUP", "groupNames": []},
        group_json("Sales", &[])
    ]);
    let applied = sync_ok(&app, &admin, &principals, true, true, Some("taken over")).await;
    assert_eq!(applied, report(&[], &[], &[], &["Sales"], &[], &[]));
    let after = list_as(&app, &admin).await;
    for (name, is_user) in [
        (ADMIN, true),
        ("system", true),
        ("Administrator", false),
        ("All", false),
        ("System", false),
    ] {
        let was = find(&before, name, is_user).unwrap();
        let is = find(&after, name, is_user).unwrap();
        assert_eq!(is, was, "{name} unchanged");
    }
    assert_eq!(
        app.login(&client(), ADMIN, "taken over").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_error(
        app.login(&client(), "system", "taken over").await,
        401,
        10003,
    )
    .await;
    // tsadmin is still an administrator.
    list_as(&app, &app.admin().await).await;

    // Users put into the built-in groups by sync, then a sync that drops everything: only
    // the synced principals go; the built-ins and tsadmin's membership stay.
    let principals = json!([user_json("op", &["Administrator", "System"])]);
    sync_ok(&app, &admin, &principals, true, false, None).await;
    let applied = sync_ok(&app, &admin, &json!([]), true, true, None).await;
    assert_eq!(applied, report(&[], &["op"], &[], &[], &["Sales"], &[]));
    assert_eq!(list_as(&app, &admin).await, before);
}

async fn identity_is_name_and_kind(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let principals = json!([group_json("ops", &[]), user_json("ops", &["ops"])]);
    let applied = sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_eq!(applied, report(&["ops"], &[], &[], &["ops"], &[], &[]));
    let list = list_as(&app, &admin).await;
    assert_ne!(user(&list, "ops")["id"], group(&list, "ops")["id"]);
    assert_eq!(parents(user(&list, "ops")), ["All", "ops"]);

    // Dropping the user keeps the group of the same name, and the other way round.
    let applied = sync_ok(
        &app,
        &admin,
        &json!([group_json("ops", &[])]),
        true,
        true,
        None,
    )
    .await;
    assert_eq!(applied, report(&[], &["ops"], &[], &[], &[], &[]));
    let list = list_as(&app, &admin).await;
    assert!(find(&list, "ops", true).is_none());
    assert!(find(&list, "ops", false).is_some());
    let applied = sync_ok(
        &app,
        &admin,
        &json!([user_json("ops", &[])]),
        true,
        true,
        None,
    )
    .await;
    assert_eq!(applied, report(&["ops"], &[], &[], &[], &["ops"], &[]));
    let list = list_as(&app, &admin).await;
    assert!(find(&list, "ops", true).is_some());
    assert!(find(&list, "ops", false).is_none());

    // Built-in names belong to one kind only: a user named All and a group named tsadmin
    // are ordinary principals.
    let principals = json!([
        user_json("ops", &[]),
        user_json("All", &[]),
        group_json(ADMIN, &[])
    ]);
    let applied = sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_eq!(applied, report(&["All"], &[], &[], &[ADMIN], &[], &[]));
    let applied = sync_ok(
        &app,
        &admin,
        &json!([user_json("ops", &[])]),
        true,
        true,
        None,
    )
    .await;
    assert_eq!(applied, report(&[], &["All"], &[], &[], &[ADMIN], &[]));
    let list = list_as(&app, &admin).await;
    assert!(find(&list, "All", false).is_some());
    assert!(find(&list, ADMIN, true).is_some());
}

async fn nested_groups(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let principals = json!([
        user_json("u", &["A"]),
        group_json("A", &["B"]),
        group_json("B", &["C", "ALL_GROUP"]),
        group_json("C", &[])
    ]);
    sync_ok(&app, &admin, &principals, true, true, None).await;
    let list = list_as(&app, &admin).await;
    assert_eq!(parents(user(&list, "u")), ["A", "All"]);
    assert_eq!(parents(group(&list, "A")), ["B"]);
    assert_eq!(parents(group(&list, "B")), ["All", "C"]);
    assert!(parents(group(&list, "C")).is_empty());

    // Turn the chain around: C in A, B on its own; u in B and C.
    let principals = json!([
        user_json("u", &["B", "C"]),
        group_json("A", &[]),
        group_json("B", &[]),
        group_json("C", &["A"])
    ]);
    let applied = sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_eq!(
        applied,
        report(&[], &[], &["u"], &[], &[], &["A", "B", "C"])
    );
    let list = list_as(&app, &admin).await;
    assert_eq!(parents(user(&list, "u")), ["All", "B", "C"]);
    assert!(parents(group(&list, "A")).is_empty());
    assert!(parents(group(&list, "B")).is_empty());
    assert_eq!(parents(group(&list, "C")), ["A"]);

    // A group not listed (removeDeleted=false) keeps its place; a listed group may join it.
    let principals = json!([group_json("D", &["C"])]);
    sync_ok(&app, &admin, &principals, true, false, None).await;
    assert_eq!(parents(group(&list_as(&app, &admin).await, "D")), ["C"]);
}

async fn invalid_principals_change_nothing(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    sync_ok(&app, &admin, &baseline(), true, true, Some("pw")).await;
    let before = list_as(&app, &admin).await;

    // Each list adds a valid principal too, so a partial apply would show.
    let good = user_json("newbie", &[]);
    let cases: Vec<(String, Vec<&str>)> = vec![
        (r#"[{"name": "newbie", "#.to_string(), vec!["principals"]),
        (r#"{"name": "x"}"#.to_string(), vec!["principals", "array"]),
        (
            json!([good, {"principalTypeEnum": "LOCAL_USER", "groupNames": []}]).to_string(),
            vec!["#2", "name"],
        ),
        (
            json!([good, {"name": "  ", "principalTypeEnum": "LOCAL_USER"}]).to_string(),
            vec!["#2", "name"],
        ),
        (
            json!([good, {"name": "robo", "principalTypeEnum": "ROBOT"}]).to_string(),
            vec!["robo", "ROBOT", "principalTypeEnum"],
        ),
        (
            json!([good, {"name": "notype"}]).to_string(),
            vec!["notype", "principalTypeEnum"],
        ),
        (
            json!([good, user_json("orphan", &["Nope"])]).to_string(),
            vec!["orphan", "Nope"],
        ),
        (
            json!([good, group_json("A", &["B"]), group_json("B", &["A"])]).to_string(),
            vec!["cycle", "A", "B"],
        ),
        (
            json!([good, group_json("Self", &["Self"])]).to_string(),
            vec!["cycle", "Self"],
        ),
        (
            // Existing groups, listed: Sales → Ops → Old → Sales.
            json!([
                good,
                group_json("Sales", &["Ops"]),
                group_json("Ops", &["Old"]),
                group_json("Old", &["Sales"])
            ])
            .to_string(),
            vec!["cycle", "Sales", "Ops", "Old"],
        ),
        (
            json!([good, user_json("twin", &[]), user_json("twin", &[])]).to_string(),
            vec!["twin"],
        ),
        (
            json!([good, group_json("Twins", &[]), group_json("Twins", &[])]).to_string(),
            vec!["Twins"],
        ),
        (
            json!([good, {"name": "badvis", "principalTypeEnum": "LOCAL_USER", "visibility": "PUBLIC"}])
                .to_string(),
            vec!["badvis", "visibility", "PUBLIC"],
        ),
        (
            json!([good, {"name": "badgroups", "principalTypeEnum": "LOCAL_USER", "groupNames": "Sales"}])
                .to_string(),
            vec!["badgroups", "groupNames"],
        ),
        (
            json!([good, {"name": "badmail", "principalTypeEnum": "LOCAL_USER", "mail": 7}])
                .to_string(),
            vec!["badmail", "mail"],
        ),
        (
            json!([good, 42]).to_string(),
            vec!["principals", "#2"],
        ),
    ];
    for (principals, named) in &cases {
        for remove_deleted in ["true", "false"] {
            let response = app
                .post_multipart(
                    &admin,
                    "user/sync",
                    &[
                        ("principals", principals.as_str()),
                        ("applyChanges", "true"),
                        ("removeDeleted", remove_deleted),
                        ("password", "pw"),
                    ],
                )
                .await;
            let message = assert_error(response, 400, 10002).await;
            for word in named {
                assert!(message.contains(word), "{principals}: {word} in {message}");
            }
        }
        // A dry run refuses it the same way.
        let response = app
            .post_multipart(&admin, "user/sync", &[("principals", principals.as_str())])
            .await;
        assert_error(response, 400, 10002).await;
    }
    // `principals` missing or empty.
    for parts in [
        vec![("applyChanges", "true")],
        vec![("principals", ""), ("applyChanges", "true")],
    ] {
        let message = assert_error(
            app.post_multipart(&admin, "user/sync", &parts).await,
            400,
            10002,
        )
        .await;
        assert!(message.contains("principals"), "{message}");
    }
    assert_eq!(list_as(&app, &admin).await, before, "nothing changed");
    assert_eq!(
        app.login(&client(), "newbie", "pw").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn principals_as_file_parts(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;

    // user_tools: a temp-file name and text/json; the flags as file parts named after
    // themselves, json.dumps(bool) values.
    let principals = json!([group_json("G", &[]), user_json("ut", &["G"])]).to_string();
    let form = Form::new()
        .part(
            "principals",
            Part::text(principals)
                .file_name("/tmp/tmpk2j4x9_p.json")
                .mime_str("text/json")
                .unwrap(),
        )
        .part("applyChanges", file_part("applyChanges", "true"))
        .part("removeDeleted", file_part("removeDeleted", "false"))
        .part("password", file_part("password", "ut pw"));
    let response = post_parts(&app, &admin, "user/sync", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let applied: Value = response.json().await.unwrap();
    assert_eq!(applied, report(&["ut"], &[], &[], &["G"], &[], &[]));
    app.logged_in("ut", "ut pw").await;

    // The PyPI client: principals.json as application/json, then applyChanges,
    // removeDelete and password as file parts without a content type.
    let principals = json!([
        group_json("G", &[]),
        user_json("ut", &["G"]),
        user_json("py", &[])
    ])
    .to_string();
    let form = Form::new()
        .part(
            "principals",
            Part::text(principals)
                .file_name("principals.json")
                .mime_str("application/json")
                .unwrap(),
        )
        .part("applyChanges", file_part("applyChanges", "true"))
        .part("removeDelete", file_part("removeDelete", "false"))
        .part("password", file_part("password", "py pw"));
    let response = post_parts(&app, &admin, "user/sync", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let applied: Value = response.json().await.unwrap();
    assert_eq!(applied, report(&["py"], &[], &[], &[], &[], &[]));
    app.logged_in("py", "py pw").await;

    // cs_tools: plain fields first, the principals file last.
    let principals = json!([group_json("G", &[]), user_json("cs", &["G"])]).to_string();
    let form = Form::new()
        .text("applyChanges", "true")
        .text("removeDeleted", "true")
        .text("password", "cs pw")
        .part(
            "principals",
            Part::text(principals)
                .file_name("principals.json")
                .mime_str("application/json")
                .unwrap(),
        );
    let response = post_parts(&app, &admin, "user/sync", form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let applied: Value = response.json().await.unwrap();
    assert_eq!(applied, report(&["cs"], &["py", "ut"], &[], &[], &[], &[]));
    app.logged_in("cs", "cs pw").await;
    let list = list_as(&app, &admin).await;
    assert_eq!(names(&list, true), ["cs", "system", "tsadmin"]);
    assert_eq!(parents(user(&list, "cs")), ["All", "G"]);
}

async fn deleted_users_lose_their_sessions(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let principals = json!([user_json("temp", &["Administrator"])]);
    sync_ok(&app, &admin, &principals, true, false, Some("temp pw")).await;
    let temp = app.logged_in("temp", "temp pw").await;
    assert_eq!(app.get(&temp, "user/list").await.status(), StatusCode::OK);
    sync_ok(&app, &admin, &json!([]), true, true, None).await;
    assert_error(app.get(&temp, "user/list").await, 401, 10003).await;
    assert_error(app.login(&client(), "temp", "temp pw").await, 401, 10003).await;
    // A new user of the same name is a new principal, with a fresh session needed.
    sync_ok(&app, &admin, &principals, true, false, Some("temp pw 2")).await;
    assert_error(app.get(&temp, "user/list").await, 401, 10003).await;
    app.logged_in("temp", "temp pw 2").await;
}

async fn large_syncs(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    // 40 groups in 4 trees, 1,200 users in one or two groups each: past every batch size
    // the store uses for its statements.
    let mut principals: Vec<Value> = (0..40)
        .map(|g| {
            let parent = format!("group{:02}", g % 4);
            let parents: Vec<&str> = if g >= 4 { vec![&parent] } else { vec![] };
            group_json(&format!("group{g:02}"), &parents)
        })
        .collect();
    principals.extend((0..1200).map(|u| {
        let first = format!("group{:02}", u % 40);
        let second = format!("group{:02}", (u + 7) % 40);
        let groups: Vec<&str> = if u % 2 == 0 {
            vec![&first]
        } else {
            vec![&first, &second]
        };
        user_json(&format!("user{u:04}"), &groups)
    }));
    let principals = Value::Array(principals);
    let applied = sync_ok(&app, &admin, &principals, true, true, Some("bulk pw")).await;
    assert_eq!(applied["usersAdded"].as_array().unwrap().len(), 1200);
    assert_eq!(applied["groupsAdded"].as_array().unwrap().len(), 40);
    let added: Vec<&str> = applied["usersAdded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let mut sorted = added.clone();
    sorted.sort();
    assert_eq!(added, sorted, "usersAdded is sorted");
    let list = list_as(&app, &admin).await;
    assert_eq!(list.len(), 1200 + 40 + 5);
    assert_eq!(
        parents(user(&list, "user0001")),
        ["All", "group01", "group08"]
    );
    assert_eq!(parents(group(&list, "group39")), ["group03"]);
    app.logged_in("user1199", "bulk pw").await;

    // The same list is a no-op; an empty one removes everything that was synced.
    let again = sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_eq!(again, report(&[], &[], &[], &[], &[], &[]));
    let removed = sync_ok(&app, &admin, &json!([]), true, true, None).await;
    assert_eq!(removed["usersDeleted"].as_array().unwrap().len(), 1200);
    assert_eq!(removed["groupsDeleted"].as_array().unwrap().len(), 40);
    assert_eq!(list_as(&app, &admin).await.len(), 5);
}

both_stores!(
    dry_run_reports_what_apply_does,
    sync_updates_every_field,
    remove_deleted_defaults_to_true_with_aliases,
    passwords_of_new_users,
    built_ins_are_never_deleted_or_demoted,
    identity_is_name_and_kind,
    nested_groups,
    invalid_principals_change_nothing,
    principals_as_file_parts,
    deleted_users_lose_their_sessions,
    large_syncs,
);
