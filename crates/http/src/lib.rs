//! The HTTP face of Searchlight: ThoughtSpot's REST API v1 under
//! `/callosum/v1/tspublic/v1/`.
//!
//! This crate holds no business rules. A request flows one way:
//!
//! 1. [`context`] middleware: request ids, the `X-Requested-By` rule, `x-callosum-*` headers,
//!    error bodies, the request log;
//! 2. extractors: [`params::Params`] (query string, urlencoded and multipart bodies merged,
//!    v1 list and boolean conventions) and [`auth::CurrentUser`] (session cookie → caller);
//! 3. a handler in [`routes`] that calls the identity, catalog or engine service and shapes
//!    the v1 response.
//!
//! [`run`] serves the router on a listener until a shutdown signal, then drains in-flight
//! requests.

pub mod auth;
pub mod context;
pub mod error;
pub mod params;
mod pyliteral;
pub mod routes;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::routing::{get, post};
use axum::{Router, ServiceExt};
use tokio::net::TcpListener;
use tower::Layer;
use tower::util::MapRequestLayer;

use crate::context::API_PREFIX;
use crate::error::ApiError;
use searchlight_catalog::Catalog;
use searchlight_engine::answers::Answers;
use searchlight_errors::Error;
use searchlight_identity::Identity;

/// Settings the HTTP layer itself needs.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Lifetime of a remember-me cookie.
    pub remember_me: Duration,
    /// Relative paths in TML imported over the API start here.
    pub data_dir: PathBuf,
}

/// Shared state of every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub identity: Identity,
    pub catalog: Catalog,
    pub answers: Answers,
    pub settings: HttpSettings,
}

async fn unknown_endpoint(method: Method, uri: axum::http::Uri) -> ApiError {
    Error::UnknownEndpoint {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
    .into()
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    Error::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
    .into()
}

async fn healthz() -> &'static str {
    "ok"
}

/// The v1 API routes, relative to [`API_PREFIX`].
fn api_routes() -> Router<AppState> {
    use routes::{data, group, metadata, session, user};
    Router::new()
        .route("/session/login", post(session::login))
        .route("/session/logout", post(session::logout))
        .route("/user/list", get(user::list))
        .route("/user/updatepassword", post(user::update_password))
        .route("/user/transfer/ownership", post(user::transfer_ownership))
        // The seed's heading names this path; it is the same operation.
        .route("/user/ownership", post(user::transfer_ownership))
        .route("/user/sync", post(user::sync))
        .route("/group/addprivilege", post(group::add_privilege))
        .route("/group/removeprivilege", post(group::remove_privilege))
        .route(
            "/metadata/listobjectheaders",
            get(metadata::list_object_headers),
        )
        .route("/metadata/listvizheaders", get(metadata::list_viz_headers))
        .route("/metadata/tml/import", post(metadata::tml_import))
        .route("/metadata/tml/export", post(metadata::tml_export))
        .route("/metadata/assigntag", post(metadata::assign_tag))
        .route("/security/share", post(metadata::share))
        .route("/searchdata", post(data::search_data))
        .route("/pinboarddata", post(data::pinboard_data))
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest(API_PREFIX, api_routes())
        .route("/healthz", get(healthz))
        .fallback(unknown_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(params::BODY_LIMIT))
        .layer(axum::middleware::from_fn(context::request_context))
        .with_state(state)
}

/// Serves `state`'s router on `listener` until `shutdown` completes, then lets in-flight
/// requests finish.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = MapRequestLayer::new(context::normalize_path).layer(router(state));
    axum::serve(listener, ServiceExt::<Request>::into_make_service(app))
        .with_graceful_shutdown(shutdown)
        .await
}
