//! Turning a [`searchlight_errors::Error`] into the v1 error response.
//!
//! Handlers return [`ApiError`]. Its response carries the error as an extension and no body
//! yet: the request-context middleware, which knows the request's incident and trace ids,
//! writes the body, so the ids in the body and in the `x-callosum-*` headers always agree.

use std::sync::Arc;

use axum::Json;
use axum::http::header::{CONNECTION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use searchlight_errors::Error;

/// A handler error: any public error.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        Self(err)
    }
}

/// The error a response stands for, kept until the middleware renders it.
#[derive(Clone)]
pub(crate) struct PendingError(pub Arc<Error>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(PendingError(Arc::new(self.0)));
        response
    }
}

/// The v1 error body. `debug` is a string holding a JSON array of messages, which clients
/// such as cs_tools decode with `json.loads`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "code": 10002,
    "incident_id_guid": "0d6c2d2e-6f1a-4a55-9a3e-2f7f5c1b9e11",
    "trace_id_guid": "7b1e0c55-2f4d-4b8e-9c3a-5d6e7f8091a2",
    "debug": "[\"Missing required parameter 'username'\"]"
}))]
pub(crate) struct ErrorBody<'a> {
    /// 10002: bad request; 10003: not logged in, wrong credentials or not allowed;
    /// 10000: internal fault.
    #[schema(example = 10002)]
    code: u32,
    /// The request's incident id (also in the `x-callosum-incident-id` header).
    #[schema(format = "uuid")]
    incident_id_guid: &'a str,
    /// The request's trace id (also in the `x-callosum-trace-id` header).
    #[schema(format = "uuid")]
    trace_id_guid: &'a str,
    /// A JSON-encoded array of human-readable messages naming what was wrong.
    debug: String,
}

/// What the client is told. Internal faults get a generic message pointing at the incident
/// id; their details stay in the server log. Every other error (5xx ones such as
/// `Overloaded` included) is its message.
pub(crate) fn client_message(err: &Error, incident_id: &str) -> String {
    if !err.is_internal() {
        err.to_string()
    } else {
        format!(
            "Internal error: the server could not complete the request. \
             Incident {incident_id} has the details in the server log."
        )
    }
}

/// Builds the full error response, with `Retry-After` for errors that pass by themselves.
pub(crate) fn render(err: &Error, incident_id: &str, trace_id: &str) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let messages = vec![client_message(err, incident_id)];
    let body = ErrorBody {
        code: err.code(),
        incident_id_guid: incident_id,
        trace_id_guid: trace_id,
        // A Vec<String> always serialises.
        debug: serde_json::to_string(&messages).unwrap_or_default(),
    };
    let mut response = (status, Json(body)).into_response();
    // The rest of a refused body is never read: the connection ends with this answer, and
    // saying so keeps clients from sending their next request on it.
    if matches!(err, Error::BodyTooLarge { .. } | Error::BodyTimeout { .. }) {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(seconds) = err.retry_after() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
