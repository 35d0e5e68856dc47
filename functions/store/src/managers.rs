//! RPPS+ managers (FAQ-R9): the operator designates, for an establishment, the national
//! identifier (PSC `SubjectNameID`) of each person who may validate its requests.
//!
//! `EST#<finess>` / `MGR#<national id>`, also under GSI1 `MGR#<national id>` / `EST#<finess>`,
//! so both "managers of an establishment" and "establishments of a manager" are one `Query`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use rpps_domain::{Email, Finess};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AuditEntry, Store, StoreError, keys};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagerDesignation {
    pub finess: Finess,
    pub national_id: String,
    /// Where the manager is told of new requests (FAQ-R11). Pro Santé Connect gives no email
    /// address, so the operator records it with the designation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    pub designated_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub designated_at: OffsetDateTime,
}

#[derive(Serialize, Deserialize)]
struct ManagerItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    #[serde(flatten)]
    designation: ManagerDesignation,
}

/// Why a designation change was refused.
#[derive(Debug, thiserror::Error)]
pub enum DesignationError {
    #[error("no establishment has FINESS {0}: import it first")]
    UnknownEstablishment(String),
    #[error("{national_id} is already a manager of {finess}")]
    AlreadyDesignated { finess: String, national_id: String },
    #[error("{national_id} is not a manager of {finess}")]
    NotDesignated { finess: String, national_id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn key(pk: String, sk: String) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk)),
    ])
}

fn build<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::corrupt(what, e))
}

impl Store {
    /// Designates `national_id` as a manager of `finess`, with the address where new requests
    /// are announced, audited, in one transaction that also checks the establishment exists.
    pub async fn designate_manager(
        &self,
        finess: &Finess,
        national_id: &str,
        email: Option<&Email>,
        operator: &str,
    ) -> Result<ManagerDesignation, DesignationError> {
        let designation = ManagerDesignation {
            finess: finess.clone(),
            national_id: national_id.to_owned(),
            email: email.cloned(),
            designated_by: operator.to_owned(),
            designated_at: OffsetDateTime::now_utc(),
        };
        let item = ManagerItem {
            pk: keys::establishment(finess.as_str()),
            sk: keys::manager_sk(national_id),
            gsi1pk: keys::manager(national_id),
            gsi1sk: keys::establishment(finess.as_str()),
            designation: designation.clone(),
        };
        let audit = AuditEntry::new(
            keys::establishment(finess.as_str()),
            operator,
            "manager.designate",
        )
        .with_after(&designation);
        let items = vec![
            TransactWriteItem::builder()
                .condition_check(build(
                    "ConditionCheck",
                    ConditionCheck::builder()
                        .table_name(&self.tables.registry)
                        .set_key(Some(key(
                            keys::establishment(finess.as_str()),
                            keys::ESTABLISHMENT_SK.to_owned(),
                        )))
                        .condition_expression("attribute_exists(PK)")
                        .build(),
                )?)
                .build(),
            TransactWriteItem::builder()
                .put(build(
                    "Put",
                    Put::builder()
                        .table_name(&self.tables.registry)
                        .set_item(Some(build("manager item", serde_dynamo::to_item(item))?))
                        .condition_expression("attribute_not_exists(PK)")
                        .build(),
                )?)
                .build(),
            TransactWriteItem::builder()
                .put(build(
                    "Put",
                    Put::builder()
                        .table_name(&self.tables.registry)
                        .set_item(Some(audit.to_item()?))
                        .build(),
                )?)
                .build(),
        ];
        match self
            .transact(items, "TransactWriteItems(designate manager)")
            .await
        {
            Ok(()) => Ok(designation),
            Err(TransactError::Cancelled(reasons)) => {
                if reasons
                    .first()
                    .is_some_and(|r| r == "ConditionalCheckFailed")
                {
                    Err(DesignationError::UnknownEstablishment(finess.to_string()))
                } else {
                    Err(DesignationError::AlreadyDesignated {
                        finess: finess.to_string(),
                        national_id: national_id.to_owned(),
                    })
                }
            }
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    /// Revokes a designation, audited with what it was.
    pub async fn revoke_manager(
        &self,
        finess: &Finess,
        national_id: &str,
        operator: &str,
    ) -> Result<(), DesignationError> {
        let existing = self
            .managers_of(finess)
            .await?
            .into_iter()
            .find(|d| d.national_id == national_id);
        let Some(existing) = existing else {
            return Err(DesignationError::NotDesignated {
                finess: finess.to_string(),
                national_id: national_id.to_owned(),
            });
        };
        let audit = AuditEntry::new(
            keys::establishment(finess.as_str()),
            operator,
            "manager.revoke",
        )
        .with_before(&existing);
        let items = vec![
            TransactWriteItem::builder()
                .delete(build(
                    "Delete",
                    Delete::builder()
                        .table_name(&self.tables.registry)
                        .set_key(Some(key(
                            keys::establishment(finess.as_str()),
                            keys::manager_sk(national_id),
                        )))
                        .condition_expression("attribute_exists(PK)")
                        .build(),
                )?)
                .build(),
            TransactWriteItem::builder()
                .put(build(
                    "Put",
                    Put::builder()
                        .table_name(&self.tables.registry)
                        .set_item(Some(audit.to_item()?))
                        .build(),
                )?)
                .build(),
        ];
        match self
            .transact(items, "TransactWriteItems(revoke manager)")
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(_)) => Err(DesignationError::NotDesignated {
                finess: finess.to_string(),
                national_id: national_id.to_owned(),
            }),
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    /// The establishments a person manages (one `Query` on GSI1), in FINESS order.
    pub async fn establishments_managed_by(
        &self,
        national_id: &str,
    ) -> Result<Vec<Finess>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_values(":pk", AttributeValue::S(keys::manager(national_id)))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(establishments of a manager)", e))?;
        out.items()
            .iter()
            .map(|item| {
                serde_dynamo::from_item::<_, ManagerItem>(item.clone())
                    .map(|m| m.designation.finess)
                    .map_err(|e| StoreError::corrupt(keys::manager(national_id), e))
            })
            .collect()
    }

    /// The managers of an establishment (one `Query` on the table).
    pub async fn managers_of(
        &self,
        finess: &Finess,
    ) -> Result<Vec<ManagerDesignation>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :mgr)")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_names("#sk", keys::SK)
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(keys::establishment(finess.as_str())),
            )
            .expression_attribute_values(":mgr", AttributeValue::S("MGR#".into()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(managers of an establishment)", e))?;
        out.items()
            .iter()
            .map(|item| {
                serde_dynamo::from_item::<_, ManagerItem>(item.clone())
                    .map(|m| m.designation)
                    .map_err(|e| StoreError::corrupt(keys::establishment(finess.as_str()), e))
            })
            .collect()
    }
}

