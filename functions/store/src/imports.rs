//! A manager's import of a team from a file (issue 19): the job and its lines, in the partition
//! `IMPORT#<id>` — the job (`JOB`: who, when, its state, a version) and its lines by chunks of
//! [`LINES_PER_CHUNK`] (`LINES#0000`…), each chunk the JSON text the registration function
//! writes (the store does not read it). The manager's imports are found by GSI1
//! (`IMPORTS#<actor>` / `<created at>#<id>`, [`Store::imports_of`]); the running ones by GSI2
//! (`IMPORTRUN`). Everything expires 30 days after the upload (TTL; a read does not look at
//! the expiry, so an import may be seen a few days more, until DynamoDB removes it).
//!
//! Written so that nothing is half there: the chunks first, the job last, created only if it is
//! not (a job without its item is invisible; its chunks expire). A change of lines is one
//! transaction with the job's new version, on the version read and while the job is in the
//! state the caller read.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, Put, PutRequest, TransactWriteItem, Update, WriteRequest,
};
use time::OffsetDateTime;

use crate::{Store, StoreError, keys};

/// Lines per chunk item: 25 lines of 11 cells of 256 characters at most (the import refuses
/// longer ones), with their messages, stay under DynamoDB's 400 KB per item (about 10 KB a line
/// at worst, 500 bytes in a real file); 2,000 lines are 80 chunks, which one transaction of
/// at most 100 items can still rewrite with the job.
pub const LINES_PER_CHUNK: usize = 25;
/// The job's state while its requests are being created.
pub const RUNNING: &str = "running";
/// How long an import is kept.
pub const RETENTION: time::Duration = time::Duration::days(30);

/// An import's job item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportJob {
    pub id: String,
    /// The manager who uploaded it ([`rpps_domain::Actor::id`]): the only one who sees it.
    pub owner: String,
    /// `preview`, `running` or `done` (the registration function's states).
    pub status: String,
    pub version: u64,
    pub created_at: OffsetDateTime,
    /// The function's summary of the job, JSON text.
    pub summary: String,
}

/// An import: its job and its chunks of lines, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredImport {
    pub job: ImportJob,
    /// `(chunk number, JSON text of its lines)`.
    pub chunks: Vec<(u32, String)>,
}

/// Why an import's change was not written.
#[derive(Debug, thiserror::Error)]
pub enum ImportStoreError {
    /// The job moved (another change, or its state) since it was read: nothing was written.
    #[error("the import changed since it was read")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn expiry(created_at: OffsetDateTime) -> AttributeValue {
    n((created_at + RETENTION).unix_timestamp())
}

fn chunk_item(
    id: &str,
    index: u32,
    lines: &str,
    created_at: OffsetDateTime,
) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (keys::PK.to_owned(), s(keys::import(id))),
        (keys::SK.to_owned(), s(keys::import_chunk(index))),
        ("lines".to_owned(), s(lines)),
        ("expires_at".to_owned(), expiry(created_at)),
    ])
}

fn job_item(job: &ImportJob) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (keys::PK.to_owned(), s(keys::import(&job.id))),
        (keys::SK.to_owned(), s(keys::IMPORT_JOB_SK)),
        (keys::GSI1PK.to_owned(), s(keys::imports_of(&job.owner))),
        (
            keys::GSI1SK.to_owned(),
            s(format!(
                "{}#{}",
                rpps_domain::paris::rfc3339(job.created_at),
                job.id
            )),
        ),
        ("owner".to_owned(), s(&job.owner)),
        ("status".to_owned(), s(&job.status)),
        ("version".to_owned(), n(job.version)),
        (
            "created_at".to_owned(),
            s(rpps_domain::paris::rfc3339(job.created_at)),
        ),
        ("summary".to_owned(), s(&job.summary)),
        ("expires_at".to_owned(), expiry(job.created_at)),
    ])
}

fn text<'a>(
    item: &'a HashMap<String, AttributeValue>,
    name: &str,
    key: &str,
) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::corrupt(key, format!("no {name}")))
}

