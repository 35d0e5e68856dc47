//! Establishments (FINESS): written by the importer, searched by FINESS prefix (GSI1) and by the
//! words of their name and town (GSI2, one small item per word).

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use rpps_domain::Finess;
use rpps_domain::text::fold;
use serde::{Deserialize, Serialize};

use crate::listing::{VERSIONS_KEPT, instant_key};
use crate::{Store, StoreError, keys};
use time::{Duration, OffsetDateTime};

/// An establishment as the FINESS extraction describes it (the fields the portal uses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Establishment {
    pub finess: Finess,
    pub legal_entity_finess: Option<Finess>,
    /// Short name (`rs`), e.g. "CH DE FLEYRIAT".
    pub name: String,
    /// Long name (`rslongue`), or the short name when the file has none.
    pub long_name: String,
    pub siret: Option<String>,
    pub category_code: String,
    pub category_label: String,
    /// Street address on one line, e.g. "900 RTE DE PARIS".
    pub address: String,
    pub postal_code: String,
    pub town: String,
    /// INSEE code of the site's commune (département + commune number).
    pub commune_insee: String,
    pub phone: Option<String>,
    /// Date of the last update in the FINESS file (ISO).
    pub updated_on: Option<String>,
}

/// What a search returns for one establishment: enough to choose it in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstablishmentSummary {
    pub finess: String,
    pub name: String,
    pub long_name: String,
    pub postal_code: String,
    pub town: String,
    pub category_label: String,
}

impl From<&Establishment> for EstablishmentSummary {
    fn from(e: &Establishment) -> Self {
        Self {
            finess: e.finess.to_string(),
            name: e.name.clone(),
            long_name: e.long_name.clone(),
            postal_code: e.postal_code.clone(),
            town: e.town.clone(),
            category_label: e.category_label.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Unchanged, written again to join the indexes added since (`changed_at`, postal code).
    pub indexed: usize,
}

/// Little words that carry no meaning in a name search.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "sur", "sous",
];

/// The folded words of a text worth indexing or searching (two characters or more, no stop word).
pub fn search_words(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    fold(text)
        .split(' ')
        .filter(|w| w.chars().count() >= 2 && !STOP_WORDS.contains(w))
        .filter(|w| seen.insert(w.to_string()))
        .map(str::to_owned)
        .collect()
}

impl Establishment {
    /// Everything a person may type to find it: both names and the town.
    fn searchable_text(&self) -> String {
        format!("{} {} {}", self.name, self.long_name, self.town)
    }

    fn words(&self) -> BTreeSet<String> {
        search_words(&self.searchable_text()).into_iter().collect()
    }
}

#[derive(Serialize, Deserialize)]
struct EstablishmentItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    /// GSI2: by postal code (`crate::organizations`); absent on items written before it.
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    gsi2sk: Option<String>,
    /// GSI3: by the instant of the last change (`crate::organizations`).
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    gsi3sk: Option<String>,
    /// When an import last changed it ([`crate::listing::instant_key`]); absent on items
    /// written before it was kept (the next import rewrites them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    changed_at: Option<String>,
    #[serde(flatten)]
    establishment: Establishment,
}

/// A past version of an establishment, kept 25 hours at its position in GSI3 (`ESTUPD`) for
/// the listings' snapshot reads (`crate::organizations`).
#[derive(Serialize, Deserialize)]
struct EstablishmentVersionItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI3PK")]
    gsi3pk: String,
    #[serde(rename = "GSI3SK")]
    gsi3sk: String,
    changed_at: String,
    superseded_at: String,
    expires_at: i64,
    #[serde(flatten)]
    establishment: Establishment,
}

/// An establishment as stored, with the instant an import last changed it (`None` on items
/// written before that was kept): what `Organization` serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEstablishment {
    pub establishment: Establishment,
    pub changed_at: Option<OffsetDateTime>,
}

