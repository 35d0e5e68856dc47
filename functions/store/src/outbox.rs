//! The transactional outbox: events written in the same transaction as the change they report,
//! delivered by DynamoDB Streams to the mailer and the directory (issue #4, #5).
//!
//! The outbox is the source of truth, the stream its fast path (issue 18): an event is written
//! with every consumer of [`CONSUMERS`] in its `pending` set and in the sparse "undone" index
//! (GSI1 `OUTBOX#UNDONE`, by event id: UUID v7, time-ordered), and without expiry. Each
//! consumer, once it has handled the event, takes itself out of `pending`
//! ([`Store::outbox_done`]); the last one takes the event out of the index and gives it its
//! expiry (a week). The sweeper (`rpps_purge::sweep`) reads the index for events left undone
//! and re-drives them: a copy `OUTBOX#<id>#R<n>` inserted with the same `id`, which the stream
//! delivers again to every consumer (each one's delivery marker keeps what it already did from
//! happening twice).
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
/// A re-driven copy is only a vehicle for the stream: a day is plenty.
const REDRIVE_RETENTION: time::Duration = time::Duration::days(1);

/// Every consumer of the outbox, each of which records the events it has handled.
pub const CONSUMERS: [&str; 2] = ["mailer", "publisher"];
/// The GSI1 partition of the events some consumer has not handled yet.
pub const UNDONE: &str = "OUTBOX#UNDONE";

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
    id: &'a str,
    kind: &'static str,
    subject: &'a str,
    payload: String,
    at: &'a str,
}

/// The item of `event`: pending for every consumer, in the undone index, kept until every
/// consumer has handled it.
pub(crate) fn event_item(
    event: &OutboxEvent,
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let key = keys::outbox(&event.id);
    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(&key, e.to_string());
    let tagged = serde_json::to_value(&event.event).map_err(|e| corrupt(&e))?;
    let payload = tagged.get("payload").cloned().unwrap_or(Value::Null);
    let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(OutboxItem {
        pk: key.clone(),
        sk: keys::OUTBOX_SK,
        id: &event.id,
        kind: event.event.kind(),
        subject: &event.subject,
        payload: payload.to_string(),
        at: &event.at,
    })
    .map_err(|e| corrupt(&e))?;
    item.insert(
        PENDING.into(),
        AttributeValue::Ss(CONSUMERS.iter().map(|c| c.to_string()).collect()),
    );
    item.insert(keys::GSI1PK.into(), AttributeValue::S(UNDONE.into()));
    item.insert(keys::GSI1SK.into(), AttributeValue::S(event.id.clone()));
    Ok(item)
}

const PENDING: &str = "pending";

/// An event some consumer has not handled yet, as the sweeper reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoneEvent {
    pub id: String,
    pub kind: String,
    /// The consumers still to handle it.
    pub pending: Vec<String>,
    /// When it was written (from its UUID v7 id).
    pub written_at: OffsetDateTime,
    /// How many times the sweeper re-drove it.
    pub redriven: u32,
    /// Not before this instant again (the sweeper's backoff).
    pub next_redrive_at: Option<OffsetDateTime>,
}

/// The instant a UUID v7 was made (its first 48 bits, milliseconds since the epoch).
pub fn uuid_v7_instant(id: &str) -> Option<OffsetDateTime> {
    let hex: String = id.chars().filter(|c| *c != '-').take(12).collect();
    let millis = i64::from_str_radix(&hex, 16).ok()?;
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok()
}

