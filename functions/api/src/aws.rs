//! The AWS SDK configuration shared by every client: region, credentials, explicit timeouts,
//! bounded retries, one HTTPS client.
//!
//! A Lambda function reads what Lambda gives it in its environment (region, the execution role's
//! credentials) and nothing else: no `aws-config` provider chains (profiles, SSO, IMDS, STS),
//! which would add their code to every function and their work to every cold start
//! (docs/PERFORMANCE.md, "Function sizes"). The operators' CLI (`rpps-admin`) uses `aws-config`'s
//! full chain instead. Locally the endpoint comes from `AWS_ENDPOINT_URL` (the emulators).

use std::env;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;

pub use aws_types::SdkConfig;

pub const DEFAULT_REGION: &str = "eu-west-3";

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// The one HTTPS client of every AWS SDK client: hyper 1 and rustls on ring (the SDK crates'
/// default features, which would add aws-lc and a second, legacy client, are off). The trusted
/// roots are the system's (`/etc/pki/tls/certs` on Lambda's `provided.al2023`), read when the
/// first request needs a connection, not while the clients are built ([`OnFirstRequest`]).
pub fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(OnFirstRequest(
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https(),
    ))
}

/// The SDK's HTTPS client, minus its eagerness: its `validate_base_client_config` builds a
/// connector, and so reads and parses the system's ~150 root certificates (a few milliseconds),
/// while each SDK client is built, during a Lambda's initialisation. A function whose first
/// request needs no AWS call (no session cookie, a malformed parameter) then never pays it, and
/// the others pay it once, on their first call, as they would have at start-up.
#[derive(Debug)]
struct OnFirstRequest(SharedHttpClient);

impl HttpClient for OnFirstRequest {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

fn non_empty(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The execution role's credentials, which Lambda puts in the environment
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). Read when a client first
/// signs a request, so a missing variable is that request's error, as with the SDK's own
/// environment provider.
#[derive(Debug)]
struct EnvironmentCredentials;

impl EnvironmentCredentials {
    fn read(var: impl Fn(&str) -> Option<String>) -> Result<Credentials, CredentialsError> {
        let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(CredentialsError::not_loaded(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set",
            ));
        };
        Ok(Credentials::new(
            key,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "Environment",
        ))
    }
}

impl ProvideCredentials for EnvironmentCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Self::read(non_empty))
    }
}

fn base(region: String) -> aws_types::sdk_config::Builder {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .sleep_impl(TokioSleep::new())
        .time_source(SystemTimeSource::new())
        .region(Region::new(region))
        .timeout_config(timeouts())
}

/// The configuration of a Lambda function, from the variables Lambda sets: the region
/// (`AWS_REGION`, else `AWS_DEFAULT_REGION`, else eu-west-3), the execution role's credentials,
/// and `AWS_ENDPOINT_URL` when set (an emulator, locally). Reads no file and calls no service.
pub async fn from_env() -> SdkConfig {
    let region = non_empty("AWS_REGION")
        .or_else(|| non_empty("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let mut config = base(region)
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentCredentials))
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(endpoint) = non_empty("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    config.build()
}

/// A configuration pointing every client at a local emulator, with placeholder credentials.
/// For tests and the local runner; never used in AWS.
pub fn for_local_endpoint(endpoint: &str) -> SdkConfig {
    base(DEFAULT_REGION.to_owned())
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "local",
            "local",
            None,
            None,
            "local-emulator",
        )))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_the_environment_variables_lambda_sets() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert!(EnvironmentCredentials::read(env(&[])).is_err());
        assert!(EnvironmentCredentials::read(env(&[("AWS_ACCESS_KEY_ID", "AKID")])).is_err());
        let credentials = EnvironmentCredentials::read(env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ]))
        .expect("read");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
    }

    #[tokio::test]
    async fn lambda_configuration_has_every_runtime_component() {
        let config = from_env().await;
        assert!(config.http_client().is_some());
        assert!(config.sleep_impl().is_some());
        assert!(config.time_source().is_some());
        assert!(config.credentials_provider().is_some());
        assert!(config.region().is_some());
    }
}
