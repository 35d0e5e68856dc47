//! Who already holds an RPPS number, found by FranceConnect subject or by civil-status identity
//! (FAQ-R12: FranceConnect is only for a first pre-registration).
//!
//! `FCSUB#<sub>` / `CLAIM` and `IDENT#<identity key>` / `CLAIM` each point to `PRO#<rpps>`. They are
//! written with the professional record in one transaction (`attribute_not_exists`), so one
//! person cannot get two numbers by either route.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use rpps_domain::RppsNumber;
use serde::{Deserialize, Serialize};

use crate::managers::TransactError;
use crate::{AuditEntry, Store, StoreError, keys};

#[derive(Serialize, Deserialize)]
struct ClaimItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    rpps: RppsNumber,
}

/// The minimal professional record; the registration issue completes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfessionalRecord {
    pub rpps: RppsNumber,
    pub family_name: String,
    pub given_names: String,
}

#[derive(Serialize, Deserialize)]
struct ProfessionalItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(flatten)]
    record: ProfessionalRecord,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfessionalError {
    #[error("this person (or this RPPS number) is already registered")]
    AlreadyRegistered,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn put(
    table: &str,
    item: HashMap<String, AttributeValue>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(|e| StoreError::corrupt("Put", e))?,
        )
        .build())
}

impl Store {
    async fn claimed_rpps(&self, pk: String) -> Result<Option<RppsNumber>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(pk.clone()))
            .key(keys::SK, AttributeValue::S(keys::CLAIM_SK.into()))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(identity claim)", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let claim: ClaimItem =
            serde_dynamo::from_item(item).map_err(|e| StoreError::corrupt(&pk, e))?;
        Ok(Some(claim.rpps))
    }

    /// The RPPS number of whoever signed in with this FranceConnect subject before, if any.
    pub async fn rpps_of_franceconnect_subject(
        &self,
        sub: &str,
    ) -> Result<Option<RppsNumber>, StoreError> {
        self.claimed_rpps(keys::franceconnect_subject(sub)).await
    }

    /// The RPPS number of the person with this civil-status identity key, if any.
    pub async fn rpps_of_civil_identity(
        &self,
        identity_key: &str,
    ) -> Result<Option<RppsNumber>, StoreError> {
        self.claimed_rpps(keys::civil_identity(identity_key)).await
    }

    /// Records a professional who holds `rpps` with the identity claims that find them; one
    /// transaction, refused if any of them exists already. Audited.
    pub async fn record_professional(
        &self,
        record: &ProfessionalRecord,
        franceconnect_sub: Option<&str>,
        identity_key: &str,
        actor: &str,
    ) -> Result<(), ProfessionalError> {
        let rpps = record.rpps.as_str();
        let table = &self.tables.registry;
        let corrupt = |e| StoreError::corrupt(keys::professional(rpps), e);
        let mut items = vec![put(
            table,
            serde_dynamo::to_item(ProfessionalItem {
                pk: keys::professional(rpps),
                sk: keys::PROFESSIONAL_SK.into(),
                record: record.clone(),
            })
            .map_err(corrupt)?,
        )?];
        let claim = |pk: String| -> Result<TransactWriteItem, StoreError> {
            put(
                table,
                serde_dynamo::to_item(ClaimItem {
                    pk,
                    sk: keys::CLAIM_SK.into(),
                    rpps: record.rpps.clone(),
                })
                .map_err(|e| StoreError::corrupt(keys::professional(rpps), e))?,
            )
        };
        items.push(claim(keys::civil_identity(identity_key))?);
        if let Some(sub) = franceconnect_sub {
            items.push(claim(keys::franceconnect_subject(sub))?);
        }
        let audit = AuditEntry::new(keys::professional(rpps), actor, "professional.record")
            .with_after(record);
        items.push(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(audit.to_item()?))
                        .build()
                        .map_err(|e| StoreError::corrupt("Put", e))?,
                )
                .build(),
        );
        match self
            .transact(items, "TransactWriteItems(record professional)")
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(_)) => Err(ProfessionalError::AlreadyRegistered),
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }
}