/// An establishment item (current or past version) read from the registry.
pub(crate) fn stored_establishment(
    item: HashMap<String, AttributeValue>,
) -> Result<StoredEstablishment, StoreError> {
    /// What an item and a past version both hold.
    #[derive(Deserialize)]
    struct Read {
        #[serde(rename = "PK")]
        pk: String,
        #[serde(default)]
        changed_at: Option<String>,
        #[serde(flatten)]
        establishment: Establishment,
    }
    let parsed: Read = serde_dynamo::from_item(item).map_err(|e| StoreError::corrupt("EST#", e))?;
    let changed_at = match parsed.changed_at.as_deref() {
        Some(at) => Some(
            crate::listing::parse_instant_key(at)
                .ok_or_else(|| StoreError::corrupt(&parsed.pk, "changed_at is not an instant"))?,
        ),
        None => None,
    };
    Ok(StoredEstablishment {
        establishment: parsed.establishment,
        changed_at,
    })
}

/// One word of an establishment's name, pointing back to it with what a result list shows.
#[derive(Serialize, Deserialize)]
struct WordItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    #[serde(rename = "GSI2PK")]
    gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    gsi2sk: String,
    /// All the folded words, to check the other words of a query without another read.
    words: String,
    #[serde(flatten)]
    summary: EstablishmentSummary,
}

