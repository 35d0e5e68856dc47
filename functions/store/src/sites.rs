//! Practice sites (*lieux d'exercice*, FAQ-R4, R6) and the professional's file.
//!
//! `PRO#<rpps>` / `SITE#<finess>#<start>` holds one site: the domain's `PracticeSite`
//! (establishment, start, departure), the names (for the managers' staff list), a `version`
//! checked by every write, and `purged_at` once the purge removed it from the directory.
//! GSI1 `STAFF#<finess>` / `<rpps>#<start>` lists an establishment's staff; while a departure is
//! pending, GSI3 `DEPARTURE` / `<departure date>#<rpps>#<finess>` lists it for the purge (a
//! sparse index: the purge reads only the sites it removes, never the whole table).
//!
//! The professional's profile (`PRO#<rpps>` / `PROFILE`) and their sites share a partition, so
//! [`Store::professional_file`] is one `Query`.

use rpps_contract::events::{self, ContactChanged, Event, PracticeSiteChanged, PurgeCompleted};
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use rpps_domain::{Contact, Finess, PracticeSite, RppsNumber};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::managers::TransactError;
use crate::outbox::{event_item, new_event};
use crate::professionals::ProfessionalRecord;
use crate::{AuditEntry, Store, StoreError, keys};

/// GSI3 partition of the pending departures.
pub(crate) const DEPARTURES: &str = "DEPARTURE";
/// At most this many sites per purge transaction (two items each, plus the summary event).
const PURGE_CHUNK: usize = 40;

/// A practice site as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRecord {
    pub rpps: RppsNumber,
    #[serde(flatten)]
    pub site: PracticeSite,
    pub family_name: String,
    pub given_names: String,
    /// The profession's code (`aide_a_domicile_qualifiee`).
    #[serde(default)]
    pub profession: String,
    /// When the purge removed the site from the directory (its departure date had passed).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub purged_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub version: u64,
}

impl SiteRecord {
    /// Shown in the directory: not yet removed by the purge.
    pub fn is_published(&self) -> bool {
        self.purged_at.is_none()
    }
}

#[derive(Serialize, Deserialize)]
struct SiteItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    gsi3sk: Option<String>,
    #[serde(flatten)]
    record: SiteRecord,
}

/// The professional's profile: who they are (public names), how to reach them (private), and
/// where their number came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfessionalProfile {
    #[serde(flatten)]
    pub record: ProfessionalRecord,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub profession: Option<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub allocated_at: Option<OffsetDateTime>,
}

