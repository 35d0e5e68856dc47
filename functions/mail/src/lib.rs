//! The SES v2 adapter: sending the portal's emails (French, HTML and plain text), checking that
//! the sending identity can send (health), creating it on the local emulator.

pub mod templates;

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sesv2::types::{Body, Content as SesContent, Destination, EmailContent, Message};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the email service is unavailable ({operation}): {message}")]
    Unavailable {
        operation: &'static str,
        message: String,
    },
    #[error("the sending identity {identity} is not verified for sending")]
    NotVerified { identity: String },
    /// SES refused this message for good (`MessageRejected`): sending it again would not help.
    #[error("the email service refused the message ({operation}): {message}")]
    Rejected {
        operation: &'static str,
        message: String,
    },
    /// The request may have reached SES (a timeout, a connection cut after it went out): the
    /// email may have been sent. Not to be sent again blindly.
    #[error("the email service's answer was lost ({operation}): {message}")]
    OutcomeUnknown {
        operation: &'static str,
        message: String,
    },
}

/// A failed send: `Unavailable` when SES did not take the email (it answered an error, or no
/// connection was made, or the request could not be built), `OutcomeUnknown` otherwise.
fn send_failed<E, R>(err: SdkError<E, R>) -> MailError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let never_left = match &err {
        SdkError::ServiceError(_) | SdkError::ConstructionFailure(_) => true,
        SdkError::DispatchFailure(failure) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
            let mut connect = false;
            while let Some(e) = source {
                if e.downcast_ref::<hyper_util::client::legacy::Error>()
                    .is_some_and(hyper_util::client::legacy::Error::is_connect)
                {
                    connect = true;
                }
                source = e.source();
            }
            connect || failure.is_user()
        }
        _ => false,
    };
    if never_left {
        unavailable("SendEmail", err)
    } else {
        MailError::OutcomeUnknown {
            operation: "SendEmail",
            message: DisplayErrorContext(&err).to_string(),
        }
    }
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

    /// Sends one email to `to`, tagged with `tags` (name, value: letters, digits, `_`, `-`;
    /// SES hands them back in the events of that email: bounces, rejections); returns SES's
    /// message id.
    pub async fn send(
        &self,
        to: &[String],
        content: &templates::Content,
        tags: &[(&str, &str)],
    ) -> Result<String, MailError> {
        let tags = tags
            .iter()
            .map(|(name, value)| {
                aws_sdk_sesv2::types::MessageTag::builder()
                    .name(*name)
                    .value(*value)
                    .build()
                    .map_err(|e| MailError::Unavailable {
                        operation: "SendEmail",
                        message: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let part = |data: &str| {
            SesContent::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(|e| MailError::Unavailable {
                    operation: "SendEmail",
                    message: e.to_string(),
                })
        };
        let message = Message::builder()
            .subject(part(&content.subject)?)
            .body(
                Body::builder()
                    .html(part(&content.html)?)
                    .text(part(&content.text)?)
                    .build(),
            )
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(to.to_vec()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            // The SES configuration set the SAM template creates (reputation, suppression), if any.
            .set_configuration_set_name(
                std::env::var("RPPS_MAIL_CONFIGURATION_SET")
                    .ok()
                    .filter(|name| !name.is_empty()),
            )
            .set_email_tags(Some(tags).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(refused) if refused.is_message_rejected() => MailError::Rejected {
                    operation: "SendEmail",
                    message: DisplayErrorContext(&e).to_string(),
                },
                _ => send_failed(e),
            })?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }

    /// Creates the sending identity unless it exists. For the local emulator only: in AWS the
    /// identity is created and verified once by the operator (docs/DEPLOY.md).
    pub async fn ensure_identity(&self) -> Result<(), MailError> {
        match self.ping().await {
            Ok(()) | Err(MailError::NotVerified { .. }) => return Ok(()),
            Err(
                MailError::Unavailable { .. }
                | MailError::Rejected { .. }
                | MailError::OutcomeUnknown { .. },
            ) => {}
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
