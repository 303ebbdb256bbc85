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
//! Each handler is registered with its OpenAPI description ([`api_router`], utoipa-axum), so
//! the router serves exactly what [`openapi::document`] describes. Beside the API, [`portal`]
//! serves the pages a person opens: `/login`, the API explorer at `/external/swagger` and the
//! embedding example at `/examples/embed/`.
//!
//! [`run`] serves the router on a listener until a shutdown signal, then drains in-flight
//! requests.

pub mod auth;
pub mod context;
pub mod error;
pub mod openapi;
pub mod params;
pub mod portal;
mod pyliteral;
pub mod routes;
pub mod serve;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::get;
use tokio::net::TcpListener;
use tower::Layer;
use tower::util::MapRequestLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
    /// The built embedding example (`examples/embed/dist`), served at `/examples/embed/`
    /// when the folder exists.
    pub embed_example_dir: Option<PathBuf>,
    /// How many connections are served at once and how long request headers may take.
    pub connection_limits: serve::ConnectionLimits,
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

/// The v1 API under [`API_PREFIX`]: the one table of its routes. Each handler is registered
/// together with its `#[utoipa::path]` description (method and path included), so the
/// router serves exactly the operations the OpenAPI document lists.
pub fn api_router() -> OpenApiRouter<AppState> {
    use routes::{data, group, metadata, searchlight, session, user};
    let api = OpenApiRouter::new()
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(user::list))
        .routes(routes!(user::update_password))
        .routes(routes!(user::transfer_ownership))
        // The seed's heading names this path; it is the same operation.
        .routes(routes!(user::transfer_ownership_alias))
        .routes(routes!(user::sync))
        .routes(routes!(group::add_privilege))
        .routes(routes!(group::remove_privilege))
        .routes(routes!(metadata::list_object_headers))
        .routes(routes!(metadata::list_viz_headers))
        .routes(routes!(metadata::tml_import))
        .routes(routes!(metadata::tml_export))
        .routes(routes!(metadata::assign_tag))
        .routes(routes!(metadata::share))
        .routes(routes!(data::search_data))
        .routes(routes!(data::pinboard_data))
        .routes(routes!(searchlight::stats))
        .routes(routes!(searchlight::explain));
    OpenApiRouter::with_openapi(openapi::base()).nest(API_PREFIX, api)
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (api, _) = api_router().split_for_parts();
    Router::new()
        .merge(api)
        .merge(portal::routes())
        .route("/healthz", get(healthz))
        .fallback(unknown_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(params::BODY_LIMIT))
        .layer(axum::middleware::from_fn(context::request_context))
        .with_state(state)
}

/// Serves `state`'s router on `listener` until `shutdown` completes, then lets in-flight
/// requests finish. Each request carries the client's address as
/// `ConnectInfo<SocketAddr>` (login throttling counts failures per address); connections
/// are bounded by the settings' [`serve::ConnectionLimits`].
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.settings.connection_limits;
    let app = MapRequestLayer::new(context::normalize_path).layer(router(state));
    serve::serve(listener, app, limits, shutdown).await
}
