//! The outbox sweeper (issue 18): every few minutes (EventBridge Scheduler; locally
//! `POST /_local/sweep`), the events some consumer has not recorded handled
//! (`rpps_store::outbox`) are re-driven through the stream, with backoff; one still undone
//! hours after it was written is logged `outbox.stuck` (a metric filter and an alarm: a person
//! must look, e.g. a bounced address or a permanent SES refusal). Nothing else is needed to
//! recover from a consumer that gave up (its retries spent, its lease held by a crashed run, its
//! dependency down for longer than the stream retries): the sweeper delivers it again.
//!
//! It also advances the imports of a team left running (issue 19, `rpps_registrations::import::
//! job`): the page that confirmed one asks for its steps while it is open; closed, the sweep
//! creates the rest.

use rpps_store::{Store, StoreError};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// An event not handled by every consumer this long after it was written is re-driven (the
/// stream delivers in well under a second; its retries span about a minute).
pub const REDRIVE_AFTER: Duration = Duration::minutes(5);
/// The first re-drive's wait before the next; doubled each time, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::minutes(5);
pub const MAX_BACKOFF: Duration = Duration::hours(1);
/// Still undone this long after it was written: `outbox.stuck` (alarmed).
pub const STUCK_AFTER: Duration = Duration::hours(3);
/// Events read per run (oldest first); the next run reads the rest.
const PAGE: i32 = 200;

/// What a sweep did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Undone events older than [`REDRIVE_AFTER`].
    pub undone: usize,
    /// Re-driven by this run.
    pub redriven: usize,
    /// Waiting for their backoff to pass.
    pub waiting: usize,
    /// Undone for longer than [`STUCK_AFTER`] (their ids).
    pub stuck: Vec<String>,
    /// Lines of running imports whose requests this run created or settled (issue 19).
    pub import_lines: usize,
}

/// How long a sweep advances the running imports at most (the function's timeout is 300 s).
pub const IMPORTS_BUDGET: std::time::Duration = std::time::Duration::from_secs(120);

/// The backoff after the `attempt`-th re-drive (1-based).
pub fn backoff(attempt: u32) -> Duration {
    let factor = 1i32 << attempt.saturating_sub(1).min(6);
    (FIRST_BACKOFF * factor).min(MAX_BACKOFF)
}

/// One sweep at `now`.
pub async fn sweep(store: &Store, now: OffsetDateTime) -> Result<SweepReport, StoreError> {
    let mut report = SweepReport::default();
    for event in store.undone_events(now - REDRIVE_AFTER, PAGE).await? {
        report.undone += 1;
        if now - event.written_at >= STUCK_AFTER {
            tracing::error!(
                event = "outbox.stuck",
                id = %event.id,
                kind = %event.kind,
                pending = ?event.pending,
                redriven = event.redriven,
                "an outbox event is still not handled by every consumer: look at the consumer's logs"
            );
            report.stuck.push(event.id.clone());
        }
        if event.next_redrive_at.is_some_and(|at| at > now) {
            report.waiting += 1;
            continue;
        }
        let next = now + backoff(event.redriven + 1);
        if store.redrive(&event, now, next).await? {
            tracing::info!(id = %event.id, kind = %event.kind, pending = ?event.pending, attempt = event.redriven + 1, "outbox event re-driven");
            report.redriven += 1;
        }
    }
    // The imports a closed page left running (issue 19): a step at a time, under their lease.
    match rpps_registrations::import::job::advance_running(
        store,
        IMPORTS_BUDGET,
        OffsetDateTime::now_utc,
    )
    .await
    {
        Ok(lines) => report.import_lines = lines,
        Err(e) => {
            tracing::error!(error = %e, "imports not advanced by this sweep: the next one tries again")
        }
    }
    if report.undone > 0 {
        tracing::info!(
            undone = report.undone,
            redriven = report.redriven,
            waiting = report.waiting,
            stuck = report.stuck.len(),
            "outbox sweep"
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=6).map(|a| backoff(a).whole_minutes()).collect();
        assert_eq!(minutes, vec![5, 10, 20, 40, 60, 60]);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
