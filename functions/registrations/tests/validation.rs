//! The validation service over moto (FAQ-R2, R3): one number per request whatever the races,
//! nothing taken or written when the domain refuses.

use std::collections::BTreeSet;

use rpps_domain::{
    Actor, Attestation, EligibilityBasis, Finess, RegistrationRequest, RegistrationStatus,
    RejectionReason, Role, RppsNumber, SequenceRange, Validation,
};
use rpps_registrations::identity::Blocked;
use rpps_registrations::validation::{Ask, ValidateError, reread, validate};
use rpps_store::testing::{
    CANDIDATE_KEY, FINESS_A, MANAGER_ID, applicant, civil, fresh_store, manager, submitted,
};
use rpps_store::{RegistrationStoreError, Store, StoredRegistration};
use time::OffsetDateTime;

fn attestation(at: OffsetDateTime) -> Attestation {
    Attestation::new(&manager(), EligibilityBasis::Certification, true, at)
}

/// Reads the request `id`, then validates it (what the handler does, visibility aside), with or
/// without the declaration that probable matches are someone else.
async fn validate_id(
    store: &Store,
    id: &str,
    actor: &Actor,
    attestation: Attestation,
    not_the_same_person: bool,
    at: OffsetDateTime,
) -> Result<Validation, ValidateError> {
    let read = reread(store, id).await?;
    validate_read(store, read, actor, attestation, not_the_same_person, at).await
}

/// Validates `read` (what the handler does after its visibility read).
async fn validate_read(
    store: &Store,
    read: StoredRegistration,
    actor: &Actor,
    attestation: Attestation,
    not_the_same_person: bool,
    at: OffsetDateTime,
) -> Result<Validation, ValidateError> {
    let ask = Ask {
        attestation,
        not_the_same_person,
        at,
    };
    validate(store, SequenceRange::FULL, read, actor, ask).await
}

/// What one validation does after its reads, on what it `saw` of the partition: the domain
/// validates `read` with the next number, the store records it.
async fn record_on(
    store: &Store,
    read: &StoredRegistration,
    saw: &rpps_store::IdentityCandidates,
    at: OffsetDateTime,
) -> (
    Validation,
    Result<StoredRegistration, RegistrationStoreError>,
) {
    let mut request = read.request.clone();
    let validation = request
        .validate(
            &manager(),
            attestation(at),
            store.next_rpps_number(SequenceRange::FULL).await.unwrap(),
            at,
        )
        .unwrap();
    let recorded = store
        .record_validation(read, &request, &validation, MANAGER_ID, saw)
        .await;
    (validation, recorded)
}

/// `read`'s request rejected by the manager of establishment A for `reason`, saved.
async fn save_rejection(
    store: &Store,
    read: &StoredRegistration,
    reason: &str,
    at: OffsetDateTime,
) -> Result<StoredRegistration, RegistrationStoreError> {
    let mut request = read.request.clone();
    request
        .reject(&manager(), RejectionReason::parse(reason).unwrap(), at)
        .unwrap();
    store
        .save_registration(read, &request, MANAGER_ID, "registration.reject", None)
        .await
}

#[tokio::test]
async fn faq_r2_r3_validation_allocates_a_number_in_one_transaction_and_is_idempotent() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    let now = OffsetDateTime::now_utc();
    let validation = validate_id(&store, "req-1", &manager(), attestation(now), false, now)
        .await
        .unwrap();
    assert!(validation.newly_validated);
    assert_eq!(
        RppsNumber::parse(validation.rpps.as_str()).unwrap(),
        validation.rpps,
        "Luhn key"
    );
    let read = store.registration("req-1").await.unwrap().unwrap();
    assert_eq!(
        read.request.status(),
        &RegistrationStatus::Validated {
            rpps: validation.rpps.clone(),
            attestation: attestation(now),
            by: MANAGER_ID.to_owned(),
            at: now,
        }
    );
    assert_eq!(
        read.request.attestation().map(|a| a.manager_id.as_str()),
        Some(MANAGER_ID)
    );
    assert!(
        store
            .pending_registrations(FINESS_A, 50)
            .await
            .unwrap()
            .is_empty()
    );
    // The person is now known by subject and by civil status: no second request, no second number.
    assert_eq!(
        store.rpps_of_franceconnect_subject("sub-1").await.unwrap(),
        Some(validation.rpps.clone())
    );
    let again =
        RegistrationRequest::new_self_service("req-2", &applicant("sub-9"), civil("Martin"), now)
            .unwrap();
    let err = store
        .create_registration(&again, "sub-9", CANDIDATE_KEY)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistrationStoreError::AlreadyRegistered),
        "{err}"
    );
    // Validating again returns the same number.
    let twice = validate_id(&store, "req-1", &manager(), attestation(now), false, now)
        .await
        .unwrap();
    assert_eq!(twice.rpps, validation.rpps);
    assert!(!twice.newly_validated);
}