/// A professional and all their practice sites, read together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfessionalFile {
    pub profile: ProfessionalProfile,
    pub sites: Vec<SiteRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteStoreError {
    /// Someone changed the site since it was read (or the purge removed it): read it again.
    #[error("the practice site changed since it was read")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one purge run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Items the purge read from the departures index (≈ what it removes, not the table size).
    pub read: usize,
    /// Sites removed from the directory in this run.
    pub purged: Vec<PurgedSite>,
    /// Sites another run (or a concurrent change) had already handled.
    pub skipped: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgedSite {
    pub rpps: RppsNumber,
    pub finess: Finess,
    pub family_name: String,
    pub given_names: String,
    #[serde(with = "iso_date")]
    pub departure: Date,
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

fn site_sk(site: &PracticeSite) -> String {
    keys::practice_site_sk(site.establishment().as_str(), &site.start().to_string())
}

/// The item of a site at `version`, with the departures index while a departure is pending.
pub(crate) fn site_item(
    record: &SiteRecord,
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let rpps = record.rpps.as_str();
    let finess = record.site.establishment().as_str();
    let pending = match (record.site.end(), record.purged_at) {
        (Some(end), None) => Some((DEPARTURES.to_owned(), format!("{end}#{rpps}#{finess}"))),
        _ => None,
    };
    serde_dynamo::to_item(SiteItem {
        pk: keys::professional(rpps),
        sk: site_sk(&record.site),
        gsi1pk: keys::staff(finess),
        gsi1sk: format!("{rpps}#{}", record.site.start()),
        gsi3pk: pending.as_ref().map(|p| p.0.clone()),
        gsi3sk: pending.map(|p| p.1),
        record: record.clone(),
    })
    .map_err(|e| StoreError::corrupt(keys::professional(rpps), e))
}

fn put_versioned(
    table: &str,
    record: &SiteRecord,
    read_version: u64,
) -> Result<TransactWriteItem, StoreError> {
    let mut next = record.clone();
    next.version = read_version + 1;
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(site_item(&next)?))
        .condition_expression("version = :v")
        .expression_attribute_values(":v", AttributeValue::N(read_version.to_string()))
        .build()
        .map_err(|e| StoreError::corrupt("Put", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn plain_put(
    table: &str,
    item: HashMap<String, AttributeValue>,
) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .map_err(|e| StoreError::corrupt("Put", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn sites_of_items(
    items: &[HashMap<String, AttributeValue>],
    key: &str,
) -> Result<Vec<SiteRecord>, StoreError> {
    items
        .iter()
        .map(|item| {
            serde_dynamo::from_item::<_, SiteItem>(item.clone())
                .map(|i| i.record)
                .map_err(|e| StoreError::corrupt(key, e))
        })
        .collect()
}

impl Store {
    /// The professional's profile and every practice site (one consistent `Query`); `None` for
    /// an unknown number.
    pub async fn professional_file(
        &self,
        rpps: &RppsNumber,
    ) -> Result<Option<ProfessionalFile>, StoreError> {
        let pk = keys::professional(rpps.as_str());
        let mut profile = None;
        let mut sites = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(professional file)", e))?;
            for item in out.items() {
                match item
                    .get(keys::SK)
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                {
                    Some(keys::PROFESSIONAL_SK) => {
                        profile = Some(
                            serde_dynamo::from_item::<_, ProfessionalProfile>(item.clone())
                                .map_err(|e| StoreError::corrupt(&pk, e))?,
                        );
                    }
                    Some(sk) if sk.starts_with("SITE#") => {
                        sites.extend(sites_of_items(std::slice::from_ref(item), &pk)?);
                    }
                    _ => {}
                }
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(profile.map(|profile| ProfessionalFile { profile, sites }))
    }

    /// The staff of an establishment: every site there, ended ones included (one `Query` on
    /// GSI1 per page of 1 MB), by RPPS number.
    pub async fn staff_of(&self, finess: &Finess) -> Result<Vec<SiteRecord>, StoreError> {
        let pk = keys::staff(finess.as_str());
        let mut sites = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .index_name(keys::GSI1)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", keys::GSI1PK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(staff of an establishment)", e))?;
            sites.extend(sites_of_items(out.items(), &pk)?);
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(sites)
    }

    /// Writes a changed site (departure recorded, moved or cancelled, FAQ-R6) if nobody changed
    /// it since `read`, with its audit entry and the `practice_site.changed` event (the
    /// directory follows), in one transaction.
    pub async fn save_site(
        &self,
        read: &SiteRecord,
        updated: &PracticeSite,
        actor: &str,
        action: &str,
        at: OffsetDateTime,
    ) -> Result<SiteRecord, SiteStoreError> {
        let table = &self.tables.registry;
        let mut next = read.clone();
        next.site = updated.clone();
        let subject = format!(
            "{}#{}",
            keys::professional(read.rpps.as_str()),
            site_sk(&read.site)
        );
        let event = new_event(
            subject.clone(),
            at,
            Event::PracticeSiteChanged(PracticeSiteChanged {
                rpps: read.rpps.to_string(),
                finess: read.site.establishment().to_string(),
            }),
        );
        let items = vec![
            put_versioned(table, &next, read.version)?,
            plain_put(
                table,
                AuditEntry::new(subject, actor, action)
                    .with_before(&read.site)
                    .with_after(updated)
                    .to_item()?,
            )?,
            plain_put(table, event_item(&event)?)?,
        ];
        match self
            .transact(items, "TransactWriteItems(save practice site)")
            .await
        {
            Ok(()) => {
                next.version = read.version + 1;
                Ok(next)
            }
            Err(TransactError::Cancelled(_)) => Err(SiteStoreError::Changed),
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }

    /// The sites whose departure date is before `today` and that are still published: one
    /// `Query` on the sparse departures index per page (FAQ-R6).
    pub async fn sites_due_for_purge(&self, today: Date) -> Result<Vec<SiteRecord>, StoreError> {
        let mut sites = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .index_name(keys::GSI3)
                .key_condition_expression("#pk = :pk AND #sk < :today")
                .expression_attribute_names("#pk", keys::GSI3PK)
                .expression_attribute_names("#sk", keys::GSI3SK)
                .expression_attribute_values(":pk", AttributeValue::S(DEPARTURES.into()))
                .expression_attribute_values(":today", AttributeValue::S(today.to_string()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(departures due)", e))?;
            sites.extend(sites_of_items(out.items(), DEPARTURES)?);
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(sites)
    }

    /// Removes from the directory every site whose departure date has passed (FAQ-R6): per
    /// establishment, in transactions of at most [`PURGE_CHUNK`] sites, each site marked purged
    /// (out of the departures index) with its audit entry, plus one `purge.completed` event per
    /// transaction (the mailer tells the managers, the directory follows). Idempotent: a site
    /// already purged is no longer read; one changed meanwhile is skipped and left for the next
    /// run.
    pub async fn purge_departed(
        &self,
        today: Date,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<PurgeReport, StoreError> {
        let due = self.sites_due_for_purge(today).await?;
        let mut report = PurgeReport {
            read: due.len(),
            ..PurgeReport::default()
        };
        let mut by_establishment: std::collections::BTreeMap<String, Vec<SiteRecord>> =
            Default::default();
        for site in due
            .into_iter()
            .filter(|s| s.site.is_due_for_purge(today) && s.is_published())
        {
            by_establishment
                .entry(site.site.establishment().as_str().to_owned())
                .or_default()
                .push(site);
        }
        for (finess, sites) in by_establishment {
            for chunk in sites.chunks(PURGE_CHUNK) {
                match self.purge_chunk(&finess, chunk, actor, now).await {
                    Ok(purged) => report.purged.extend(purged),
                    Err(TransactError::Cancelled(_)) => {
                        // Someone changed one of them: one by one, so the others still go.
                        for site in chunk {
                            match self
                                .purge_chunk(&finess, std::slice::from_ref(site), actor, now)
                                .await
                            {
                                Ok(purged) => report.purged.extend(purged),
                                Err(TransactError::Cancelled(_)) => report.skipped += 1,
                                Err(TransactError::Store(e)) => return Err(e),
                            }
                        }
                    }
                    Err(TransactError::Store(e)) => return Err(e),
                }
            }
        }
        Ok(report)
    }

    async fn purge_chunk(
        &self,
        finess: &str,
        sites: &[SiteRecord],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<PurgedSite>, TransactError> {
        let table = &self.tables.registry;
        let mut items = Vec::with_capacity(sites.len() * 2 + 1);
        let mut purged = Vec::with_capacity(sites.len());
        for site in sites {
            let mut next = site.clone();
            next.purged_at = Some(now);
            let subject = format!(
                "{}#{}",
                keys::professional(site.rpps.as_str()),
                site_sk(&site.site)
            );
            items.push(put_versioned(table, &next, site.version).map_err(TransactError::Store)?);
            items.push(
                plain_put(
                    table,
                    AuditEntry::new(subject, actor, "practice_site.purge")
                        .with_before(&site.site)
                        .to_item()
                        .map_err(TransactError::Store)?,
                )
                .map_err(TransactError::Store)?,
            );
            if let Some(departure) = site.site.end() {
                purged.push(PurgedSite {
                    rpps: site.rpps.clone(),
                    finess: site.site.establishment().clone(),
                    family_name: site.family_name.clone(),
                    given_names: site.given_names.clone(),
                    departure,
                });
            }
        }
        let event = new_event(
            keys::establishment(finess),
            now,
            Event::PurgeCompleted(PurgeCompleted {
                finess: finess.to_owned(),
                ran_at: rpps_domain::paris::rfc3339(now),
                purged: purged
                    .iter()
                    .map(|p| events::PurgedSite {
                        rpps: p.rpps.to_string(),
                        finess: p.finess.to_string(),
                        family_name: p.family_name.clone(),
                        given_names: p.given_names.clone(),
                        departure: p.departure.to_string(),
                    })
                    .collect(),
            }),
        );
        items.push(
            plain_put(table, event_item(&event).map_err(TransactError::Store)?)
                .map_err(TransactError::Store)?,
        );
        self.transact(items, "TransactWriteItems(purge departed sites)")
            .await?;
        Ok(purged)
    }
}

impl Store {
    /// Replaces a professional's contact data (FAQ-R13, R14) — with its audit entry (before and
    /// after) and the `professional.contact_changed` event (the mailer confirms it to the
    /// professional) in one transaction. Fails with `Changed` if the contact data moved since
    /// `before` was read (two people editing at once: the second reads again).
    pub async fn update_contact(
        &self,
        rpps: &RppsNumber,
        before: Option<&Contact>,
        after: &Contact,
        actor: &str,
        action: &str,
        at: OffsetDateTime,
    ) -> Result<(), SiteStoreError> {
        let table = &self.tables.registry;
        let pk = keys::professional(rpps.as_str());
        let corrupt = |e: serde_dynamo::Error| StoreError::corrupt(&pk, e);
        let mut update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(table)
            .key(keys::PK, AttributeValue::S(pk.clone()))
            .key(keys::SK, AttributeValue::S(keys::PROFESSIONAL_SK.into()))
            .update_expression("SET #contact = :after")
            .expression_attribute_names("#contact", "contact")
            .expression_attribute_values(
                ":after",
                serde_dynamo::to_attribute_value(after).map_err(corrupt)?,
            );
        update = match before {
            Some(before) => update
                .condition_expression("#contact = :before")
                .expression_attribute_values(
                    ":before",
                    serde_dynamo::to_attribute_value(before).map_err(corrupt)?,
                ),
            None => update.condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(#contact) OR attribute_type(#contact, :null))",
            )
            .expression_attribute_values(":null", AttributeValue::S("NULL".into())),
        };
        let event = new_event(
            pk.clone(),
            at,
            Event::ContactChanged(ContactChanged {
                rpps: rpps.to_string(),
                previous_email: before.map(|c| c.email.as_str().to_owned()),
                changed_by: action.to_owned(),
            }),
        );
        let items = vec![
            TransactWriteItem::builder()
                .update(
                    update
                        .build()
                        .map_err(|e| StoreError::corrupt("Update", e))?,
                )
                .build(),
            plain_put(
                table,
                AuditEntry::new(pk.clone(), actor, action)
                    .with_before(&before)
                    .with_after(after)
                    .to_item()?,
            )?,
            plain_put(table, event_item(&event)?)?,
        ];
        match self
            .transact(items, "TransactWriteItems(update contact)")
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(_)) => Err(SiteStoreError::Changed),
            Err(TransactError::Store(e)) => Err(e.into()),
        }
    }
}

impl Store {
    /// Writes practice sites as they are (25 per `BatchWriteItem`, unprocessed items retried):
    /// for importing the staff an establishment already had, and for benchmarks. No audit entry
    /// per site and no event: the caller audits the import as a whole.
    pub async fn import_practice_sites(&self, sites: &[SiteRecord]) -> Result<(), StoreError> {
        let items = sites.iter().map(site_item).collect::<Result<Vec<_>, _>>()?;
        self.batch_put(items).await
    }
}
