//! user/list, user/updatepassword, user/transfer/ownership and the admin-only rule
//! (API-DECISIONS.md "Users and groups").

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn user_list_shows_every_principal(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let started = now_ms();
    let principals = json!([
        {"name": "Sales", "displayName": "Sales Dept", "description": "Sales team",
         "principalTypeEnum": "LOCAL_GROUP", "groupNames": [], "visibility": "DEFAULT"},
        {"name": "EMEA", "principalTypeEnum": "LOCAL_GROUP", "groupNames": ["Sales"]},
        {"name": "alice", "displayName": "Alice A", "mail": "alice@example.com",
         "description": "Analyst", "principalTypeEnum": "LOCAL_USER",
         "groupNames": ["EMEA", "ALL_GROUP"], "visibility": "NON_SHARABLE", "password": "alice pw"},
        {"name": "bob", "principalTypeEnum": "LOCAL_USER", "groupNames": []},
        {"name": "carol", "principalTypeEnum": "LOCAL_USER", "groupNames": ["Administrator"],
         "password": "carol pw"}
    ]);
    sync_ok(&app, &admin, &principals, true, false, None).await;
    let finished = now_ms();

    let response = app.get(&admin, "user/list").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = response.text().await.unwrap();
    let lowered = text.to_ascii_lowercase();
    for secret in ["password", "argon2", "hash", "alice pw"] {
        assert!(!lowered.contains(secret), "{secret} in {text}");
    }
    let list: Vec<Value> = serde_json::from_str(&text).unwrap();

    // Built-ins and synced principals, users and groups.
    assert_eq!(
        names(&list, false),
        ["Administrator", "All", "EMEA", "Sales", "System"]
    );
    assert_eq!(
        names(&list, true),
        ["alice", "bob", "carol", "system", "tsadmin"]
    );

    let allowed: HashSet<&str> = [
        "id",
        "name",
        "displayName",
        "description",
        "mail",
        "created",
        "modified",
        "principalTypeEnum",
        "groupNames",
        "visibility",
    ]
    .into();
    let mut ids = HashSet::new();
    for p in &list {
        let object = p.as_object().expect("principal object");
        for key in object.keys() {
            assert!(allowed.contains(key.as_str()), "unexpected {key} in {p}");
        }
        let id = p["id"].as_str().expect("id");
        uuid::Uuid::parse_str(id).expect("id is a GUID");
        assert!(ids.insert(id.to_string()), "ids are unique");
        assert!(p["displayName"].is_string(), "{p}");
        assert!(p["groupNames"].is_array(), "{p}");
        assert!(
            ["DEFAULT", "NON_SHARABLE"].contains(&p["visibility"].as_str().unwrap()),
            "{p}"
        );
        let created = p["created"].as_i64().expect("created is an integer");
        let modified = p["modified"].as_i64().expect("modified is an integer");
        // Epoch milliseconds (seconds would be ~1.7e9).
        assert!(created > 1_000_000_000_000 && created <= finished, "{p}");
        assert!(modified >= created && modified <= finished, "{p}");
        let user = p["principalTypeEnum"].as_str().unwrap().ends_with("_USER");
        if user {
            assert!(p["mail"].is_string(), "users carry mail: {p}");
            assert!(parents(p).contains(&"All".to_string()), "{p}");
        } else {
            assert!(p.get("mail").is_none(), "groups carry no mail: {p}");
            assert_eq!(p["principalTypeEnum"], "LOCAL_GROUP");
        }
    }

    // The built-ins (reference §5.10 GUIDs for tsadmin, system and All).
    let tsadmin = user(&list, ADMIN);
    assert_eq!(tsadmin["id"], "59481331-ee53-42be-a548-bd87be6ddd4a");
    assert_eq!(tsadmin["displayName"], "Administrator");
    assert_eq!(tsadmin["principalTypeEnum"], "LOCAL_USER");
    assert_eq!(parents(tsadmin), ["Administrator", "All"]);
    assert_eq!(tsadmin["mail"], "");
    let system = user(&list, "system");
    assert_eq!(system["id"], "67e15c06-d153-4924-a4cd-ff615393b60f");
    assert_eq!(parents(system), ["All", "System"]);
    assert_eq!(
        group(&list, "All")["id"],
        "b25ee394-9d13-49e3-9385-cd97f5b253b4"
    );
    for name in ["Administrator", "All", "System"] {
        assert!(parents(group(&list, name)).is_empty(), "{name}");
    }

    // Synced principals as they were sent.
    let alice = user(&list, "alice");
    assert_eq!(alice["displayName"], "Alice A");
    assert_eq!(alice["mail"], "alice@example.com");
    assert_eq!(alice["description"], "Analyst");
    assert_eq!(alice["principalTypeEnum"], "LOCAL_USER");
    assert_eq!(alice["visibility"], "NON_SHARABLE");
    assert_eq!(
        parents(alice),
        ["All", "EMEA"],
        "direct parents only, All once"
    );
    let created = alice["created"].as_i64().unwrap();
    assert!((started..=finished).contains(&created), "{alice}");
    let bob = user(&list, "bob");
    assert_eq!(bob["mail"], "", "mail is \"\" when unset");
    assert!(
        bob.get("description").is_none(),
        "no description when unset"
    );
    assert_eq!(bob["visibility"], "DEFAULT");
    assert_eq!(parents(bob), ["All"]);
    let sales = group(&list, "Sales");
    assert_eq!(sales["displayName"], "Sales Dept");
    assert_eq!(sales["description"], "Sales team");
    assert!(parents(sales).is_empty());
    let emea = group(&list, "EMEA");
    assert_eq!(parents(emea), ["Sales"]);
    assert!(emea.get("description").is_none());
    assert_eq!(emea["displayName"], "EMEA");

    // Administrator holds ADMINISTRATION: a synced member may list; others may not.
    let carol = app.logged_in("carol", "carol pw").await;
    assert_eq!(app.get(&carol, "user/list").await.status(), StatusCode::OK);
    let alice = app.logged_in("alice", "alice pw").await;
    assert_error(app.get(&alice, "user/list").await, 403, 10003).await;
}

