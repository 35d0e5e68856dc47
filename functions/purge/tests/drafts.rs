//! The daily run's drafts over moto (issue 14: no request blocks a person for ever): a draft left
//! unsent for 30 days is closed as expired and its claim on the person released; a week before,
//! its expiry is announced once.

use rpps_domain::{ClosureReason, RegistrationRequest, RegistrationStatus};
use rpps_store::testing::{CANDIDATE_KEY, applicant, civil, fresh_store};
use time::{Duration, OffsetDateTime};

#[tokio::test]
async fn drafts_left_unsent_are_announced_then_expire_and_free_the_person() {
    let store = fresh_store().await;
    let now = OffsetDateTime::now_utc();
    let draft = |id: &str, sub: &str, family: &str, days_ago: i64| {
        RegistrationRequest::new_self_service(
            id,
            &applicant(sub),
            civil(family),
            now - Duration::days(days_ago),
        )
        .unwrap()
    };
    let old = draft("req-old", "sub-old", "Ancien", 31);
    let soon = draft("req-soon", "sub-soon", "Bientot", 25);
    let fresh = draft("req-fresh", "sub-fresh", "Recent", 2);
    for request in [&old, &soon, &fresh] {
        store
            .create_registration(request, request.created_by(), CANDIDATE_KEY)
            .await
            .unwrap();
    }
    let report = rpps_purge::expire_drafts(&store, now).await.unwrap();
    assert_eq!(
        report,
        rpps_purge::DraftsReport {
            noticed: 1,
            expired: 1,
            changed: 0
        }
    );
    let closed = store.registration("req-old").await.unwrap().unwrap();
    assert!(matches!(
        closed.request.status(),
        RegistrationStatus::Closed {
            reason: ClosureReason::Expired,
            ..
        }
    ));
    let noticed = store.registration("req-soon").await.unwrap().unwrap();
    assert!(noticed.milestones.expiry_notice_at.is_some());
    assert_eq!(noticed.request.status(), &RegistrationStatus::Draft);
    // Once only.
    let again = rpps_purge::expire_drafts(&store, now).await.unwrap();
    assert_eq!(again, rpps_purge::DraftsReport::default());
    // The person of the expired draft may apply again.
    let anew = draft("req-anew", "sub-old", "Ancien", 0);
    store
        .create_registration(&anew, "sub-old", CANDIDATE_KEY)
        .await
        .unwrap();
    // Audited.
    let trail = store.audit_trail("REQ#req-old").await.unwrap();
    assert!(
        trail.iter().any(|e| e.action == "registration.expire"),
        "{trail:?}"
    );
}