/// The smallest UUID v7 text made at `at` or later (ids sort by time as text).
fn uuid_v7_floor(at: OffsetDateTime) -> String {
    let millis = (at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    format!("{:08x}-{:04x}", millis >> 16, millis & 0xffff)
}

impl crate::Store {
    /// Writes `event` on its own (not as part of a change: tests, and an operator announcing
    /// again what a change reported).
    pub async fn write_event(&self, event: &OutboxEvent) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.tables.registry)
            .set_item(Some(event_item(event)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("PutItem(outbox)", e))?;
        Ok(())
    }

    /// Records that `consumer` has handled the event `event_id`; the last consumer takes it out
    /// of the undone index and gives it its expiry. An event written before the outbox kept
    /// its consumers (or already expired) is left alone.
    pub async fn outbox_done(
        &self,
        event_id: &str,
        consumer: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = keys::outbox(event_id);
        let left = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key.clone()))
            .key(keys::SK, AttributeValue::S(keys::OUTBOX_SK.into()))
            .update_expression("DELETE #pending :me")
            .condition_expression("attribute_exists(#pending)")
            .expression_attribute_names("#pending", PENDING)
            .expression_attribute_values(":me", AttributeValue::Ss(vec![consumer.to_owned()]))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await;
        let left = match left {
            Ok(out) => out,
            Err(e) => {
                return match StoreError::from_sdk("UpdateItem(outbox pending)", e) {
                    // Done already by every consumer, or an event of before.
                    StoreError::Conflict { .. } => Ok(()),
                    other => Err(other),
                };
            }
        };
        let still_pending = left
            .attributes()
            .and_then(|a| a.get(PENDING))
            .is_some_and(|p| p.as_ss().is_ok_and(|s| !s.is_empty()));
        if still_pending {
            return Ok(());
        }
        let done = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key))
            .key(keys::SK, AttributeValue::S(keys::OUTBOX_SK.into()))
            .update_expression("SET expires_at = :expires REMOVE #gpk, #gsk")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(#pending)")
            .expression_attribute_names("#pending", PENDING)
            .expression_attribute_names("#gpk", keys::GSI1PK)
            .expression_attribute_names("#gsk", keys::GSI1SK)
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((now + RETENTION).unix_timestamp().to_string()),
            )
            .send()
            .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) => match StoreError::from_sdk("UpdateItem(outbox done)", e) {
                StoreError::Conflict { .. } => Ok(()),
                other => Err(other),
            },
        }
    }

    /// The events written before `before` that some consumer has not handled, oldest first.
    pub async fn undone_events(
        &self,
        before: OffsetDateTime,
        limit: i32,
    ) -> Result<Vec<UndoneEvent>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI1)
            .key_condition_expression("#pk = :undone AND #sk < :before")
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_names("#sk", keys::GSI1SK)
            .expression_attribute_values(":undone", AttributeValue::S(UNDONE.into()))
            .expression_attribute_values(":before", AttributeValue::S(uuid_v7_floor(before)))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(outbox undone)", e))?;
        Ok(out
            .items()
            .iter()
            .filter_map(|item| {
                let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
                let number = |name: &str| {
                    item.get(name)
                        .and_then(|v| v.as_n().ok())
                        .and_then(|n| n.parse::<i64>().ok())
                };
                let id = text("id")?;
                Some(UndoneEvent {
                    written_at: uuid_v7_instant(&id)?,
                    kind: text("kind").unwrap_or_default(),
                    pending: item
                        .get(PENDING)
                        .and_then(|p| p.as_ss().ok())
                        .cloned()
                        .unwrap_or_default(),
                    redriven: number("redriven")
                        .unwrap_or(0)
                        .clamp(0, i64::from(u32::MAX)) as u32,
                    next_redrive_at: number("next_redrive_at")
                        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()),
                    id,
                })
            })
            .collect())
    }

    /// Delivers `event` again through the stream: a copy `OUTBOX#<id>#R<n>` with the same id,
    /// and the event's count of re-drives and its next allowed instant, in one transaction
    /// (conditional on the count read: two sweepers never re-drive one event twice at once).
    pub async fn redrive(
        &self,
        event: &UndoneEvent,
        now: OffsetDateTime,
        next_at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
        let key = keys::outbox(&event.id);
        let original = self
            .client
            .get_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key.clone()))
            .key(keys::SK, AttributeValue::S(keys::OUTBOX_SK.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(outbox)", e))?;
        let Some(mut copy) = original.item else {
            return Ok(false);
        };
        let attempt = event.redriven + 1;
        copy.insert(
            keys::PK.into(),
            AttributeValue::S(format!("{key}#R{attempt}")),
        );
        for name in [
            PENDING,
            keys::GSI1PK,
            keys::GSI1SK,
            "redriven",
            "next_redrive_at",
        ] {
            copy.remove(name);
        }
        copy.insert(
            "expires_at".into(),
            AttributeValue::N((now + REDRIVE_RETENTION).unix_timestamp().to_string()),
        );
        let count = Update::builder()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key))
            .key(keys::SK, AttributeValue::S(keys::OUTBOX_SK.into()))
            .update_expression("SET redriven = :attempt, next_redrive_at = :next")
            .condition_expression(
                "attribute_exists(#pending) AND (attribute_not_exists(redriven) OR redriven = :read)",
            )
            .expression_attribute_names("#pending", PENDING)
            .expression_attribute_values(":attempt", AttributeValue::N(attempt.to_string()))
            .expression_attribute_values(":read", AttributeValue::N(event.redriven.to_string()))
            .expression_attribute_values(
                ":next",
                AttributeValue::N(next_at.unix_timestamp().to_string()),
            )
            .build()
            .map_err(|e| StoreError::corrupt("Update(outbox redriven)", e.to_string()))?;
        let put = Put::builder()
            .table_name(&self.tables.registry)
            .set_item(Some(copy))
            .build()
            .map_err(|e| StoreError::corrupt("Put(outbox copy)", e.to_string()))?;
        let items = vec![
            TransactWriteItem::builder().update(count).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        let written = self
            .client
            .transact_write_items()
            .client_request_token(crate::managers::transaction_token(&items))
            .set_transact_items(Some(items))
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(e) => match StoreError::from_sdk("TransactWriteItems(redrive)", e) {
                StoreError::Conflict { .. } => Ok(false),
                other => Err(other),
            },
        }
    }
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

