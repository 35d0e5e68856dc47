//! Registration requests (FAQ-R1, R2, R3, R11): drafts, submission, the managers' queue,
//! validation with the RPPS number, rejection.
//!
//! `REQ#<id>` / `REQ` holds the request (the domain's `RegistrationRequest`) and a `version`
//! that every write checks and increments (optimistic concurrency: two managers acting at once
//! cannot both win). While submitted it carries GSI1 `PENDING#<finess>` / `<submitted at>#<id>`;
//! a self-service request carries GSI2 `APPLICANT#<sub>` / `REQ#<created at>#<id>`.
//! `OPENREQ#<identity key>` / `CLAIM` makes one open request per person; `FCSUB#…` and `IDENT#…`
//! claims (see `professionals`) refuse a request from someone who already holds a number.
//!
//! One person, one number (FAQ-R3, R12): a request that is open or validated carries GSI3
//! `IDCAND#<candidate key>` / `REQ#<id>`, the key being the canonical birth place and the birth
//! year (`rpps_domain::candidate_key`, computed by the caller, which has the places): one `Query`
//! returns everyone who may be the same person, for the domain's identity match. The lock item
//! `IDLOCK#<key>` / `LOCK` in the same partition carries a version that every validation of that
//! partition moves on in its transaction, so two validations of the same person at once cannot
//! both allocate a number: the second one's condition fails and it looks again.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use rpps_contract::events::{Event, OutboxEvent, RppsAllocated};
use rpps_domain::{PracticeSite, RegistrationRequest, RegistrationStatus, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::managers::TransactError;
use crate::outbox::{event_item, new_event};
use crate::professionals::ProfessionalRecord;
use crate::sites::{SiteRecord, site_item};
use crate::{AuditEntry, Store, StoreError, keys};

/// A request as stored, with the version the next write must match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRegistration {
    pub request: RegistrationRequest,
    pub version: u64,
    /// What happened after the decision, recorded by the consumers of its events.
    pub milestones: Milestones,
    /// Its identity-match partition (`rpps_domain::candidate_key`); `None` for a request stored
    /// before the index existed (`rpps-admin index-identities` adds it).
    pub candidate_key: Option<String>,
}

/// The registrations that may be the same person as someone (one identity-match partition),
/// and the version of its lock, for a validation's transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentityCandidates {
    pub key: String,
    pub requests: Vec<StoredRegistration>,
    /// `None` while no validation has happened in this partition.
    pub lock_version: Option<u64>,
}

/// The steps after validation that the request's timeline shows (issue #4, item 7), each
/// recorded once by the consumer that did it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestones {
    /// The email with the RPPS number was accepted by SES (the mailer).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub number_sent_at: Option<OffsetDateTime>,
    /// The professional appeared in the public directory (the directory projection).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub published_at: Option<OffsetDateTime>,
    /// The number email still not taken by SES half an hour after the validation (the mailer,
    /// issue 18): retried automatically, shown meanwhile.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub number_delayed_at: Option<OffsetDateTime>,
    /// The number email will not reach the professional (issue 18): refused by SES, or bounced
    /// by the recipient's server; shown to the managers (« e-mail non remis »).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub number_undelivered_at: Option<OffsetDateTime>,
    /// Why, with `number_undelivered_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_undelivered_reason: Option<Undelivered>,
    /// A draft's applicant was told it expires in a week (issue 14), once.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiry_notice_at: Option<OffsetDateTime>,
}

/// Why an email will not reach its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Undelivered {
    /// SES refused the message itself (`MessageRejected`): sending it again would not help.
    Refused,
    /// SES took it, the recipient's server did not (a bounce, or an address on the suppression
    /// list after an earlier bounce).
    Bounced,
}

impl Undelivered {
    fn as_str(self) -> &'static str {
        match self {
            Undelivered::Refused => "refused",
            Undelivered::Bounced => "bounced",
        }
    }
}

/// One of [`Milestones`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Milestone {
    NumberSent,
    NumberDelayed,
    NumberUndelivered(Undelivered),
    Published,
    ExpiryNotice,
}

