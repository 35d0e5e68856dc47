//! The SES v2 adapter. Only what the foundation needs so far: checking that the sending identity
//! can send (health), and creating it on the local emulator.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the email service is unavailable ({operation}): {message}")]
    Unavailable {
        operation: &'static str,
        message: String,
    },
    #[error("the sending identity {identity} is not verified for sending")]
    NotVerified { identity: String },
}

fn unavailable<E, R>(operation: &'static str, err: SdkError<E, R>) -> MailError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    MailError::Unavailable {
        operation,
        message: DisplayErrorContext(&err).to_string(),
    }
}

#[derive(Clone, Debug)]
pub struct Mailer {
    client: Client,
    from: String,
    identity: String,
    /// In AWS an identity must be verified to send. The local emulator (moto) never marks an
    /// identity verified, yet sends from it: only the local runner turns this off.
    require_verified: bool,
}

impl Mailer {
    pub fn new(client: Client, from: impl Into<String>, identity: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
            identity: identity.into(),
            require_verified: true,
        }
    }

    /// For the local emulator only (see `require_verified`).
    pub fn accepting_unverified_identity(mut self) -> Self {
        self.require_verified = false;
        self
    }

    pub fn from_address(&self) -> &str {
        &self.from
    }

    /// Checks that SES answers and that our identity may send (`GetEmailIdentity`).
    pub async fn ping(&self) -> Result<(), MailError> {
        let out = self
            .client
            .get_email_identity()
            .email_identity(&self.identity)
            .send()
            .await
            .map_err(|e| unavailable("GetEmailIdentity", e))?;
        if out.verified_for_sending_status() || !self.require_verified {
            Ok(())
        } else {
            Err(MailError::NotVerified {
                identity: self.identity.clone(),
            })
        }
    }

    /// Creates the sending identity unless it exists. For the local emulator only: in AWS the
    /// identity is created and verified once by the operator (docs/DEPLOY.md).
    pub async fn ensure_identity(&self) -> Result<(), MailError> {
        match self.ping().await {
            Ok(()) | Err(MailError::NotVerified { .. }) => return Ok(()),
            Err(MailError::Unavailable { .. }) => {}
        }
        self.client
            .create_email_identity()
            .email_identity(&self.identity)
            .send()
            .await
            .map_err(|e| unavailable("CreateEmailIdentity", e))?;
        Ok(())
    }
}