/// A record is started only with this much of the invocation's time left: more than one
/// event's calls at their SDK time limits (issue 18). What is left of the batch is reported
/// failed and comes back in the next invocation.
pub const RECORD_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Handles a stream batch for a consumer, in order: each event goes to `handle`; at the first
/// failure — `handle`'s error, or an event this version cannot read — the record and those after
/// it (ordering within a shard) are reported, so that the stream retries them and, in the end,
/// the dead-letter queue keeps them (and the outbox sweeper delivers them again). With a
/// `deadline` (the invocation's), a record is not started with less than [`RECORD_BUDGET`]
/// left: it and those after it are reported, never cut by the timeout half-way. Returns the
/// answer Lambda expects with `ReportBatchItemFailures`.
pub async fn handle_stream_batch<F, Fut, E>(
    batch: &Value,
    consumer: &str,
    deadline: Option<std::time::SystemTime>,
    mut handle: F,
) -> Value
where
    F: FnMut(OutboxEvent) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut failures = Vec::new();
    for (sequence, record) in stream_records(batch) {
        let time_left = deadline.map(|d| {
            d.duration_since(std::time::SystemTime::now())
                .unwrap_or_default()
        });
        if time_left.is_some_and(|left| left < RECORD_BUDGET) {
            tracing::warn!(consumer, record = %sequence, "too little time left for this record: it and the rest of the batch come back in the next invocation");
            failures.push(serde_json::json!({ "itemIdentifier": sequence }));
            break;
        }
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

    #[tokio::test]
    async fn a_record_is_not_started_without_its_time_budget() {
        let image = |id: &str| {
            serde_json::json!({ "eventName": "INSERT", "dynamodb": { "SequenceNumber": id, "NewImage": {
                "PK": { "S": format!("OUTBOX#{id}") }, "id": { "S": id }, "kind": { "S": "registration.rejected" },
                "subject": { "S": "REQ#r1" }, "at": { "S": "2026-07-15T11:15:00+02:00" },
                "payload": { "S": r#"{"reason":"Motif","request_id":"r1"}"# } } } })
        };
        let batch = serde_json::json!({ "Records": [image("1"), image("2"), image("3")] });
        let mut handled = Vec::new();
        let now = std::time::SystemTime::now();
        // Plenty of time: all three.
        let answer = handle_stream_batch(&batch, "test", Some(now + RECORD_BUDGET * 3), |e| {
            handled.push(e.id);
            async { Ok::<(), String>(()) }
        })
        .await;
        assert_eq!(answer, serde_json::json!({ "batchItemFailures": [] }));
        assert_eq!(handled, ["1", "2", "3"]);
        // Less than a record's budget left: none started, the batch reported from its first.
        let mut started = 0;
        let answer = handle_stream_batch(&batch, "test", Some(now + RECORD_BUDGET / 2), |_| {
            started += 1;
            async { Ok::<(), String>(()) }
        })
        .await;
        assert_eq!(started, 0);
        assert_eq!(
            answer,
            serde_json::json!({ "batchItemFailures": [{ "itemIdentifier": "1" }] })
        );
    }
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
