//! Sign-in state and sessions, in the sessions table (TTL `expires_at`).
//!
//! - `LOGIN#<state>`: what the callback needs (nonce, PKCE verifier…), written at the start of a
//!   sign-in and taken **once** with an atomic `DeleteItem … ReturnValues=ALL_OLD`: a replayed or
//!   forged `state` finds nothing.
//! - `SESSION#<sha256(session id)>`: the signed-in person. Only the hash of the id is stored, so
//!   reading the table does not give a usable cookie.
//!
//! TTL deletion is lazy (up to days late): every read also checks the expiry itself. A session
//! is created only where none is (`attribute_not_exists`) and refreshed only while it lives
//! (`attribute_exists` and not expired): a sign-out is never undone by a request in flight.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Store, StoreError, keys};

#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "PK")]
    pk: String,
    /// The payload as JSON: the table holds opaque, short-lived records.
    data: String,
    /// Unix seconds; DynamoDB's TTL deletes the item after it.
    expires_at: i64,
}

fn pk_key(pk: String) -> HashMap<String, AttributeValue> {
    HashMap::from([(keys::PK.to_owned(), AttributeValue::S(pk))])
}

impl Store {
    /// Puts a short-lived record; with `condition`, only if it holds (a failed condition is a
    /// `Conflict`).
    async fn put_short_lived<T: Serialize>(
        &self,
        pk: String,
        value: &T,
        expires_at: OffsetDateTime,
        condition: Option<(&str, HashMap<String, AttributeValue>)>,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        let item = Envelope {
            data: serde_json::to_string(value).map_err(|e| StoreError::corrupt(&pk, e))?,
            expires_at: expires_at.unix_timestamp(),
            pk: pk.clone(),
        };
        let (expression, values) = condition.unzip();
        self.client
            .put_item()
            .table_name(&self.tables.sessions)
            .set_item(Some(
                serde_dynamo::to_item(item).map_err(|e| StoreError::corrupt(&pk, e))?,
            ))
            .set_condition_expression(expression.map(str::to_owned))
            .set_expression_attribute_values(values.filter(|v| !v.is_empty()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(operation, e))?;
        Ok(())
    }

    fn read_envelope<T: DeserializeOwned>(
        pk: &str,
        item: HashMap<String, AttributeValue>,
        now: OffsetDateTime,
    ) -> Result<Option<(T, i64)>, StoreError> {
        let envelope: Envelope =
            serde_dynamo::from_item(item).map_err(|e| StoreError::corrupt(pk, e))?;
        if envelope.expires_at <= now.unix_timestamp() {
            return Ok(None);
        }
        let value = serde_json::from_str(&envelope.data).map_err(|e| StoreError::corrupt(pk, e))?;
        Ok(Some((value, envelope.expires_at)))
    }

    /// Keeps what a sign-in's callback needs, under its `state`, until `expires_at`.
    pub async fn put_login_state<T: Serialize>(
        &self,
        state: &str,
        value: &T,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.put_short_lived(
            keys::login_state(state),
            value,
            expires_at,
            None,
            "PutItem(login state)",
        )
        .await
    }

    /// Takes (reads and deletes, atomically) a sign-in's state: `None` if it never existed, was
    /// already used, or expired.
    pub async fn take_login_state<T: DeserializeOwned>(
        &self,
        state: &str,
        now: OffsetDateTime,
    ) -> Result<Option<T>, StoreError> {
        let pk = keys::login_state(state);
        let out = self
            .client
            .delete_item()
            .table_name(&self.tables.sessions)
            .set_key(Some(pk_key(pk.clone())))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("DeleteItem(login state)", e))?;
        match out.attributes {
            Some(item) if !item.is_empty() => {
                Ok(Self::read_envelope(&pk, item, now)?.map(|(v, _)| v))
            }
            _ => Ok(None),
        }
    }

    /// Writes a new session under the hash of its id; it disappears at `expires_at`. Never
    /// overwrites one (a fresh id's hash is new: an existing item is a `Conflict`).
    pub async fn put_session<T: Serialize>(
        &self,
        id_hash: &str,
        session: &T,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.put_short_lived(
            keys::session(id_hash),
            session,
            expires_at,
            Some(("attribute_not_exists(PK)", HashMap::new())),
            "PutItem(session)",
        )
        .await
    }

    /// Slides a live session's idle expiry to `expires_at` (that attribute only: the functions
    /// other than sign-in may update nothing else), only if the session still exists and has
    /// not expired at `now`: `false` when it was ended meanwhile (a sign-out, which must win
    /// over a request in flight that read the session before it) or expired. An unconditional
    /// write would bring an ended session back.
    pub async fn refresh_session(
        &self,
        id_hash: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .set_key(Some(pk_key(keys::session(id_hash))))
            .update_expression("SET #expires = :expires")
            .condition_expression("attribute_exists(#pk) AND #expires > :now")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(
                ":expires",
                AttributeValue::N(expires_at.unix_timestamp().to_string()),
            )
            .expression_attribute_values(
                ":now",
                AttributeValue::N(now.unix_timestamp().to_string()),
            )
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("UpdateItem(session expiry)", e));
        match out {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A live session and its expiry, or `None` (unknown, ended or expired).
    pub async fn session<T: DeserializeOwned>(
        &self,
        id_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(T, OffsetDateTime)>, StoreError> {
        let pk = keys::session(id_hash);
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.sessions)
            .set_key(Some(pk_key(pk.clone())))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(session)", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        Ok(Self::read_envelope(&pk, item, now)?.and_then(|(v, exp)| {
            OffsetDateTime::from_unix_timestamp(exp)
                .ok()
                .map(|e| (v, e))
        }))
    }

    /// Ends a session (sign-out); ending an unknown session is not an error.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.tables.sessions)
            .set_key(Some(pk_key(keys::session(id_hash))))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("DeleteItem(session)", e))?;
        Ok(())
    }
}
