//! The sign-in function's OpenID client secrets, as deployed: read from Secrets Manager (moto's
//! here), put in each provider's configuration, and read again by the next sign-in when a read
//! failed (a secret created late, Secrets Manager briefly unreachable). Nothing is read before a
//! sign-in needs the secrets (issue 7: neither the cold start nor the other requests wait for
//! Secrets Manager).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rpps_auth::config::SecretSource;
use rpps_auth::{AuthState, Providers};
use rpps_e2e::aws_endpoint;
use rpps_identity::{OidcClientConfig, Provider, SecretString};
use rpps_store::Store;
use secrecy::ExposeSecret;
use tower::ServiceExt;

fn configs() -> (OidcClientConfig, OidcClientConfig) {
    let empty = || SecretString::from(String::new());
    let origin = "http://127.0.0.1:1";
    (
        OidcClientConfig::franceconnect(
            format!("{origin}/fc"),
            "rpps-fc",
            empty(),
            format!("{origin}/api/auth/franceconnect/callback"),
            format!("{origin}/api/auth/logged-out"),
        ),
        OidcClientConfig::psc(
            format!("{origin}/psc"),
            "rpps-psc",
            empty(),
            format!("{origin}/api/auth/psc/callback"),
            format!("{origin}/api/auth/logged-out"),
        ),
    )
}

async fn create_secret(sdk: &rpps_runtime::aws::SdkConfig, name: &str, value: &str) {
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("moto creates the secret");
}

/// moto's SDK configuration and two secret names of this test's own.
fn fresh_names() -> (rpps_runtime::aws::SdkConfig, String, String) {
    let run = uuid::Uuid::new_v4();
    (
        rpps_runtime::aws::for_local_endpoint(&aws_endpoint()),
        format!("{run}/franceconnect"),
        format!("{run}/psc"),
    )
}

/// Providers whose client secrets are the secrets `fc_id` and `psc_id` in moto.
fn providers_reading(
    sdk: &rpps_runtime::aws::SdkConfig,
    fc_id: String,
    psc_id: String,
) -> Providers {
    let (franceconnect, psc) = configs();
    Providers::with_secrets_from(franceconnect, psc, SecretSource::new(sdk, fc_id, psc_id))
}

/// Each provider's configuration carries its own secret (as `create_secret` put them); the
/// configurations, for more checks.
async fn assert_both_secrets(providers: &Providers) -> (OidcClientConfig, OidcClientConfig) {
    let fc = providers
        .client_config(Provider::FranceConnect)
        .await
        .unwrap();
    assert_eq!(fc.client_secret.expose_secret(), "fc-secret-value");
    let psc = providers
        .client_config(Provider::ProSanteConnect)
        .await
        .unwrap();
    assert_eq!(psc.client_secret.expose_secret(), "psc-secret-value");
    (fc, psc)
}

#[tokio::test]
async fn each_provider_gets_its_own_secret_from_secrets_manager() {
    let (sdk, fc_id, psc_id) = fresh_names();
    create_secret(&sdk, &fc_id, "fc-secret-value").await;
    create_secret(&sdk, &psc_id, "psc-secret-value").await;
    let providers = providers_reading(&sdk, fc_id, psc_id);

    providers.read_secrets().await.expect("both secrets read");
    let (fc, psc) = assert_both_secrets(&providers).await;
    // The rest of the configuration is the environment's.
    assert_eq!(fc.client_id, "rpps-fc");
    assert_eq!(psc.client_id, "rpps-psc");
}

#[tokio::test]
async fn a_failed_read_is_an_unavailable_provider_and_the_next_sign_in_reads_again() {
    let (sdk, fc_id, psc_id) = fresh_names();
    create_secret(&sdk, &fc_id, "fc-secret-value").await;
    let providers = providers_reading(&sdk, fc_id, psc_id.clone());

    // One secret is missing: the first read fails, and so does a sign-in, with the provider
    // shown as unavailable (the person is told to try again later), never with an empty secret.
    let error = providers
        .read_secrets()
        .await
        .expect_err("a secret is missing");
    assert!(
        matches!(error, rpps_identity::IdentityError::Unavailable(ref m) if m.contains(&psc_id)),
        "{error:?}"
    );
    let error = providers
        .client_config(Provider::FranceConnect)
        .await
        .expect_err("no configuration without its secret");
    assert_eq!(error.code(), "provider_unavailable");

    // Once the secret exists, the next sign-in reads both.
    create_secret(&sdk, &psc_id, "psc-secret-value").await;
    assert_both_secrets(&providers).await;
}

#[tokio::test]
async fn configurations_that_carry_their_secrets_are_used_as_they_are() {
    let (mut franceconnect, psc) = configs();
    franceconnect.client_secret = SecretString::from("local-secret".to_owned());
    let providers = Providers::new(franceconnect, psc);
    providers.read_secrets().await.expect("nothing to read");
    let fc = providers
        .client_config(Provider::FranceConnect)
        .await
        .unwrap();
    assert_eq!(fc.client_secret.expose_secret(), "local-secret");
}

#[tokio::test]
async fn nothing_is_read_before_a_sign_in_needs_the_secrets() {
    let (sdk, fc_id, psc_id) = fresh_names();
    create_secret(&sdk, &fc_id, "fc-secret-value").await;
    create_secret(&sdk, &psc_id, "psc-secret-value").await;
    let providers = Arc::new(providers_reading(&sdk, fc_id, psc_id));
    let state = AuthState {
        store: Store::from_config(&rpps_api::routes::test_config(), &sdk),
        providers: providers.clone(),
        public_origin: "http://127.0.0.1:1".to_owned(),
    };
    let router = rpps_auth::router(state);

    // A request that is not a sign-in (no session cookie: no store call either) is answered
    // without the secrets, and nothing reads them, then or later.
    let request = Request::get("/api/session").body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!providers.secrets_are_read(), "read without a sign-in");

    // A sign-in's configuration reads both, once.
    assert_both_secrets(&providers).await;
    assert!(providers.secrets_are_read());
}