#[tokio::test]
async fn fifty_concurrent_validations_of_one_request_give_one_number() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let now = OffsetDateTime::now_utc();
            validate_id(&store, "req-1", &manager(), attestation(now), false, now).await
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        numbers.insert(task.await.unwrap().unwrap().rpps.as_str().to_owned());
    }
    assert_eq!(numbers.len(), 1, "{numbers:?}");
}

/// The handler passes its visibility read in (one `GetItem` fewer); a read that went stale
/// before the transaction still ends in the right answer: the version check cancels the
/// transaction and the service reads the request again.
#[tokio::test]
async fn a_stale_read_passed_in_ends_in_the_recorded_number_or_the_refusal() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    let stale = store.registration("req-1").await.unwrap().unwrap();
    let now = OffsetDateTime::now_utc();
    let first = validate_read(
        &store,
        stale.clone(),
        &manager(),
        attestation(now),
        false,
        now,
    )
    .await
    .unwrap();
    assert!(first.newly_validated);
    // Another manager read it while it was still submitted: they get the recorded number.
    let second = validate_read(&store, stale, &manager(), attestation(now), false, now)
        .await
        .unwrap();
    assert_eq!(second.rpps, first.rpps);
    assert!(!second.newly_validated);
    // The stale attempt took a number before its transaction was cancelled: a gap, not a reuse.
    assert_eq!(
        store.next_rpps_number(SequenceRange::FULL).await.unwrap(),
        RppsNumber::from_sequence(3).unwrap()
    );

    // Rejected after the read: the validation is refused, nothing is recorded.
    let read = submitted(&store, "req-2", "sub-2", "Petit").await;
    save_rejection(&store, &read, "Diplôme non reconnu", now)
        .await
        .unwrap();
    let err = validate_read(&store, read, &manager(), attestation(now), false, now)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ValidateError::Refused(rpps_domain::TransitionError::AlreadyRejected)
        ),
        "{err}"
    );
    assert_eq!(
        store.rpps_of_franceconnect_subject("sub-2").await.unwrap(),
        None
    );
    assert!(matches!(
        store
            .registration("req-2")
            .await
            .unwrap()
            .unwrap()
            .request
            .status(),
        RegistrationStatus::Rejected { .. }
    ));
}

#[tokio::test]
async fn the_domain_refuses_before_a_number_is_taken() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    let now = OffsetDateTime::now_utc();
    let unchecked = Attestation::new(&manager(), EligibilityBasis::Certification, false, now);
    let err = validate_id(&store, "req-1", &manager(), unchecked, false, now)
        .await
        .unwrap_err();
    assert!(matches!(err, ValidateError::Refused(_)), "{err}");
    let other = Actor::new(
        "3690011226/7",
        Role::Manager {
            establishments: vec![Finess::parse("690011226").unwrap()],
        },
    );
    let err = validate_id(
        &store,
        "req-1",
        &other,
        Attestation::new(&other, EligibilityBasis::Certification, true, now),
        false,
        now,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            ValidateError::Refused(rpps_domain::TransitionError::NotYourEstablishment)
        ),
        "{err}"
    );
    assert!(matches!(
        validate_id(&store, "nope", &manager(), attestation(now), false, now)
            .await
            .unwrap_err(),
        ValidateError::NotFound
    ));
    // No number was consumed by the refusals: the next one is the first of the sequence.
    assert_eq!(
        store.next_rpps_number(SequenceRange::FULL).await.unwrap(),
        RppsNumber::from_sequence(1).unwrap()
    );
}

