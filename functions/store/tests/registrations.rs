//! Registration requests in the store, over moto (FAQ-R1, R2, R3, R11).

mod common;

use std::collections::BTreeSet;

use common::fresh_store;
use rpps_domain::{
    Actor, Attestation, BirthDate, BirthPlace, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    Email, Finess, PersonName, RegistrationRequest, RegistrationStatus, RejectionReason, Role,
    RppsNumber,
};
use rpps_store::{Milestone, RegistrationStoreError, Store, StoredRegistration, ValidateError};
use time::OffsetDateTime;
use time::macros::date;

const FINESS_A: &str = "750012346";
const MANAGER_ID: &str = "3750012346/42";

fn civil(family: &str) -> CivilStatus {
    CivilStatus {
        family_name: PersonName::parse(family).unwrap(),
        given_names: PersonName::parse("Élodie").unwrap(),
        birth_date: BirthDate::parse("1990-05-17", date!(2026 - 11 - 26)).unwrap(),
        birth_place: BirthPlace::from_franceconnect("69383", "99100").unwrap(),
    }
}

fn applicant(sub: &str) -> Actor {
    Actor::new(sub, Role::Applicant)
}

fn manager() -> Actor {
    Actor::new(
        MANAGER_ID,
        Role::Manager {
            establishments: vec![Finess::parse(FINESS_A).unwrap()],
        },
    )
}

/// A submitted self-service request of `family`, ready for the managers of establishment A.
async fn submitted(store: &Store, id: &str, sub: &str, family: &str) -> StoredRegistration {
    let now = OffsetDateTime::now_utc();
    let actor = applicant(sub);
    let draft = RegistrationRequest::new_self_service(id, &actor, civil(family), now).unwrap();
    let stored = store.create_registration(&draft, sub).await.unwrap();
    let mut request = stored.request.clone();
    request
        .update_draft(
            &actor,
            DraftUpdate {
                contact: Some(Contact {
                    email: Email::parse("elodie@example.org").unwrap(),
                    mobile: None,
                }),
                establishment: Some(Finess::parse(FINESS_A).unwrap()),
                start_date: Some(date!(2026 - 09 - 01)),
                eligibility: Some(EligibilityBasis::Certification),
                accuracy_confirmed: Some(true),
                ..DraftUpdate::default()
            },
            now,
        )
        .unwrap();
    let saved = store
        .save_registration(&stored, &request, sub, "registration.update", None)
        .await
        .unwrap();
    request.submit(&actor, now).unwrap();
    store
        .save_registration(&saved, &request, sub, "registration.submit", None)
        .await
        .unwrap()
}

fn attestation(at: OffsetDateTime) -> Attestation {
    Attestation::new(&manager(), EligibilityBasis::Certification, true, at)
}

/// `read`'s request rejected by the manager of establishment A for `reason`, not saved yet.
fn rejected(read: &StoredRegistration, reason: &str, at: OffsetDateTime) -> RegistrationRequest {
    let mut request = read.request.clone();
    request
        .reject(&manager(), RejectionReason::parse(reason).unwrap(), at)
        .unwrap();
    request
}

/// Saves the rejection `request` over `read`, as the manager's.
async fn save_rejection(
    store: &Store,
    read: &StoredRegistration,
    request: &RegistrationRequest,
) -> Result<StoredRegistration, RegistrationStoreError> {
    store
        .save_registration(read, request, MANAGER_ID, "registration.reject", None)
        .await
}

#[tokio::test]
async fn faq_r11_a_draft_is_saved_then_submitted_to_the_managers_queue() {
    let store = fresh_store().await;
    let stored = submitted(&store, "req-1", "sub-1", "Martin").await;
    assert_eq!(stored.version, 3);
    let read = store.registration("req-1").await.unwrap().unwrap();
    assert_eq!(read, stored);
    let pending = store.pending_registrations(FINESS_A, 50).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].request.id(), "req-1");
    let mine = store.registrations_of_applicant("sub-1").await.unwrap();
    assert_eq!(mine.len(), 1);
    // Audited at every step.
    let actions: Vec<_> = store
        .audit_trail("REQ#req-1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "registration.create",
            "registration.update",
            "registration.submit"
        ]
    );
}

