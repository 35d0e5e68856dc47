//! At-most-once side effects for event consumers (an email per event): a delivery marker
//! `DELIVERY#<consumer>#<event id>` / `DELIVERY` taken with a lease before acting and marked done
//! after. A duplicate delivery finds it done (skipped) or in progress (retried later); a consumer
//! that died mid-way loses its lease after `lease` and the next attempt acts again — unless it
//! had said it was `sending` (issue 18): the effect may have happened (SES took the email, the
//! answer was lost), so the next attempt is told [`DeliveryClaim::OutcomeUnknown`] and does not
//! act again.

use aws_sdk_dynamodb::types::AttributeValue;
use time::{Duration, OffsetDateTime};

use crate::{Store, StoreError, keys};

/// Markers are kept a month, far longer than any redelivery.
const RETENTION: Duration = Duration::days(30);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryClaim {
    /// Go ahead, then call `complete_delivery` with this lease.
    Acquired(DeliveryLease),
    /// Already done: skip.
    Done,
    /// Someone else is doing it right now: retry later.
    InProgress,
    /// An earlier attempt was sending when it stopped (lease run out): it may have been done.
    OutcomeUnknown,
}

/// The claim one attempt holds: every later write of that attempt is conditional on it, so an
/// attempt that stalled past its lease and was taken over cannot mark, complete or release the
/// claim of the attempt that took over (two senders of one email).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryLease {
    owner: String,
}

/// A write conditional on the delivery's state or owner that found it changed: another attempt
/// already made it final, nothing left to do.
fn conflict_is_final<T>(result: Result<T, StoreError>) -> Result<(), StoreError> {
    match result {
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(other) => Err(other),
    }
}

fn key(consumer: &str, event_id: &str) -> String {
    keys::delivery(consumer, event_id)
}

impl Store {
    pub async fn claim_delivery(
        &self,
        consumer: &str,
        event_id: &str,
        now: OffsetDateTime,
        lease: Duration,
    ) -> Result<DeliveryClaim, StoreError> {
        let pk = key(consumer, event_id);
        let owner = uuid::Uuid::new_v4().to_string();
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.registry)
            .item(keys::PK, AttributeValue::S(pk.clone()))
            .item(keys::SK, AttributeValue::S("DELIVERY".into()))
            .item("state", AttributeValue::S("in_progress".into()))
            .item("owner", AttributeValue::S(owner.clone()))
            .item(
                "lease_until",
                AttributeValue::N((now + lease).unix_timestamp().to_string()),
            )
            .item(
                "expires_at",
                AttributeValue::N((now + RETENTION).unix_timestamp().to_string()),
            )
            .condition_expression(
                "attribute_not_exists(PK) OR (#state = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(
                ":now",
                AttributeValue::N(now.unix_timestamp().to_string()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(DeliveryClaim::Acquired(DeliveryLease { owner })),
            Err(e) => match StoreError::from_sdk("PutItem(delivery)", e) {
                StoreError::Conflict { .. } => {
                    let out = self
                        .client
                        .get_item()
                        .table_name(&self.tables.registry)
                        .key(keys::PK, AttributeValue::S(pk))
                        .key(keys::SK, AttributeValue::S("DELIVERY".into()))
                        .consistent_read(true)
                        .send()
                        .await
                        .map_err(|e| StoreError::from_sdk("GetItem(delivery)", e))?;
                    let item = out.item.as_ref();
                    let state = item
                        .and_then(|i| i.get("state"))
                        .and_then(|s| s.as_s().ok())
                        .map(String::as_str);
                    let expired = item
                        .and_then(|i| i.get("lease_until"))
                        .and_then(|l| l.as_n().ok())
                        .and_then(|l| l.parse::<i64>().ok())
                        .is_some_and(|until| until < now.unix_timestamp());
                    Ok(match state {
                        Some("done") => DeliveryClaim::Done,
                        Some("sending") if expired => DeliveryClaim::OutcomeUnknown,
                        _ => DeliveryClaim::InProgress,
                    })
                }
                other => Err(other),
            },
        }
    }