/// The fixtures' partition is the one the functions compute from the real places.
#[test]
fn the_fixtures_candidate_key_is_the_places_one() {
    assert_eq!(
        rpps_registrations::identity::key(&civil("Martin")),
        CANDIDATE_KEY
    );
}

/// FAQ-R3, R12: the same person written otherwise (`N'Diaye` / `NDIAYE`) never gets a second
/// number, whichever request is validated first.
#[tokio::test]
async fn faq_r12_the_same_person_written_otherwise_gets_no_second_number() {
    let store = fresh_store().await;
    submitted(&store, "req-a", "sub-a", "N'Diaye").await;
    submitted(&store, "req-b", "sub-b", "NDIAYE").await;
    let now = OffsetDateTime::now_utc();
    let first = validate_id(&store, "req-a", &manager(), attestation(now), false, now)
        .await
        .unwrap();
    let err = validate_id(&store, "req-b", &manager(), attestation(now), true, now)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ValidateError::Blocked(Blocked::AlreadyNumbered(rpps)) if *rpps == first.rpps.to_string()),
        "{err:?}"
    );
    let api = rpps_api::ApiError::from(err);
    assert_eq!(api.code, "registration.already_numbered");
    assert!(api.message.contains(first.rpps.as_str()), "{}", api.message);
    // Nothing was taken for the refusal: the next number follows the first.
    assert_eq!(
        store.next_rpps_number(SequenceRange::FULL).await.unwrap(),
        RppsNumber::from_sequence(2).unwrap()
    );
}

/// FAQ-R3: a probable match (one letter apart) is validated only with the manager's declaration
/// that it is someone else, recorded in the attestation.
#[tokio::test]
async fn faq_r3_a_probable_match_needs_the_declaration_that_it_is_someone_else() {
    let store = fresh_store().await;
    submitted(&store, "req-a", "sub-a", "Martin").await;
    submitted(&store, "req-b", "sub-b", "Martins").await;
    let now = OffsetDateTime::now_utc();
    let err = validate_id(&store, "req-b", &manager(), attestation(now), false, now)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ValidateError::Blocked(Blocked::Probable(ids)) if ids == &["req-a".to_owned()]),
        "{err:?}"
    );
    assert_eq!(
        rpps_api::ApiError::from(err).code,
        "registration.probable_match"
    );
    let done = validate_id(&store, "req-b", &manager(), attestation(now), true, now)
        .await
        .unwrap();
    assert_eq!(done.attestation.not_the_same_as, ["req-a"]);
    let read = store.registration("req-b").await.unwrap().unwrap();
    assert_eq!(
        read.request
            .attestation()
            .map(|a| a.not_the_same_as.clone()),
        Some(vec!["req-a".to_owned()])
    );
    // Now numbered, req-b is itself a probable match of req-a.
    let err = validate_id(&store, "req-a", &manager(), attestation(now), false, now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ValidateError::Blocked(Blocked::Probable(_))),
        "{err:?}"
    );
}

/// Two requests of one person (written otherwise) validated at the same moment: both look at
/// the partition before either writes, so neither sees the other numbered. The partition's lock
/// settles it: the second transaction fails on the lock's version (nothing written, its number
/// lost, not reused), and the service, looking again, finds the first one numbered. (The race is
/// laid out step by step: moto does not isolate concurrent transactions from each other.)
#[tokio::test]
async fn two_requests_of_one_person_validated_at_once_give_one_number() {
    let store = fresh_store().await;
    submitted(&store, "req-a", "sub-a", "Saint-Martin").await;
    submitted(&store, "req-b", "sub-b", "St Martin").await;
    let now = OffsetDateTime::now_utc();
    let manager = manager();
    // Both read, and both look at the partition: each sees the other, open.
    let read_a = reread(&store, "req-a").await.unwrap();
    let read_b = reread(&store, "req-b").await.unwrap();
    let seen_by_a = store.identity_candidates(CANDIDATE_KEY).await.unwrap();
    let seen_by_b = store.identity_candidates(CANDIDATE_KEY).await.unwrap();
    assert_eq!(seen_by_a.requests.len(), 2);
    // A records its validation.
    let (va, recorded) = record_on(&store, &read_a, &seen_by_a, now).await;
    recorded.unwrap();
    // B, on what it saw before: refused by the lock, nothing of it written.
    let (_, recorded) = record_on(&store, &read_b, &seen_by_b, now).await;
    let err = recorded.unwrap_err();
    assert!(matches!(err, RegistrationStoreError::Contended), "{err}");
    assert_eq!(
        reread(&store, "req-b").await.unwrap().request.status(),
        &RegistrationStatus::Submitted
    );
    // The service, trying again, finds A numbered: no second number.
    let err = validate_read(&store, read_b, &manager, attestation(now), true, now)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ValidateError::Blocked(Blocked::AlreadyNumbered(rpps)) if *rpps == va.rpps.to_string()),
        "{err:?}"
    );
}

