//! The two OpenID providers' clients, discovered on first use, and their client secrets, read
//! once from Secrets Manager by the first sign-in that needs them.

use rpps_identity::{IdentityError, OidcClient, OidcClientConfig, Provider, SecretString};
use tokio::sync::OnceCell;

use crate::config;

/// The providers' clients, discovered on first use (the development provider lives in the
/// same process as the local runner, so nothing may call it before the server listens).
pub struct Providers {
    franceconnect: OidcClientConfig,
    psc: OidcClientConfig,
    /// Deployed: the client secrets are in Secrets Manager, read once, by the first sign-in that
    /// needs them (`client_config`), and again by the next one if that read failed. Locally and
    /// in tests the configurations carry their secrets.
    secrets: Option<Secrets>,
    franceconnect_client: OnceCell<OidcClient>,
    psc_client: OnceCell<OidcClient>,
}

struct Secrets {
    source: config::SecretSource,
    read: OnceCell<(SecretString, SecretString)>,
}

impl Providers {
    /// Configurations that carry their client secrets.
    pub fn new(franceconnect: OidcClientConfig, psc: OidcClientConfig) -> Self {
        Self {
            franceconnect,
            psc,
            secrets: None,
            franceconnect_client: OnceCell::new(),
            psc_client: OnceCell::new(),
        }
    }

    /// Configurations whose client secrets are read from `source`.
    pub fn with_secrets_from(
        franceconnect: OidcClientConfig,
        psc: OidcClientConfig,
        source: config::SecretSource,
    ) -> Self {
        Self {
            secrets: Some(Secrets {
                source,
                read: OnceCell::new(),
            }),
            ..Self::new(franceconnect, psc)
        }
    }

    /// Whether the client secrets are in memory (always, for configurations that carry them).
    pub fn secrets_are_read(&self) -> bool {
        self.secrets
            .as_ref()
            .is_none_or(|secrets| secrets.read.initialized())
    }

    /// Reads the client secrets if they are not yet (one read at a time; a failed read leaves
    /// them unread, for the next call to try again).
    pub async fn read_secrets(&self) -> Result<(), IdentityError> {
        self.secrets().await.map(|_| ())
    }

    async fn secrets(&self) -> Result<Option<&(SecretString, SecretString)>, IdentityError> {
        let Some(secrets) = &self.secrets else {
            return Ok(None);
        };
        secrets
            .read
            .get_or_try_init(|| async {
                secrets.source.read().await.map_err(|e| {
                    IdentityError::Unavailable(format!("the client secrets are unreadable: {e:#}"))
                })
            })
            .await
            .map(Some)
    }

    /// A provider's client configuration with its secret (read first if needed). A failed read
    /// here is a sign-in that cannot happen: logged with `event = "auth.secrets_unreadable"`,
    /// which the template's `AuthSecretsUnreadableAlarm` counts.
    pub async fn client_config(
        &self,
        provider: Provider,
    ) -> Result<OidcClientConfig, IdentityError> {
        let mut config = match provider {
            Provider::FranceConnect => self.franceconnect.clone(),
            Provider::ProSanteConnect => self.psc.clone(),
        };
        let secrets = self.secrets().await.inspect_err(|e| {
            tracing::error!(
                event = "auth.secrets_unreadable",
                error = %e,
                provider = provider.code(),
                "OpenID client secrets unreadable: sign-in unavailable"
            );
        })?;
        if let Some((franceconnect, psc)) = secrets {
            config.client_secret = match provider {
                Provider::FranceConnect => franceconnect.clone(),
                Provider::ProSanteConnect => psc.clone(),
            };
        }
        Ok(config)
    }

    pub(crate) async fn client(&self, provider: Provider) -> Result<&OidcClient, IdentityError> {
        let cell = match provider {
            Provider::FranceConnect => &self.franceconnect_client,
            Provider::ProSanteConnect => &self.psc_client,
        };
        cell.get_or_try_init(|| async {
            OidcClient::discover(self.client_config(provider).await?).await
        })
        .await
    }
}