fn key(pk: String, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

/// DynamoDB's limits: 25 writes per `BatchWriteItem`, 100 keys per `BatchGetItem`.
const WRITE_BATCH: usize = 25;
const READ_BATCH: usize = 100;
/// Establishments stamped per write call in an import (their items: one `BatchWriteItem`).
const STAMPED_PER_WRITE: usize = 12;
/// Items read at most per name search, whatever the query (bounded cost).
const NAME_SEARCH_READ_LIMIT: i32 = 300;

impl Store {
    /// Writes establishments, idempotently: unchanged ones are skipped, changed ones rewritten
    /// and the words they no longer carry removed from the name index.
    pub async fn import_establishments(
        &self,
        establishments: &[Establishment],
    ) -> Result<ImportReport, StoreError> {
        self.import_establishments_with(establishments, OffsetDateTime::now_utc)
            .await
    }

    /// [`Self::import_establishments`] as if it ran at the instant `at` (tests).
    pub async fn import_establishments_at(
        &self,
        establishments: &[Establishment],
        at: OffsetDateTime,
    ) -> Result<ImportReport, StoreError> {
        self.import_establishments_with(establishments, || at).await
    }

    /// What an import changes is stamped `changed_at` (after the version it replaces, which is
    /// kept 25 hours for the listings' snapshot reads), 12 establishments at a time with the
    /// instant `now` gives just before their write: a stamp precedes its write by one
    /// `BatchWriteItem` and its retries (≈ 8 s at worst), within a listing's 10 s snapshot
    /// margin. An unchanged item written before `changed_at` was
    /// kept is rewritten with it (`indexed`), so the next import puts every establishment in
    /// the indexes.
    async fn import_establishments_with(
        &self,
        establishments: &[Establishment],
        now: impl Fn() -> OffsetDateTime,
    ) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport::default();
        for chunk in establishments.chunks(READ_BATCH) {
            let existing = self
                .get_establishments(chunk.iter().map(|e| &e.finess))
                .await?;
            let mut changed = Vec::new();
            for est in chunk {
                let old = existing.get(est.finess.as_str());
                match old {
                    Some(old) if &old.establishment == est && old.changed_at.is_some() => {
                        report.unchanged += 1;
                        continue;
                    }
                    Some(old) if &old.establishment == est => report.indexed += 1,
                    Some(_) => report.updated += 1,
                    None => report.created += 1,
                }
                changed.push((est, old));
            }
            // The items, stamped just before their write (a listing's snapshot is taken
            // `SNAPSHOT_MARGIN` before it starts: a stamp must not precede its write by more),
            // each kept version written before the item that replaces it (the establishment is
            // then at its old position twice, once to a listing: never at none).
            for group in changed.chunks(STAMPED_PER_WRITE) {
                let now = now();
                let mut items = Vec::new();
                let mut kept = Vec::new();
                for (est, old) in group {
                    let (item, version) = item_writes(est, *old, now)?;
                    items.push(item);
                    kept.extend(version);
                }
                if !kept.is_empty() {
                    self.batch_write(kept).await?;
                }
                self.batch_write(items).await?;
            }
            // Then the name words (an establishment only re-indexed keeps its own).
            let mut words = Vec::new();
            for (est, old) in &changed {
                if old.is_none_or(|o| &o.establishment != *est) {
                    words.extend(word_writes(est, *old)?);
                }
            }
            for batch in words.chunks(WRITE_BATCH) {
                self.batch_write(batch.to_vec()).await?;
            }
        }
        Ok(report)
    }

    /// Puts `items` in the registry, 25 a `BatchWriteItem`, the unprocessed ones again (bulk
    /// imports: no condition, no transaction).
    pub(crate) async fn batch_put(
        &self,
        items: Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
    ) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::PutRequest;
        let writes = items
            .into_iter()
            .map(|item| {
                Ok(WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(item))
                            .build()
                            .map_err(|e| StoreError::corrupt("PutRequest", e))?,
                    )
                    .build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for batch in writes.chunks(WRITE_BATCH) {
            self.batch_write(batch.to_vec()).await?;
        }
        Ok(())
    }

    /// One `BatchWriteItem` of 25 requests at most, its unprocessed items retried 8 times.
    pub(crate) async fn batch_write(
        &self,
        mut requests: Vec<WriteRequest>,
    ) -> Result<(), StoreError> {
        let mut attempt = 0u32;
        while !requests.is_empty() {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.tables.registry, requests)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchWriteItem", e))?;
            requests = out
                .unprocessed_items
                .and_then(|mut m| m.remove(&self.tables.registry))
                .unwrap_or_default();
            if !requests.is_empty() {
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Unavailable {
                        operation: "BatchWriteItem",
                        message: format!(
                            "{} writes still unprocessed after retries",
                            requests.len()
                        ),
                        source: "throttled".into(),
                    });
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(5))).await;
            }
        }
        Ok(())
    }

    /// Establishments by FINESS number, with the instant each last changed: `BatchGetItem`s of
    /// 100 keys (the absent ones are not in the result).
    pub async fn get_establishments<'a>(
        &self,
        finess: impl Iterator<Item = &'a Finess>,
    ) -> Result<HashMap<String, StoredEstablishment>, StoreError> {
        // Each key once (DynamoDB refuses a batch naming one twice).
        let mut seen = BTreeSet::new();
        let mut wanted: Vec<_> = finess
            .filter(|f| seen.insert(f.as_str().to_owned()))
            .map(|f| key(keys::establishment(f.as_str()), keys::ESTABLISHMENT_SK))
            .collect();
        let mut found = HashMap::new();
        // DynamoDB takes 100 keys a `BatchGetItem` at most.
        let mut pending: Vec<_> = Vec::new();
        let mut attempt = 0u32;
        while !wanted.is_empty() || !pending.is_empty() {
            let room = READ_BATCH.saturating_sub(pending.len());
            let take = room.min(wanted.len());
            pending.extend(wanted.drain(..take));
            let out = self
                .client
                .batch_get_item()
                .request_items(
                    &self.tables.registry,
                    KeysAndAttributes::builder()
                        .set_keys(Some(std::mem::take(&mut pending)))
                        .build()
                        .map_err(|e| StoreError::corrupt("BatchGetItem", e))?,
                )
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchGetItem(establishments)", e))?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(&self.tables.registry))
                .unwrap_or_default()
            {
                let stored = stored_establishment(item)?;
                found.insert(stored.establishment.finess.to_string(), stored);
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut m| m.remove(&self.tables.registry))
                .map(|k| k.keys)
                .unwrap_or_default();
            if !pending.is_empty() {
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Unavailable {
                        operation: "BatchGetItem(establishments)",
                        message: format!("{} keys still unprocessed after retries", pending.len()),
                        source: "throttled".into(),
                    });
                }
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(5))).await;
            }
        }
        Ok(found)
    }

    /// One establishment by its FINESS number.
    pub async fn establishment(
        &self,
        finess: &Finess,
    ) -> Result<Option<Establishment>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.registry)
            .set_key(Some(key(
                keys::establishment(finess.as_str()),
                keys::ESTABLISHMENT_SK,
            )))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(establishment)", e))?;
        out.item
            .map(|item| {
                serde_dynamo::from_item::<_, EstablishmentItem>(item)
                    .map(|i| i.establishment)
                    .map_err(|e| StoreError::corrupt(keys::establishment(finess.as_str()), e))
            })
            .transpose()
    }

    /// Establishments whose FINESS starts with `prefix` (at least the two département
    /// characters), in FINESS order: one `Query` on GSI1.
    pub async fn establishments_by_finess_prefix(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<EstablishmentSummary>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI1)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_names("#sk", keys::GSI1SK)
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(keys::establishment_finess_bucket(prefix)),
            )
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(establishments by FINESS)", e))?;
        out.items()
            .iter()
            .map(|item| {
                serde_dynamo::from_item::<_, EstablishmentItem>(item.clone())
                    .map(|i| EstablishmentSummary::from(&i.establishment))
                    .map_err(|e| StoreError::corrupt("ESTFIN#", e))
            })
            .collect()
    }

    /// Establishments whose name or town has words starting with each word of `query`
    /// (folded: case, accents and punctuation ignored). One `Query` on GSI2 for the longest
    /// word, the other words checked on the items read; at most a bounded number of items read.
    pub async fn establishments_by_name(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<EstablishmentSummary>, StoreError> {
        let mut words = search_words(query);
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let Some(driver) = words.first().cloned() else {
            return Ok(Vec::new());
        };
        let others = &words[1..];
        let mut results: Vec<EstablishmentSummary> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut start = None;
        let mut read = 0;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .index_name(keys::GSI2)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", keys::GSI2PK)
                .expression_attribute_names("#sk", keys::GSI2SK)
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(keys::establishment_token_bucket(&driver)),
                )
                .expression_attribute_values(":prefix", AttributeValue::S(driver.clone()))
                .limit(NAME_SEARCH_READ_LIMIT - read)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(establishments by name)", e))?;
            read += out.count();
            for item in out.items() {
                let word: WordItem = serde_dynamo::from_item(item.clone())
                    .map_err(|e| StoreError::corrupt("ESTTOK#", e))?;
                let item_words: Vec<&str> = word.words.split(' ').collect();
                let all_match = others
                    .iter()
                    .all(|o| item_words.iter().any(|w| w.starts_with(o.as_str())));
                if all_match && seen.insert(word.summary.finess.clone()) {
                    results.push(word.summary);
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() || read >= NAME_SEARCH_READ_LIMIT {
                break;
            }
        }
        // Names that start with what was typed first, then alphabetical.
        let folded_query = fold(query);
        results.sort_by_cached_key(|s| (!fold(&s.name).starts_with(&folded_query), fold(&s.name)));
        results.truncate(limit);
        Ok(results)
    }
}