fn job_of(item: &HashMap<String, AttributeValue>, key: &str) -> Result<ImportJob, StoreError> {
    let created_at = text(item, "created_at", key)?;
    Ok(ImportJob {
        id: key.trim_start_matches("IMPORT#").to_owned(),
        owner: text(item, "owner", key)?.to_owned(),
        status: text(item, "status", key)?.to_owned(),
        version: item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::corrupt(key, "no version"))?,
        created_at: OffsetDateTime::parse(
            created_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|e| StoreError::corrupt(key, e.to_string()))?,
        summary: text(item, "summary", key)?.to_owned(),
    })
}

impl Store {
    /// Writes a new import: its chunks (`BatchWriteItem`, 25 at a time), then its job, created
    /// only if no job has its id.
    pub async fn create_import(
        &self,
        job: &ImportJob,
        chunks: &[String],
    ) -> Result<(), StoreError> {
        let requests = chunks
            .iter()
            .enumerate()
            .map(|(i, lines)| {
                let put = PutRequest::builder()
                    .set_item(Some(chunk_item(&job.id, i as u32, lines, job.created_at)))
                    .build()
                    .map_err(|e| StoreError::corrupt(keys::import(&job.id), e.to_string()))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for batch in requests.chunks(25) {
            self.batch_write(batch.to_vec()).await?;
        }
        self.client
            .put_item()
            .table_name(&self.tables.registry)
            .set_item(Some(job_item(job)))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("PutItem(import)", e))?;
        Ok(())
    }

    /// The import `id` with its lines, read consistently (one `Query`, more pages past 1 MB).
    pub async fn import(&self, id: &str) -> Result<Option<StoredImport>, StoreError> {
        let key = keys::import(id);
        let items = crate::registrations::all_items(|start| {
            let key = key.clone();
            async move {
                let out = self
                    .client
                    .query()
                    .table_name(&self.tables.registry)
                    .key_condition_expression("PK = :pk")
                    .expression_attribute_values(":pk", s(key))
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| StoreError::from_sdk("Query(import)", e))?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            }
        })
        .await?;
        let mut job = None;
        let mut chunks = Vec::new();
        for item in &items {
            let sk = text(item, keys::SK, &key)?;
            if sk == keys::IMPORT_JOB_SK {
                job = Some(job_of(item, &key)?);
            } else if let Some(index) = sk.strip_prefix("LINES#").and_then(|i| i.parse().ok()) {
                chunks.push((index, text(item, "lines", &key)?.to_owned()));
            }
        }
        chunks.sort_by_key(|(i, _)| *i);
        Ok(job.map(|job| StoredImport { job, chunks }))
    }

