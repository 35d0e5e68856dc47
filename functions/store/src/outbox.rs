//! The transactional outbox: events written in the same transaction as the change they report,
//! delivered by DynamoDB Streams to the mailer and the directory (issue #4, #5). They expire by
//! TTL after a week, long after every consumer has seen them.
//!
//! The event is the contract's [`OutboxEvent`] (one enum of every kind). An item holds it as
//! strings only: `id`, `kind`, `subject`, `at`, and `payload`, the variant's fields as JSON text.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use rpps_contract::events::{Event, OutboxEvent};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::{StoreError, keys};

const RETENTION: time::Duration = time::Duration::days(7);

/// A new event about `subject` (unique, time-ordered id: UUID v7).
pub fn new_event(subject: impl Into<String>, at: OffsetDateTime, event: Event) -> OutboxEvent {
    OutboxEvent {
        id: uuid::Uuid::now_v7().to_string(),
        subject: subject.into(),
        at: rpps_domain::paris::rfc3339(at),
        event,
    }
}

#[derive(Serialize)]
struct OutboxItem<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: &'static str,
    expires_at: i64,
    id: &'a str,
    kind: &'static str,
    subject: &'a str,
    payload: String,
    at: &'a str,
}

/// The item of `event`, expiring a week after it happened.
pub(crate) fn event_item(
    event: &OutboxEvent,
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let key = keys::outbox(&event.id);
    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(&key, e.to_string());
    let tagged = serde_json::to_value(&event.event).map_err(|e| corrupt(&e))?;
    let payload = tagged.get("payload").cloned().unwrap_or(Value::Null);
    let at = OffsetDateTime::parse(&event.at, &time::format_description::well_known::Rfc3339)
        .map_err(|e| corrupt(&e))?;
    serde_dynamo::to_item(OutboxItem {
        pk: key.clone(),
        sk: keys::OUTBOX_SK,
        expires_at: (at + RETENTION).unix_timestamp(),
        id: &event.id,
        kind: event.event.kind(),
        subject: &event.subject,
        payload: payload.to_string(),
        at: &event.at,
    })
    .map_err(|e| corrupt(&e))
}

/// What a record of the table's stream is to an event consumer.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamRecord {
    /// Not the insertion of an outbox event: nothing to do.
    NotAnEvent,
    Event(OutboxEvent),
    /// An outbox event this version cannot read (an unknown kind, a payload of the wrong
    /// shape): an error, so that the record is retried and ends in the dead-letter queue.
    Unreadable {
        id: String,
        error: String,
    },
}

/// The records of a DynamoDB Streams batch (the Lambda event JSON), each with its sequence
/// number (to report failures one by one: `ReportBatchItemFailures`).
pub fn stream_records(batch: &Value) -> Vec<(String, StreamRecord)> {
    let Some(records) = batch.get("Records").and_then(Value::as_array) else {
        return Vec::new();
    };
    records
        .iter()
        .map(|record| {
            let sequence = record
                .pointer("/dynamodb/SequenceNumber")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (sequence, stream_record(record))
        })
        .collect()
}

/// Handles a stream batch for a consumer, in order: each event goes to `handle`; at the first
/// failure — `handle`'s error, or an event this version cannot read — the record and those after
/// it (ordering within a shard) are reported, so that the stream retries them and, in the end,
/// the dead-letter queue keeps them. Returns the answer Lambda expects with
/// `ReportBatchItemFailures`.
pub async fn handle_stream_batch<F, Fut, E>(batch: &Value, consumer: &str, mut handle: F) -> Value
where
    F: FnMut(OutboxEvent) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut failures = Vec::new();
    for (sequence, record) in stream_records(batch) {
        let failed = match record {
            StreamRecord::NotAnEvent => continue,
            StreamRecord::Unreadable { id, error } => {
                tracing::error!(consumer, event = %id, %error, "outbox event unreadable; the record will be retried");
                true
            }
            StreamRecord::Event(event) => {
                let id = event.id.clone();
                match handle(event).await {
                    Ok(()) => false,
                    Err(e) => {
                        tracing::warn!(consumer, error = %e, event = %id, "event not handled; the record will be retried");
                        true
                    }
                }
            }
        };
        if failed {
            failures.push(serde_json::json!({ "itemIdentifier": sequence }));
            break;
        }
    }
    serde_json::json!({ "batchItemFailures": failures })
}

