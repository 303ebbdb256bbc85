//! session/login and session/logout, cookies, expiry.

use reqwest::StatusCode;

use crate::both_stores;
use crate::helpers::*;

async fn login_sets_a_session_cookie(store: StoreKind) {
    let app = spawn_app(store).await;
    let client = client();
    let response = app
        .post_form(
            &client,
            "session/login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("rememberme", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("JSESSIONID="), "{cookie}");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=604800"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "no Secure over plain http: {cookie}"
    );
    for header in [
        "x-callosum-incident-id",
        "x-callosum-trace-id",
        "x-callosum-request-time-us",
    ] {
        assert!(response.headers().contains_key(header), "{header}");
    }
    // The session works, and the cookie does not change during it.
    let listed = app.get(&client, "user/list").await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert!(listed.headers().get("set-cookie").is_none());

    // Without rememberme the cookie lasts for the browser session only.
    let other = app
        .login(&crate::helpers::client(), ADMIN, ADMIN_PASSWORD)
        .await;
    let cookie = other.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(!cookie.contains("Max-Age"), "{cookie}");
}

async fn wrong_credentials_are_401(store: StoreKind) {
    let app = spawn_app(store).await;
    let client = client();
    let message = assert_error(app.login(&client, ADMIN, "wrong").await, 401, 10003).await;
    assert!(message.contains("tsadmin"), "{message}");
    assert_error(app.login(&client, "nobody", "x").await, 401, 10003).await;
    // The system user cannot log in at all.
    assert_error(app.login(&client, "system", "").await, 400, 10002).await;
    assert_error(app.login(&client, "system", "anything").await, 401, 10003).await;
}

