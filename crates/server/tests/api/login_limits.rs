//! Logins that resist guessing and flooding (issue 13, "What to build" 1): failed logins lock
//! an account, and a client address, with exponential back-off (429 with `Retry-After` and
//! the v1 error body, the right password refused too); a bounded number of password checks
//! run at once (the rest wait briefly, then 503 with `Retry-After`, never a 500); an unknown
//! user costs one Argon2 computation, as a wrong password does; login bodies are capped.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::Value;

use searchlight::{Config, Services};

use crate::both_stores;
use crate::helpers::*;

/// The `Retry-After` seconds of a response.
fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in whole seconds")
}

/// Asserts a 429 in the v1 error body; returns its `Retry-After` and its message.
async fn throttled(response: Response) -> (u64, String) {
    let seconds = retry_after(&response);
    let message = assert_error(response, 429, 10003).await;
    (seconds, message)
}

/// Sleeps until a lock that `Retry-After` announced has ended.
async fn wait_out(seconds: u64) {
    tokio::time::sleep(Duration::from_secs(seconds) + Duration::from_millis(150)).await;
}

async fn wrong_logins_lock_the_account_with_growing_backoff(store: StoreKind) {
    let app = spawn_app_with(store, |c| {
        c.login_free_failures = 3;
        c.login_backoff_base_secs = 2;
    })
    .await;
    let client = client();
    // Three free failures, then a fourth: each is checked and answered 401; the fourth locks
    // the account for 2 s.
    for _ in 0..4 {
        assert_error(app.login(&client, ADMIN, "wrong").await, 401, 10003).await;
    }
    let (seconds, message) = throttled(app.login(&client, ADMIN, "wrong").await).await;
    assert!((1..=2).contains(&seconds), "Retry-After {seconds}");
    assert!(message.contains("tsadmin"), "{message}");
    // The right password is refused as well while the lock lasts, whatever the name's case.
    throttled(app.login(&client, ADMIN, ADMIN_PASSWORD).await).await;
    throttled(app.login(&client, "TSAdmin", "wrong").await).await;
    // Other accounts are not locked.
    assert_error(app.login(&client, "somebody", "wrong").await, 401, 10003).await;

    // When the lock ends the next failure locks for twice as long.
    wait_out(seconds).await;
    assert_error(app.login(&client, ADMIN, "wrong").await, 401, 10003).await;
    let (seconds, _) = throttled(app.login(&client, ADMIN, ADMIN_PASSWORD).await).await;
    assert!((3..=4).contains(&seconds), "Retry-After {seconds}");

    // After it, the right password works, and the count starts over.
    wait_out(seconds).await;
    let response = app.login(&client, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for _ in 0..3 {
        assert_error(app.login(&client, ADMIN, "wrong").await, 401, 10003).await;
    }
    let response = app.login(&client, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn many_names_from_one_address_lock_the_address(store: StoreKind) {
    let app = spawn_app_with(store, |c| {
        c.login_address_free_failures = 4;
        c.login_backoff_base_secs = 2;
    })
    .await;
    // One failure for each of five names: no account is past its free failures, but the
    // address is.
    for i in 0..5 {
        let response = app.login(&client(), &format!("guess{i}"), "wrong").await;
        assert_error(response, 401, 10003).await;
    }
    let (seconds, message) = throttled(app.login(&client(), "guess9", "wrong").await).await;
    assert!((1..=2).contains(&seconds), "Retry-After {seconds}");
    assert!(message.contains("address"), "{message}");
    // Every account, with the right password too, from this address.
    let (seconds, _) = throttled(app.login(&client(), ADMIN, ADMIN_PASSWORD).await).await;
    wait_out(seconds).await;
    app.admin().await;
}

async fn password_checks_beyond_the_limit_are_503(store: StoreKind) {
    let app = spawn_app_with(store, |c| {
        c.password_hash_concurrency = 1;
        c.password_hash_wait_ms = 1;
        c.login_free_failures = 1000;
        c.login_address_free_failures = 1000;
    })
    .await;
    let app = Arc::new(app);
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..24 {
        let app = app.clone();
        logins.spawn(async move {
            let password = if i % 2 == 0 { ADMIN_PASSWORD } else { "wrong" };
            let response = app.login(&client(), ADMIN, password).await;
            let status = response.status().as_u16();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            (status, retry, response.text().await.unwrap())
        });
    }
    let mut busy = 0;
    while let Some(joined) = logins.join_next().await {
        let (status, retry, body) = joined.unwrap();
        match status {
            204 | 401 => {}
            503 => {
                busy += 1;
                assert_eq!(retry.as_deref(), Some("1"), "{body}");
                let body: Value = serde_json::from_str(&body).unwrap();
                assert_eq!(body["code"], 10000, "{body}");
                let debug = body["debug"].as_str().unwrap();
                assert!(debug.contains("too busy"), "{debug}");
            }
            other => panic!("a login answered {other}: {body}"),
        }
    }
    assert!(
        busy > 0,
        "24 concurrent logins with one hashing slot: none was refused"
    );
    // The server serves logins as before.
    app.admin().await;
}

async fn a_login_body_over_16_kib_is_413(store: StoreKind) {
    let app = spawn_app(store).await;
    let long = "x".repeat(20 * 1024);
    let message = assert_error(app.login(&client(), ADMIN, &long).await, 413, 10002).await;
    assert!(message.contains("16 KiB"), "{message}");
    let form = reqwest::multipart::Form::new()
        .text("username", ADMIN)
        .text("password", long);
    let response = post_parts(&app, &client(), "session/login", form).await;
    assert_error(response, 413, 10002).await;
    app.admin().await;
}

both_stores!(
    wrong_logins_lock_the_account_with_growing_backoff,
    many_names_from_one_address_lock_the_address,
    password_checks_beyond_the_limit_are_503,
    a_login_body_over_16_kib_is_413,
);

/// An unknown user's login costs one Argon2 computation, as a known user's does (before:
/// a fresh decoy hash and a verify, two, so names could be told apart by time). The store
/// plays no part, so SQLite only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_user_costs_one_password_check() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Config::default()
    };
    let services = Services::open(&config).await.unwrap();
    let identity = &services.identity;
    // The first unknown user also makes the decoy hash, once per server.
    let err = identity.login("nobody", "guess", false).await.unwrap_err();
    assert_eq!(err.name(), "WrongCredentials");
    for (user, password) in [("nobody", "guess"), ("someone", "x"), (ADMIN, "wrong")] {
        let before = identity.password_operations();
        let err = identity.login(user, password, false).await.unwrap_err();
        assert_eq!(err.name(), "WrongCredentials");
        assert_eq!(identity.password_operations() - before, 1, "{user}");
    }
    let before = identity.password_operations();
    identity.login(ADMIN, ADMIN_PASSWORD, false).await.unwrap();
    assert_eq!(identity.password_operations() - before, 1);
    services.store.close().await;
}
