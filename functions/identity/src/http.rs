//! The outbound HTTP client handed to `openidconnect`: the workspace's reqwest (rustls) with
//! explicit timeouts, no redirects, and a cap on what is read.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Connecting to a provider gives up after this.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A whole exchange with a provider gives up after this.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest answer read from a provider (discovery, JWKS, token, userinfo are a few KB).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("could not reach the provider: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("the provider answered HTTP {0}")]
    Status(u16),
    #[error("the provider's answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("could not build the request: {0}")]
    Build(String),
}

/// rustls on ring for every TLS connection of the process that has no provider of its own
/// (reqwest is built without a bundled one, so no aws-lc in the functions). Idempotent: the
/// first provider installed stays.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Cheap to clone (reqwest's client is a handle).
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    pub fn new() -> Result<Self, reqwest::Error> {
        install_tls_provider();
        let inner = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            // Never follow a redirect: a token endpoint that redirects must not receive the
            // code and the client secret a second time somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("rpps-identity/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { inner })
    }

    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let url = reqwest::Url::parse(&parts.uri.to_string())
            .map_err(|err| HttpError::Build(err.to_string()))?;
        let mut response = self
            .inner
            .request(parts.method, url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(HttpError::Transport)?;
        let status = response.status();
        // 5xx: the provider is down; 3xx: a redirect we refuse to follow. Both are reported as
        // transport failures so that every caller maps them to "unavailable".
        if status.is_server_error() || status.is_redirection() {
            return Err(HttpError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_RESPONSE_BYTES as u64)
        {
            return Err(HttpError::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(HttpError::Transport)? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(HttpError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let mut builder = openidconnect::http::Response::builder().status(status);
        if let Some(headers) = builder.headers_mut() {
            *headers = response.headers().clone();
        }
        builder
            .body(bytes)
            .map_err(|err| HttpError::Build(err.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.execute(request))
    }
}