fn stream_record(record: &Value) -> StreamRecord {
    let insert = record.get("eventName").and_then(Value::as_str) == Some("INSERT");
    let Some(image) = record
        .pointer("/dynamodb/NewImage")
        .and_then(Value::as_object)
        .filter(|_| insert)
    else {
        return StreamRecord::NotAnEvent;
    };
    // Outbox items hold strings only: {"S": "…"} → "…".
    event_of_image(|name| image.get(name)?.get("S")?.as_str())
}

/// What a new image inserted in the table is to an event consumer, given how to read one of
/// its string attributes (the Lambda event's JSON, or the local runner's SDK records).
pub fn event_of_image<'a>(text: impl Fn(&str) -> Option<&'a str>) -> StreamRecord {
    if !text("PK").is_some_and(|pk| pk.starts_with("OUTBOX#")) {
        return StreamRecord::NotAnEvent;
    }
    let id = text("id").unwrap_or_default().to_owned();
    let read = || -> Result<OutboxEvent, String> {
        let payload: Value = serde_json::from_str(text("payload").unwrap_or("null"))
            .map_err(|e| format!("payload: {e}"))?;
        serde_json::from_value(serde_json::json!({
            "id": text("id"),
            "subject": text("subject"),
            "at": text("at"),
            "kind": text("kind"),
            "payload": payload,
        }))
        .map_err(|e| e.to_string())
    };
    match read() {
        Ok(event) => StreamRecord::Event(event),
        Err(error) => StreamRecord::Unreadable { id, error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpps_contract::events::RegistrationRejected;
    use time::macros::datetime;

    #[test]
    fn an_event_item_reads_back_from_a_stream_record() {
        let event = new_event(
            "REQ#r1",
            datetime!(2026-07-15 09:15 UTC),
            Event::RegistrationRejected(RegistrationRejected {
                request_id: "r1".into(),
                reason: "Motif".into(),
            }),
        );
        assert_eq!(event.at, "2026-07-15T11:15:00+02:00");
        let item = event_item(&event).expect("item");
        let image: serde_json::Map<String, Value> = item
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    AttributeValue::S(s) => serde_json::json!({ "S": s }),
                    AttributeValue::N(n) => serde_json::json!({ "N": n }),
                    _ => Value::Null,
                };
                (k.clone(), value)
            })
            .collect();
        assert_eq!(image["kind"]["S"], "registration.rejected");
        assert_eq!(
            image["payload"]["S"],
            r#"{"reason":"Motif","request_id":"r1"}"#
        );
        let batch = serde_json::json!({ "Records": [
            { "eventName": "INSERT", "dynamodb": { "SequenceNumber": "1", "NewImage": image } },
            { "eventName": "INSERT", "dynamodb": { "SequenceNumber": "2", "NewImage": { "PK": { "S": "REQ#r1" } } } },
            { "eventName": "REMOVE", "dynamodb": { "SequenceNumber": "3", "OldImage": { "PK": { "S": "OUTBOX#e0" } } } },
            { "eventName": "INSERT", "dynamodb": { "SequenceNumber": "4", "NewImage": {
                "PK": { "S": "OUTBOX#e9" }, "id": { "S": "e9" }, "kind": { "S": "professional.changed" },
                "subject": { "S": "X" }, "payload": { "S": "{}" }, "at": { "S": "2026-11-26T09:00:00Z" } } } }
        ]});
        let records = stream_records(&batch);
        assert_eq!(records.len(), 4);
        assert_eq!(records[0], ("1".to_owned(), StreamRecord::Event(event)));
        assert_eq!(records[1].1, StreamRecord::NotAnEvent);
        assert_eq!(records[2], ("3".to_owned(), StreamRecord::NotAnEvent));
        assert!(
            matches!(&records[3].1, StreamRecord::Unreadable { id, error } if id == "e9" && error.contains("professional.changed")),
            "{:?}",
            records[3]
        );
    }
}
