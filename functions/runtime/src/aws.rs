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

/// The roots of Amazon Trust Services, the certificate authority of every AWS service endpoint:
/// Amazon Root CA 1 to 4 and Starfield Services Root Certificate Authority - G2, which
/// cross-signs them (`certs/README.md`).
pub const AMAZON_TRUST_SERVICES_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// What the SDK clients of the functions trust: Amazon Trust Services' five roots, and nothing
/// else (`system_roots_too`: the CLI's, see [`https_client_trusting_system_roots`]). Not the
/// system's store: no certificate authority other than Amazon's can vouch for a DynamoDB, SES or
/// Secrets Manager endpoint, and nothing is read from the disk (the system's store is some 140
/// certificates, `/etc/pki/tls/certs/ca-bundle.crt` on `provided.al2023`, read and parsed on a
/// function's first AWS call: milliseconds of a cold start, docs/PERFORMANCE.md).
fn aws_trust(system_roots_too: bool) -> tls::TlsContext {
    let roots = tls::TrustStore::empty()
        .with_native_roots(system_roots_too)
        .with_pem_certificate(AMAZON_TRUST_SERVICES_PEM);
    match tls::TlsContext::builder().with_trust_store(roots).build() {
        Ok(context) => context,
        // Cannot happen in this version (building only stores the fields); if a later one checks
        // something here, the system's store still lets the functions work.
        Err(e) => {
            tracing::warn!(error = %e, "Amazon Trust Services roots refused; using the system's");
            tls::TlsContext::default()
        }
    }
}

/// The one HTTPS client of every AWS SDK client: hyper 1 and rustls on ring (the SDK crates'
/// default features, which would add aws-lc and a second, legacy client, are off), trusting
/// [`aws_trust`]; its TLS configuration is built when the first request needs a connection, not
/// while the clients are built ([`OnFirstRequest`]).
pub fn https_client() -> SharedHttpClient {
    https_client_trusting(aws_trust(false))
}

/// For the operators' CLI (`rpps-admin`), which runs on a person's computer: Amazon's roots and
/// the system's, so that a company proxy inspecting TLS with its own authority (installed in
/// the system's store) does not stop it.
pub fn https_client_trusting_system_roots() -> SharedHttpClient {
    https_client_trusting(aws_trust(true))
}

fn https_client_trusting(trust: tls::TlsContext) -> SharedHttpClient {
    SharedHttpClient::new(OnFirstRequest(
        aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .tls_context(trust)
            .build_https(),
    ))
}

/// The SDK's HTTPS client, minus its eagerness: its `validate_base_client_config` builds a
/// connector (TLS configuration, root store) while each SDK client is built, during a Lambda's
/// initialisation. A function whose first request needs no AWS call (no session cookie, a
/// malformed parameter) then never pays it, and the others pay it once, on their first call.
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
pub fn from_env() -> SdkConfig {
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
    for_local_endpoint_as(endpoint, "local")
}

/// [`for_local_endpoint`] signing with `access_key`: the local IAM gate (rpps-local) reads it
/// to know which function calls.
pub fn for_local_endpoint_as(endpoint: &str, access_key: &str) -> SdkConfig {
    base(DEFAULT_REGION.to_owned())
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            access_key,
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
    fn the_sdk_clients_trust_exactly_the_five_amazon_trust_services_roots() {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let roots = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES_PEM)
            .collect::<Result<Vec<_>, _>>()
            .expect("the embedded bundle is valid PEM");
        let fingerprints: Vec<String> = roots
            .iter()
            .map(|der| {
                let digest = ring::digest::digest(&ring::digest::SHA256, der);
                digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect();
        // As published at https://www.amazontrust.com/repository/ (SHA-256 of the DER).
        assert_eq!(
            fingerprints,
            [
                "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", // Amazon Root CA 1
                "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", // Amazon Root CA 2
                "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", // Amazon Root CA 3
                "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", // Amazon Root CA 4
                "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", // Starfield Services G2
            ]
        );
        // rustls takes each as a trust anchor, as the SDK's client does when it connects.
        let mut store = rustls::RootCertStore::empty();
        let (added, refused) = store.add_parsable_certificates(roots);
        assert_eq!((added, refused), (5, 0));
    }

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

    #[test]
    fn lambda_configuration_has_every_runtime_component() {
        let config = from_env();
        assert!(config.http_client().is_some());
        assert!(config.sleep_impl().is_some());
        assert!(config.time_source().is_some());
        assert!(config.credentials_provider().is_some());
        assert!(config.region().is_some());
    }
}