    /// Records the effect done, on the lease this attempt holds. Lost meanwhile (a later
    /// attempt found it `sending` past its lease and settled it): already final, nothing to do.
    pub async fn complete_delivery(
        &self,
        consumer: &str,
        event_id: &str,
        lease: &DeliveryLease,
    ) -> Result<(), StoreError> {
        self.finish_delivery(consumer, event_id, lease, None).await
    }

    /// Records the effect refused for good (SES refused the message): not tried again, on the
    /// lease this attempt holds.
    pub async fn refuse_delivery(
        &self,
        consumer: &str,
        event_id: &str,
        lease: &DeliveryLease,
    ) -> Result<(), StoreError> {
        self.finish_delivery(consumer, event_id, lease, Some("refused"))
            .await
    }

    /// The delivery `done` (with its `outcome`, if any) on the lease this attempt holds.
    async fn finish_delivery(
        &self,
        consumer: &str,
        event_id: &str,
        lease: &DeliveryLease,
        outcome: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key(consumer, event_id)))
            .key(keys::SK, AttributeValue::S("DELIVERY".into()))
            .update_expression(match outcome {
                None => "SET #state = :done REMOVE lease_until",
                Some(_) => "SET #state = :done, outcome = :outcome REMOVE lease_until",
            })
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .expression_attribute_values(":owner", AttributeValue::S(lease.owner.clone()));
        if let Some(outcome) = outcome {
            update =
                update.expression_attribute_values(":outcome", AttributeValue::S(outcome.into()));
        }
        conflict_is_final(
            update
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("UpdateItem(delivery)", e)),
        )
    }

    /// Says the effect is about to happen (the email handed to SES): from here a lost lease
    /// means the outcome is unknown. Only on the lease this attempt holds.
    pub async fn mark_sending(
        &self,
        consumer: &str,
        event_id: &str,
        now: OffsetDateTime,
        lease: Duration,
        held: &DeliveryLease,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key(consumer, event_id)))
            .key(keys::SK, AttributeValue::S("DELIVERY".into()))
            .update_expression("SET #state = :sending, lease_until = :until")
            .condition_expression("#state = :in_progress AND #owner = :owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(held.owner.clone()))
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(
                ":until",
                AttributeValue::N((now + lease).unix_timestamp().to_string()),
            )
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("UpdateItem(delivery sending)", e))?;
        Ok(())
    }

    /// Records an unknown outcome as final: not acted on again (the consumer says so in its
    /// logs, for a person to check).
    pub async fn settle_unknown_delivery(
        &self,
        consumer: &str,
        event_id: &str,
    ) -> Result<(), StoreError> {
        let settled = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key(consumer, event_id)))
            .key(keys::SK, AttributeValue::S("DELIVERY".into()))
            .update_expression("SET #state = :done, outcome = :unknown REMOVE lease_until")
            .condition_expression("#state = :sending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .expression_attribute_values(":unknown", AttributeValue::S("unknown".into()))
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("UpdateItem(delivery unknown)", e));
        conflict_is_final(settled)
    }

    /// Gives the lease back after a failed attempt that did not act (SES refused the email),
    /// so a retry need not wait for it. Only the lease this attempt still holds.
    pub async fn release_delivery(
        &self,
        consumer: &str,
        event_id: &str,
        lease: &DeliveryLease,
    ) -> Result<(), StoreError> {
        let released = self
            .client
            .delete_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(key(consumer, event_id)))
            .key(keys::SK, AttributeValue::S("DELIVERY".into()))
            .condition_expression("#state IN (:in_progress, :sending) AND #owner = :owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(lease.owner.clone()))
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("DeleteItem(delivery)", e));
        conflict_is_final(released)
    }
}