impl Milestone {
    fn attribute(self) -> &'static str {
        match self {
            Milestone::NumberSent => "number_sent_at",
            Milestone::NumberDelayed => "number_delayed_at",
            Milestone::NumberUndelivered(_) => "number_undelivered_at",
            Milestone::Published => "published_at",
            Milestone::ExpiryNotice => "expiry_notice_at",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationStoreError {
    /// The person already has a request in progress (draft or submitted).
    #[error("this person already has a registration request in progress")]
    AlreadyOpen,
    /// The person already holds an RPPS number.
    #[error("this person already holds an RPPS number")]
    AlreadyRegistered,
    /// Someone changed the request since it was read: read it again.
    #[error("the request changed since it was read")]
    Changed,
    /// The request did not move, but another validation in its identity-match partition
    /// (FAQ-R12) committed since the candidates were read, or DynamoDB saw another transaction
    /// on the same items at that moment (`TransactionConflict`): nothing was written; look at
    /// the candidates again, after a pause.
    #[error("another validation in the same identity partition came first")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Serialize, Deserialize)]
struct RegistrationItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    gsi2sk: Option<String>,
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    gsi3sk: Option<String>,
    version: u64,
    identity_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    candidate_key: Option<String>,
    request: RegistrationRequest,
    #[serde(flatten)]
    milestones: Milestones,
}

impl RegistrationItem {
    fn stored(self) -> StoredRegistration {
        StoredRegistration {
            request: self.request,
            version: self.version,
            milestones: self.milestones,
            candidate_key: self.candidate_key,
        }
    }
}

/// The lock of an identity-match partition (see the module's documentation).
#[derive(Serialize, Deserialize)]
struct IdentityLockItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI3PK")]
    gsi3pk: String,
    #[serde(rename = "GSI3SK")]
    gsi3sk: String,
    version: u64,
}

#[derive(Serialize, Deserialize)]
struct OpenRequestClaim {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    request_id: String,
}

#[derive(Serialize)]
struct ProfessionalItem<'a> {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: &'static str,
    #[serde(flatten)]
    record: &'a ProfessionalRecord,
    request_id: &'a str,
    profession: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a rpps_domain::Contact>,
    #[serde(with = "time::serde::rfc3339")]
    allocated_at: OffsetDateTime,
}

/// An instant in UTC, RFC 3339: the index sort keys compare as text.
fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn corrupt(key: &str) -> impl Fn(serde_dynamo::Error) -> StoreError + '_ {
    move |e| StoreError::corrupt(key, e)
}

fn item_of(
    request: &RegistrationRequest,
    version: u64,
    milestones: Milestones,
    candidate_key: Option<&str>,
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let pending = match (
        request.status(),
        request.establishment(),
        request.submitted_at(),
    ) {
        (RegistrationStatus::Submitted, Some(finess), Some(_)) => {
            queue_position(request).map(|position| (keys::pending(finess.as_str()), position))
        }
        // A draft waits in the expiry index instead (issue 14: none blocks a person for ever).
        _ => request.expires_at().map(|expiry| {
            (
                keys::DRAFT_EXPIRY.to_owned(),
                format!("{}#{}", rfc3339(expiry), request.id()),
            )
        }),
    };
    let applicant = request.applicant_id().map(|sub| {
        (
            keys::applicant(sub),
            format!("REQ#{}#{}", rfc3339(request.created_at()), request.id()),
        )
    });
    // Who may be the same person: the open requests and the numbered ones.
    let candidate = candidate_key.filter(|_| {
        matches!(
            request.status(),
            RegistrationStatus::Draft
                | RegistrationStatus::Submitted
                | RegistrationStatus::Validated { .. }
        )
    });
    let key = keys::registration(request.id());
    serde_dynamo::to_item(RegistrationItem {
        pk: key.clone(),
        sk: keys::REGISTRATION_SK.to_owned(),
        gsi1pk: pending.as_ref().map(|p| p.0.clone()),
        gsi1sk: pending.map(|p| p.1),
        gsi2pk: applicant.as_ref().map(|a| a.0.clone()),
        gsi2sk: applicant.map(|a| a.1),
        gsi3pk: candidate.map(keys::identity_candidates),
        gsi3sk: candidate.map(|_| key.clone()),
        version,
        identity_key: request.civil_status().identity_key(),
        candidate_key: candidate_key.map(str::to_owned),
        request: request.clone(),
        milestones,
    })
    .map_err(corrupt(&key))
}

