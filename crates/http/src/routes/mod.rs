//! The v1 endpoints, one module per group of the API.

pub mod data;
pub mod group;
pub mod metadata;
pub mod searchlight;
pub mod session;
pub mod user;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The empty success answer many v1 endpoints give.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
