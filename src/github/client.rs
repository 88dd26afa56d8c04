//! The one HTTP stack every GitHub call goes through: [`octocrab`] over hyper with rustls
//! (native roots, the `ring` provider), built here once for publishing
//! ([`crate::publish::github`]) and for the budgeted reader ([`super::reader`]).
//!
//! The stack is assembled by hand rather than with octocrab's default builder because that
//! builder always adds `User-Agent: octocrab` next to ours (two `User-Agent` lines), logs every
//! 5xx at error level on its own, and rewrites absolute URLs under the base URI's path prefix
//! (a `Link` page on another path would be sent elsewhere). Here, outermost first:
//!
//! - the token as `Authorization: Bearer …` (marked sensitive), only on requests to the API's
//!   own host (octocrab's auth layer); without a token there is no `Authorization` at all;
//! - our [`super::USER_AGENT`] (octocrab itself adds `X-GitHub-Api-Version: 2022-11-28` to
//!   every raw request);
//! - redirects followed (at most 20), credentials dropped when one leaves the host
//!   (tower-http's standard policy);
//! - connect, read and write timeouts on the socket.
//!
//! Requests take absolute URLs (`{api_url}/repos/…`), so a `Link` header's target is requested
//! as given.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use http::header::{HeaderValue, USER_AGENT};
use octocrab::service::middleware::auth_header::AuthHeaderLayer;
use octocrab::service::middleware::extra_headers::ExtraHeadersLayer;
use octocrab::{AuthState, OctoBody, Octocrab, OctocrabBuilder};
use tower::Layer;
use tower_http::follow_redirect::FollowRedirectLayer;

/// Socket timeouts of one client.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Longest wait for the next bytes of an answer.
    pub read: Duration,
    pub write: Duration,
}

/// An `Octocrab` for `api_url` (no trailing `/`), sending `token` when there is one.
pub fn octocrab(api_url: &str, token: Option<&str>, timeouts: Timeouts) -> Result<Octocrab> {
    let base: http::Uri = api_url
        .parse()
        .ok()
        .filter(|uri: &http::Uri| uri.scheme().is_some() && uri.authority().is_some())
        .with_context(|| format!("`{api_url}` is not a valid GitHub API URL"))?;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .context("building the GitHub client: reading the system's root certificates")?
        .https_or_http()
        .enable_http1()
        .build();
    let mut connector = hyper_timeout::TimeoutConnector::new(https);
    connector.set_connect_timeout(Some(timeouts.connect));
    connector.set_read_timeout(Some(timeouts.read));
    connector.set_write_timeout(Some(timeouts.write));
    let hyper: hyper_util::client::legacy::Client<_, OctoBody> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector);
    let service = FollowRedirectLayer::new().layer(hyper);
    let headers = vec![(USER_AGENT, HeaderValue::from_static(super::USER_AGENT))];
    let service = ExtraHeadersLayer::new(Arc::new(headers)).layer(service);
    let authorization = match token {
        Some(token) => {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .ok()
                .context("the GitHub token is not a valid header value")?;
            value.set_sensitive(true);
            Some(value)
        }
        None => None,
    };
    let service = AuthHeaderLayer::new(authorization, base.clone(), base).layer(service);
    let client = OctocrabBuilder::new_empty()
        .with_service(service)
        .with_auth(AuthState::None)
        .build()
        .context("building the GitHub client")?;
    Ok(client)
}

/// A transport error's text, each cause once (octocrab's `Service Error: ` wrapper dropped).
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    if let Some(rest) = text.strip_prefix("Service Error: ") {
        text = rest.to_string();
    }
    let mut source = err.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}
