//! Per-request context: ids, the `x-callosum-*` headers, the `X-Requested-By` rule, error
//! bodies and the request log line.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, PendingError, render};
use searchlight_errors::Error;

/// Who made the request, filled in once the session is resolved; read by the request log.
#[derive(Clone, Default)]
pub(crate) struct RequestUser(pub Arc<OnceLock<String>>);

/// The API prefix every v1 endpoint lives under.
pub const API_PREFIX: &str = "/callosum/v1/tspublic/v1";

/// Whether the request changes state and so must carry `X-Requested-By`.
fn needs_requested_by(req: &Request) -> bool {
    matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::DELETE | Method::PATCH
    ) && req.uri().path().starts_with("/callosum/")
}

/// The outermost middleware of the API. See the module documentation.
pub(crate) async fn request_context(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let incident_id = uuid::Uuid::new_v4().to_string();
    let trace_id = uuid::Uuid::new_v4().to_string();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let user = RequestUser::default();
    req.extensions_mut().insert(user.clone());

    let mut response = if needs_requested_by(&req) && !req.headers().contains_key("x-requested-by")
    {
        ApiError(Error::MissingRequestedBy).into_response()
    } else {
        next.run(req).await
    };

    let mut failure = None;
    if let Some(PendingError(err)) = response.extensions_mut().remove::<PendingError>() {
        // Faults are logged with their details; other errors (a 503 for a busy server
        // included) are in the request log line by name.
        if err.is_internal() {
            tracing::error!(incident_id = %incident_id, error = %err, source = ?std::error::Error::source(&*err), "request failed");
        }
        let extra_headers = std::mem::take(response.headers_mut());
        response = render(&err, &incident_id, &trace_id);
        response.headers_mut().extend(extra_headers);
        failure = Some(err.name());
    }

    let elapsed_us = started.elapsed().as_micros();
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-callosum-incident-id", incident_id.as_str()),
        ("x-callosum-trace-id", trace_id.as_str()),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    headers.insert(
        "x-callosum-request-time-us",
        HeaderValue::from(elapsed_us as u64),
    );

    tracing::info!(
        target: "searchlight::request",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        time_us = elapsed_us as u64,
        incident_id = %incident_id,
        user = user.0.get().map(String::as_str).unwrap_or("-"),
        error = failure.unwrap_or(""),
        "request"
    );
    response
}

/// Collapses repeated slashes in the path (`//callosum/…` from clients configured with a
/// trailing slash) before routing.
pub(crate) fn normalize_path(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.contains("//") {
        let mut collapsed = String::with_capacity(path.len());
        for c in path.chars() {
            if !(c == '/' && collapsed.ends_with('/')) {
                collapsed.push(c);
            }
        }
        let rebuilt = match req.uri().query() {
            Some(query) => format!("{collapsed}?{query}"),
            None => collapsed,
        };
        if let Ok(uri) = rebuilt.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}
