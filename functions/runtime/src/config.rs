//! Configuration, read once at start-up from the environment (set by the SAM template in AWS,
//! by the local runner on a workstation). A missing value stops the start with a clear message.

use std::env;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The registry table (`RPPS_REGISTRY_TABLE`).
    pub registry_table: String,
    /// The sessions table (`RPPS_SESSIONS_TABLE`).
    pub sessions_table: String,
    /// The sender of every email (`RPPS_MAIL_FROM`).
    pub mail_from: String,
    /// The SES identity that covers the sender: the address itself or its domain
    /// (`RPPS_MAIL_IDENTITY`, defaults to the sender).
    pub mail_identity: String,
    /// The public address of the site, for links in emails, PDF cards and sign-in redirects
    /// (`RPPS_PUBLIC_ORIGIN`, e.g. `https://rpps-plus.example.fr`); required by the functions
    /// that make such links ([`Config::public_origin`]).
    pub public_origin: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set (see README.md, \"Configuration\")")]
    Missing(&'static str),
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or(ConfigError::Missing(name))
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let mail_from = required("RPPS_MAIL_FROM")?;
        Ok(Self {
            registry_table: required("RPPS_REGISTRY_TABLE")?,
            sessions_table: required("RPPS_SESSIONS_TABLE")?,
            mail_identity: env::var("RPPS_MAIL_IDENTITY")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| mail_from.clone()),
            mail_from,
            public_origin: env::var("RPPS_PUBLIC_ORIGIN")
                .ok()
                .map(|v| v.trim().trim_end_matches('/').to_owned())
                .filter(|v| !v.is_empty()),
        })
    }

    /// `RPPS_PUBLIC_ORIGIN`, for the functions that cannot start without it.
    pub fn public_origin(&self) -> Result<String, ConfigError> {
        self.public_origin
            .clone()
            .ok_or(ConfigError::Missing("RPPS_PUBLIC_ORIGIN"))
    }
}
