//! The session cookie and the [`CurrentUser`] extractor.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use cookie::{Cookie, SameSite};

use crate::AppState;
use crate::context::RequestUser;
use crate::error::ApiError;
use searchlight_errors::Error;
use searchlight_identity::Caller;

/// The session cookie's name, as ThoughtSpot (and its clients' cookie jars) know it.
pub const SESSION_COOKIE: &str = "JSESSIONID";

/// The session id a request carries, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_string())
}

/// Whether the client reached us over TLS (directly or through a proxy that says so).
fn behind_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value that opens a session. A remember-me cookie persists for
/// `max_age_secs`; otherwise it lasts for the browser session.
pub fn session_cookie(
    request_headers: &HeaderMap,
    session_id: &str,
    max_age_secs: Option<i64>,
) -> String {
    let mut cookie = Cookie::build((SESSION_COOKIE, session_id.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(behind_tls(request_headers));
    if let Some(secs) = max_age_secs {
        cookie = cookie.max_age(cookie::time::Duration::seconds(secs));
    }
    cookie.build().to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_session_cookie() -> String {
    Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The logged-in caller. Rejects the request with 401 when there is no valid session.
pub struct CurrentUser(pub Caller);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = session_id(&parts.headers).ok_or(Error::NotLoggedIn)?;
        let caller = state.identity.authenticate(&session).await?;
        if let Some(user) = parts.extensions.get::<RequestUser>() {
            let _ = user.0.set(caller.name.clone());
        }
        Ok(CurrentUser(caller))
    }
}

/// The caller as the catalog sees it.
pub trait CallerExt {
    fn actor(&self) -> searchlight_catalog::Actor;
}

impl CallerExt for Caller {
    fn actor(&self) -> searchlight_catalog::Actor {
        let mut principal_ids = Vec::with_capacity(self.groups.len() + 1);
        principal_ids.push(self.user_id.clone());
        principal_ids.extend(self.groups.iter().cloned());
        searchlight_catalog::Actor {
            name: self.name.clone(),
            viewer: searchlight_store::Viewer {
                user_id: self.user_id.clone(),
                principal_ids,
                sees_everything: self.is_admin(),
            },
            manages_data: self.is_admin()
                || self.has(searchlight_identity::Privilege::DataManagement),
        }
    }
}
