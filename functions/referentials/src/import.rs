//! Importing a FINESS extraction into the registry, audited: used by the operator command
//! (`rpps-admin import-finess`) and by the local runner's demo seed.

use rpps_store::{AuditEntry, ImportReport, Store, StoreError};
use serde::Serialize;

use crate::finess_extract::{self, ExtractError, LineError};

#[derive(Debug, Serialize)]
pub struct ImportOutcome {
    pub edition: String,
    pub date: String,
    pub read: usize,
    #[serde(flatten)]
    pub report: ImportReport,
    pub rejected: Vec<(usize, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `bytes` as a FINESS extraction and writes its establishments; the run is audited under
/// the subject `IMPORT#FINESS` with what it read, wrote and rejected.
pub async fn import_finess_extract(
    store: &Store,
    bytes: &[u8],
    actor: &str,
) -> Result<ImportOutcome, ImportError> {
    let extract = finess_extract::parse(bytes)?;
    for LineError { line, reason } in &extract.rejected {
        tracing::warn!(line, reason, "FINESS line rejected");
    }
    let report = store.import_establishments(&extract.establishments).await?;
    let outcome = ImportOutcome {
        edition: extract.header.edition,
        date: extract.header.date,
        read: extract.establishments.len(),
        report,
        rejected: extract
            .rejected
            .into_iter()
            .map(|e| (e.line, e.reason))
            .collect(),
    };
    store
        .record_audit(
            &AuditEntry::new("IMPORT#FINESS", actor, "establishments.import").with_after(&outcome),
        )
        .await?;
    Ok(outcome)
}