    /// Takes the job's lease for `token` until `until` (Unix milliseconds) if it is running and
    /// nobody holds one at `now`: whoever has it advances the import (the page, or the scheduled
    /// sweep); `false` when someone else does, or when it is not running.
    pub async fn lease_import(
        &self,
        id: &str,
        token: &str,
        now_ms: i128,
        until_ms: i128,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, s(keys::import(id)))
            .key(keys::SK, s(keys::IMPORT_JOB_SK))
            .update_expression("SET lease_until = :until, lease_token = :token")
            .condition_expression(
                "#status = :running AND (attribute_not_exists(lease_until) OR lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":running", s(RUNNING))
            .expression_attribute_values(":until", n(until_ms))
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":now", n(now_ms))
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) => match StoreError::from_sdk("UpdateItem(import lease)", e) {
                StoreError::Conflict { .. } => Ok(false),
                e => Err(e),
            },
        }
    }

    /// Gives back the lease `token` took, if it still holds it (the job stays as it is; the
    /// next step may take it at once). A lease another step took since is left alone.
    pub async fn release_import(&self, id: &str, token: &str) -> Result<(), StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, s(keys::import(id)))
            .key(keys::SK, s(keys::IMPORT_JOB_SK))
            .update_expression("REMOVE lease_until, lease_token")
            .condition_expression("lease_token = :token")
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) => match StoreError::from_sdk("UpdateItem(import release)", e) {
                StoreError::Conflict { .. } => Ok(()),
                e => Err(e),
            },
        }
    }

    /// The imports of `owner`, newest first, at most `limit` (one `Query` of GSI1
    /// `IMPORTS#<owner>`): their jobs, without their lines.
    pub async fn imports_of(&self, owner: &str, limit: i32) -> Result<Vec<ImportJob>, StoreError> {
        let pk = keys::imports_of(owner);
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_values(":pk", s(pk.clone()))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(imports of a manager)", e))?;
        out.items()
            .iter()
            .map(|item| {
                let key = text(item, keys::PK, &pk)?;
                job_of(item, key)
            })
            .collect()
    }

    /// The ids of the running imports, oldest first (one `Query` of GSI2 `IMPORTRUN`): what the
    /// scheduled sweep advances.
    pub async fn running_imports(&self, limit: i32) -> Result<Vec<String>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI2)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI2PK)
            .expression_attribute_values(":pk", s(keys::IMPORTS_RUNNING))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(running imports)", e))?;
        Ok(out
            .items()
            .iter()
            .filter_map(|item| item.get(keys::PK)?.as_s().ok())
            .map(|pk| pk.trim_start_matches("IMPORT#").to_owned())
            .collect())
    }

    /// Saves `changed` chunks and the job's new `status` and `summary`, one version on, in one
    /// transaction, on the version of `read` and while it is still in `read`'s state. A job
    /// saved `running` is in the index of running imports (GSI2 `IMPORTRUN`, what the scheduled
    /// sweep advances); saved in another state, out of it, and its lease released.
    pub async fn save_import(
        &self,
        read: &ImportJob,
        status: &str,
        summary: &str,
        changed: &[(u32, String)],
    ) -> Result<ImportJob, ImportStoreError> {
        self.save_import_as(read, None, status, summary, changed)
            .await
    }

    /// [`Store::save_import`] by the step holding the lease `token`: refused (`Changed`) once
    /// another step took the job over.
    pub async fn save_import_leased(
        &self,
        read: &ImportJob,
        token: &str,
        status: &str,
        summary: &str,
        changed: &[(u32, String)],
    ) -> Result<ImportJob, ImportStoreError> {
        self.save_import_as(read, Some(token), status, summary, changed)
            .await
    }

    async fn save_import_as(
        &self,
        read: &ImportJob,
        token: Option<&str>,
        status: &str,
        summary: &str,
        changed: &[(u32, String)],
    ) -> Result<ImportJob, ImportStoreError> {
        let key = keys::import(&read.id);
        let mut items = Vec::with_capacity(changed.len() + 1);
        let running = status == RUNNING;
        let expression = if running {
            "SET #status = :status, summary = :summary, version = :next, #gpk = :gpk, #gsk = :gsk"
        } else {
            "SET #status = :status, summary = :summary, version = :next REMOVE #gpk, #gsk, lease_until, lease_token"
        };
        let mut update = Update::builder()
            .table_name(&self.tables.registry)
            .key(keys::PK, s(&key))
            .key(keys::SK, s(keys::IMPORT_JOB_SK))
            .update_expression(expression)
            .condition_expression(if token.is_some() {
                "version = :read AND #status = :was AND lease_token = :token"
            } else {
                "version = :read AND #status = :was"
            })
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#gpk", keys::GSI2PK)
            .expression_attribute_names("#gsk", keys::GSI2SK)
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":summary", s(summary))
            .expression_attribute_values(":next", n(read.version + 1))
            .expression_attribute_values(":read", n(read.version))
            .expression_attribute_values(":was", s(&read.status));
        if let Some(token) = token {
            update = update.expression_attribute_values(":token", s(token));
        }
        if running {
            update = update
                .expression_attribute_values(":gpk", s(keys::IMPORTS_RUNNING))
                .expression_attribute_values(
                    ":gsk",
                    s(format!(
                        "{}#{}",
                        rpps_domain::paris::rfc3339(read.created_at),
                        read.id
                    )),
                );
        }
        let update = update
            .build()
            .map_err(|e| StoreError::corrupt(&key, e.to_string()))?;
        items.push(TransactWriteItem::builder().update(update).build());
        for (index, lines) in changed {
            let put = Put::builder()
                .table_name(&self.tables.registry)
                .set_item(Some(chunk_item(&read.id, *index, lines, read.created_at)))
                .build()
                .map_err(|e| StoreError::corrupt(&key, e.to_string()))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(ImportJob {
                status: status.to_owned(),
                summary: summary.to_owned(),
                version: read.version + 1,
                ..read.clone()
            }),
            Err(e) => match StoreError::from_sdk("TransactWriteItems(import)", e) {
                StoreError::Conflict { .. } => Err(ImportStoreError::Changed),
                e => Err(e.into()),
            },
        }
    }
}
