//! "Every request" (API-DECISIONS.md): where parameters come from, list and boolean
//! spellings, `X-Requested-By`, content types, paths, the `x-callosum-*` headers, JSON errors
//! and no redirects.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// tsadmin's password as an urlencoded value: space as `+`, `+` and `&` escaped.
const ADMIN_PASSWORD_FORM: &str = "admin+pw%2B%261";

async fn parameters_come_from_query_form_and_multipart(store: StoreKind) {
    let app = spawn_app(store).await;
    let login = |url: String| {
        client()
            .post(url)
            .header("X-Requested-By", "ThoughtSpot")
            .send()
    };

    // Everything in the query string of a POST without a body; `+` is a space there too.
    let response = login(format!(
        "{}?username={ADMIN}&password={ADMIN_PASSWORD_FORM}",
        app.url("session/login")
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers().contains_key("set-cookie"));

    // Query string and urlencoded body merged.
    let response = client()
        .post(format!("{}?username={ADMIN}", app.url("session/login")))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // The body wins over the query string...
    let response = client()
        .post(format!(
            "{}?username=nobody&password=wrong",
            app.url("session/login")
        ))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // ...in both directions.
    let response = client()
        .post(format!(
            "{}?username={ADMIN}&password={ADMIN_PASSWORD_FORM}",
            app.url("session/login")
        ))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[("password", "wrong")])
        .send()
        .await
        .unwrap();
    let message = assert_error(response, 401, 10003).await;
    assert!(message.contains(ADMIN), "{message}");

    // A hand-written urlencoded body: `+` is a space, `%2B` a plus.
    let response = client()
        .post(app.url("session/login"))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("username={ADMIN}&password={ADMIN_PASSWORD_FORM}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Multipart, plain parts: values are taken literally (the `+` stays a plus).
    let response = app
        .post_multipart(
            &client(),
            "session/login",
            &[("username", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Multipart, file parts named after themselves (the PyPI client's `files=`), one with a
    // content type of its own.
    let form = Form::new()
        .part("username", file_part("username", ADMIN))
        .part(
            "password",
            Part::text(ADMIN_PASSWORD)
                .file_name("password.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let response = post_parts(&app, &client(), "session/login", form).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // Multipart body and query string merged, the body winning.
    let form = Form::new().part("password", file_part("password", ADMIN_PASSWORD));
    let response = client()
        .post(format!(
            "{}?username={ADMIN}&password=wrong",
            app.url("session/login")
        ))
        .header("X-Requested-By", "ThoughtSpot")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // A form-encoded `+` in a user name is a space (user_tools concatenates names into the
    // query string unencoded).
    let admin = app.admin().await;
    let principals = json!([user_json("john doe", &[]), user_json("jane roe", &[])]);
    sync_ok(&app, &admin, &principals, true, false, None).await;
    let response = admin
        .post(format!(
            "{}?fromUserName=john+doe&toUserName=jane%20roe",
            app.url("user/transfer/ownership")
        ))
        .header("X-Requested-By", "ThoughtSpot")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn list_parameters_accept_every_spelling(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let principals = json!([group_json("Sales", &[]), group_json("Ops Team", &[])]);
    sync_ok(&app, &admin, &principals, true, false, None).await;

    let both = vec!["Ops Team".to_string(), "Sales".to_string()];
    let sales = vec!["Sales".to_string()];
    let all = vec!["All".to_string()];
    let cases: &[(&str, &Vec<String>)] = &[
        (r#"["Sales", "Ops Team"]"#, &both),
        ("['Sales','Ops Team']", &both),
        ("[Sales, Ops Team]", &both),
        (r#""Sales""#, &sales),
        ("Sales", &sales),
        ("ALL_GROUP", &all),
        ("All", &all),
        ("['ALL_GROUP']", &all),
    ];
    for (spelling, expected) in cases {
        let response = app
            .post_form(
                &admin,
                "group/addprivilege",
                &[("privilege", "DATADOWNLOADING"), ("groupNames", spelling)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "groupNames={spelling}");
        let groups: Vec<Value> = response.json().await.unwrap();
        let mut names: Vec<String> = groups
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        assert_eq!(&names, *expected, "groupNames={spelling}");
    }

    // `""`, `[]` and `-1` mean "not given".
    for empty in ["", "[]", "-1", r#""""#] {
        let response = app
            .post_form(
                &admin,
                "group/addprivilege",
                &[("privilege", "DATADOWNLOADING"), ("groupNames", empty)],
            )
            .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains("groupNames"), "{empty:?}: {message}");
    }

    // objectsID / objectid: a list that is not given transfers everything (204); a given
    // list names objects, and as alice owns none, each listed id is refused by name.
    sync_ok(
        &app,
        &admin,
        &json!([
            group_json("Sales", &[]),
            group_json("Ops Team", &[]),
            user_json("alice", &[]),
            user_json("bob", &[])
        ]),
        true,
        false,
        None,
    )
    .await;
    let transfer = |query: String| {
        admin
            .post(format!(
                "{}?fromUserName=alice&toUserName=bob&{query}",
                app.url("user/transfer/ownership")
            ))
            .header("X-Requested-By", "ThoughtSpot")
            .send()
    };
    for name in ["objectsID", "objectid"] {
        for not_given in ["", "%5B%5D", "-1", "%22%22"] {
            let response = transfer(format!("{name}={not_given}")).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::NO_CONTENT,
                "{name}={not_given}"
            );
        }
        for (spelling, listed) in [
            ("%5B%22x1%22%2C%22x2%22%5D", "x1, x2"), // ["x1","x2"]
            ("%5B'x1'%2C'x2'%5D", "x1, x2"),         // ['x1','x2']
            ("%5Bx1%2C+x2%5D", "x1, x2"),            // [x1, x2]
            ("%22x1%22", "x1"),                      // "x1"
            ("x1", "x1"),
        ] {
            let response = transfer(format!("{name}={spelling}")).await.unwrap();
            let message = assert_error(response, 400, 10002).await;
            assert!(
                message.contains(&format!("'{listed}'")),
                "{name}={spelling}: {message}"
            );
        }
    }
}

async fn booleans_accept_any_case(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let before = list_as(&app, &admin).await;
    let principals = json!([user_json("alice", &[])]).to_string();
    let sync = |apply: &'static str| {
        let principals = principals.clone();
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post_multipart(
                &admin,
                "user/sync",
                &[
                    ("principals", principals.as_str()),
                    ("applyChanges", apply),
                    ("removeDeleted", "FALSE"),
                ],
            )
            .await
        }
    };

    // Not a boolean: 400 naming the parameter and the value; nothing changes.
    let message = assert_error(sync("yes").await, 400, 10002).await;
    assert!(
        message.contains("applyChanges") && message.contains("yes"),
        "{message}"
    );
    // Dry runs: FALSE, False, and `-1` / `""` (not given: the default, false).
    for dry in ["FALSE", "False", "-1", ""] {
        let response = sync(dry).await;
        assert_eq!(response.status(), StatusCode::OK, "applyChanges={dry:?}");
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["usersAdded"], json!(["alice"]));
    }
    assert_eq!(
        list_as(&app, &admin).await,
        before,
        "dry runs change nothing"
    );

    // TRUE applies.
    let response = sync("TRUE").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(find(&list_as(&app, &admin).await, "alice", true).is_some());
    // tRuE is true too: a second apply finds nothing to do.
    let response = sync("tRuE").await;
    let report: Value = response.json().await.unwrap();
    assert_eq!(report, report_of_nothing());

    // rememberme=True gives a persistent cookie.
    let response = app
        .post_form(
            &client(),
            "session/login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("rememberme", "True"),
            ],
        )
        .await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Max-Age"), "{cookie}");
}

fn report_of_nothing() -> Value {
    report(&[], &[], &[], &[], &[], &[])
}

async fn posts_need_x_requested_by(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    sync_ok(
        &app,
        &admin,
        &json!([user_json("alice", &[])]),
        true,
        false,
        Some("alice pw"),
    )
    .await;
    let before = list_as(&app, &admin).await;

    // Login without the header: 400, no session.
    let response = client()
        .post(app.url("session/login"))
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("X-Requested-By"), "{message}");

    // A sync without it changes nothing.
    let form = Form::new()
        .text("principals", json!([user_json("bob", &[])]).to_string())
        .text("applyChanges", "true")
        .text("removeDeleted", "true");
    let response = admin
        .post(app.url("user/sync"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_error(response, 400, 10002).await;

    // Nor does a password change, a privilege grant or a logout.
    let response = admin
        .post(app.url("user/updatepassword"))
        .form(&[
            ("name", "alice"),
            ("currentpassword", ADMIN_PASSWORD),
            ("password", "new pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_error(response, 400, 10002).await;
    let response = admin
        .post(app.url("group/addprivilege"))
        .form(&[("privilege", "ADMINISTRATION"), ("groupNames", "All")])
        .send()
        .await
        .unwrap();
    assert_error(response, 400, 10002).await;
    let response = admin.post(app.url("session/logout")).send().await.unwrap();
    assert_error(response, 400, 10002).await;

    assert_eq!(list_as(&app, &admin).await, before, "nothing changed");
    let alice = app.logged_in("alice", "alice pw").await;
    // All did not become an administrators' group.
    assert_error(app.get(&alice, "user/list").await, 403, 10003).await;

    // Any value and any header-name case will do.
    let body = format!("username={ADMIN}&password={ADMIN_PASSWORD_FORM}");
    for header in [
        "x-requested-by: CS Tools",
        "X-REQUESTED-BY: 1",
        "X-Requested-by: ThoughtSpot",
    ] {
        let response = raw_request(
            &app,
            &format!(
                "POST {API}/session/login HTTP/1.1\r\n{header}\r\n\
                 Content-Type: application/x-www-form-urlencoded"
            ),
            body.as_bytes(),
        )
        .await;
        assert_eq!(response.status, 204, "{header}: {}", response.body);
    }
    // GETs do not need it.
    let response = admin.get(app.url("user/list")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn accept_is_never_required(store: StoreKind) {
    let app = spawn_app(store).await;
    let login = app.login(&client(), ADMIN, ADMIN_PASSWORD).await;
    let session = session_pair(&login);

    // No Accept header at all (user_tools).
    let response = raw_request(
        &app,
        &format!("GET {API}/user/list HTTP/1.1\r\nCookie: {session}"),
        b"",
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    let list: Vec<Value> = serde_json::from_str(&response.body).unwrap();
    assert!(!list.is_empty());

    // An Accept that does not mention JSON still gets JSON, answers and errors alike.
    let admin = app.admin().await;
    for accept in ["text/plain", "text/html", "application/xml"] {
        let response = admin
            .get(app.url("user/list"))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        let _: Vec<Value> = response.json().await.unwrap();
        let response = client()
            .get(app.url("user/list"))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        assert_error(response, 401, 10003).await;
    }
}

async fn content_types(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    sync_ok(
        &app,
        &admin,
        &json!([user_json("alice", &[]), user_json("bob", &[])]),
        true,
        false,
        None,
    )
    .await;
    let before = list_as(&app, &admin).await;

    // application/json with an empty body is ignored: the query string carries the call.
    let response = admin
        .post(format!(
            "{}?fromUserName=alice&toUserName=bob",
            app.url("user/transfer/ownership")
        ))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // An unsupported content type with a body: 415, naming the type; no session, no change.
    let response = client()
        .post(app.url("session/login"))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "text/plain")
        .body(format!("username={ADMIN}&password={ADMIN_PASSWORD_FORM}"))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    let message = assert_error(response, 415, 10002).await;
    assert!(message.contains("text/plain"), "{message}");

    let response = admin
        .post(app.url("user/sync"))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/octet-stream")
        .body(json!([user_json("carol", &[])]).to_string())
        .send()
        .await
        .unwrap();
    let message = assert_error(response, 415, 10002).await;
    assert!(message.contains("application/octet-stream"), "{message}");

    // A body without any content type.
    let response = raw_request(
        &app,
        &format!("POST {API}/session/login HTTP/1.1\r\nX-Requested-By: ThoughtSpot"),
        format!("username={ADMIN}&password={ADMIN_PASSWORD_FORM}").as_bytes(),
    )
    .await;
    assert_eq!(response.status, 415, "{}", response.body);

    // A broken multipart body is the client's fault: 400, never 500.
    for content_type in ["multipart/form-data; boundary=XyZ", "multipart/form-data"] {
        let response = admin
            .post(app.url("user/sync"))
            .header("X-Requested-By", "ThoughtSpot")
            .header("Content-Type", content_type)
            .body("--XyZ\r\nContent-Disposition: form-data; name=\"principals\"\r\n\r\n[]")
            .send()
            .await
            .unwrap();
        assert_error(response, 400, 10002).await;
    }

    assert_eq!(list_as(&app, &admin).await, before, "nothing changed");

    // logout with application/json and nothing in it.
    let response = admin
        .post(app.url("session/logout"))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&admin, "user/list").await, 401, 10003).await;
}

async fn doubled_slash_before_callosum_works(store: StoreKind) {
    let app = spawn_app(store).await;
    let client = client();
    let doubled = |endpoint: &str| format!("{}/{}/{endpoint}", app.base, API);
    assert!(doubled("x").contains("//callosum"));
    let response = client
        .post(doubled("session/login"))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = client.get(doubled("user/list")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let _: Vec<Value> = response.json().await.unwrap();
    // Still a POST under /callosum: the header rule applies.
    let response = client.post(doubled("session/logout")).send().await.unwrap();
    assert_error(response, 400, 10002).await;
}

async fn unknown_endpoints_answer_json(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let message = assert_error(app.get(&admin, "user/nosuch").await, 404, 10002).await;
    assert!(message.contains("/user/nosuch"), "{message}");
    let response = app.post_form(&admin, "metadata/nosuch", &[]).await;
    assert_error(response, 404, 10002).await;
    for path in ["/", "/index.html", "/callosum/v1/session/login"] {
        let response = admin
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json",
            "{path}"
        );
        assert_error(response, 404, 10002).await;
    }
    // The wrong method on a known endpoint.
    let message = assert_error(app.get(&admin, "session/login").await, 405, 10002).await;
    assert!(message.contains("GET"), "{message}");
}

async fn every_response_carries_callosum_headers(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    sync_ok(
        &app,
        &admin,
        &json!([user_json("alice", &[])]),
        true,
        false,
        Some("alice pw"),
    )
    .await;
    let alice = app.logged_in("alice", "alice pw").await;
    let responses = vec![
        app.login(&client(), ADMIN, ADMIN_PASSWORD).await, // 204
        app.get(&admin, "user/list").await,                // 200
        app.post_form(&admin, "group/addprivilege", &[("groupNames", "All")])
            .await, // 400
        app.get(&client(), "user/list").await,             // 401
        app.get(&alice, "user/list").await,                // 403
        app.get(&admin, "nosuch").await,                   // 404
        app.get(&admin, "session/login").await,            // 405
        admin
            .post(app.url("session/login"))
            .header("X-Requested-By", "ThoughtSpot")
            .header("Content-Type", "text/csv")
            .body("a,b")
            .send()
            .await
            .unwrap(), // 415
    ];
    let mut statuses = Vec::new();
    let mut incidents = std::collections::HashSet::new();
    for response in &responses {
        statuses.push(response.status().as_u16());
        incidents.insert(assert_callosum_headers(response.headers()));
    }
    assert_eq!(statuses, [204, 200, 400, 401, 403, 404, 405, 415]);
    assert_eq!(
        incidents.len(),
        responses.len(),
        "a fresh incident id each time"
    );
    // Hand-written requests get them too.
    let response = raw_request(&app, &format!("GET {API}/user/list HTTP/1.1"), b"").await;
    assert_eq!(response.status, 401);
    for header in [
        "x-callosum-incident-id",
        "x-callosum-trace-id",
        "x-callosum-request-time-us",
    ] {
        assert!(response.header(header).is_some(), "{header}");
    }
}

async fn api_calls_never_redirect(store: StoreKind) {
    let app = spawn_app(store).await;
    // The test client follows no redirects, so a 3xx would show here as itself.
    let anonymous = client();
    let responses = vec![
        app.get(&anonymous, "user/list").await,
        app.post_form(&anonymous, "user/sync", &[]).await,
        app.post_form(&anonymous, "session/logout", &[]).await,
        app.get(&anonymous, "user/list/").await,
        anonymous
            .get(format!("{}/callosum/v1/tspublic/v1", app.base))
            .send()
            .await
            .unwrap(),
        anonymous
            .get(format!("{}/callosum", app.base))
            .send()
            .await
            .unwrap(),
    ];
    for response in responses {
        let status = response.status();
        assert!(
            !status.is_redirection() && response.headers().get("location").is_none(),
            "{status}"
        );
        let body: Value = response.json().await.expect("a JSON error body");
        assert!(body["code"].is_u64(), "{body}");
    }
}

async fn bad_input_is_never_a_500(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    sync_ok(
        &app,
        &admin,
        &json!([user_json("alice", &[]), user_json("bob", &[])]),
        true,
        false,
        Some("pw"),
    )
    .await;
    let before = list_as(&app, &admin).await;
    let long = "x".repeat(100_000);
    let nul_principals = [
        json!([{"name": "a\u{0}b", "principalTypeEnum": "LOCAL_USER"}]),
        json!([{"name": "a", "displayName": "d\u{0}", "principalTypeEnum": "LOCAL_USER"}]),
        json!([{"name": "a", "mail": "m\u{0}@x", "principalTypeEnum": "LOCAL_USER"}]),
        json!([{"name": "a", "description": "\u{0}", "principalTypeEnum": "LOCAL_USER"}]),
        json!([{"name": "a", "principalTypeEnum": "LOCAL_USER", "groupNames": ["g\u{0}"]}]),
        json!([{"name": "a", "principalTypeEnum": "LOCAL_USER", "password": "p\u{0}"}]),
        json!([{"name": 7, "principalTypeEnum": "LOCAL_USER"}]),
        json!([{"name": "a", "principalTypeEnum": 7}]),
        json!([{"name": "a", "principalTypeEnum": "LOCAL_USER", "groupNames": [7]}]),
        json!([{"name": "a", "principalTypeEnum": "LOCAL_USER", "displayName": ["x"]}]),
        json!([[]]),
        json!([null]),
    ];
    let mut responses = vec![
        app.login(&client(), "a\u{0}b", "pw").await,
        app.login(&client(), "alice", "p\u{0}w").await,
        app.login(&client(), &long, &long).await,
        app.post_form(
            &admin,
            "user/updatepassword",
            &[
                ("name", "\u{0}"),
                ("currentpassword", ADMIN_PASSWORD),
                ("password", "x"),
            ],
        )
        .await,
        app.post_form(
            &admin,
            "user/updatepassword",
            &[
                ("name", "alice"),
                ("currentpassword", "\u{0}"),
                ("password", "x"),
            ],
        )
        .await,
        app.post_form(
            &admin,
            "user/transfer/ownership",
            &[("fromUserName", "\u{0}"), ("toUserName", "bob")],
        )
        .await,
        app.post_form(
            &admin,
            "user/transfer/ownership",
            &[
                ("fromUserName", "alice"),
                ("toUserName", "bob"),
                ("objectsID", "[\"\u{0}\"]"),
            ],
        )
        .await,
        app.post_form(
            &admin,
            "group/addprivilege",
            &[("privilege", "DATADOWNLOADING"), ("groupNames", "g\u{0}")],
        )
        .await,
        app.post_form(
            &admin,
            "group/removeprivilege",
            &[("privilege", "\u{0}"), ("groupNames", "All")],
        )
        .await,
        app.post_form(
            &admin,
            "group/addprivilege",
            &[("privilege", "DATADOWNLOADING"), ("groupNames", &long)],
        )
        .await,
    ];
    for principals in &nul_principals {
        responses.push(app.sync(&admin, principals, true, false, None).await);
    }
    for (i, response) in responses.into_iter().enumerate() {
        let status = response.status();
        assert!(
            status.is_client_error(),
            "input #{i}: {status} {}",
            response.text().await.unwrap_or_default()
        );
    }
    assert_eq!(list_as(&app, &admin).await, before);
}

both_stores!(
    parameters_come_from_query_form_and_multipart,
    list_parameters_accept_every_spelling,
    booleans_accept_any_case,
    posts_need_x_requested_by,
    accept_is_never_required,
    content_types,
    doubled_slash_before_callosum_works,
    unknown_endpoints_answer_json,
    every_response_carries_callosum_headers,
    api_calls_never_redirect,
    bad_input_is_never_a_500,
);
