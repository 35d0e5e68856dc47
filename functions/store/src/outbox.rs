//! The transactional outbox: events written in the same transaction as the change they report,
//! delivered by DynamoDB Streams to the mailer and the directory (issue #4, #5). They expire by
//! TTL after a week, long after every consumer has seen them.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{StoreError, keys};

const RETENTION: time::Duration = time::Duration::days(7);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Unique, time-ordered (UUID v7): consumers use it to act once per event.
    pub id: String,
    /// `registration.submitted`, `rpps.allocated`, `registration.rejected`…
    pub kind: String,
    /// What it is about, e.g. `REQ#…`.
    pub subject: String,
    /// The event's data as JSON.
    pub payload: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Serialize)]
struct OutboxItem<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: &'static str,
    expires_at: i64,
    #[serde(flatten)]
    event: &'a OutboxEvent,
}

impl OutboxEvent {
    pub fn new<T: Serialize>(
        kind: &str,
        subject: impl Into<String>,
        payload: &T,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.to_owned(),
            subject: subject.into(),
            payload: serde_json::to_string(payload).unwrap_or_else(|_| "null".to_owned()),
            at,
        }
    }

    pub(crate) fn to_item(&self) -> Result<HashMap<String, AttributeValue>, StoreError> {
        serde_dynamo::to_item(OutboxItem {
            pk: keys::outbox(&self.id),
            sk: keys::OUTBOX_SK,
            expires_at: (self.at + RETENTION).unix_timestamp(),
            event: self,
        })
        .map_err(|e| StoreError::corrupt(keys::outbox(&self.id), e))
    }
}

/// The outbox events of a DynamoDB Streams batch (the Lambda event JSON), with each record's
/// sequence number (to report failures one by one: `ReportBatchItemFailures`). Records that are
/// not outbox inserts are `None`.
pub fn outbox_events(batch: &serde_json::Value) -> Vec<(String, Option<OutboxEvent>)> {
    let Some(records) = batch.get("Records").and_then(serde_json::Value::as_array) else {
        return Vec::new();
    };
    records
        .iter()
        .map(|record| {
            let sequence = record
                .pointer("/dynamodb/SequenceNumber")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let insert =
                record.get("eventName").and_then(serde_json::Value::as_str) == Some("INSERT");
            let event = record
                .pointer("/dynamodb/NewImage")
                .and_then(serde_json::Value::as_object)
                .filter(|_| insert)
                .filter(|image| {
                    image
                        .get("PK")
                        .and_then(|v| v.get("S"))
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|pk| pk.starts_with("OUTBOX#"))
                })
                .and_then(|image| {
                    // Outbox items hold strings only: {"S": "…"} → "…".
                    let plain: serde_json::Map<String, serde_json::Value> = image
                        .iter()
                        .filter_map(|(k, v)| v.get("S").map(|s| (k.clone(), s.clone())))
                        .collect();
                    serde_json::from_value(serde_json::Value::Object(plain)).ok()
                });
            (sequence, event)
        })
        .collect()
}