/// Two different people of one identity partition (same place and year of birth, FAQ-R12)
/// validated at the same moment: the second transaction loses the partition's lock. That is
/// `Contended`, not a changed request (nothing to read again, the request did not move), and
/// nothing of it is written; the service, looking again, finds no match and numbers her too.
#[tokio::test]
async fn faq_r12_two_different_people_of_one_partition_validated_at_once_both_get_a_number() {
    let store = fresh_store().await;
    submitted(&store, "req-m", "sub-m", "Martin").await;
    submitted(&store, "req-p", "sub-p", "Petit").await;
    let now = OffsetDateTime::now_utc();
    let manager = manager();
    let read_m = reread(&store, "req-m").await.unwrap();
    let read_p = reread(&store, "req-p").await.unwrap();
    let seen_by_m = store.identity_candidates(CANDIDATE_KEY).await.unwrap();
    let seen_by_p = store.identity_candidates(CANDIDATE_KEY).await.unwrap();
    let (vm, recorded) = record_on(&store, &read_m, &seen_by_m, now).await;
    recorded.unwrap();
    let (vp, recorded) = record_on(&store, &read_p, &seen_by_p, now).await;
    let err = recorded.unwrap_err();
    assert!(matches!(err, RegistrationStoreError::Contended), "{err}");
    let untouched = reread(&store, "req-p").await.unwrap();
    assert_eq!(untouched.request.status(), &RegistrationStatus::Submitted);
    assert_eq!(untouched.version, read_p.version);
    assert!(
        store.professional_file(&vp.rpps).await.unwrap().is_none(),
        "nothing of the lost transaction written"
    );
    // The service on the same (now stale) read: looks again, numbers her.
    let done = validate_read(&store, read_p, &manager, attestation(now), false, now)
        .await
        .unwrap();
    assert!(done.newly_validated);
    assert_ne!(done.rpps, vm.rpps);
    assert_ne!(done.rpps, vp.rpps, "the lost number is never handed out");
}

/// FAQ-R3: past the last number of the configured range, a validation is refused with a 503,
/// nothing written, the request still waiting.
#[tokio::test]
async fn faq_r3_a_validation_past_the_range_is_refused_and_writes_nothing() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    submitted(&store, "req-2", "sub-2", "Petit").await;
    let range = SequenceRange::new(7, 7).unwrap();
    let now = OffsetDateTime::now_utc();
    let ask = || Ask {
        attestation: attestation(now),
        not_the_same_person: false,
        at: now,
    };
    let read = reread(&store, "req-1").await.unwrap();
    let first = validate(&store, range, read, &manager(), ask())
        .await
        .unwrap();
    assert_eq!(first.rpps, RppsNumber::from_sequence(7).unwrap());
    let read = reread(&store, "req-2").await.unwrap();
    let err = validate(&store, range, read, &manager(), ask())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ValidateError::RangeExhausted { last: 7 }),
        "{err:?}"
    );
    let api = rpps_api::ApiError::from(err);
    assert_eq!(api.status.as_u16(), 503);
    assert_eq!(api.code, "rpps.range_exhausted");
    assert_eq!(
        reread(&store, "req-2").await.unwrap().request.status(),
        &RegistrationStatus::Submitted
    );
    assert_eq!(store.rpps_counter().await.unwrap(), Some(7));
}