/// A transaction's outcome: cancelled (with each item's reason code) or failed otherwise.
pub(crate) enum TransactError {
    Cancelled(Vec<String>),
    Store(StoreError),
}

/// The `ClientRequestToken` of a transaction, derived from what it writes (issue 18): SHA-256 of
/// its items in a canonical form (maps sorted by key), the first 18 bytes in hex (DynamoDB takes
/// 36 characters at most). The same transaction sent again — by the SDK's retries, or by a
/// caller resending it after a lost answer — carries the same token, so DynamoDB answers a
/// committed one with success instead of running it again (within 10 minutes); a different
/// transaction always carries a different token, so DynamoDB's `IdempotentParameterMismatch`
/// (one token, other parameters) cannot happen.
pub(crate) fn transaction_token(items: &[TransactWriteItem]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;

    fn value(out: &mut String, v: &AttributeValue) {
        match v {
            AttributeValue::M(map) => {
                out.push_str("M{");
                map_of(out, map);
                out.push('}');
            }
            AttributeValue::L(list) => {
                out.push_str("L[");
                for item in list {
                    value(out, item);
                    out.push(',');
                }
                out.push(']');
            }
            AttributeValue::Ss(set) | AttributeValue::Ns(set) => {
                let mut sorted = set.clone();
                sorted.sort();
                let _ = write!(out, "{}{sorted:?}", if v.is_ss() { "SS" } else { "NS" });
            }
            other => {
                let _ = write!(out, "{other:?}");
            }
        }
    }
    fn map_of(out: &mut String, map: &HashMap<String, AttributeValue>) {
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort();
        for k in keys {
            let _ = write!(out, "{k:?}=");
            value(out, &map[k]);
            out.push(';');
        }
    }
    fn names(out: &mut String, map: Option<&HashMap<String, String>>) {
        let mut pairs: Vec<_> = map.into_iter().flatten().collect();
        pairs.sort();
        let _ = write!(out, "{pairs:?}");
    }
    let mut text = String::new();
    for item in items {
        // Each operation: its kind, table, expressions, key (or item), names and values.
        type Parts<'a> = (
            &'a str,
            &'a str,
            [Option<&'a str>; 2],
            &'a HashMap<String, AttributeValue>,
            Option<&'a HashMap<String, String>>,
            Option<&'a HashMap<String, AttributeValue>>,
        );
        let parts: Option<Parts> = if let Some(p) = item.put() {
            let e = p.expression_attribute_names();
            Some((
                "P",
                p.table_name(),
                [p.condition_expression(), None],
                p.item(),
                e,
                p.expression_attribute_values(),
            ))
        } else if let Some(u) = item.update() {
            let exprs = [Some(u.update_expression()), u.condition_expression()];
            Some((
                "U",
                u.table_name(),
                exprs,
                u.key(),
                u.expression_attribute_names(),
                u.expression_attribute_values(),
            ))
        } else if let Some(d) = item.delete() {
            let e = d.expression_attribute_names();
            Some((
                "D",
                d.table_name(),
                [d.condition_expression(), None],
                d.key(),
                e,
                d.expression_attribute_values(),
            ))
        } else {
            item.condition_check().map(|c| {
                let exprs = [Some(c.condition_expression()), None];
                (
                    "C",
                    c.table_name(),
                    exprs,
                    c.key(),
                    c.expression_attribute_names(),
                    c.expression_attribute_values(),
                )
            })
        };
        if let Some((kind, table, exprs, key, expression_names, values)) = parts {
            let _ = write!(text, "{kind}|{table}|{exprs:?}|");
            map_of(&mut text, key);
            names(&mut text, expression_names);
            if let Some(values) = values {
                map_of(&mut text, values);
            }
        }
        text.push('\n');
    }
    Sha256::digest(text.as_bytes())[..18]
        .iter()
        .fold(String::with_capacity(36), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

impl Store {
    pub(crate) async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        operation: &'static str,
    ) -> Result<(), TransactError> {
        let token = transaction_token(&items);
        match self
            .client
            .transact_write_items()
            .client_request_token(token)
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let reasons: Option<Vec<Option<String>>> = e.as_service_error().and_then(|s| match s {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                        Some(c.cancellation_reasons().iter().map(|r| r.code().map(str::to_owned)).collect())
                    }
                    _ => None,
                });
                let err = StoreError::from_sdk(operation, e);
                match reasons {
                    Some(raw) if matches!(err, StoreError::Conflict { .. }) => {
                        // One reason code per item, in order ("None" for items that were fine).
                        Err(TransactError::Cancelled(
                            raw.into_iter().map(Option::unwrap_or_default).collect(),
                        ))
                    }
                    _ => Err(TransactError::Store(err)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(pairs: &[(&str, &str)]) -> TransactWriteItem {
        let mut item = HashMap::new();
        for (k, v) in pairs {
            item.insert((*k).to_owned(), AttributeValue::S((*v).to_owned()));
        }
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name("t")
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(PK)")
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[test]
    fn the_token_is_the_transactions_content_whatever_the_order_of_its_maps() {
        let many: Vec<(String, String)> = (0..40)
            .map(|i| (format!("a{i}"), format!("v{i}")))
            .collect();
        let forward: Vec<(&str, &str)> =
            many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let backward: Vec<(&str, &str)> = forward.iter().rev().copied().collect();
        let token = transaction_token(&[put(&forward)]);
        assert_eq!(token.len(), 36);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(token, transaction_token(&[put(&backward)]));
        // Another value, another item, another order of items: another token.
        let mut changed = forward.clone();
        changed[0].1 = "other";
        assert_ne!(token, transaction_token(&[put(&changed)]));
        let two = [put(&forward), put(&[("PK", "x")])];
        let swapped = [put(&[("PK", "x")]), put(&forward)];
        assert_ne!(transaction_token(&two), transaction_token(&swapped));
        assert_ne!(token, transaction_token(&two));
    }
}