fn pk_sk(pk: String, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

fn put(
    table: &str,
    item: HashMap<String, AttributeValue>,
    condition: Option<&str>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_owned))
                .build()
                .map_err(|e| StoreError::corrupt("Put", e))?,
        )
        .build())
}

/// A `Put` of the request that only succeeds on the version that was read (milestones carried
/// over: recording one bumps the version, so none is lost to a concurrent write).
fn put_versioned(
    table: &str,
    request: &RegistrationRequest,
    read: &StoredRegistration,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item_of(
                    request,
                    read.version + 1,
                    read.milestones,
                    read.candidate_key.as_deref(),
                )?))
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(read.version.to_string()))
                .build()
                .map_err(|e| StoreError::corrupt("Put", e))?,
        )
        .build())
}

fn absent(table: &str, pk: String) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(pk_sk(pk, keys::CLAIM_SK)))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(|e| StoreError::corrupt("ConditionCheck", e))?,
        )
        .build())
}

fn delete(
    table: &str,
    key: HashMap<String, AttributeValue>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .delete(
            Delete::builder()
                .table_name(table)
                .set_key(Some(key))
                .build()
                .map_err(|e| StoreError::corrupt("Delete", e))?,
        )
        .build())
}

fn audit_put(table: &str, entry: &AuditEntry) -> Result<TransactWriteItem, StoreError> {
    put(table, entry.to_item()?, None)
}

type Item = HashMap<String, AttributeValue>;

/// Every item of a paginated read: `page(start)` sends one request from `start` and answers its
/// items and the key the next page starts at.
pub(crate) async fn all_items<F, Fut>(mut page: F) -> Result<Vec<Item>, StoreError>
where
    F: FnMut(Option<Item>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<Item>, Option<Item>), StoreError>>,
{
    let mut all = Vec::new();
    let mut start = None;
    loop {
        let (items, next) = page(start).await?;
        all.extend(items);
        match next {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(all),
        }
    }
}

/// The stored request of an item.
fn stored_of(item: Item, context: &str) -> Result<StoredRegistration, StoreError> {
    serde_dynamo::from_item::<_, RegistrationItem>(item)
        .map(RegistrationItem::stored)
        .map_err(corrupt(context))
}

/// The lock of `candidates`' partition, one version on, on the version they were read with.
fn identity_lock(
    table: &str,
    candidates: &IdentityCandidates,
) -> Result<TransactWriteItem, StoreError> {
    let key = &candidates.key;
    let item = serde_dynamo::to_item(IdentityLockItem {
        pk: keys::identity_lock(key),
        sk: keys::IDENTITY_LOCK_SK.to_owned(),
        gsi3pk: keys::identity_candidates(key),
        gsi3sk: keys::IDENTITY_LOCK_SK.to_owned(),
        version: candidates.lock_version.map_or(1, |v| v + 1),
    })
    .map_err(corrupt(key))?;
    let put = Put::builder().table_name(table).set_item(Some(item));
    let put = match candidates.lock_version {
        None => put.condition_expression("attribute_not_exists(PK)"),
        Some(version) => put
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string())),
    };
    Ok(TransactWriteItem::builder()
        .put(put.build().map_err(|e| StoreError::corrupt("Put", e))?)
        .build())
}

/// A submitted request's position in its establishment's queue (GSI1 `PENDING#<finess>`'s sort
/// key: `<submitted at>#<id>`): what a bulk validation's `after` and `until` are.
pub fn queue_position(request: &RegistrationRequest) -> Option<String> {
    match (request.status(), request.submitted_at()) {
        (RegistrationStatus::Submitted, Some(at)) => {
            Some(format!("{}#{}", rfc3339(at), request.id()))
        }
        _ => None,
    }
}

