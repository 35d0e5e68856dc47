//! The RPPS sequence: an atomic counter, so no two callers ever receive the same sequence
//! value, and a number once handed out is never handed out again (FAQ-R3, R18) — within the
//! range this instance may allocate ([`SequenceRange`], a deployment parameter): never below its
//! first value, and a clean refusal, with nothing written, once its last value is taken.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use rpps_domain::{RppsNumber, SequenceRange};

use crate::{Store, StoreError, keys};

/// Why no number could be taken.
#[derive(Debug, thiserror::Error)]
pub enum AllocationError {
    /// Every value of the range has been handed out: the operator must reserve another range.
    #[error("the RPPS sequence range is exhausted (last value {last})")]
    Exhausted { last: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Attempts when another allocation moves the counter between two steps.
const ATTEMPTS: usize = 5;

impl Store {
    /// Takes the next value of the RPPS sequence within `range`: one `UpdateItem` that adds one
    /// while the counter is within the range (the first allocation of all starts at the range's
    /// first value). A counter below the range (a new range reserved above the values already
    /// used) jumps to its first value, conditionally; a counter at the range's last value is
    /// refused, and nothing changes.
    pub async fn next_rpps_sequence(&self, range: SequenceRange) -> Result<u64, AllocationError> {
        let (pk, sk) = keys::rpps_counter();
        let number = |n: u64| AttributeValue::N(n.to_string());
        for _ in 0..ATTEMPTS {
            let add = self
                .client
                .update_item()
                .table_name(&self.tables.registry)
                .key(keys::PK, AttributeValue::S(pk.into()))
                .key(keys::SK, AttributeValue::S(sk.into()))
                .update_expression("SET #v = if_not_exists(#v, :below) + :one")
                .condition_expression("attribute_not_exists(#v) OR (#v >= :below AND #v < :last)")
                .expression_attribute_names("#v", "value")
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":below", number(range.first() - 1))
                .expression_attribute_values(":last", number(range.last()))
                .return_values(ReturnValue::UpdatedNew)
                .send()
                .await;
            match add {
                Ok(out) => return Ok(counter_value(out.attributes(), pk)?),
                Err(e) => match StoreError::from_sdk("UpdateItem(counter)", e) {
                    StoreError::Conflict { .. } => {}
                    other => return Err(other.into()),
                },
            }
            // Outside the range: below it, or at its end.
            let current = self.rpps_counter().await?;
            if current.is_some_and(|value| value >= range.last()) {
                return Err(AllocationError::Exhausted { last: range.last() });
            }
            let jump = self
                .client
                .update_item()
                .table_name(&self.tables.registry)
                .key(keys::PK, AttributeValue::S(pk.into()))
                .key(keys::SK, AttributeValue::S(sk.into()))
                .update_expression("SET #v = :first")
                .condition_expression("attribute_not_exists(#v) OR #v < :below")
                .expression_attribute_names("#v", "value")
                .expression_attribute_values(":first", number(range.first()))
                .expression_attribute_values(":below", number(range.first() - 1))
                .return_values(ReturnValue::UpdatedNew)
                .send()
                .await;
            match jump {
                Ok(out) => return Ok(counter_value(out.attributes(), pk)?),
                // Someone else moved it meanwhile: add again.
                Err(e) => match StoreError::from_sdk("UpdateItem(counter jump)", e) {
                    StoreError::Conflict { .. } => {}
                    other => return Err(other.into()),
                },
            }
        }
        Err(StoreError::corrupt(pk, "the counter kept moving").into())
    }

    /// The counter's value (consistent read), `None` before the first allocation.
    pub async fn rpps_counter(&self) -> Result<Option<u64>, StoreError> {
        let (pk, sk) = keys::rpps_counter();
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(pk.into()))
            .key(keys::SK, AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(counter)", e))?;
        out.item()
            .filter(|item| item.contains_key("value"))
            .map(|item| counter_value(Some(item), pk))
            .transpose()
    }

    /// The next RPPS number within `range`: the next sequence value with its Luhn key.
    pub async fn next_rpps_number(
        &self,
        range: SequenceRange,
    ) -> Result<RppsNumber, AllocationError> {
        let seq = self.next_rpps_sequence(range).await?;
        RppsNumber::from_sequence(seq).map_err(|e| StoreError::corrupt("COUNTER#RPPS", e).into())
    }
}

fn counter_value(
    attributes: Option<&std::collections::HashMap<String, AttributeValue>>,
    pk: &str,
) -> Result<u64, StoreError> {
    let value = attributes
        .and_then(|a| a.get("value"))
        .and_then(|v| v.as_n().ok())
        .ok_or_else(|| StoreError::corrupt(pk, "counter value missing"))?;
    value
        .parse::<u64>()
        .map_err(|e| StoreError::corrupt(pk, format!("counter value {value}: {e}")))
}