/// Syncs alice and bob with passwords; returns an admin client.
async fn alice_and_bob(app: &TestApp) -> reqwest::Client {
    let admin = app.admin().await;
    let principals = json!([
        {"name": "alice", "principalTypeEnum": "LOCAL_USER", "groupNames": [], "password": "alice pw 1"},
        {"name": "bob", "principalTypeEnum": "LOCAL_USER", "groupNames": [], "password": "bob pw 1"},
        {"name": "carol", "principalTypeEnum": "LOCAL_USER", "groupNames": ["Administrator"],
         "password": "carol pw"}
    ]);
    sync_ok(app, &admin, &principals, true, false, None).await;
    admin
}

/// 401 when `client`'s session is gone, 403 when it is alive (a non-admin).
async fn assert_session_alive(app: &TestApp, client: &reqwest::Client, alive: bool) {
    let response = app.get(client, "user/list").await;
    if alive {
        assert_error(response, 403, 10003).await;
    } else {
        assert_error(response, 401, 10003).await;
    }
}

async fn assert_password(app: &TestApp, name: &str, password: &str, valid: bool) {
    let response = app.login(&client(), name, password).await;
    let expected = if valid {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    };
    assert_eq!(response.status(), expected, "{name} / {password}");
}

async fn users_change_their_own_password(store: StoreKind) {
    let app = spawn_app(store).await;
    alice_and_bob(&app).await;
    let first = app.logged_in("alice", "alice pw 1").await;
    let second = app.logged_in("alice", "alice pw 1").await;
    let bob = app.logged_in("bob", "bob pw 1").await;

    let response = app
        .post_form(
            &first,
            "user/updatepassword",
            &[
                ("name", "alice"),
                ("currentpassword", "alice pw 1"),
                ("password", "alice pw+2&"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_callosum_headers(response.headers());
    // The caller's session stays, the user's other sessions end, other users' stay.
    assert_session_alive(&app, &first, true).await;
    assert_session_alive(&app, &second, false).await;
    assert_session_alive(&app, &bob, true).await;
    assert_password(&app, "alice", "alice pw 1", false).await;
    assert_password(&app, "alice", "alice pw+2&", true).await;

    // The PyPI client's `newpassword`, as multipart file parts this time.
    let third = app.logged_in("alice", "alice pw+2&").await;
    let form = reqwest::multipart::Form::new()
        .part("name", file_part("name", "alice"))
        .part(
            "currentpassword",
            file_part("currentpassword", "alice pw+2&"),
        )
        .part("newpassword", file_part("newpassword", "alice pw 3"));
    let response = post_parts(&app, &first, "user/updatepassword", form).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_session_alive(&app, &first, true).await;
    assert_session_alive(&app, &third, false).await;
    assert_password(&app, "alice", "alice pw+2&", false).await;
    assert_password(&app, "alice", "alice pw 3", true).await;
    assert_password(&app, "bob", "bob pw 1", true).await;
}

async fn admins_reset_other_users_passwords(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = alice_and_bob(&app).await;
    let bob = app.logged_in("bob", "bob pw 1").await;
    let alice = app.logged_in("alice", "alice pw 1").await;

    // user_tools: the admin's own password as `currentpassword`.
    let response = app
        .post_form(
            &admin,
            "user/updatepassword",
            &[
                ("name", "bob"),
                ("currentpassword", ADMIN_PASSWORD),
                ("password", "bob pw 2"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_session_alive(&app, &bob, false).await;
    assert_session_alive(&app, &alice, true).await;
    list_as(&app, &admin).await; // the admin's session stays
    assert_password(&app, "bob", "bob pw 1", false).await;
    assert_password(&app, "bob", "bob pw 2", true).await;

    // The target's password is not the admin's: 401, nothing changes.
    let response = app
        .post_form(
            &admin,
            "user/updatepassword",
            &[
                ("name", "bob"),
                ("currentpassword", "bob pw 2"),
                ("password", "bob pw 3"),
            ],
        )
        .await;
    let message = assert_error(response, 401, 10003).await;
    assert!(message.contains(ADMIN), "{message}");
    assert_password(&app, "bob", "bob pw 2", true).await;

    // An administrator through group membership (carol, in Administrator) may do it too.
    let carol = app.logged_in("carol", "carol pw").await;
    let response = app
        .post_form(
            &carol,
            "user/updatepassword",
            &[
                ("name", "alice"),
                ("currentpassword", "carol pw"),
                ("newpassword", "alice pw 2"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_session_alive(&app, &alice, false).await;
    assert_password(&app, "alice", "alice pw 2", true).await;

    // tsadmin changing its own password keeps this session and ends the others.
    let other_admin = app.admin().await;
    let response = app
        .post_form(
            &admin,
            "user/updatepassword",
            &[
                ("name", ADMIN),
                ("currentpassword", ADMIN_PASSWORD),
                ("password", "admin pw 2"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    list_as(&app, &admin).await;
    assert_error(app.get(&other_admin, "user/list").await, 401, 10003).await;
    assert_password(&app, ADMIN, "admin pw 2", true).await;
}

async fn refused_password_changes_change_nothing(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = alice_and_bob(&app).await;
    let alice = app.logged_in("alice", "alice pw 1").await;
    let bob = app.logged_in("bob", "bob pw 1").await;
    let before = list_as(&app, &admin).await;
    let change = |client: &reqwest::Client, form: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let app = &app;
        async move { app.post_form(&client, "user/updatepassword", &form).await }
    };

    // Wrong current password: 401.
    let response = change(
        &alice,
        vec![
            ("name", "alice"),
            ("currentpassword", "wrong"),
            ("password", "alice pw 2"),
        ],
    )
    .await;
    let message = assert_error(response, 401, 10003).await;
    assert!(message.contains("alice"), "{message}");

    // The same password again: 400 with ThoughtSpot's message (own and admin reset).
    for (client, name, current) in [
        (&alice, "alice", "alice pw 1"),
        (&admin, "bob", ADMIN_PASSWORD),
    ] {
        let password = if name == "alice" {
            "alice pw 1"
        } else {
            "bob pw 1"
        };
        let response = change(
            client,
            vec![
                ("name", name),
                ("currentpassword", current),
                ("password", password),
            ],
        )
        .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains("New password cannot be the same as current password"),
            "{message}"
        );
    }

    // An unknown user: 400 naming it.
    let response = change(
        &admin,
        vec![
            ("name", "ghost"),
            ("currentpassword", ADMIN_PASSWORD),
            ("password", "x"),
        ],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("ghost"), "{message}");

    // A non-admin changing someone else's password: 403, even with the right password.
    for current in ["alice pw 1", "bob pw 1"] {
        let response = change(
            &alice,
            vec![
                ("name", "bob"),
                ("currentpassword", current),
                ("password", "hijacked"),
            ],
        )
        .await;
        let message = assert_error(response, 403, 10003).await;
        assert!(message.contains("alice"), "{message}");
    }

    // Missing parameters: 400 naming each.
    for (missing, form) in [
        (
            "name",
            vec![("currentpassword", "alice pw 1"), ("password", "n")],
        ),
        (
            "currentpassword",
            vec![("name", "alice"), ("password", "n")],
        ),
        (
            "password",
            vec![("name", "alice"), ("currentpassword", "alice pw 1")],
        ),
        (
            "password",
            vec![
                ("name", "alice"),
                ("currentpassword", "alice pw 1"),
                ("password", ""),
            ],
        ),
    ] {
        let message = assert_error(change(&alice, form).await, 400, 10002).await;
        assert!(message.contains(&format!("'{missing}'")), "{message}");
    }

    // Without a session: 401.
    let response = change(
        &client(),
        vec![
            ("name", "alice"),
            ("currentpassword", "alice pw 1"),
            ("password", "n"),
        ],
    )
    .await;
    assert_error(response, 401, 10003).await;

    // Nothing changed: the same principals, the old passwords, the sessions alive.
    assert_eq!(list_as(&app, &admin).await, before);
    assert_session_alive(&app, &alice, true).await;
    assert_session_alive(&app, &bob, true).await;
    assert_password(&app, "alice", "alice pw 1", true).await;
    assert_password(&app, "bob", "bob pw 1", true).await;
    assert_password(&app, "bob", "hijacked", false).await;
}

async fn transfer_ownership_between_users(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = alice_and_bob(&app).await;
    let before = list_as(&app, &admin).await;

    // Documented form: query string, application/json content type, empty body.
    for endpoint in ["user/transfer/ownership", "user/ownership"] {
        let response = admin
            .post(format!(
                "{}?fromUserName=alice&toUserName=bob",
                app.url(endpoint)
            ))
            .header("X-Requested-By", "ThoughtSpot")
            .header("Content-Type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{endpoint}");
        assert!(response.bytes().await.unwrap().is_empty());
    }
    // The PyPI client: query string, no content type at all, `objectid=[]`.
    let response = admin
        .post(format!(
            "{}?fromUserName=bob&toUserName=alice&objectid=%5B%5D",
            app.url("user/transfer/ownership")
        ))
        .header("X-Requested-By", "ThoughtSpot")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // As a form and as multipart.
    let response = app
        .post_form(
            &admin,
            "user/transfer/ownership",
            &[("fromUserName", "alice"), ("toUserName", "carol")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .post_multipart(
            &admin,
            "user/ownership",
            &[("fromUserName", "carol"), ("toUserName", "alice")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Transfers move objects, never principals.
    assert_eq!(list_as(&app, &admin).await, before);
}

async fn refused_transfers(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = alice_and_bob(&app).await;
    let before = list_as(&app, &admin).await;
    let transfer = |client: &reqwest::Client, query: &str| {
        client
            .post(format!("{}?{query}", app.url("user/transfer/ownership")))
            .header("X-Requested-By", "ThoughtSpot")
            .send()
    };

    let cases = [
        ("fromUserName=ghost&toUserName=bob", "ghost"),
        ("fromUserName=alice&toUserName=nobody", "nobody"),
        ("fromUserName=tsadmin&toUserName=bob", ADMIN),
        ("fromUserName=alice&toUserName=tsadmin", ADMIN),
        ("fromUserName=system&toUserName=bob", "system"),
        ("fromUserName=alice&toUserName=system", "system"),
        ("toUserName=bob", "fromUserName"),
        ("fromUserName=alice", "toUserName"),
        // Objects alice does not own, in both spellings.
        (
            "fromUserName=alice&toUserName=bob&objectsID=%5B%22b1e3c2d4-5f60-4a71-8b92-a3b4c5d6e7f8%22%5D",
            "b1e3c2d4-5f60-4a71-8b92-a3b4c5d6e7f8",
        ),
        (
            "fromUserName=alice&toUserName=bob&objectid=%5B%22b1e3c2d4-5f60-4a71-8b92-a3b4c5d6e7f8%22%5D",
            "b1e3c2d4-5f60-4a71-8b92-a3b4c5d6e7f8",
        ),
    ];
    for (query, named) in cases {
        let message = assert_error(transfer(&admin, query).await.unwrap(), 400, 10002).await;
        assert!(message.contains(named), "{query}: {message}");
    }

    // A non-admin: 403; no session: 401.
    let alice = app.logged_in("alice", "alice pw 1").await;
    let response = transfer(&alice, "fromUserName=alice&toUserName=bob")
        .await
        .unwrap();
    let message = assert_error(response, 403, 10003).await;
    assert!(message.contains("alice"), "{message}");
    let response = transfer(&client(), "fromUserName=alice&toUserName=bob")
        .await
        .unwrap();
    assert_error(response, 401, 10003).await;

    assert_eq!(list_as(&app, &admin).await, before);
}

async fn admin_only_endpoints_refuse_others(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = alice_and_bob(&app).await;
    let before = list_as(&app, &admin).await;
    let alice = app.logged_in("alice", "alice pw 1").await;

    for (endpoint, response) in admin_calls(&app, &alice).await {
        let message = assert_error(response, 403, 10003).await;
        assert!(
            message.contains("alice") && message.contains("ADMINISTRATION"),
            "{endpoint}: {message}"
        );
    }
    for (endpoint, response) in admin_calls(&app, &client()).await {
        let message = assert_error(response, 401, 10003).await;
        assert!(message.contains("session"), "{endpoint}: {message}");
    }
    // A cookie that names no session.
    let forged = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::COOKIE,
                format!("JSESSIONID={}", uuid::Uuid::new_v4())
                    .parse()
                    .unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    for (_, response) in admin_calls(&app, &forged).await {
        assert_error(response, 401, 10003).await;
    }

    // Nothing changed: no new principal, alice still no admin, tsadmin still one.
    assert_eq!(list_as(&app, &admin).await, before);
    assert_error(app.get(&alice, "user/list").await, 403, 10003).await;
}

both_stores!(
    user_list_shows_every_principal,
    users_change_their_own_password,
    admins_reset_other_users_passwords,
    refused_password_changes_change_nothing,
    transfer_ownership_between_users,
    refused_transfers,
    admin_only_endpoints_refuse_others,
);
