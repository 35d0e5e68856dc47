//! The sign-in function's configuration: from the environment, with the client secrets read
//! from AWS Secrets Manager (never in code, never in the function's environment). The read
//! starts at start-up beside the runtime's first poll (`crate::state_from_env`), so a cold
//! start does not wait for Secrets Manager unless its first request is a sign-in.

use anyhow::Context;
use rpps_identity::{OidcClientConfig, SecretString};

/// The callback and post-logout addresses registered with both providers.
pub fn callback_uri(public_origin: &str, provider_path: &str) -> String {
    format!("{public_origin}/api/auth/{provider_path}/callback")
}

pub fn post_logout_uri(public_origin: &str) -> String {
    format!("{public_origin}/api/auth/logged-out")
}

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .with_context(|| format!("environment variable {name} is not set"))
}

async fn secret(client: &aws_sdk_secretsmanager::Client, id: &str) -> anyhow::Result<SecretString> {
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .with_context(|| format!("reading the secret {id} from Secrets Manager"))?;
    let value = out
        .secret_string()
        .with_context(|| format!("the secret {id} has no string value"))?;
    Ok(SecretString::from(value.to_owned()))
}

/// Where the two client secrets are: their Secrets Manager names
/// (`RPPS_FC_CLIENT_SECRET_ID`, `RPPS_PSC_CLIENT_SECRET_ID`).
pub struct SecretSource {
    sdk: rpps_runtime::aws::SdkConfig,
    franceconnect: String,
    psc: String,
}

impl SecretSource {
    pub fn new(sdk: &rpps_runtime::aws::SdkConfig, franceconnect: String, psc: String) -> Self {
        Self {
            sdk: sdk.clone(),
            franceconnect,
            psc,
        }
    }

    pub fn from_env(sdk: &rpps_runtime::aws::SdkConfig) -> anyhow::Result<Self> {
        Ok(Self::new(
            sdk,
            var("RPPS_FC_CLIENT_SECRET_ID")?,
            var("RPPS_PSC_CLIENT_SECRET_ID")?,
        ))
    }

    /// Both secrets, FranceConnect's then Pro Santé Connect's, read at once (one round trip's
    /// time, not two).
    ///
    /// The Secrets Manager client is built here, by the read, and dropped after it: it is used
    /// once per process, and building it (its endpoint rules) stays off the start-up path.
    pub async fn read(&self) -> anyhow::Result<(SecretString, SecretString)> {
        let client = aws_sdk_secretsmanager::Client::new(&self.sdk);
        tokio::try_join!(
            secret(&client, &self.franceconnect),
            secret(&client, &self.psc)
        )
    }
}

/// Both providers' client configurations, as deployed, and where their secrets are. The
/// configurations' `client_secret` stays empty until `crate::Providers` has read them.
pub fn providers_from_env(
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: &str,
) -> anyhow::Result<(OidcClientConfig, OidcClientConfig, SecretSource)> {
    let secrets = SecretSource::from_env(sdk)?;
    let franceconnect = OidcClientConfig::franceconnect(
        var("RPPS_FC_ISSUER")?,
        var("RPPS_FC_CLIENT_ID")?,
        SecretString::from(String::new()),
        callback_uri(public_origin, "franceconnect"),
        post_logout_uri(public_origin),
    );
    let mut psc = OidcClientConfig::psc(
        var("RPPS_PSC_ISSUER")?,
        var("RPPS_PSC_CLIENT_ID")?,
        SecretString::from(String::new()),
        callback_uri(public_origin, "psc"),
        post_logout_uri(public_origin),
    );
    if let Ok(acr) = var("RPPS_PSC_ACR") {
        psc.acr_values = vec![acr.clone()];
        psc.accepted_acr = vec![acr];
    }
    Ok((franceconnect, psc, secrets))
}
