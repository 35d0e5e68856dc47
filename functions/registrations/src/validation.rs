//! The validation of a request (FAQ-R2, R3), as an application service: the domain decides,
//! the store takes a number and records everything in one transaction, and this loop settles
//! the races between them.

use rpps_api::ApiError;
use rpps_domain::{
    Actor, Attestation, SequenceRange, TransitionError, Validation, ValidationCheck,
};
use rpps_store::{AllocationError, RegistrationStoreError, Store, StoreError, StoredRegistration};

use crate::identity;
use time::OffsetDateTime;

/// Why a validation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("no registration request has this id")]
    NotFound,
    /// The domain refused (role, establishment, state, attestation): its French message.
    #[error(transparent)]
    Refused(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] RegistrationStoreError),
    /// The person is, or may be, someone the register knows (FAQ-R3, R12).
    #[error("identity match: {0:?}")]
    Blocked(identity::Blocked),
    /// This instance has handed out every number of its range (nothing was written).
    #[error("the RPPS sequence range is exhausted (last value {last})")]
    RangeExhausted { last: u64 },
}

impl From<AllocationError> for ValidateError {
    fn from(e: AllocationError) -> Self {
        match e {
            AllocationError::Exhausted { last } => Self::RangeExhausted { last },
            AllocationError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ValidateError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

impl From<ValidateError> for ApiError {
    fn from(e: ValidateError) -> Self {
        match e {
            ValidateError::NotFound => crate::not_found(),
            ValidateError::Refused(e) => e.into(),
            ValidateError::Store(e) => crate::save_error(e),
            ValidateError::Blocked(blocked) => blocked.into(),
            ValidateError::RangeExhausted { last } => {
                // Counted by the template's RppsRangeExhaustedAlarm: an operator must reserve
                // the next range (docs/DEPLOY.md, "The RPPS number range").
                tracing::error!(
                    event = "rpps.range_exhausted",
                    last,
                    "no RPPS number left in this instance's range: validation refused"
                );
                ApiError {
                    retry_after: Some(3600),
                    ..ApiError::new(
                        axum::http::StatusCode::SERVICE_UNAVAILABLE,
                        "rpps.range_exhausted",
                        "L'attribution des numéros RPPS est momentanément suspendue. La demande reste en attente, rien n'est perdu : vous pourrez la valider dès la reprise. Le support technique est prévenu.",
                    )
                }
            }
        }
    }
}

/// Someone else's write landed between a read and the transaction: this many attempts.
const ATTEMPTS: usize = 5;

/// What a manager asks of a validation: the declaration (FAQ-R2), whether the probable matches
/// shown are someone else (FAQ-R3), when.
#[derive(Debug, Clone)]
pub struct Ask {
    pub attestation: Attestation,
    pub not_the_same_person: bool,
    pub at: OffsetDateTime,
}

/// Validates a request the caller has just read (the handler's visibility check), so that the
/// first attempt costs no second read: the domain checks the actor and the declaration before a
/// number is taken; one `Query` finds who in the register is, or may be, the same person (never a
/// second number; a probable match only with `not_the_same_person`, recorded in the
/// attestation); then the store takes the next RPPS number and records the validation, the
/// professional, their claims, the first practice site, the audit entry and the `rpps.allocated`
/// event in one transaction, on the version of the identity partition's lock that was read (two
/// validations of one person at once: the second looks again and finds the first).
///
/// Idempotent and safe under concurrency: validating again, or two managers at once, gives the
/// one number that was recorded (a number taken by the loser is never reused: a gap in the
/// sequence). A stale `read` is harmless: the transaction only commits on the version that was
/// read, so if the request moved meanwhile it is cancelled and the next attempt reads it again.
pub async fn validate(
    store: &Store,
    numbers: SequenceRange,
    read: StoredRegistration,
    actor: &Actor,
    ask: Ask,
) -> Result<Validation, ValidateError> {
    let Ask {
        attestation,
        not_the_same_person,
        at,
    } = ask;
    let id = read.request.id().to_owned();
    let mut read = read;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            read = reread(store, &id).await?;
        }
        if let ValidationCheck::AlreadyValidated(done) =
            read.request.check_validation(actor, &attestation)?
        {
            return Ok(done);
        }
        let civil = read.request.civil_status();
        let key = read
            .candidate_key
            .clone()
            .unwrap_or_else(|| identity::key(civil));
        let candidates = store.identity_candidates(&key).await?;
        let declared = identity::check_validation(
            &identity::matches(civil, &candidates, Some(&id)),
            not_the_same_person,
        )
        .map_err(ValidateError::Blocked)?;
        let rpps = store.next_rpps_number(numbers).await?;
        let mut request = read.request.clone();
        let declaration = attestation.clone().not_the_same_as(declared);
        let validation = request.validate(actor, declaration, rpps, at)?;
        match store
            .record_validation(&read, &request, &validation, &actor.id, &candidates)
            .await
        {
            Ok(_) => return Ok(validation),
            Err(RegistrationStoreError::Changed) => continue,
            // The person's claim is taken. By this very request, validated by someone else at
            // the same moment (a store without serializable transactions, as moto under
            // concurrent calls, can report the claim before the request's new version): read
            // again, which answers with that number. By another request: refused.
            Err(RegistrationStoreError::AlreadyRegistered) => {
                let again = reread(store, &id).await?;
                return match again.request.check_validation(actor, &attestation)? {
                    ValidationCheck::AlreadyValidated(done) => Ok(done),
                    ValidationCheck::Allowed => {
                        Err(RegistrationStoreError::AlreadyRegistered.into())
                    }
                };
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(RegistrationStoreError::Changed.into())
}

/// Reads the request with this id (in the loop: it existed a moment ago).
pub async fn reread(store: &Store, id: &str) -> Result<StoredRegistration, ValidateError> {
    store.registration(id).await?.ok_or(ValidateError::NotFound)
}
