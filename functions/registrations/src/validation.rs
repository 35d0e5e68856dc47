//! The validation of a request (FAQ-R2, R3), as an application service: the domain decides,
//! the store takes a number and records everything in one transaction, and this loop settles
//! the races between them.

use rpps_api::ApiError;
use rpps_domain::{
    Actor, Attestation, RppsNumber, SequenceRange, TransitionError, Validation, ValidationCheck,
};
use rpps_store::{AllocationError, RegistrationStoreError, Store, StoreError, StoredRegistration};

use crate::identity;
use std::time::Duration;
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

/// Attempts at most. A validation tries again when someone else's write landed between its
/// reads and its transaction: the request itself (another manager: read it again), or another
/// validation of the same identity partition (place and year of birth, FAQ-R12: look at the
/// candidates again). Those of one partition commit one at a time, so a burst of `n` of them
/// needs up to `n` rounds for the last one.
const ATTEMPTS: usize = 12;

/// The pause before looking again after losing the partition's lock: a random time up to
/// `BACKOFF_FIRST_MS · 2^k`, at most `BACKOFF_MAX_MS` (at most about 2 s over all attempts), so
/// that the losers of one round do not meet again in the next.
const BACKOFF_FIRST_MS: u64 = 10;
const BACKOFF_MAX_MS: u64 = 320;

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
/// one number that was recorded (a number taken by the loser is never reused by anyone else: a
/// gap in the sequence). A stale `read` is harmless: the transaction only commits on the version
/// that was read, so if the request moved meanwhile it is cancelled and the next attempt reads it
/// again. The number is taken once per call: a cancelled transaction wrote nothing, so the next
/// attempt of this same validation uses it (losing the partition's lock costs no number).
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
    let mut taken: Option<RppsNumber> = None;
    let mut contended = 0u32;
    for attempt in 0..ATTEMPTS {
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
        let rpps = match &taken {
            Some(rpps) => rpps.clone(),
            None => taken.insert(store.next_rpps_number(numbers).await?).clone(),
        };
        let mut request = read.request.clone();
        let declaration = attestation.clone().not_the_same_as(declared);
        let validation = request.validate(actor, declaration, rpps, at)?;
        match store
            .record_validation(&read, &request, &validation, &actor.id, &candidates)
            .await
        {
            Ok(_) => {
                if attempt > 0 {
                    tracing::info!(request = %id, attempts = attempt + 1, "validation recorded after a conflict");
                }
                return Ok(validation);
            }
            Err(RegistrationStoreError::Changed) => read = reread(store, &id).await?,
            Err(RegistrationStoreError::Contended) => {
                tokio::time::sleep(backoff(contended)).await;
                contended += 1;
            }
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
    tracing::warn!(request = %id, attempts = ATTEMPTS, contended, "validation given up after repeated conflicts");
    Err(if contended as usize == ATTEMPTS {
        RegistrationStoreError::Contended
    } else {
        RegistrationStoreError::Changed
    }
    .into())
}

/// The pause after the `k`-th lost lock (from 0): random, up to `BACKOFF_FIRST_MS · 2^k` capped
/// at `BACKOFF_MAX_MS`, at least 1 ms.
fn backoff(k: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let ceiling = BACKOFF_FIRST_MS
        .saturating_mul(1u64 << k.min(16))
        .min(BACKOFF_MAX_MS);
    // A fresh `RandomState` hashes to a different value each time: random enough for jitter,
    // without a random-number crate.
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    Duration::from_millis(1 + random % ceiling)
}

/// Reads the request with this id (in the loop: it existed a moment ago).
pub async fn reread(store: &Store, id: &str) -> Result<StoredRegistration, ValidateError> {
    store.registration(id).await?.ok_or(ValidateError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_grows_then_stays_under_its_ceiling() {
        for k in 0..40 {
            let ceiling = (BACKOFF_FIRST_MS << k.min(16)).min(BACKOFF_MAX_MS);
            for _ in 0..50 {
                let pause = backoff(k).as_millis() as u64;
                assert!((1..=ceiling).contains(&pause), "k {k}: {pause} ms");
            }
        }
        let total: u64 = (0..ATTEMPTS as u32)
            .map(|k| (BACKOFF_FIRST_MS << k).min(BACKOFF_MAX_MS))
            .sum();
        assert!(total <= 3_000, "{total} ms at most in all");
    }

    #[test]
    fn the_pauses_are_not_all_the_same() {
        let pauses: std::collections::BTreeSet<_> = (0..50).map(|_| backoff(5)).collect();
        assert!(pauses.len() > 10, "{pauses:?}");
    }
}
