//! The scheduled purge (FAQ-R6): once a day (EventBridge Scheduler, Europe/Paris; locally
//! `POST /_local/purge` on the runner), every practice site whose departure date has passed is
//! removed from the public directory. It reads only those sites (the sparse departures index),
//! marks them purged with their audit entries and a `purge.completed` event per establishment
//! — the directory publisher and the mailer (the managers' summary) follow from the stream.
//! Running it twice changes nothing the second time.
//!
//! The same daily run keeps drafts from blocking a person for ever (issue 14): a draft left
//! unsent for 30 days is closed as expired (its claim on the person released), and a week
//! before, whoever started it is told (a `registration.draft_expiring` event for the mailer).

pub mod sweep;

use rpps_contract::events::{DraftExpiring, Event, RegistrationClosed};
use rpps_domain::{Actor, EXPIRY_NOTICE};
use rpps_store::{PurgeReport, RegistrationStoreError, Store, StoreError};
use serde::Serialize;
use time::OffsetDateTime;

/// Who the audit trail names for the purge's changes.
pub const ACTOR: &str = "scheduler:purge";

#[derive(Clone)]
pub struct PurgeState {
    pub store: Store,
}

/// What a daily run did.
#[derive(Debug, Default, Serialize)]
pub struct DailyReport {
    /// The departed practice sites (FAQ-R6).
    #[serde(flatten)]
    pub departures: PurgeReport,
    pub drafts: DraftsReport,
}

/// What the run did to drafts (issue 14).
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct DraftsReport {
    /// Drafts whose expiry in a week was announced.
    pub noticed: usize,
    /// Drafts closed as expired.
    pub expired: usize,
    /// Drafts changed between the read and the write (their expiry moved on): next run.
    pub changed: usize,
}

/// One run at `now`: the departures before today (Paris) are purged, the drafts due expire.
pub async fn run(state: &PurgeState, now: OffsetDateTime) -> Result<DailyReport, StoreError> {
    run_as_of(state, rpps_domain::paris::date_in_paris(now), now).await
}

/// The drafts due: expired ones closed, those expiring within [`EXPIRY_NOTICE`] announced once.
pub async fn expire_drafts(store: &Store, now: OffsetDateTime) -> Result<DraftsReport, StoreError> {
    let scheduler = Actor::scheduler(ACTOR);
    let mut report = DraftsReport::default();
    for read in store.drafts_expiring_before(now + EXPIRY_NOTICE).await? {
        let Some(expiry) = read.request.expires_at() else {
            continue;
        };
        let key = rpps_store::keys::registration(read.request.id());
        let written = if expiry <= now {
            let mut request = read.request.clone();
            if request.expire(&scheduler, now).is_err() {
                continue;
            }
            let event = rpps_store::new_event(
                key,
                now,
                Event::RegistrationClosed(RegistrationClosed {
                    request_id: request.id().to_owned(),
                    reason: rpps_contract::registration::ClosureReason::Expired,
                    was_submitted: false,
                }),
            );
            let saved = store
                .save_registration(&read, &request, ACTOR, "registration.expire", Some(&event))
                .await;
            report.expired += usize::from(saved.is_ok());
            saved.map(drop)
        } else if read.milestones.expiry_notice_at.is_none() {
            let event = rpps_store::new_event(
                key,
                now,
                Event::DraftExpiring(DraftExpiring {
                    request_id: read.request.id().to_owned(),
                    expires_at: rpps_domain::paris::rfc3339(expiry),
                }),
            );
            let noticed = store.record_expiry_notice(&read, &event, now).await;
            report.noticed += usize::from(noticed.is_ok());
            noticed
        } else {
            Ok(())
        };
        match written {
            Ok(()) => {}
            Err(RegistrationStoreError::Changed) => report.changed += 1,
            Err(RegistrationStoreError::Store(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, request = %read.request.id(), "draft not expired");
                report.changed += 1;
            }
        }
    }
    Ok(report)
}

/// One run as if the day were `today` (the local runner's trigger lets tests and demos act as
/// the night after a departure).
pub async fn run_as_of(
    state: &PurgeState,
    today: time::Date,
    now: OffsetDateTime,
) -> Result<DailyReport, StoreError> {
    let departures = state.store.purge_departed(today, ACTOR, now).await?;
    tracing::info!(
        %today,
        read = departures.read,
        purged = departures.purged.len(),
        skipped = departures.skipped,
        "purge of departed practice sites"
    );
    let drafts = expire_drafts(&state.store, now).await?;
    tracing::info!(
        noticed = drafts.noticed,
        expired = drafts.expired,
        changed = drafts.changed,
        "drafts left unsent"
    );
    Ok(DailyReport { departures, drafts })
}

pub fn state_from_env() -> anyhow::Result<PurgeState> {
    let config = rpps_runtime::Config::from_env()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
) -> PurgeState {
    PurgeState {
        store: Store::from_config(config, sdk),
    }
}