#[tokio::test]
async fn a_person_cannot_hold_two_open_requests_and_a_stale_write_is_refused() {
    let store = fresh_store().await;
    let first = submitted(&store, "req-1", "sub-1", "Martin").await;
    let now = OffsetDateTime::now_utc();
    // Same civil status, another FranceConnect account or the employer: still the same person.
    let again =
        RegistrationRequest::new_self_service("req-2", &applicant("sub-2"), civil("MARTIN"), now)
            .unwrap();
    let err = store
        .create_registration(&again, "sub-2")
        .await
        .unwrap_err();
    assert!(matches!(err, RegistrationStoreError::AlreadyOpen), "{err}");
    assert!(
        store.registration("req-2").await.unwrap().is_none(),
        "nothing half-written"
    );
    // A write based on an old version loses.
    let mut stale = first.clone();
    stale.version -= 1;
    let err = store
        .save_registration(&stale, &first.request, "sub-1", "registration.update", None)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistrationStoreError::Changed), "{err}");
}

#[tokio::test]
async fn faq_r2_r3_validation_allocates_a_number_in_one_transaction_and_is_idempotent() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    let now = OffsetDateTime::now_utc();
    let validation = store
        .validate_registration("req-1", &manager(), attestation(now), now)
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
            rpps: validation.rpps.clone()
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
        .create_registration(&again, "sub-9")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistrationStoreError::AlreadyRegistered),
        "{err}"
    );
    // Validating again returns the same number.
    let twice = store
        .validate_registration("req-1", &manager(), attestation(now), now)
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
            store
                .validate_registration("req-1", &manager(), attestation(now), now)
                .await
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
/// transaction and the store reads the request again.
#[tokio::test]
async fn a_stale_read_passed_in_ends_in_the_recorded_number_or_the_refusal() {
    let store = fresh_store().await;
    submitted(&store, "req-1", "sub-1", "Martin").await;
    let stale = store.registration("req-1").await.unwrap().unwrap();
    let now = OffsetDateTime::now_utc();
    let first = store
        .validate_read_registration(stale.clone(), &manager(), attestation(now), now)
        .await
        .unwrap();
    assert!(first.newly_validated);
    // Another manager read it while it was still submitted: they get the recorded number.
    let second = store
        .validate_read_registration(stale, &manager(), attestation(now), now)
        .await
        .unwrap();
    assert_eq!(second.rpps, first.rpps);
    assert!(!second.newly_validated);
    // The stale attempt took a number before its transaction was cancelled: a gap, not a reuse.
    assert_eq!(
        store.next_rpps_number().await.unwrap(),
        RppsNumber::from_sequence(3).unwrap()
    );

    // Rejected after the read: the validation is refused, nothing is recorded.
    let read = submitted(&store, "req-2", "sub-2", "Petit").await;
    save_rejection(&store, &read, &rejected(&read, "Diplôme non reconnu", now))
        .await
        .unwrap();
    let err = store
        .validate_read_registration(read, &manager(), attestation(now), now)
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
    let err = store
        .validate_registration("req-1", &manager(), unchecked, now)
        .await
        .unwrap_err();
    assert!(matches!(err, ValidateError::Refused(_)), "{err}");
    let other = Actor::new(
        "3690011226/7",
        Role::Manager {
            establishments: vec![Finess::parse("690011226").unwrap()],
        },
    );
    let err = store
        .validate_registration(
            "req-1",
            &other,
            Attestation::new(&other, EligibilityBasis::Certification, true, now),
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
        store
            .validate_registration("nope", &manager(), attestation(now), now)
            .await
            .unwrap_err(),
        ValidateError::NotFound
    ));
    // No number was consumed by the refusals: the next one is the first of the sequence.
    assert_eq!(
        store.next_rpps_number().await.unwrap(),
        RppsNumber::from_sequence(1).unwrap()
    );
}

#[tokio::test]
async fn a_rejection_is_final_and_frees_the_person_to_apply_again() {
    let store = fresh_store().await;
    let stored = submitted(&store, "req-1", "sub-1", "Martin").await;
    let now = OffsetDateTime::now_utc();
    save_rejection(
        &store,
        &stored,
        &rejected(&stored, "Diplôme non reconnu", now),
    )
    .await
    .unwrap();
    assert!(
        store
            .pending_registrations(FINESS_A, 50)
            .await
            .unwrap()
            .is_empty()
    );
    let again =
        RegistrationRequest::new_self_service("req-2", &applicant("sub-1"), civil("Martin"), now)
            .unwrap();
    store.create_registration(&again, "sub-1").await.unwrap();
}

