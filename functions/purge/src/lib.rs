//! The scheduled purge (FAQ-R6): once a day (EventBridge Scheduler, Europe/Paris; locally
//! `POST /_local/purge` on the runner), every practice site whose departure date has passed is
//! removed from the public directory. It reads only those sites (the sparse departures index),
//! marks them purged with their audit entries and a `purge.completed` event per establishment
//! — the directory publisher and the mailer (the managers' summary) follow from the stream.
//! Running it twice changes nothing the second time.

use rpps_store::{PurgeReport, Store, StoreError};
use time::OffsetDateTime;

/// Who the audit trail names for the purge's changes.
pub const ACTOR: &str = "scheduler:purge";

#[derive(Clone)]
pub struct PurgeState {
    pub store: Store,
}

/// One run at `now`: the departures before today (Paris) are purged.
pub async fn run(state: &PurgeState, now: OffsetDateTime) -> Result<PurgeReport, StoreError> {
    run_as_of(state, rpps_domain::paris::date_in_paris(now), now).await
}

/// One run as if the day were `today` (the local runner's trigger lets tests and demos act as
/// the night after a departure).
pub async fn run_as_of(
    state: &PurgeState,
    today: time::Date,
    now: OffsetDateTime,
) -> Result<PurgeReport, StoreError> {
    let report = state.store.purge_departed(today, ACTOR, now).await?;
    tracing::info!(
        %today,
        read = report.read,
        purged = report.purged.len(),
        skipped = report.skipped,
        "purge of departed practice sites"
    );
    Ok(report)
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
