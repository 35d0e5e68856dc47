//! Registration requests in the store, over moto (FAQ-R1, R2, R3, R11). The validation, an
//! application service of the registrations function, is tested there
//! (`functions/registrations/tests/validation.rs`).

use rpps_domain::{Finess, RegistrationRequest, RejectionReason, RppsNumber};
use rpps_store::testing::{
    CANDIDATE_KEY, FINESS_A, MANAGER_ID, applicant, civil, fresh_store, manager, submitted,
};
use rpps_store::{Milestone, RegistrationStoreError, Store, StoredRegistration, Undelivered};
use time::OffsetDateTime;
use time::macros::date;

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
        .create_registration(&again, "sub-2", CANDIDATE_KEY)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistrationStoreError::AlreadyOpen), "{err}");
    assert!(
        store.registration("req-2").await.unwrap().is_none(),
        "nothing half-written"
    );
    // A write based on an old version loses (writing what is stored already is no change:
    // `a_write_committed_then_retried_is_a_success_not_a_conflict`).
    let mut stale = first.clone();
    stale.version -= 1;
    let changed = rejected(&first, "Diplôme non reconnu", now);
    let err = store
        .save_registration(&stale, &changed, "sub-1", "registration.reject", None)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistrationStoreError::Changed), "{err}");
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
    store
        .create_registration(&again, "sub-1", CANDIDATE_KEY)
        .await
        .unwrap();
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

/// Issue 18: an email that will not arrive is recorded with its reason, the first one kept
/// (a bounce reported after a refusal does not rewrite it).
#[tokio::test]
async fn an_undelivered_number_email_is_recorded_with_its_first_reason() {
    let store = fresh_store().await;
    submitted(&store, "req-u", "sub-u", "Moreau").await;
    let first = OffsetDateTime::now_utc();
    for (reason, at) in [
        (Undelivered::Bounced, first),
        (Undelivered::Refused, first + time::Duration::minutes(1)),
    ] {
        assert!(
            store
                .record_milestone("req-u", Milestone::NumberUndelivered(reason), at)
                .await
                .unwrap()
        );
    }
    store
        .record_milestone("req-u", Milestone::NumberDelayed, first)
        .await
        .unwrap();
    let read = store.registration("req-u").await.unwrap().unwrap();
    assert_eq!(
        read.milestones.number_undelivered_reason,
        Some(Undelivered::Bounced)
    );
    assert_eq!(
        read.milestones
            .number_undelivered_at
            .map(|t| t.unix_timestamp()),
        Some(first.unix_timestamp())
    );
    assert!(read.milestones.number_delayed_at.is_some());
    assert_eq!(read.milestones.number_sent_at, None);
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

/// A write whose answer was lost (an attempt timed out after it committed, and the SDK tried
/// again) is the write that happened: the same write again is a success, not a conflict; a
/// different one on the same old version still loses.
#[tokio::test]
async fn a_write_committed_then_retried_is_a_success_not_a_conflict() {
    let store = fresh_store().await;
    let read = submitted(&store, "req-r", "sub-r", "Renaud").await;
    let now = OffsetDateTime::now_utc();
    let request = rejected(&read, "Diplôme non reconnu", now);
    let first = save_rejection(&store, &read, &request).await.unwrap();
    let again = save_rejection(&store, &read, &request).await.unwrap();
    assert_eq!(again.request, first.request);
    assert_eq!(again.version, first.version);
    let other = rejected(&read, "Autre motif", now);
    let err = save_rejection(&store, &read, &other).await.unwrap_err();
    assert!(matches!(err, RegistrationStoreError::Changed), "{err}");
    // A creation retried the same way finds its own request.
    let draft =
        RegistrationRequest::new_self_service("req-n", &applicant("sub-n"), civil("Nouveau"), now)
            .unwrap();
    store
        .create_registration(&draft, "sub-n", CANDIDATE_KEY)
        .await
        .unwrap();
    let retried = store
        .create_registration(&draft, "sub-n", CANDIDATE_KEY)
        .await
        .unwrap();
    assert_eq!(retried.request, draft);
}
