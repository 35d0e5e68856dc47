use std::error::Error as StdError;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What can go wrong talking to the registry. Callers map `Unavailable` to a retryable
/// "temporarily unavailable" answer (503), `Conflict` to a 409 or an idempotent success.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable ({operation}): {message}")]
    Unavailable {
        operation: &'static str,
        message: String,
        #[source]
        source: BoxError,
    },
    #[error("the database refused {operation}: {message}")]
    Rejected {
        operation: &'static str,
        message: String,
    },
    #[error("a condition failed in {operation}: {message}")]
    Conflict {
        operation: &'static str,
        message: String,
    },
    #[error("item {key} cannot be read: {reason}")]
    Corrupt { key: String, reason: String },
    #[error("the table definition in infra/template.yaml is not usable: {0}")]
    Schema(String),
}

impl StoreError {
    /// Classifies an SDK error: transport failures, timeouts, throttling and server errors are
    /// `Unavailable` (worth retrying); a failed condition is a `Conflict`; anything else means
    /// the request itself was wrong (`Rejected`), a bug on our side.
    pub(crate) fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: StdError + ProvideErrorMetadata + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let message = DisplayErrorContext(&err).to_string();
        let code = err
            .as_service_error()
            .and_then(|e| e.code())
            .map(str::to_owned);
        match (&err, code.as_deref()) {
            (SdkError::ServiceError(_), Some("ConditionalCheckFailedException"))
            | (SdkError::ServiceError(_), Some("TransactionCanceledException")) => {
                Self::Conflict { operation, message }
            }
            (
                SdkError::ServiceError(_),
                Some(
                    "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
                    | "TransactionInProgressException",
                ),
            ) => Self::Unavailable {
                operation,
                message,
                source: Box::new(err),
            },
            (SdkError::ServiceError(_), _) => Self::Rejected { operation, message },
            _ => Self::Unavailable {
                operation,
                message,
                source: Box::new(err),
            },
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    pub(crate) fn corrupt(key: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            key: key.into(),
            reason: reason.to_string(),
        }
    }
}