/// The writes that bring the stored establishment from `old` to `new` at `now`.
/// The establishment's item stamped `now` (strictly after the version it replaces), and the
/// version it replaces, kept.
fn item_writes(
    new: &Establishment,
    old: Option<&StoredEstablishment>,
    now: OffsetDateTime,
) -> Result<(WriteRequest, Option<WriteRequest>), StoreError> {
    let finess = new.finess.as_str();
    let pk = keys::establishment(finess);
    let previous_change = old.and_then(|o| o.changed_at);
    // Strictly after the version it replaces, whatever the clocks (text order is time order).
    let changed_at = match previous_change {
        Some(previous) if previous >= now => previous + Duration::microseconds(1),
        _ => now,
    };
    let changed_key = instant_key(changed_at);
    let item = EstablishmentItem {
        pk: pk.clone(),
        sk: keys::ESTABLISHMENT_SK.to_owned(),
        gsi1pk: keys::establishment_finess_bucket(finess),
        gsi1sk: finess.to_owned(),
        gsi2pk: keys::establishment_postal_bucket(&new.postal_code),
        gsi2sk: keys::establishment_postal_bucket(&new.postal_code)
            .map(|_| keys::establishment_postal_sort(&new.postal_code, finess)),
        gsi3pk: Some(keys::ESTABLISHMENT_UPDATES.to_owned()),
        gsi3sk: Some(keys::establishment_update_sort(&changed_key, finess)),
        changed_at: Some(changed_key.clone()),
        establishment: new.clone(),
    };
    let item = put(serde_dynamo::to_item(item).map_err(|e| StoreError::corrupt(&pk, e))?)?;
    // The version replaced stays readable where a listing started before may look for it.
    let mut kept = None;
    if let (Some(old), Some(previous)) = (old, previous_change) {
        let previous_key = instant_key(previous);
        let version = EstablishmentVersionItem {
            pk: pk.clone(),
            sk: keys::establishment_version_sk(&previous_key),
            gsi3pk: keys::ESTABLISHMENT_UPDATES.to_owned(),
            gsi3sk: keys::establishment_update_sort(&previous_key, finess),
            changed_at: previous_key,
            superseded_at: changed_key,
            expires_at: (changed_at + VERSIONS_KEPT).unix_timestamp(),
            establishment: old.establishment.clone(),
        };
        kept = Some(put(
            serde_dynamo::to_item(version).map_err(|e| StoreError::corrupt(&pk, e))?
        )?);
    }
    Ok((item, kept))
}

