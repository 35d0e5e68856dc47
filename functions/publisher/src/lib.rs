//! The directory publisher: consumes the outbox events that DynamoDB Streams delivers (in AWS)
//! or that the local runner replays, and rebuilds the public directory entry of each
//! professional an event is about (FAQ-R4):
//!
//! - `rpps.allocated` → the new professional appears, with their first practice site; the
//!   request's timeline gets its "published" step;
//! - `practice_site.changed` (a departure recorded, moved or cancelled) → the entry is rebuilt;
//! - `purge.completed` → the purged sites show as ended and leave the commune and département
//!   searches; a person with no site left stays findable by RPPS number only;
//! - the other kinds (submissions, rejections, closures, expiry notices, contact changes):
//!   nothing public changes.
//!
//! Each rebuild reads the registry (the professional's file: one `Query`; their establishments)
//! and writes the whole entry, so an event applied twice, or late, has the same result.

use std::collections::BTreeMap;

use rpps_contract::events::{Event, OutboxEvent};
use rpps_domain::{Finess, InseeCommuneCode, RppsNumber, ecps_activable_from};
use rpps_store::{
    DirectoryEntry, DirectorySite, Establishment, Milestone, ProfessionalFile, Store,
};
use serde_json::Value;
use time::OffsetDateTime;

#[derive(Clone)]
pub struct PublisherState {
    pub store: Store,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the event cannot be read: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] rpps_store::StoreError),
}

/// What one event did to the directory.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The entries of these numbers were rebuilt.
    Published(Vec<RppsNumber>),
    /// Not an event the directory follows.
    Ignored,
}

/// The professionals an event is about, if the directory follows it. Every kind is named: a
/// new kind does not compile until this says whether the directory follows it.
pub fn subjects(event: &OutboxEvent) -> Result<Option<Vec<RppsNumber>>, PublishError> {
    let number = |raw: &str| {
        RppsNumber::try_from(raw.to_owned())
            .map_err(|e| PublishError::Malformed(format!("rpps {raw}: {e}")))
    };
    match &event.event {
        Event::RppsAllocated(allocated) => Ok(Some(vec![number(&allocated.rpps)?])),
        Event::PracticeSiteChanged(changed) => Ok(Some(vec![number(&changed.rpps)?])),
        Event::PurgeCompleted(purge) => {
            let mut numbers = purge
                .purged
                .iter()
                .map(|p| number(&p.rpps))
                .collect::<Result<Vec<_>, _>>()?;
            numbers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            numbers.dedup();
            Ok(Some(numbers))
        }
        Event::RegistrationSubmitted(_)
        | Event::RegistrationRejected(_)
        | Event::RegistrationClosed(_)
        | Event::DraftExpiring(_)
        | Event::ContactChanged(_) => Ok(None),
    }
}

fn departement_of(insee: &str) -> String {
    InseeCommuneCode::parse(insee)
        .map(|c| c.departement_code().to_owned())
        .unwrap_or_else(|_| insee.chars().take(2).collect())
}

/// The public entry of a professional, from their file and their establishments (pure: what
/// the directory may show, and nothing else). `None` when they have no site at all.
pub fn entry_of(
    file: &ProfessionalFile,
    establishments: &BTreeMap<String, Establishment>,
    previous: Option<&DirectoryEntry>,
    now: OffsetDateTime,
) -> DirectoryEntry {
    let profile = &file.profile;
    let mut sites: Vec<DirectorySite> = file
        .sites
        .iter()
        .map(|record| {
            let finess = record.site.establishment();
            let establishment = establishments.get(finess.as_str());
            let commune_code = establishment
                .map(|e| e.commune_insee.clone())
                .unwrap_or_default();
            let commune_name = rpps_places::commune_by_code(&commune_code)
                .map(|c| c.name.to_owned())
                .or_else(|| establishment.map(|e| e.town.clone()))
                .unwrap_or_default();
            DirectorySite {
                finess: finess.clone(),
                establishment_name: establishment
                    .map(|e| e.long_name.clone())
                    .unwrap_or_else(|| finess.to_string()),
                departement: departement_of(&commune_code),
                commune_code,
                commune_name,
                started_on: record.site.start(),
                ended_on: record.purged_at.and(record.site.end()),
                active: record.is_published(),
            }
        })
        .collect();
    // Active sites first, then the most recent.
    sites.sort_by(|a, b| {
        b.active
            .cmp(&a.active)
            .then(b.started_on.cmp(&a.started_on))
    });
    DirectoryEntry {
        rpps: profile.record.rpps.clone(),
        family_name: profile.record.family_name.clone(),
        given_names: profile.record.given_names.clone(),
        profession: profile
            .profession
            .clone()
            .unwrap_or_else(|| "aide_a_domicile_qualifiee".to_owned()),
        sites,
        ecps_activable_from: profile.allocated_at.map(ecps_activable_from),
        published_at: previous.map_or(now, |p| p.published_at),
        updated_at: now,
    }
}

