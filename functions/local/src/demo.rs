//! A demo register for `make run` (issue 16, item 5): a local directory that starts empty shows
//! nothing in the web directory, the FHIR API or the files. [`seed_register`] creates a few
//! hundred clearly fictitious professionals (every family name starts with « Exemple- », every
//! address is `@exemple.invalid`) across the demo establishments, through the store calls of a
//! real registration and the validation service itself (`rpps_registrations::validation`), and
//! records the departure of one in ten, which the purge then removes from the directory.
//! Idempotent across restarts: each person's request id is fixed (`demo-0000`…); one already
//! validated is left alone, one left half-way is taken up where it stopped.

use rpps_domain::{
    Actor, Attestation, BirthDate, BirthPlace, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    Email, Finess, PersonName, RegistrationRequest, RegistrationStatus, Role, SequenceRange,
};
use rpps_registrations::{identity, validation};
use rpps_store::Store;
use time::{Date, Duration, OffsetDateTime};

/// How many people the demo register holds.
pub const PEOPLE: usize = 300;
/// One in this many has left their establishment (removed from the directory by the purge).
const DEPARTED_EVERY: usize = 10;
const ACTOR: &str = "operator:local-demo";

const FAMILY: [&str; 25] = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
];
const GIVEN: [&str; 12] = [
    "Camille", "Léa", "Manon", "Inès", "Sarah", "Nadia", "Fatou", "Lucas", "Hugo", "Yanis",
    "Chloé", "Awa",
];
/// Birth places (INSEE commune codes), one per person in turn.
const BORN_IN: [&str; 6] = ["75115", "69383", "13208", "33063", "59350", "31555"];

/// What a seeding did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub validated: usize,
    pub already: usize,
    pub departed: usize,
    pub purged: usize,
}

/// The `i`-th demo person's civil status: « Exemple-<name> », 29 days of birth apart.
fn civil(i: usize) -> anyhow::Result<CivilStatus> {
    let family = format!("Exemple-{}", FAMILY[i % FAMILY.len()]);
    let given = GIVEN[(i / FAMILY.len()) % GIVEN.len()];
    let born = time::macros::date!(1962 - 01 - 01) + Duration::days((29 * i as i64) % (40 * 365));
    Ok(CivilStatus {
        family_name: PersonName::parse(&family)?,
        given_names: PersonName::parse(given)?,
        birth_date: BirthDate::parse(&born.to_string(), time::macros::date!(2026 - 01 - 01))?,
        birth_place: BirthPlace::from_franceconnect(BORN_IN[i % BORN_IN.len()], "99100")?,
    })
}

/// Creates what is missing of the first `people` of the demo register ([`PEOPLE`] for
/// `make run`) on `store`, for the demo `establishments` (their managers validate). Logs and
/// returns what it did.
pub async fn seed_register(
    store: &Store,
    establishments: &[Finess],
    numbers: SequenceRange,
    people: usize,
) -> anyhow::Result<DemoReport> {
    anyhow::ensure!(!establishments.is_empty(), "no demo establishment");
    let mut report = DemoReport::default();
    let today = rpps_domain::paris::date_in_paris(OffsetDateTime::now_utc());
    for i in 0..people {
        let finess = &establishments[i % establishments.len()];
        let id = format!("demo-{i:04}");
        let sub = format!("demo-sub-{i:04}");
        let now = OffsetDateTime::now_utc();
        let applicant = Actor::new(&sub, Role::Applicant);
        let mut read = match store.registration(&id).await? {
            Some(read) => read,
            None => {
                let civil = civil(i)?;
                let draft = RegistrationRequest::new_self_service(&id, &applicant, civil, now)?;
                let key = identity::key(draft.civil_status());
                store.create_registration(&draft, &sub, &key).await?
            }
        };
        if matches!(read.request.status(), RegistrationStatus::Draft) {
            let mut request = read.request.clone();
            request.update_draft(
                &applicant,
                DraftUpdate {
                    contact: Some(Contact {
                        email: Email::parse(&format!("demo.{i:04}@exemple.invalid"))?,
                        mobile: None,
                    }),
                    establishment: Some(finess.clone()),
                    start_date: Some(time::macros::date!(2026 - 09 - 01)),
                    eligibility: Some(EligibilityBasis::Certification),
                    accuracy_confirmed: Some(true),
                    ..DraftUpdate::default()
                },
                now,
            )?;
            request.submit(&applicant, now)?;
            read = store
                .save_registration(&read, &request, &sub, "registration.submit", None)
                .await?;
        }
        let rpps = match read.request.status() {
            RegistrationStatus::Validated { rpps, .. } => {
                report.already += 1;
                rpps.clone()
            }
            RegistrationStatus::Submitted => {
                let manager = Actor::new(
                    format!("demo-manager-{finess}"),
                    Role::Manager {
                        establishments: vec![finess.clone()],
                    },
                );
                let ask = validation::Ask {
                    attestation: Attestation::new(
                        &manager,
                        EligibilityBasis::Certification,
                        true,
                        now,
                    ),
                    not_the_same_person: false,
                    at: now,
                };
                let validated = validation::validate(store, numbers, read, &manager, ask).await?;
                report.validated += 1;
                validated.rpps
            }
            // Rejected or closed by someone trying the demo: theirs.
            _ => continue,
        };
        // One in ten left on the day the register was made; the purge removes them.
        if i % DEPARTED_EVERY == DEPARTED_EVERY - 1 {
            let sites = store.staff_of(finess).await?;
            if let Some(site) = sites
                .iter()
                .find(|s| s.rpps == rpps && s.site.end().is_none() && s.purged_at.is_none())
            {
                let mut ended = site.site.clone();
                ended.end_on(today, today)?;
                store
                    .save_site(site, &ended, ACTOR, "practice_site.departure", now)
                    .await?;
                report.departed += 1;
            }
        }
    }
    // The night after: the departures leave the directory.
    let purge: Date = today + Duration::days(1);
    let purged = store
        .purge_departed(purge, ACTOR, OffsetDateTime::now_utc())
        .await?;
    report.purged = purged.purged.len();
    tracing::info!(
        validated = report.validated,
        already = report.already,
        departed = report.departed,
        purged = report.purged,
        "demo register"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over moto (`make test`): the register is made once; a restart makes nothing again.
    #[tokio::test]
    async fn the_demo_register_is_made_once_with_its_departures_purged() {
        let store = rpps_store::testing::fresh_store().await;
        let establishments = [
            Finess::parse("750012346").unwrap(),
            Finess::parse("690011226").unwrap(),
        ];
        let first = seed_register(&store, &establishments, SequenceRange::FULL, 20)
            .await
            .unwrap();
        assert_eq!(
            first,
            DemoReport {
                validated: 20,
                already: 0,
                departed: 2,
                purged: 2,
            }
        );
        let again = seed_register(&store, &establishments, SequenceRange::FULL, 20)
            .await
            .unwrap();
        assert_eq!(
            again,
            DemoReport {
                validated: 0,
                already: 20,
                departed: 0,
                purged: 0,
            }
        );
        // Each a professional of its establishment, clearly fictitious; the departed purged.
        let staff = store.staff_of(&establishments[1]).await.unwrap();
        assert_eq!(staff.len(), 10);
        assert!(staff.iter().all(|s| s.family_name.starts_with("Exemple-")));
        // The 10th and the 20th (odd: the second establishment's) left, and were purged.
        assert_eq!(staff.iter().filter(|s| s.purged_at.is_some()).count(), 2);
    }
}