async fn logout_ends_the_session(store: StoreKind) {
    let app = spawn_app(store).await;
    let client = app.admin().await;
    let response = app.post_form(&client, "session/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(app.get(&client, "user/list").await, 401, 10003).await;
    // Logging out again without a session is a 401 too.
    assert_error(
        app.post_form(&client, "session/logout", &[]).await,
        401,
        10003,
    )
    .await;
}

async fn idle_sessions_expire(store: StoreKind) {
    let app = spawn_app_with(store, |c| c.session_idle_timeout_secs = 1).await;
    let client = app.admin().await;
    assert_eq!(app.get(&client, "user/list").await.status(), StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_error(app.get(&client, "user/list").await, 401, 10003).await;
}

/// Logs `name` in with `rememberme=true` (a session that does not expire when idle).
async fn remembered(app: &TestApp, name: &str, password: &str) -> reqwest::Client {
    let client = client();
    let response = app
        .post_form(
            &client,
            "session/login",
            &[
                ("username", name),
                ("password", password),
                ("rememberme", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    client
}

async fn expired_and_ended_sessions_are_refused_everywhere(store: StoreKind) {
    let app = spawn_app_with(store, |c| c.session_idle_timeout_secs = 1).await;
    // Set-up with a remember-me session, which idling does not end.
    let setup = remembered(&app, ADMIN, ADMIN_PASSWORD).await;
    let principals = serde_json::json!([
        user_json("alice", &[]),
        user_json("bob", &[]),
        user_json("carol", &["Administrator"])
    ]);
    sync_ok(&app, &setup, &principals, true, false, Some("pw")).await;
    let before = list_as(&app, &setup).await;

    let idle_admin = app.admin().await;
    let idle_user = app.logged_in("alice", "pw").await;
    let ended = app.logged_in("carol", "pw").await;
    assert_eq!(
        app.post_form(&ended, "session/logout", &[]).await.status(),
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    for client in [&idle_admin, &idle_user, &ended] {
        for (endpoint, response) in admin_calls(&app, client).await {
            let message = assert_error(response, 401, 10003).await;
            assert!(message.contains("session"), "{endpoint}: {message}");
        }
        let response = app
            .post_form(
                client,
                "user/updatepassword",
                &[
                    ("name", "alice"),
                    ("currentpassword", "pw"),
                    ("password", "new pw"),
                ],
            )
            .await;
        assert_error(response, 401, 10003).await;
        assert_error(
            app.post_form(client, "session/logout", &[]).await,
            401,
            10003,
        )
        .await;
    }
    // The remember-me session outlived the idle period; nothing changed.
    assert_eq!(list_as(&app, &setup).await, before);
    // Logging in again works.
    let again = app.admin().await;
    list_as(&app, &again).await;
}

async fn sessions_in_use_do_not_expire(store: StoreKind) {
    let app = spawn_app_with(store, |c| c.session_idle_timeout_secs = 2).await;
    let client = app.admin().await;
    // Busy for longer than the idle timeout, never idle for as long as it.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_millis(3500) {
        let response = app.get(&client, "user/list").await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "after {:?} of use",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    // Then idle: gone.
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    assert_error(app.get(&client, "user/list").await, 401, 10003).await;
}

async fn logout_ends_only_that_session(store: StoreKind) {
    let app = spawn_app(store).await;
    let first = app.admin().await;
    let second = app.admin().await;
    let response = app.post_form(&first, "session/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // The cookie is cleared in the browser too.
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("JSESSIONID=;") || cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    assert_error(app.get(&first, "user/list").await, 401, 10003).await;
    assert_eq!(app.get(&second, "user/list").await.status(), StatusCode::OK);
}

async fn cookies_are_secure_only_behind_tls(store: StoreKind) {
    let app = spawn_app(store).await;
    let response = client()
        .post(app.url("session/login"))
        .header("X-Requested-By", "ThoughtSpot")
        .header("X-Forwarded-Proto", "https")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    // The session id is a UUID.
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("JSESSIONID=");
    uuid::Uuid::parse_str(id).expect("JSESSIONID is a UUID");
}

async fn sessions_are_shared_by_replicas(store: StoreKind) {
    let first = spawn_app(store).await;
    let url = first.database_url.clone();
    let second = spawn_app_with(store, |c| c.database_url = Some(url)).await;
    assert_ne!(first.base, second.base);

    // Each request carries the cookie by hand, so which server sees it is explicit.
    let login = first.login(&client(), ADMIN, ADMIN_PASSWORD).await;
    let session = session_pair(&login);
    let call = |app: &TestApp, method: &str, endpoint: &str| {
        let request = match method {
            "GET" => client().get(app.url(endpoint)),
            _ => client()
                .post(app.url(endpoint))
                .header("X-Requested-By", "ThoughtSpot"),
        };
        request.header("Cookie", session.clone()).send()
    };
    assert_eq!(
        call(&second, "GET", "user/list").await.unwrap().status(),
        StatusCode::OK
    );

    // A sync on one replica shows on the other.
    let admin = first.admin().await;
    let principals = serde_json::json!([user_json("alice", &[])]);
    sync_ok(&first, &admin, &principals, true, false, Some("alice pw")).await;
    let list: Vec<serde_json::Value> = call(&second, "GET", "user/list")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(find(&list, "alice", true).is_some());
    // alice logs in on the second replica with the password set through the first.
    let alice = second.logged_in("alice", "alice pw").await;
    assert_error(second.get(&alice, "user/list").await, 403, 10003).await;

    // A password change through the first moves alice's `modified`; the second's user/list
    // (which it caches) shows it at once.
    let modified =
        |list: &[serde_json::Value]| find(list, "alice", true).unwrap()["modified"].clone();
    let before = modified(&list);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let response = first
        .post_form(
            &admin,
            "user/updatepassword",
            &[
                ("name", "alice"),
                ("currentpassword", ADMIN_PASSWORD),
                ("password", "alice pw 2"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list: Vec<serde_json::Value> = call(&second, "GET", "user/list")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(modified(&list), before);

    // Logging out on the second ends the session on the first.
    let response = call(&second, "POST", "session/logout").await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(call(&first, "GET", "user/list").await.unwrap(), 401, 10003).await;
}

both_stores!(
    login_sets_a_session_cookie,
    wrong_credentials_are_401,
    logout_ends_the_session,
    idle_sessions_expire,
    expired_and_ended_sessions_are_refused_everywhere,
    sessions_in_use_do_not_expire,
    logout_ends_only_that_session,
    sessions_are_shared_by_replicas,
    cookies_are_secure_only_behind_tls,
);
