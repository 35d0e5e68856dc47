//! Audit items: who did what, when, to which subject, with the state before and after.
//! Read back per subject (`PK = AUDIT#<subject>`) or per actor (GSI1 `ACTOR#<actor>`).

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Store, StoreError, keys};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// What changed, e.g. `EST#010000024`, `REQ#…`, `IMPORT#FINESS`.
    pub subject: String,
    /// Who: a national identifier, a FranceConnect subject, `operator:<name>` or `scheduler`.
    pub actor: String,
    /// What, in a stable verb form: `establishments.import`, `registration.validate`…
    pub action: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// JSON of the state before and after, when there is one.
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct AuditItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    #[serde(flatten)]
    entry: AuditEntry,
}

impl AuditEntry {
    pub fn new(
        subject: impl Into<String>,
        actor: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Self {
            subject: subject.into(),
            actor: actor.into(),
            action: action.into(),
            at: OffsetDateTime::now_utc(),
            before: None,
            after: None,
        }
    }

    pub fn with_before<T: Serialize>(mut self, value: &T) -> Self {
        self.before = serde_json::to_string(value).ok();
        self
    }

    pub fn with_after<T: Serialize>(mut self, value: &T) -> Self {
        self.after = serde_json::to_string(value).ok();
        self
    }

    /// The sort key: time first so a subject's trail reads in order, then a unique suffix.
    fn sort_key(&self) -> String {
        let at = self.at.format(&Rfc3339).unwrap_or_default();
        format!("{at}#{}", uuid::Uuid::now_v7())
    }

    /// The item, ready for a `PutItem` or a transaction's `Put`.
    pub fn to_item(&self) -> Result<std::collections::HashMap<String, AttributeValue>, StoreError> {
        let sk = self.sort_key();
        let item = AuditItem {
            pk: keys::audit_subject(&self.subject),
            gsi1pk: keys::audit_actor(&self.actor),
            gsi1sk: sk.clone(),
            sk,
            entry: self.clone(),
        };
        serde_dynamo::to_item(item).map_err(|e| StoreError::corrupt(&self.subject, e))
    }
}

impl Store {
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.tables.registry)
            .set_item(Some(entry.to_item()?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("PutItem(audit)", e))?;
        Ok(())
    }

    /// A subject's audit trail, oldest first.
    pub async fn audit_trail(&self, subject: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.query_audit(None, keys::PK, keys::audit_subject(subject))
            .await
    }

    /// What one actor did, oldest first.
    pub async fn audit_by_actor(&self, actor: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.query_audit(Some(keys::GSI1), keys::GSI1PK, keys::audit_actor(actor))
            .await
    }

    async fn query_audit(
        &self,
        index: Option<&str>,
        key_attr: &str,
        key: String,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression("#k = :k")
                .expression_attribute_names("#k", key_attr)
                .expression_attribute_values(":k", AttributeValue::S(key.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(audit)", e))?;
            for item in out.items() {
                let parsed: AuditItem = serde_dynamo::from_item(item.clone())
                    .map_err(|e| StoreError::corrupt(&key, e))?;
                entries.push(parsed.entry);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(entries)
    }
}
