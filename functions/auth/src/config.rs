//! The sign-in function's configuration: from the environment, with the client secrets read
//! from AWS Secrets Manager at start-up (never in code, never in the function's environment).

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

/// Both providers' client configurations, as deployed.
pub async fn providers_from_env(
    sdk: &rpps_api::aws::SdkConfig,
    public_origin: &str,
) -> anyhow::Result<(OidcClientConfig, OidcClientConfig)> {
    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    let (fc_secret_id, psc_secret_id) = (
        var("RPPS_FC_CLIENT_SECRET_ID")?,
        var("RPPS_PSC_CLIENT_SECRET_ID")?,
    );
    // Both secrets at once: one round trip's time at start-up, not two.
    let (fc_secret, psc_secret) = tokio::try_join!(
        secret(&secrets, &fc_secret_id),
        secret(&secrets, &psc_secret_id)
    )?;
    let franceconnect = OidcClientConfig::franceconnect(
        var("RPPS_FC_ISSUER")?,
        var("RPPS_FC_CLIENT_ID")?,
        fc_secret,
        callback_uri(public_origin, "franceconnect"),
        post_logout_uri(public_origin),
    );
    let mut psc = OidcClientConfig::psc(
        var("RPPS_PSC_ISSUER")?,
        var("RPPS_PSC_CLIENT_ID")?,
        psc_secret,
        callback_uri(public_origin, "psc"),
        post_logout_uri(public_origin),
    );
    if let Ok(acr) = var("RPPS_PSC_ACR") {
        psc.acr_values = vec![acr.clone()];
        psc.accepted_acr = vec![acr];
    }
    Ok((franceconnect, psc))
}
