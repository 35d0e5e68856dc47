//! The RPPS sequence: an atomic counter (`UpdateItem ADD`), so no two callers ever receive the
//! same sequence value, and a number once handed out is never handed out again (FAQ-R3, R18).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use rpps_domain::RppsNumber;

use crate::{Store, StoreError, keys};

impl Store {
    /// Takes the next value of the RPPS sequence (1, 2, 3…).
    pub async fn next_rpps_sequence(&self) -> Result<u64, StoreError> {
        let (pk, sk) = keys::rpps_counter();
        let out = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(pk.into()))
            .key(keys::SK, AttributeValue::S(sk.into()))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("UpdateItem(counter)", e))?;
        let value = out
            .attributes()
            .and_then(|a| a.get("value"))
            .and_then(|v| v.as_n().ok())
            .ok_or_else(|| StoreError::corrupt(pk, "counter value missing"))?;
        value
            .parse::<u64>()
            .map_err(|e| StoreError::corrupt(pk, format!("counter value {value}: {e}")))
    }

    /// The next RPPS number: the next sequence value with its Luhn key.
    pub async fn next_rpps_number(&self) -> Result<RppsNumber, StoreError> {
        let seq = self.next_rpps_sequence().await?;
        RppsNumber::from_sequence(seq).map_err(|e| StoreError::corrupt("COUNTER#RPPS", e))
    }
}
