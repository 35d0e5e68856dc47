//! The benchmarks' people and the store calls that stand for the functions' (shared by
//! `src/bin/validations.rs` and `src/bin/latency_bench.rs`): many different people, their
//! submitted requests, and a validation as the handler makes it.

use rpps_domain::{
    Actor, Attestation, BirthDate, BirthPlace, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    Email, Finess, PersonName, RegistrationRequest, Role, SequenceRange, TransitionError,
    Validation,
};
use rpps_registrations::identity;
use rpps_registrations::validation::{self, ValidateError};
use rpps_store::{Store, StoredRegistration};
use time::macros::date;
use time::{Date, OffsetDateTime};

/// The establishment of the benchmarks' requests (a demo establishment) and its manager.
pub const FINESS: &str = "750012346";
pub const MANAGER_ID: &str = "3750012346/42";

pub fn civil(family: &str, born: Date) -> anyhow::Result<CivilStatus> {
    Ok(CivilStatus {
        family_name: PersonName::parse(family)?,
        given_names: PersonName::parse("Élodie")?,
        birth_date: BirthDate::parse(&born.to_string(), date!(2026 - 11 - 26))?,
        birth_place: BirthPlace::from_franceconnect("69383", "99100")?,
    })
}

/// One of the bench's people: a request id, a FranceConnect subject, a civil status.
pub struct Person {
    pub id: String,
    pub sub: String,
    pub family: String,
    pub born: Date,
}

impl Person {
    /// The `i`-th of many different people: a name and a birth date of their own (29 days
    /// apart from 1950 on, about 13 a year, round again after 70 years: 29 is prime to the
    /// 25,550 days of the cycle, so no two of the first 25,550 share a date). With one name a
    /// letter apart and the same birth date and place, two of them would be one probable person
    /// (FAQ-R12) and the bench's validations would rightly be refused.
    pub fn nth(prefix: &str, i: usize) -> Self {
        const CYCLE: i64 = 70 * 365;
        Person {
            id: format!("{prefix}-{i:04}"),
            sub: format!("{prefix}-sub-{i:04}"),
            family: family_name(i),
            born: date!(1950 - 01 - 01) + time::Duration::days((29 * i as i64) % CYCLE),
        }
    }
}

/// A family name per index, letters only (names refuse digits): 0 → `Banc-Aaa`, 1 → `Banc-Aab`…
pub fn family_name(i: usize) -> String {
    let mut letters = [b'a'; 3];
    let mut n = i;
    for slot in letters.iter_mut().rev() {
        *slot = b'a' + (n % 26) as u8;
        n /= 26;
    }
    let tail: String = letters.iter().map(|&b| char::from(b)).collect();
    let mut chars = tail.chars();
    let capitalised: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect();
    format!("Banc-{capitalised}")
}

pub fn manager() -> anyhow::Result<Actor> {
    Ok(Actor::new(
        MANAGER_ID,
        Role::Manager {
            establishments: vec![Finess::parse(FINESS)?],
        },
    ))
}

pub fn attestation(manager: &Actor, at: OffsetDateTime) -> Attestation {
    Attestation::new(manager, EligibilityBasis::Certification, true, at)
}

pub fn draft_fields(establishment: bool) -> anyhow::Result<DraftUpdate> {
    Ok(DraftUpdate {
        contact: Some(Contact {
            email: Email::parse("elodie@example.org")?,
            mobile: None,
        }),
        establishment: establishment.then(|| Finess::parse(FINESS)).transpose()?,
        start_date: establishment.then_some(date!(2026 - 09 - 01)),
        eligibility: establishment.then_some(EligibilityBasis::Certification),
        accuracy_confirmed: Some(true),
        ..DraftUpdate::default()
    })
}

/// A submitted self-service request, as the functions would have written it.
pub async fn submitted(store: &Store, person: &Person) -> anyhow::Result<StoredRegistration> {
    let Person {
        id,
        sub,
        family,
        born,
    } = person;
    let sub = sub.as_str();
    let now = OffsetDateTime::now_utc();
    let actor = Actor::new(sub, Role::Applicant);
    let draft = RegistrationRequest::new_self_service(id, &actor, civil(family, *born)?, now)?;
    let key = identity::key(draft.civil_status());
    let stored = store.create_registration(&draft, sub, &key).await?;
    let mut request = stored.request.clone();
    request.update_draft(&actor, draft_fields(true)?, now)?;
    let saved = store
        .save_registration(&stored, &request, sub, "registration.update", None)
        .await?;
    request.submit(&actor, now)?;
    Ok(store
        .save_registration(&saved, &request, sub, "registration.submit", None)
        .await?)
}

pub async fn validate_as_the_handler(
    store: &Store,
    id: &str,
    manager: &Actor,
    at: OffsetDateTime,
) -> Result<Validation, ValidateError> {
    let read = store
        .registration(id)
        .await?
        .ok_or(ValidateError::NotFound)?;
    if !read.request.is_visible_to(manager) {
        return Err(TransitionError::NotYourEstablishment.into());
    }
    let ask = validation::Ask {
        attestation: attestation(manager, at),
        not_the_same_person: false,
        at,
    };
    validation::validate(store, SequenceRange::FULL, read, manager, ask).await
}