#[tokio::test]
async fn timeline_milestones_are_recorded_once_and_never_lost_to_a_stale_write() {
    let store = fresh_store().await;
    let read = submitted(&store, "req-m", "sub-m", "Moreau").await;
    let first = OffsetDateTime::now_utc();
    assert!(
        store
            .record_milestone("req-m", Milestone::NumberSent, first)
            .await
            .unwrap()
    );
    // A redelivered event: the first time stays.
    let later = first + time::Duration::minutes(5);
    store
        .record_milestone("req-m", Milestone::NumberSent, later)
        .await
        .unwrap();
    let now = store.registration("req-m").await.unwrap().unwrap();
    assert_eq!(
        now.milestones.number_sent_at.map(|t| t.unix_timestamp()),
        Some(first.unix_timestamp())
    );
    assert_eq!(now.milestones.published_at, None);
    assert!(now.version > read.version, "recording moves the version on");
    // A write based on the read from before the milestone is refused, not silently dropping it.
    let request = rejected(&read, "Diplôme non conforme", OffsetDateTime::now_utc());
    let stale = save_rejection(&store, &read, &request).await.unwrap_err();
    assert!(matches!(stale, RegistrationStoreError::Changed), "{stale}");
    // A write on the fresh read carries the milestone over.
    let saved = save_rejection(&store, &now, &request).await.unwrap();
    let reread = store.registration("req-m").await.unwrap().unwrap();
    assert_eq!(reread.milestones, now.milestones);
    assert_eq!(reread.version, saved.version);
    // Unknown request: nothing written.
    assert!(
        !store
            .record_milestone("req-unknown", Milestone::Published, first)
            .await
            .unwrap()
    );
    assert!(store.registration("req-unknown").await.unwrap().is_none());
}

#[tokio::test]
async fn faq_r6_the_purge_reads_only_the_due_departures_and_runs_once() {
    use rpps_domain::PracticeSite;
    use rpps_store::SiteRecord;
    let store = fresh_store().await;
    let finess = Finess::parse(FINESS_A).unwrap();
    let today = date!(2026 - 11 - 26);
    let site = |n: u64, end: Option<time::Date>| {
        let mut site = PracticeSite::new(finess.clone(), date!(2025 - 01 - 06));
        if let Some(end) = end {
            site.end_on(end, date!(2025 - 01 - 06)).unwrap();
        }
        SiteRecord {
            rpps: RppsNumber::from_sequence(n).unwrap(),
            site,
            family_name: format!("Nom{n}"),
            given_names: "Prénom".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            purged_at: None,
            version: 1,
        }
    };
    // 60 sites: 40 without departure, 12 departed before today, 4 leaving today, 4 later.
    let mut sites: Vec<SiteRecord> = (1..=40).map(|n| site(n, None)).collect();
    sites.extend((41..=52).map(|n| site(n, Some(date!(2026 - 11 - 20)))));
    sites.extend((53..=56).map(|n| site(n, Some(today))));
    sites.extend((57..=60).map(|n| site(n, Some(date!(2026 - 12 - 31)))));
    store.import_practice_sites(&sites).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let report = store
        .purge_departed(today, "scheduler:test", now)
        .await
        .unwrap();
    assert_eq!(report.read, 12, "only the due departures are read");
    assert_eq!(report.purged.len(), 12);
    let again = store
        .purge_departed(today, "scheduler:test", now)
        .await
        .unwrap();
    assert_eq!((again.read, again.purged.len()), (0, 0));
    let staff = store.staff_of(&finess).await.unwrap();
    assert_eq!(staff.len(), 60);
    assert_eq!(staff.iter().filter(|s| !s.is_published()).count(), 12);
    // Tomorrow, today's leavers go too.
    let tomorrow = store
        .purge_departed(today.next_day().unwrap(), "scheduler:test", now)
        .await
        .unwrap();
    assert_eq!((tomorrow.read, tomorrow.purged.len()), (4, 4));
}