impl Store {
    /// Creates a draft, in one transaction with its open-request claim and the checks that the
    /// person holds no RPPS number yet (by FranceConnect subject and civil-status identity), in
    /// the identity-match partition `candidate_key`.
    pub async fn create_registration(
        &self,
        request: &RegistrationRequest,
        actor: &str,
        candidate_key: &str,
    ) -> Result<StoredRegistration, RegistrationStoreError> {
        let table = &self.tables.registry;
        let identity = request.civil_status().identity_key();
        let key = keys::registration(request.id());
        let mut items = vec![
            absent(table, keys::civil_identity(&identity))?,
            put(
                table,
                serde_dynamo::to_item(OpenRequestClaim {
                    pk: keys::open_request(&identity),
                    sk: keys::CLAIM_SK.to_owned(),
                    request_id: request.id().to_owned(),
                })
                .map_err(corrupt(&key))?,
                Some("attribute_not_exists(PK)"),
            )?,
            put(
                table,
                item_of(request, 1, Milestones::default(), Some(candidate_key))?,
                Some("attribute_not_exists(PK)"),
            )?,
            audit_put(
                table,
                &AuditEntry::new(key.clone(), actor, "registration.create").with_after(request),
            )?,
        ];
        if let Some(sub) = request.applicant_id() {
            items.insert(0, absent(table, keys::franceconnect_subject(sub))?);
        }
        let has_sub = request.applicant_id().is_some();
        match self
            .transact(items, "TransactWriteItems(create registration)")
            .await
        {
            Ok(()) => Ok(StoredRegistration {
                request: request.clone(),
                version: 1,
                milestones: Milestones::default(),
                candidate_key: Some(candidate_key.to_owned()),
            }),
            Err(TransactError::Cancelled(reasons)) => {
                // Our own write, committed by an attempt whose answer was lost (a timeout the
                // SDK retried): the request is there as written.
                if let Some(ours) = self.written_already(request).await? {
                    return Ok(ours);
                }
                // Items in order: [FCSUB check], IDENT check, OPENREQ claim, REQ, audit.
                let offset = usize::from(has_sub);
                let failed = |i: usize| {
                    reasons
                        .get(i)
                        .is_some_and(|r| r == "ConditionalCheckFailed")
                };
                if (has_sub && failed(0)) || failed(offset) {
                    Err(RegistrationStoreError::AlreadyRegistered)
                } else {
                    Err(RegistrationStoreError::AlreadyOpen)
                }
            }
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    /// The request with this id.
    pub async fn registration(&self, id: &str) -> Result<Option<StoredRegistration>, StoreError> {
        let key = keys::registration(id);
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.registry)
            .set_key(Some(pk_sk(key.clone(), keys::REGISTRATION_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(registration)", e))?;
        out.item
            .map(|item| {
                serde_dynamo::from_item::<_, RegistrationItem>(item)
                    .map(RegistrationItem::stored)
                    .map_err(corrupt(&key))
            })
            .transpose()
    }

    /// Records a milestone of a request's timeline, once: the first time wins, a redelivered
    /// event changes nothing. The version moves on, so a write based on an older read fails
    /// rather than dropping the milestone. `false` when the request does not exist.
    pub async fn record_milestone(
        &self,
        request_id: &str,
        milestone: Milestone,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.tables.registry)
            .set_key(Some(pk_sk(
                keys::registration(request_id),
                keys::REGISTRATION_SK,
            )))
            .update_expression("SET #m = if_not_exists(#m, :at), version = version + :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#m", milestone.attribute())
            .expression_attribute_values(":at", AttributeValue::S(rfc3339(at)))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        if let Milestone::NumberUndelivered(reason) = milestone {
            // The first reason stays with the first instant.
            update = update
                .update_expression(
                    "SET #m = if_not_exists(#m, :at), #r = if_not_exists(#r, :reason), version = version + :one",
                )
                .expression_attribute_names("#r", "number_undelivered_reason")
                .expression_attribute_values(":reason", AttributeValue::S(reason.as_str().into()));
        }
        let result = update.send().await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match StoreError::from_sdk("UpdateItem(registration milestone)", e) {
                StoreError::Conflict { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn query_registrations(
        &self,
        index: &str,
        pk_attr: &str,
        pk: String,
        limit: i32,
    ) -> Result<Vec<StoredRegistration>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(registrations)", e))?;
        out.items()
            .iter()
            .map(|item| {
                serde_dynamo::from_item::<_, RegistrationItem>(item.clone())
                    .map(RegistrationItem::stored)
                    .map_err(corrupt(&pk))
            })
            .collect()
    }

    /// Everyone who may be the same person as someone of the identity-match partition `key`
    /// (`rpps_domain::candidate_key`): the open and validated requests, and the partition's lock
    /// version. One `Query` on GSI3 (more pages only past 1 MB: thousands of people born the
    /// same year in the same commune).
    pub async fn identity_candidates(&self, key: &str) -> Result<IdentityCandidates, StoreError> {
        let pk = keys::identity_candidates(key);
        let items = all_items(|start| {
            let pk = pk.clone();
            async move {
                let out = self
                    .client
                    .query()
                    .table_name(&self.tables.registry)
                    .index_name(keys::GSI3)
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", keys::GSI3PK)
                    .expression_attribute_values(":pk", AttributeValue::S(pk))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| StoreError::from_sdk("Query(identity candidates)", e))?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            }
        })
        .await?;
        let mut found = IdentityCandidates {
            key: key.to_owned(),
            ..IdentityCandidates::default()
        };
        for item in items {
            let is_lock = item
                .get(keys::SK)
                .and_then(|sk| sk.as_s().ok())
                .is_some_and(|sk| sk == keys::IDENTITY_LOCK_SK);
            if is_lock {
                let lock: IdentityLockItem = serde_dynamo::from_item(item).map_err(corrupt(&pk))?;
                found.lock_version = Some(lock.version);
            } else {
                found.requests.push(stored_of(item, &pk)?);
            }
        }
        Ok(found)
    }

    /// The requests waiting for the managers of `finess`, oldest first (one `Query` on GSI1).
    pub async fn pending_registrations(
        &self,
        finess: &str,
        limit: i32,
    ) -> Result<Vec<StoredRegistration>, StoreError> {
        self.query_registrations(keys::GSI1, keys::GSI1PK, keys::pending(finess), limit)
            .await
    }

    /// The requests waiting for the managers of `finess` after the queue position `after`
    /// (oldest first), at most `limit`, each with its position (what `after` takes to go on):
    /// one `Query` on GSI1. A bulk validation's page by establishment (issue 19): the requests
    /// it could not validate stay behind the position, those validated leave the queue.
    pub async fn pending_registrations_after(
        &self,
        finess: &str,
        after: Option<&str>,
        limit: i32,
    ) -> Result<Vec<(String, StoredRegistration)>, StoreError> {
        let pk = keys::pending(finess);
        let mut query = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI1)
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
            .limit(limit);
        query = match after {
            Some(after) => query
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#sk", keys::GSI1SK)
                .expression_attribute_values(":after", AttributeValue::S(after.to_owned())),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(pending registrations)", e))?;
        out.items()
            .iter()
            .map(|item| {
                let item: RegistrationItem =
                    serde_dynamo::from_item(item.clone()).map_err(corrupt(&pk))?;
                let position = item.gsi1sk.clone().unwrap_or_default();
                Ok((position, item.stored()))
            })
            .collect()
    }

    /// The drafts that expire before `until` if left unsent, soonest first (one `Query` on GSI1,
    /// more pages past 1 MB): the daily run's notices and expiries (issue 14).
    pub async fn drafts_expiring_before(
        &self,
        until: OffsetDateTime,
    ) -> Result<Vec<StoredRegistration>, StoreError> {
        let until = rfc3339(until);
        let items = all_items(|start| {
            let until = until.clone();
            async move {
                let out = self
                    .client
                    .query()
                    .table_name(&self.tables.registry)
                    .index_name(keys::GSI1)
                    .key_condition_expression("#pk = :pk AND #sk < :until")
                    .expression_attribute_names("#pk", keys::GSI1PK)
                    .expression_attribute_names("#sk", keys::GSI1SK)
                    .expression_attribute_values(
                        ":pk",
                        AttributeValue::S(keys::DRAFT_EXPIRY.into()),
                    )
                    .expression_attribute_values(":until", AttributeValue::S(until))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| StoreError::from_sdk("Query(expiring drafts)", e))?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            }
        })
        .await?;
        items
            .into_iter()
            .map(|item| stored_of(item, keys::DRAFT_EXPIRY))
            .collect()
    }

    /// Records that a draft's expiry was announced, with the event that announces it, once: on
    /// the version read (a draft changed meanwhile has a later expiry: `Changed`).
    pub async fn record_expiry_notice(
        &self,
        read: &StoredRegistration,
        event: &OutboxEvent,
        at: OffsetDateTime,
    ) -> Result<(), RegistrationStoreError> {
        let table = &self.tables.registry;
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(table)
            .set_key(Some(pk_sk(
                keys::registration(read.request.id()),
                keys::REGISTRATION_SK,
            )))
            .update_expression("SET #m = :at, version = version + :one")
            .condition_expression("version = :v AND attribute_not_exists(#m)")
            .expression_attribute_names("#m", Milestone::ExpiryNotice.attribute())
            .expression_attribute_values(":at", AttributeValue::S(rfc3339(at)))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":v", AttributeValue::N(read.version.to_string()))
            .build()
            .map_err(|e| StoreError::corrupt("Update", e))?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            put(table, event_item(event)?, None)?,
        ];
        match self
            .transact(items, "TransactWriteItems(draft expiry notice)")
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(_)) => Err(RegistrationStoreError::Changed),
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    /// A FranceConnect applicant's requests, oldest first (one `Query` on GSI2).
    pub async fn registrations_of_applicant(
        &self,
        sub: &str,
    ) -> Result<Vec<StoredRegistration>, StoreError> {
        self.query_registrations(keys::GSI2, keys::GSI2PK, keys::applicant(sub), 100)
            .await
    }

    /// Writes a changed request (draft edit, submission, rejection, withdrawal, deletion,
    /// expiry) if nobody changed it since `read` — with its audit entry and, when given, an
    /// outbox event, in one transaction. A rejection or a closure also frees the person's
    /// open-request claim, so they may apply again.
    pub async fn save_registration(
        &self,
        read: &StoredRegistration,
        updated: &RegistrationRequest,
        actor: &str,
        action: &str,
        event: Option<&OutboxEvent>,
    ) -> Result<StoredRegistration, RegistrationStoreError> {
        let table = &self.tables.registry;
        let key = keys::registration(updated.id());
        let mut items = vec![
            put_versioned(table, updated, read)?,
            audit_put(
                table,
                &AuditEntry::new(key, actor, action)
                    .with_before(&read.request)
                    .with_after(updated),
            )?,
        ];
        if let Some(event) = event {
            items.push(put(table, event_item(event)?, None)?);
        }
        if matches!(
            updated.status(),
            RegistrationStatus::Rejected { .. } | RegistrationStatus::Closed { .. }
        ) {
            items.push(delete(
                table,
                pk_sk(
                    keys::open_request(&updated.civil_status().identity_key()),
                    keys::CLAIM_SK,
                ),
            )?);
        }
        match self
            .transact(items, "TransactWriteItems(save registration)")
            .await
        {
            Ok(()) => Ok(StoredRegistration {
                request: updated.clone(),
                version: read.version + 1,
                milestones: read.milestones,
                candidate_key: read.candidate_key.clone(),
            }),
            Err(TransactError::Cancelled(_)) => match self.written_already(updated).await? {
                // Our own write, committed by an attempt whose answer was lost.
                Some(ours) => Ok(ours),
                None => Err(RegistrationStoreError::Changed),
            },
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    /// After a transaction was cancelled: the request as stored, if it is exactly `written`
    /// (every field, its change time to the nanosecond). That happens when an attempt committed
    /// but its answer was lost (an attempt timeout), and the SDK's retry then failed on the
    /// conditions the first attempt had already moved on: the write did happen, once.
    async fn written_already(
        &self,
        written: &RegistrationRequest,
    ) -> Result<Option<StoredRegistration>, StoreError> {
        Ok(self
            .registration(written.id())
            .await?
            .filter(|stored| stored.request == *written))
    }

    /// Records a validation (FAQ-R2, R3): the request, the professional with their new RPPS
    /// number, the claims that stop a second number (subject, civil-status identity), the
    /// practice site, the audit entry and the `rpps.allocated` event — one transaction, so
    /// either all of it exists or none. Fails with `Changed` if the request moved meanwhile
    /// (another manager validated first: read it again to get their number), with `Contended`
    /// if another validation of the same identity-match partition happened since `candidates`
    /// were read (look again: it may be the same person).
    pub async fn record_validation(
        &self,
        read: &StoredRegistration,
        validated: &RegistrationRequest,
        validation: &Validation,
        actor: &str,
        candidates: &IdentityCandidates,
    ) -> Result<StoredRegistration, RegistrationStoreError> {
        let table = &self.tables.registry;
        let rpps = validation.rpps.as_str();
        let key = keys::registration(validated.id());
        let identity = validated.civil_status().identity_key();
        let civil = validated.civil_status();
        let record = ProfessionalRecord {
            rpps: validation.rpps.clone(),
            family_name: civil.family_name.as_str().to_owned(),
            given_names: civil.given_names.as_str().to_owned(),
        };
        let claim = |pk: String| -> Result<TransactWriteItem, StoreError> {
            #[derive(Serialize)]
            struct Claim<'a> {
                #[serde(rename = "PK")]
                pk: String,
                #[serde(rename = "SK")]
                sk: &'static str,
                rpps: &'a str,
            }
            put(
                table,
                serde_dynamo::to_item(Claim {
                    pk,
                    sk: keys::CLAIM_SK,
                    rpps,
                })
                .map_err(corrupt(&key))?,
                Some("attribute_not_exists(PK)"),
            )
        };
        let mut items = vec![
            put_versioned(table, validated, read)?,
            put(
                table,
                serde_dynamo::to_item(ProfessionalItem {
                    pk: keys::professional(rpps),
                    sk: keys::PROFESSIONAL_SK,
                    record: &record,
                    request_id: validated.id(),
                    profession: validated.profession().code(),
                    contact: validated.contact(),
                    allocated_at: validation.validated_at,
                })
                .map_err(corrupt(&key))?,
                Some("attribute_not_exists(PK)"),
            )?,
            claim(keys::civil_identity(&identity))?,
            delete(table, pk_sk(keys::open_request(&identity), keys::CLAIM_SK))?,
            audit_put(
                table,
                &AuditEntry::new(key.clone(), actor, "registration.validate")
                    .with_before(&read.request)
                    .with_after(validation),
            )?,
            put(
                table,
                event_item(&new_event(
                    key.clone(),
                    validation.validated_at,
                    Event::RppsAllocated(RppsAllocated {
                        request_id: validation.request_id.clone(),
                        rpps: validation.rpps.to_string(),
                        validated_at: rpps_domain::paris::rfc3339(validation.validated_at),
                    }),
                ))?,
                None,
            )?,
        ];
        if let Some(sub) = validated.applicant_id() {
            items.push(claim(keys::franceconnect_subject(sub))?);
        }
        if !candidates.key.is_empty() {
            items.push(identity_lock(table, candidates)?);
        }
        if let (Some(finess), Some(start)) = (validated.establishment(), validated.start_date()) {
            // The first practice site (FAQ-R4): published by the directory on `rpps.allocated`.
            let site = SiteRecord {
                rpps: validation.rpps.clone(),
                site: PracticeSite::new(finess.clone(), start),
                family_name: record.family_name.clone(),
                given_names: record.given_names.clone(),
                profession: validated.profession().code().to_owned(),
                purged_at: None,
                version: 1,
            };
            items.push(put(
                table,
                site_item(&site)?,
                Some("attribute_not_exists(PK)"),
            )?);
        }
        match self
            .transact(items, "TransactWriteItems(validate registration)")
            .await
        {
            Ok(()) => Ok(StoredRegistration {
                request: validated.clone(),
                version: read.version + 1,
                milestones: read.milestones,
                candidate_key: read.candidate_key.clone(),
            }),
            Err(TransactError::Cancelled(reasons)) => {
                // The request moved (its version check failed): read it again. Another
                // validation of the same partition came first (its lock moved on), or another
                // transaction touched the same items at the same moment (DynamoDB's
                // `TransactionConflict`): look again. Only a failed claim means the person
                // already holds a number.
                let failed = |i: usize| {
                    reasons
                        .get(i)
                        .is_some_and(|r| r == "ConditionalCheckFailed")
                };
                let lock_moved = !candidates.key.is_empty()
                    && failed(6 + usize::from(validated.applicant_id().is_some()));
                if failed(0) {
                    Err(RegistrationStoreError::Changed)
                } else if lock_moved || reasons.iter().any(|r| r == "TransactionConflict") {
                    Err(RegistrationStoreError::Contended)
                } else {
                    Err(RegistrationStoreError::AlreadyRegistered)
                }
            }
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }
}

/// The operator's reads and repairs over every request (`rpps-admin`): scans, never on a request
/// path.
impl Store {
    /// Every registration request of the table: a parallel `Scan` in `segments` segments (the
    /// operator's duplicate search, FAQ-R3; the index backfill). Reads the whole table.
    pub async fn scan_registrations(
        &self,
        segments: i32,
    ) -> Result<Vec<StoredRegistration>, StoreError> {
        let segments = segments.max(1);
        let mut tasks = Vec::new();
        for segment in 0..segments {
            let store = self.clone();
            tasks.push(tokio::spawn(async move {
                store.scan_registration_segment(segment, segments).await
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            let found = task
                .await
                .map_err(|e| StoreError::corrupt("Scan(registrations)", e))??;
            all.extend(found);
        }
        Ok(all)
    }

    async fn scan_registration_segment(
        &self,
        segment: i32,
        segments: i32,
    ) -> Result<Vec<StoredRegistration>, StoreError> {
        let items = all_items(|start| async move {
            let out = self
                .client
                .scan()
                .table_name(&self.tables.registry)
                .segment(segment)
                .total_segments(segments)
                .filter_expression("begins_with(#pk, :req) AND #sk = :sk")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_names("#sk", keys::SK)
                .expression_attribute_values(":req", AttributeValue::S("REQ#".into()))
                .expression_attribute_values(":sk", AttributeValue::S(keys::REGISTRATION_SK.into()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Scan(registrations)", e))?;
            Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
        })
        .await?;
        items
            .into_iter()
            .map(|item| stored_of(item, "REQ#"))
            .collect()
    }

    /// Puts a request in its identity-match partition (`rpps-admin index-identities`, for the
    /// requests stored before the index existed), on the version that was read; `false` when the
    /// request moved meanwhile (nothing written: read again).
    pub async fn set_candidate_key(
        &self,
        read: &StoredRegistration,
        candidate_key: &str,
    ) -> Result<bool, StoreError> {
        let keyed = StoredRegistration {
            candidate_key: Some(candidate_key.to_owned()),
            ..read.clone()
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.registry)
            .set_item(Some(item_of(
                &keyed.request,
                read.version + 1,
                read.milestones,
                Some(candidate_key),
            )?))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(read.version.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match StoreError::from_sdk("PutItem(candidate key)", e) {
                StoreError::Conflict { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    /// Writes stored requests as they are, 25 a call (`BatchWriteItem`): for benchmarks that
    /// need a large register, never for the functions (no claims, no audit).
    pub async fn import_registrations(
        &self,
        requests: &[StoredRegistration],
    ) -> Result<(), StoreError> {
        let items = requests
            .iter()
            .map(|stored| {
                item_of(
                    &stored.request,
                    stored.version,
                    stored.milestones,
                    stored.candidate_key.as_deref(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_put(items).await
    }
}