/// The word items that bring the name index from `old` to `new`.
fn word_writes(
    new: &Establishment,
    old: Option<&StoredEstablishment>,
) -> Result<Vec<WriteRequest>, StoreError> {
    let finess = new.finess.as_str();
    let pk = keys::establishment(finess);
    let mut writes = Vec::new();
    let words = new.words();
    let all_words = words.iter().cloned().collect::<Vec<_>>().join(" ");
    let summary = EstablishmentSummary::from(new);
    for word in &words {
        let item = WordItem {
            pk: pk.clone(),
            sk: keys::establishment_token_sk(word),
            gsi2pk: keys::establishment_token_bucket(word),
            gsi2sk: format!("{word}#{finess}"),
            words: all_words.clone(),
            summary: summary.clone(),
        };
        writes.push(put(
            serde_dynamo::to_item(item).map_err(|e| StoreError::corrupt(&pk, e))?
        )?);
    }
    if let Some(old) = old {
        for stale in old.establishment.words().difference(&words) {
            writes.push(
                WriteRequest::builder()
                    .delete_request(
                        DeleteRequest::builder()
                            .set_key(Some(key(pk.clone(), &keys::establishment_token_sk(stale))))
                            .build()
                            .map_err(|e| StoreError::corrupt(&pk, e))?,
                    )
                    .build(),
            );
        }
    }
    Ok(writes)
}

fn put(item: HashMap<String, AttributeValue>) -> Result<WriteRequest, StoreError> {
    Ok(WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::corrupt("PutRequest", e))?,
        )
        .build())
}

#[cfg(test)]
mod tests {
    use super::search_words;

    #[test]
    fn search_words_fold_and_drop_little_words() {
        assert_eq!(
            search_words("SAAD de l'Âge d'Or - Bourg-en-Bresse"),
            ["saad", "age", "or", "bourg", "bresse"]
        );
    }
}
