//! For tests over moto (this crate's and the functions'): a store with tables of its own, and
//! the fixtures the registration tests share. Not used by the functions themselves.

use rpps_domain::{
    Actor, BirthDate, BirthPlace, CivilStatus, Contact, DraftUpdate, EligibilityBasis, Email,
    Finess, PersonName, RegistrationRequest, Role,
};
use time::OffsetDateTime;
use time::macros::date;

use crate::{Store, StoredRegistration, Tables};

/// The establishment of the fixtures, and its manager's national identifier.
pub const FINESS_A: &str = "750012346";
pub const MANAGER_ID: &str = "3750012346/42";

/// The emulator `make test` started (`RPPS_TEST_AWS_ENDPOINT`).
pub fn endpoint() -> String {
    std::env::var("RPPS_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "RPPS_TEST_AWS_ENDPOINT is not set: run these tests with `make test`, which starts \
             moto server and sets it"
        )
    })
}

/// A store on moto with fresh tables.
pub async fn fresh_store() -> Store {
    fresh_store_at(&endpoint()).await
}

/// A store on the emulator at `endpoint` with fresh tables (the benchmarks).
pub async fn fresh_store_at(endpoint: &str) -> Store {
    // The functions' own SDK configuration (HTTPS client), pointed at moto, without their time
    // limits and with more attempts: moto copies the whole table in every transaction, the
    // concurrency tests queue fifty of them on a machine that may be busy, and moto's copy is
    // not thread-safe (a concurrent write to the table makes it answer HTTP 500, "dictionary
    // changed size during iteration"), which the SDK retries as the transient error it is.
    let sdk = rpps_runtime::aws::for_local_endpoint(endpoint);
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .timeout_config(aws_sdk_dynamodb::config::timeout::TimeoutConfig::disabled())
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(8))
        .build();
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        Tables::with_prefix(&prefix),
    );
    store.ensure_tables().await.expect("tables created");
    store
}

/// The identity-match partition of [`civil`] (`rpps_domain::candidate_key`: Lyon 69123, 1990);
/// the functions' tests check it against the real places.
pub const CANDIDATE_KEY: &str = "69123#1990";

/// Élodie `family`, born on 17 May 1990 in Lyon 3e.
pub fn civil(family: &str) -> CivilStatus {
    CivilStatus {
        family_name: PersonName::parse(family).expect("a family name"),
        given_names: PersonName::parse("Élodie").expect("a given name"),
        birth_date: BirthDate::parse("1990-05-17", date!(2026 - 11 - 26)).expect("a birth date"),
        birth_place: BirthPlace::from_franceconnect("69383", "99100").expect("a birth place"),
    }
}

pub fn applicant(sub: &str) -> Actor {
    Actor::new(sub, Role::Applicant)
}

/// The manager of establishment A.
pub fn manager() -> Actor {
    Actor::new(
        MANAGER_ID,
        Role::Manager {
            establishments: vec![Finess::parse(FINESS_A).expect("FINESS A")],
        },
    )
}

/// A submitted self-service request of `family`, ready for the managers of establishment A.
pub async fn submitted(store: &Store, id: &str, sub: &str, family: &str) -> StoredRegistration {
    let now = OffsetDateTime::now_utc();
    let actor = applicant(sub);
    let draft =
        RegistrationRequest::new_self_service(id, &actor, civil(family), now).expect("a draft");
    let stored = store
        .create_registration(&draft, sub, CANDIDATE_KEY)
        .await
        .expect("created");
    let mut request = stored.request.clone();
    request
        .update_draft(
            &actor,
            DraftUpdate {
                contact: Some(Contact {
                    email: Email::parse("elodie@example.org").expect("an email"),
                    mobile: None,
                }),
                establishment: Some(Finess::parse(FINESS_A).expect("FINESS A")),
                start_date: Some(date!(2026 - 09 - 01)),
                eligibility: Some(EligibilityBasis::Certification),
                accuracy_confirmed: Some(true),
                ..DraftUpdate::default()
            },
            now,
        )
        .expect("completed");
    let saved = store
        .save_registration(&stored, &request, sub, "registration.update", None)
        .await
        .expect("saved");
    request.submit(&actor, now).expect("submitted");
    store
        .save_registration(&saved, &request, sub, "registration.submit", None)
        .await
        .expect("saved")
}