/// Rebuilds the directory entry of one professional. `false` when the registry has no such
/// professional (nothing written).
///
/// Two rebuilds of one entry may run at once (events of one professional on different shards,
/// a stream redelivery beside a sweeper's re-drive): the entry is read first, then the
/// registry, and written only if the entry is still the version read, so a rebuild from an
/// older reading of the registry never overwrites a newer one; the loser rebuilds again.
pub async fn publish(
    store: &Store,
    rpps: &RppsNumber,
    now: OffsetDateTime,
) -> Result<bool, PublishError> {
    const ATTEMPTS: usize = 4;
    for attempt in 1..=ATTEMPTS {
        let previous = store.directory_entry_for_rebuild(rpps).await?;
        let Some(file) = store.professional_file(rpps).await? else {
            tracing::warn!(rpps = %rpps, "no professional with this number: nothing published");
            return Ok(false);
        };
        let mut establishments = BTreeMap::new();
        for site in &file.sites {
            let finess: &Finess = site.site.establishment();
            if establishments.contains_key(finess.as_str()) {
                continue;
            }
            if let Some(e) = store.establishment(finess).await? {
                establishments.insert(finess.as_str().to_owned(), e);
            }
        }
        // The entry's instant, taken at each attempt (a retry after a conflict writes after
        // the version that won) and never before the version it replaces: the listings by
        // update (`rpps_store::listing`) see the versions in the order they were written.
        let mut stamp = now.max(OffsetDateTime::now_utc());
        if let Some((entry, _)) = &previous {
            stamp = stamp.max(entry.updated_at + time::Duration::nanoseconds(1));
        }
        let entry = entry_of(
            &file,
            &establishments,
            previous.as_ref().map(|(entry, _)| entry),
            stamp,
        );
        match store
            .replace_directory_entry(
                &entry,
                previous.as_ref().map(|(entry, version)| (entry, *version)),
            )
            .await
        {
            Ok(()) => {}
            Err(rpps_store::StoreError::Conflict { .. }) if attempt < ATTEMPTS => {
                tracing::info!(rpps = %rpps, attempt, "directory entry rebuilt meanwhile: rebuilding again");
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        if previous.is_none()
            && let Some(request_id) = &file.profile.request_id
        {
            store
                .record_milestone(request_id, Milestone::Published, entry.published_at)
                .await?;
        }
        return Ok(true);
    }
    // Not reached: the last attempt returns its conflict as an error.
    Ok(false)
}

/// Applies one outbox event to the directory.
pub async fn apply(
    state: &PublisherState,
    event: &OutboxEvent,
    now: OffsetDateTime,
) -> Result<Outcome, PublishError> {
    let Some(numbers) = subjects(event)? else {
        return Ok(Outcome::Ignored);
    };
    for rpps in &numbers {
        publish(&state.store, rpps, now).await?;
    }
    tracing::info!(event = %event.id, kind = event.event.kind(), count = numbers.len(), "directory updated");
    Ok(Outcome::Published(numbers))
}

/// The consumer's name in the outbox's pending sets (`rpps_store::outbox::CONSUMERS`).
pub const CONSUMER: &str = "publisher";

/// [`apply`], then the event recorded handled in the outbox (issue 18: until then, the sweeper
/// re-drives it).
pub async fn consume(
    state: &PublisherState,
    event: &OutboxEvent,
    now: OffsetDateTime,
) -> Result<Outcome, PublishError> {
    let outcome = apply(state, event, now).await?;
    state.store.outbox_done(&event.id, CONSUMER, now).await?;
    Ok(outcome)
}

/// Handles a stream batch before the invocation's `deadline`; returns the response Lambda
/// expects with `ReportBatchItemFailures`.
/// An event this version cannot read is a failure: retried, then kept by the dead-letter queue.
pub async fn handle_batch(
    state: &PublisherState,
    batch: &Value,
    deadline: Option<std::time::SystemTime>,
) -> Value {
    rpps_store::outbox::handle_stream_batch(batch, CONSUMER, deadline, |event| {
        // Boxed: the stream consumer's future nests the whole event handling (store calls, SDK
        // futures); unboxed, its layout overflows the compiler's query depth on a clean build.
        Box::pin(async move {
            consume(state, &event, OffsetDateTime::now_utc())
                .await
                .map(drop)
        })
    })
    .await
}

pub fn state_from_env() -> anyhow::Result<PublisherState> {
    let config = rpps_runtime::Config::from_env()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
) -> PublisherState {
    PublisherState {
        store: Store::from_config(config, sdk),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_consumer_is_one_the_outbox_waits_for() {
        assert!(rpps_store::outbox::CONSUMERS.contains(&super::CONSUMER));
    }

    use super::*;
    use rpps_domain::PracticeSite;
    use rpps_store::{ProfessionalProfile, ProfessionalRecord, SiteRecord};
    use time::macros::{date, datetime};

    fn establishment(finess: &str, name: &str, insee: &str, town: &str) -> Establishment {
        Establishment {
            finess: Finess::parse(finess).unwrap(),
            legal_entity_finess: None,
            name: name.to_owned(),
            long_name: name.to_owned(),
            siret: None,
            category_code: "460".into(),
            category_label: "Service d'aide à domicile".into(),
            address: "1 RUE DE LA PAIX".into(),
            postal_code: "75015".into(),
            town: town.to_owned(),
            commune_insee: insee.to_owned(),
            phone: None,
            updated_on: None,
        }
    }

    #[test]
    fn faq_r4_the_entry_holds_public_data_and_marks_purged_sites_ended() {
        let rpps = RppsNumber::from_sequence(42).unwrap();
        let site = |finess: &str, start, end, purged: bool| SiteRecord {
            rpps: rpps.clone(),
            site: {
                let mut s = PracticeSite::new(Finess::parse(finess).unwrap(), start);
                if let Some(end) = end {
                    s.end_on(end, start).unwrap();
                }
                s
            },
            family_name: "N'Diaye".into(),
            given_names: "Awa".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            purged_at: purged.then_some(datetime!(2026-11-20 02:00 UTC)),
            version: 1,
        };
        let file = ProfessionalFile {
            profile: ProfessionalProfile {
                record: ProfessionalRecord {
                    rpps: rpps.clone(),
                    family_name: "N'Diaye".into(),
                    given_names: "Awa".into(),
                },
                request_id: Some("req-1".into()),
                profession: Some("aide_a_domicile_qualifiee".into()),
                contact: None,
                allocated_at: Some(datetime!(2026-11-01 10:00 UTC)),
            },
            sites: vec![
                site(
                    "750012346",
                    date!(2026 - 01 - 05),
                    Some(date!(2026 - 11 - 15)),
                    true,
                ),
                site("690011226", date!(2026 - 11 - 16), None, false),
            ],
        };
        let establishments = BTreeMap::from([
            (
                "750012346".to_owned(),
                establishment("750012346", "SAAD PARIS 15", "75115", "PARIS"),
            ),
            (
                "690011226".to_owned(),
                establishment("690011226", "SSIAD LYON 3", "69383", "LYON"),
            ),
        ]);
        let now = datetime!(2026-11-26 09:00 UTC);
        let entry = entry_of(&file, &establishments, None, now);
        assert_eq!(entry.sites.len(), 2);
        let lyon = &entry.sites[0];
        assert!(lyon.active);
        assert_eq!(lyon.commune_code, "69383");
        assert_eq!(lyon.commune_name, "Lyon 3e Arrondissement");
        assert_eq!(lyon.departement, "69");
        let paris = &entry.sites[1];
        assert!(!paris.active);
        assert_eq!(paris.ended_on, Some(date!(2026 - 11 - 15)));
        assert_eq!(
            entry.ecps_activable_from,
            Some(datetime!(2026-11-03 10:00 UTC))
        );
        assert_eq!(entry.published_at, now);
        // Published once: a later rebuild keeps the first publication time.
        let later = entry_of(
            &file,
            &establishments,
            Some(&entry),
            now + time::Duration::hours(1),
        );
        assert_eq!(later.published_at, now);
        // Nothing private can be in it: the serialised entry has only these fields.
        let json = serde_json::to_value(&entry).unwrap();
        let mut fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "ecps_activable_from",
                "family_name",
                "given_names",
                "profession",
                "published_at",
                "rpps",
                "sites",
                "updated_at"
            ]
        );
    }

    #[test]
    fn the_directory_follows_these_events_only() {
        use rpps_contract::events::{
            PracticeSiteChanged, PurgeCompleted, PurgedSite, RegistrationSubmitted, RppsAllocated,
        };
        let event = |event: Event| rpps_store::new_event("X", OffsetDateTime::now_utc(), event);
        let rpps = RppsNumber::from_sequence(7).unwrap();
        assert_eq!(
            subjects(&event(Event::PracticeSiteChanged(PracticeSiteChanged {
                rpps: rpps.to_string(),
                finess: "750012346".into()
            })))
            .unwrap(),
            Some(vec![rpps.clone()])
        );
        let purged = PurgedSite {
            rpps: rpps.to_string(),
            finess: "750012346".into(),
            family_name: "N'Diaye".into(),
            given_names: "Awa".into(),
            departure: "2026-11-15".into(),
        };
        assert_eq!(
            subjects(&event(Event::PurgeCompleted(PurgeCompleted {
                finess: "750012346".into(),
                ran_at: "2026-11-16T02:00:00+01:00".into(),
                purged: vec![purged.clone(), purged],
            })))
            .unwrap(),
            Some(vec![rpps.clone()])
        );
        assert_eq!(
            subjects(&event(Event::RegistrationSubmitted(
                RegistrationSubmitted {
                    request_id: "r1".into(),
                    establishment: None
                }
            )))
            .unwrap(),
            None
        );
        assert!(
            subjects(&event(Event::RppsAllocated(RppsAllocated {
                request_id: "r1".into(),
                rpps: "123".into(),
                validated_at: "2026-11-16T02:00:00+01:00".into(),
            })))
            .is_err()
        );
    }
}
