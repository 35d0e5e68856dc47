//! The one error shape of the API (`rpps_contract::error::ErrorEnvelope`): a stable code, a
//! French message a person understands, the fields to correct, and the status code chosen here,
//! once: the domain's refusals ([`From<TransitionError>`]) and the store's failures
//! ([`ApiError::from_store`]) are mapped in this file and nowhere else.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rpps_contract::error::{ErrorBody, ErrorEnvelope, FieldError, MissingItem};
use rpps_domain::{Refusal, TransitionError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Seconds after which a retry makes sense (503).
    pub retry_after: Option<u32>,
    /// One error per form field.
    pub fields: BTreeMap<String, FieldError>,
    /// What a draft still lacks.
    pub missing: Box<[MissingItem]>,
    /// A page of the web app where what the error is about can be followed.
    pub see: Option<Box<str>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
            fields: BTreeMap::new(),
            missing: Box::default(),
            see: None,
        }
    }

    /// The same error, with the fields to correct.
    pub fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.fields = fields.0;
        self
    }

    pub fn forbidden(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// A dependency is down: the person is told it is temporary and to retry (FAQ-R16).
    pub fn unavailable(what: &str) -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service.unavailable",
                format!(
                    "{what} est momentanément indisponible. Rien de ce que vous avez saisi n'est perdu : \
                     réessayez dans quelques instants."
                ),
            )
        }
    }

    /// An unexpected failure: logged with its cause, answered without details.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "unexpected error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, contactez le support.",
        )
    }

    /// A failure of the registry: `what` (« Le registre », « L'annuaire »…) is unavailable if
    /// DynamoDB could not be reached or throttled us (a 503 the person may retry); anything else
    /// is unexpected (500, logged).
    #[cfg(feature = "store")]
    pub fn from_store(e: rpps_store::StoreError, what: &str) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "registry unavailable");
            Self::unavailable(what)
        } else {
            Self::internal(&e)
        }
    }
}

/// The registry's failures, said of « Le registre » ([`ApiError::from_store`] names another
/// part).
#[cfg(feature = "store")]
impl From<rpps_store::StoreError> for ApiError {
    fn from(e: rpps_store::StoreError) -> Self {
        Self::from_store(e, "Le registre")
    }
}

/// The domain's refusals of a transition, with the status that says what kind of problem it
/// is: not yours (403), not now (409), not complete (400, with what is missing).
impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        let status = match &e {
            TransitionError::NotAllowedForRole
            | TransitionError::NotOwner
            | TransitionError::NotYourEstablishment
            | TransitionError::CivilStatusReadOnly
            | TransitionError::NotAnEmployerDraft => StatusCode::FORBIDDEN,
            TransitionError::AlreadySubmitted
            | TransitionError::NotSubmitted
            | TransitionError::AlreadyValidated
            | TransitionError::AlreadyRejected
            | TransitionError::AlreadyClosed
            | TransitionError::NotExpired => StatusCode::CONFLICT,
            TransitionError::MissingAttestation
            | TransitionError::AttestationMismatch
            | TransitionError::DraftIncomplete { .. } => StatusCode::BAD_REQUEST,
        };
        let mut error = ApiError::new(status, Refusal::code(&e), e.to_string());
        if let TransitionError::DraftIncomplete { missing } = &e {
            error.missing = missing
                .iter()
                .map(|m| MissingItem {
                    field: m.code().to_owned(),
                    label: m.label().to_owned(),
                })
                .collect();
        }
        error
    }
}

impl ApiError {
    /// The same error, with the page of the web app where its subject can be followed.
    pub fn see(mut self, page: impl Into<String>) -> Self {
        self.see = Some(page.into().into_boxed_str());
        self
    }
}

/// The errors of a form, one per field, gathered so that the person sees them all at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, FieldError>);

impl FieldErrors {
    /// `field` is wrong: `code` and the French `message`.
    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.insert(
            field.to_owned(),
            FieldError {
                code: code.to_owned(),
                message: message.into(),
            },
        );
    }

    /// The value of `result`, or `None` with the domain's refusal recorded against `field`.
    pub fn check<T, E: Refusal>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|e| self.add(field, e.code(), e.to_string()))
            .ok()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when no field is wrong; else a 400 with `code`, the general `message` and the
    /// fields.
    /// The errors by field.
    pub fn into_map(self) -> BTreeMap<String, FieldError> {
        self.0
    }

    pub fn into_result(self, code: &str, message: &str) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::bad_request(code, message).with_fields(self))
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// The error as the API writes it (alone in an answer's envelope, or one of a batch's
    /// outcomes).
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.clone(),
            message: self.message.clone(),
            fields: self.fields.clone(),
            missing: self.missing.to_vec(),
            see: self.see.as_deref().map(String::from),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope { error: self.body() };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_gather_every_refusal_into_one_400() {
        let mut fields = FieldErrors::default();
        assert_eq!(
            fields.check("email", rpps_domain::Email::parse("x@y.fr")),
            rpps_domain::Email::parse("x@y.fr").ok()
        );
        assert!(
            fields
                .check("email", rpps_domain::Email::parse("pas une adresse"))
                .is_none()
        );
        fields.add("start_date", "start_date.format", "Au format AAAA-MM-JJ.");
        assert!(fields.has("email") && !fields.has("mobile"));
        let error = fields
            .into_result("registration.invalid_fields", "À corriger")
            .expect_err("two fields");
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.fields["start_date"].code, "start_date.format");
        assert!(error.fields["email"].code.starts_with("email."));
        assert_eq!(FieldErrors::default().into_result("x", "y"), Ok(()));
    }

    #[test]
    fn an_incomplete_draft_lists_what_is_missing() {
        let e = ApiError::from(TransitionError::DraftIncomplete {
            missing: vec![rpps_domain::MissingField::Contact],
        });
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.code, "registration.draft_incomplete");
        assert_eq!(e.missing[0].field, "contact");
        assert_eq!(
            ApiError::from(TransitionError::NotOwner).status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            ApiError::from(TransitionError::AlreadyValidated).status,
            StatusCode::CONFLICT
        );
    }
}
