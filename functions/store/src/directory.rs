//! The public directory (FAQ-R4): a projection of the registry that holds public data only —
//! names, profession, RPPS number, practice sites (establishment, FINESS, commune). Never a
//! birth date or place, an email or a mobile number: [`DirectoryEntry`] has no field for them.
//!
//! `DIR#<rpps>` / `DIR` holds the entry; while the person has a published site it is also under
//! GSI1 `DIRNAME#<2 first chars of the folded name>` / `<folded family and given names>#<rpps>`
//! (name prefix search). Each published site adds `DIR#<rpps>` / `LOC#<finess>`, a copy of the
//! entry under GSI1 `DIRORG#<finess>` (who practises at an establishment), GSI2
//! `DIRCOM#<insee>` and GSI3 `DIRDEP#<département>` (search by commune or
//! département). Every search is one `Query` per page; the page's cursor is the query's
//! `LastEvaluatedKey`, encoded.
//!
//! The entry item is also in the listings' indexes (GSI2 by last update, GSI3 by number) and
//! each rebuild keeps the version it replaces for 25 hours (`crate::listing`).
//!
//! The projection is rebuilt whole from the registry on every event (`publish`), so applying an
//! event twice, or out of order, gives the same entry.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use base64::Engine;
use rpps_domain::{Finess, RppsNumber};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::managers::TransactError;
use crate::{Store, StoreError, keys};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A practice site as the public sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectorySite {
    pub finess: Finess,
    pub establishment_name: String,
    /// INSEE code of the establishment's commune.
    pub commune_code: String,
    pub commune_name: String,
    /// The département of the commune (`75`, `2A`, `974`).
    pub departement: String,
    #[serde(with = "iso_date")]
    pub started_on: Date,
    /// The departure date, once the purge removed the site (it has ended).
    #[serde(
        default,
        with = "iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_on: Option<Date>,
    pub active: bool,
}

/// What the public directory shows of a professional.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub rpps: RppsNumber,
    pub family_name: String,
    pub given_names: String,
    /// Profession code (`aide_a_domicile_qualifiee`).
    pub profession: String,
    pub sites: Vec<DirectorySite>,
    /// From when the e-CPS can be activated (FAQ-R5: 48 hours after allocation).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub ecps_activable_from: Option<OffsetDateTime>,
    /// First publication.
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl DirectoryEntry {
    /// The sites where the person practises (not removed by the purge).
    pub fn active_sites(&self) -> impl Iterator<Item = &DirectorySite> {
        self.sites.iter().filter(|s| s.active)
    }

    /// The words of the names, folded, each once in order (the name tokens' index): what
    /// `given` and `name` search. Words of one letter never drive a search (the index is
    /// bucketed by two): left out; and [`MAX_NAME_TOKENS`] at most, so that a rebuild stays
    /// well within a transaction's 100 items whatever the names.
    pub fn name_tokens(&self) -> Vec<String> {
        let mut tokens: Vec<String> = Vec::new();
        for word in rpps_domain::fold(&format!("{} {}", self.family_name, self.given_names))
            .split_whitespace()
        {
            if word.chars().count() >= 2 && !tokens.iter().any(|t| t == word) {
                tokens.push(word.to_owned());
            }
        }
        tokens.truncate(MAX_NAME_TOKENS);
        tokens
    }

    /// The inner suffixes of the words of the names (from their second letter on, of
    /// [`MIN_CONTAINS_CHARS`] letters at least, each once, not a word of the names): with the
    /// words, what `name:contains` searches (a substring of a word starts one of its suffixes,
    /// or the word itself). Words and suffixes together are [`MAX_NAME_ITEMS`] at most (each
    /// rebuild writes them all, in one transaction of 100 items at most): the suffixes of the
    /// first words are kept first.
    pub fn name_suffixes(&self) -> Vec<String> {
        suffixes_of(&self.name_tokens())
    }

    /// The name tokens and the inner suffixes, each computed once: every key the entry is
    /// indexed under for `name:contains`.
    pub fn name_items(&self) -> (Vec<String>, Vec<String>) {
        let tokens = self.name_tokens();
        let suffixes = suffixes_of(&tokens);
        (tokens, suffixes)
    }

    /// The key names are searched by: folded family name, then folded given names.
    pub fn name_key(&self) -> String {
        format!(
            "{} {}",
            rpps_domain::fold(&self.family_name),
            rpps_domain::fold(&self.given_names)
        )
    }
}

/// The inner suffixes of these name tokens ([`DirectoryEntry::name_suffixes`]).
fn suffixes_of(tokens: &[String]) -> Vec<String> {
    let room = MAX_NAME_ITEMS.saturating_sub(tokens.len());
    let mut suffixes: Vec<String> = Vec::new();
    for token in tokens {
        let chars: Vec<char> = token.chars().collect();
        for start in 1..chars.len() {
            if chars.len() - start < MIN_CONTAINS_CHARS || suffixes.len() == room {
                break;
            }
            let suffix: String = chars[start..].iter().collect();
            if !tokens.contains(&suffix) && !suffixes.contains(&suffix) {
                suffixes.push(suffix);
            }
        }
    }
    suffixes
}

/// One search of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectorySearch {
    /// Folded prefix of "family name given names" (at least 2 characters).
    Name(String),
    /// Folded prefix of one word of the names (at least 2 characters, no space): each entry
    /// once, from its first word that starts with it.
    Token(String),
    /// Folded start of a word of the names or of one of their inner suffixes (at least
    /// [`MIN_CONTAINS_CHARS`] characters, no space): the entries with a word that contains
    /// it, each once, from its first word or suffix that starts with it.
    Contains(String),
    /// INSEE code of a practice site's commune.
    Commune(String),
    /// Département code of a practice site.
    Departement(String),
}

/// One page of results; `next` is the cursor of the following page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryPage {
    pub results: Vec<DirectoryEntry>,
    pub next: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct EntryItem {
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
    /// The entry as JSON: one attribute, read back whole.
    entry: String,
}

/// Why a cursor was refused.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("the page cursor is not valid for this search")]
    BadCursor,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn to_item(
    entry: &DirectoryEntry,
    sk: String,
    indexes: [(Option<String>, Option<String>); 3],
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let pk = keys::directory(entry.rpps.as_str());
    let json = serde_json::to_string(entry).map_err(|e| StoreError::corrupt(&pk, e))?;
    let [(g1p, g1s), (g2p, g2s), (g3p, g3s)] = indexes;
    serde_dynamo::to_item(EntryItem {
        pk: pk.clone(),
        sk,
        gsi1pk: g1p,
        gsi1sk: g1s,
        gsi2pk: g2p,
        gsi2sk: g2s,
        gsi3pk: g3p,
        gsi3sk: g3s,
        entry: json,
    })
    .map_err(|e| StoreError::corrupt(&pk, e))
}

/// The name tokens an entry is indexed under, at most (a name of more distinct words is found
/// by its first ones).
pub const MAX_NAME_TOKENS: usize = 16;
/// The name tokens and inner suffixes an entry is indexed under, at most: a rebuild writes
/// them all, with the entry, the version kept and the sites (and a rename deletes as many).
pub const MAX_NAME_ITEMS: usize = 32;
/// DynamoDB's limit on a transaction's items.
const MAX_TRANSACTION_ITEMS: usize = 100;
// A rebuild within one transaction: the entry and the version kept, every name item and a copy
// per published site written (what is no longer wanted is deleted beforehand when it would not
// fit): 66 published sites fit.
const _: () = assert!(2 + MAX_NAME_ITEMS + 66 <= MAX_TRANSACTION_ITEMS);
/// The shortest value `name:contains` can search (its inner suffixes are that long at least).
pub const MIN_CONTAINS_CHARS: usize = 3;

/// On the entry item: which items an entry has (`CURRENT_ITEMS_LAYOUT`): an entry written with
/// an older layout lacks some (1: no site index by establishment nor name tokens; 2: no inner
/// suffixes), and `rpps-admin index-directory` rebuilds it.
pub const ITEMS_LAYOUT: &str = "items_layout";
pub const CURRENT_ITEMS_LAYOUT: u32 = 3;

/// The entry item's version, moved on by every rebuild (issue 18).
const ENTRY_VERSION: &str = "entry_version";

/// The condition that an entry item is still the version `read` (0: written before versions,
/// or that version), with its names and values.
fn version_condition(
    read: u64,
) -> (
    &'static str,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
) {
    (
        if read == 0 {
            "attribute_not_exists(#version) OR #version = :read"
        } else {
            "#version = :read"
        },
        HashMap::from([("#version".to_owned(), ENTRY_VERSION.to_owned())]),
        HashMap::from([(":read".to_owned(), AttributeValue::N(read.to_string()))]),
    )
}

pub(crate) fn entry_of(
    item: &HashMap<String, AttributeValue>,
) -> Result<DirectoryEntry, StoreError> {
    let raw = item
        .get("entry")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::corrupt("DIR", "no entry attribute"))?;
    serde_json::from_str(raw).map_err(|e| StoreError::corrupt("DIR", e))
}

/// Cursor: the `LastEvaluatedKey` (string attributes only) as base64url JSON.
fn encode_cursor(key: &HashMap<String, AttributeValue>) -> String {
    let plain: std::collections::BTreeMap<&str, &str> = key
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str())))
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&plain).unwrap_or_default())
}

/// What a cursor of one search may hold: the key of an item of that search's index page.
struct CursorShape<'a> {
    partition_attr: &'a str,
    sort_attr: &'a str,
    partition: &'a str,
    /// The name search's `begins_with` on the sort key.
    prefix: Option<&'a str>,
    /// Which items the search reads.
    items: ItemKind,
}

/// The items a search reads: the entries (`DIR`, name search), the site copies (`LOC#<finess>`,
/// commune and département), the name tokens (`TOK#<word>`), the name tokens and inner
/// suffixes (`TOK#<word>`, `SUF#<suffix>`: `name:contains`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ItemKind {
    Entry,
    Site,
    Token,
    Suffix,
}

/// The largest cursor a search of ours hands out is well under this: a longer one is not ours.
const MAX_CURSOR_LEN: usize = 1024;

/// A cursor back into the `ExclusiveStartKey` of its search, fully validated: exactly the
/// table's and the index's key attributes, the search's own partition, and a key that an item
/// of that index page could have (an entry or site of a well-formed RPPS number and FINESS, its
/// sort key inside the search's range). DynamoDB refuses a start key outside the query's
/// conditions with a `ValidationException`: a crafted cursor must be refused here, as a 400,
/// never reach it as a 500.
fn decode_cursor(
    cursor: &str,
    shape: &CursorShape<'_>,
) -> Result<HashMap<String, AttributeValue>, DirectoryError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(DirectoryError::BadCursor);
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| DirectoryError::BadCursor)?;
    let plain: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| DirectoryError::BadCursor)?;
    // A cursor only continues the search it came from, and names nothing but its key.
    let (rpps, sk, sort) = keys::directory_index_position(
        plain.len(),
        |attr| plain.get(attr).map(String::as_str),
        shape.partition_attr,
        shape.sort_attr,
        shape.partition,
    )
    .ok_or(DirectoryError::BadCursor)?;
    let expected_tail = match shape.items {
        ItemKind::Site => {
            let finess = sk
                .strip_prefix("LOC#")
                .filter(|finess| Finess::parse(finess).is_ok())
                .ok_or(DirectoryError::BadCursor)?;
            format!("#{rpps}#{finess}")
        }
        ItemKind::Entry if sk == keys::DIRECTORY_SK => format!("#{rpps}"),
        ItemKind::Token | ItemKind::Suffix => {
            let token = sk
                .strip_prefix(keys::DIRECTORY_TOKEN_PREFIX)
                .or_else(|| {
                    sk.strip_prefix(keys::DIRECTORY_SUFFIX_PREFIX)
                        .filter(|_| shape.items == ItemKind::Suffix)
                })
                .filter(|t| !t.is_empty())
                .ok_or(DirectoryError::BadCursor)?;
            // The sort key is exactly `<token>#<rpps>`.
            if sort != format!("{token}#{rpps}") {
                return Err(DirectoryError::BadCursor);
            }
            format!("#{rpps}")
        }
        ItemKind::Entry => return Err(DirectoryError::BadCursor),
    };
    let in_range = sort.len() > expected_tail.len()
        && sort.ends_with(&expected_tail)
        && shape.prefix.is_none_or(|prefix| sort.starts_with(prefix));
    if !in_range {
        return Err(DirectoryError::BadCursor);
    }
    Ok(plain
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

/// An item with its sort key.
type KeyedItem = (String, HashMap<String, AttributeValue>);

/// The items of an entry: the entry (in the name index while published, and in the listings'
/// indexes), one copy per published site (by establishment, commune and département), and one
/// copy per name token while published (`given`, `name`).
fn entry_items(entry: &DirectoryEntry) -> Result<Vec<KeyedItem>, StoreError> {
    let name = entry.name_key();
    let rpps = entry.rpps.as_str();
    let published = entry.active_sites().next().is_some();
    let name_index = if published {
        (
            Some(keys::directory_name_bucket(&name)),
            Some(format!("{name}#{rpps}")),
        )
    } else {
        (None, None)
    };
    let mut entry_item = to_item(
        entry,
        keys::DIRECTORY_SK.to_owned(),
        [
            name_index,
            (
                Some(keys::DIRECTORY_UPDATES.to_owned()),
                Some(crate::listing::update_sort_key(entry)),
            ),
            (Some(keys::DIRECTORY_ALL.to_owned()), Some(rpps.to_owned())),
        ],
    )?;
    entry_item.insert(
        crate::listing::LISTED.into(),
        AttributeValue::Bool(published),
    );
    entry_item.insert(
        ITEMS_LAYOUT.into(),
        AttributeValue::N(CURRENT_ITEMS_LAYOUT.to_string()),
    );
    let mut wanted: Vec<KeyedItem> = vec![(keys::DIRECTORY_SK.to_owned(), entry_item)];
    if published {
        let (tokens, suffixes) = entry.name_items();
        for token in tokens {
            let sk = keys::directory_token_sk(&token);
            let sort = format!("{token}#{rpps}");
            wanted.push((
                sk.clone(),
                to_item(
                    entry,
                    sk,
                    [
                        (
                            Some(keys::directory_token_bucket(&token)),
                            Some(sort.clone()),
                        ),
                        (Some(keys::directory_suffix_bucket(&token)), Some(sort)),
                        (None, None),
                    ],
                )?,
            ));
        }
        for suffix in suffixes {
            let sk = keys::directory_suffix_sk(&suffix);
            wanted.push((
                sk.clone(),
                to_item(
                    entry,
                    sk,
                    [
                        (None, None),
                        (
                            Some(keys::directory_suffix_bucket(&suffix)),
                            Some(format!("{suffix}#{rpps}")),
                        ),
                        (None, None),
                    ],
                )?,
            ));
        }
    }
    for site in entry.active_sites() {
        let sk = keys::directory_site_sk(site.finess.as_str());
        if wanted.iter().any(|(k, _)| *k == sk) {
            continue;
        }
        let sort = format!("{name}#{rpps}#{}", site.finess);
        wanted.push((
            sk.clone(),
            to_item(
                entry,
                sk,
                [
                    (
                        Some(keys::directory_organization(site.finess.as_str())),
                        Some(rpps.to_owned()),
                    ),
                    (
                        Some(keys::directory_commune(&site.commune_code)),
                        Some(sort.clone()),
                    ),
                    (
                        Some(keys::directory_departement(&site.departement)),
                        Some(sort),
                    ),
                ],
            )?,
        ));
    }
    Ok(wanted)
}

impl Store {
    /// The directory entry of an RPPS number (one `GetItem`).
    pub async fn directory_entry(
        &self,
        rpps: &RppsNumber,
    ) -> Result<Option<DirectoryEntry>, StoreError> {
        self.entry_item(rpps, false)
            .await?
            .as_ref()
            .map(entry_of)
            .transpose()
    }

    /// The entries of up to 100 RPPS numbers, in no particular order, those that exist (one
    /// `BatchGetItem`, and another for any keys DynamoDB left unprocessed).
    pub async fn directory_entries(
        &self,
        numbers: &[RppsNumber],
    ) -> Result<Vec<DirectoryEntry>, StoreError> {
        let mut keys: Vec<HashMap<String, AttributeValue>> = Vec::new();
        for rpps in numbers {
            let key = HashMap::from([
                (
                    keys::PK.to_owned(),
                    AttributeValue::S(keys::directory(rpps.as_str())),
                ),
                (
                    keys::SK.to_owned(),
                    AttributeValue::S(keys::DIRECTORY_SK.into()),
                ),
            ]);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let mut entries = Vec::new();
        let mut attempts = 0;
        while !keys.is_empty() {
            attempts += 1;
            let request = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .build()
                .map_err(|e| StoreError::corrupt("BatchGetItem(directory)", e))?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.tables.registry, request)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchGetItem(directory)", e))?;
            if let Some(items) = out
                .responses
                .as_ref()
                .and_then(|r| r.get(&self.tables.registry))
            {
                for item in items {
                    entries.push(entry_of(item)?);
                }
            }
            if let Some(left) = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.tables.registry))
            {
                if attempts >= 5 {
                    let message = "keys still unprocessed after 5 attempts (throttled)";
                    return Err(StoreError::Unavailable {
                        operation: "BatchGetItem(directory)",
                        message: message.to_owned(),
                        source: message.into(),
                    });
                }
                keys = left.keys;
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempts)).await;
            }
        }
        Ok(entries)
    }

    /// The entries with a published site at the establishment `finess`, by RPPS number, from
    /// the bound `from` (after a number, or from it), `limit` at most (one `Query` on GSI1
    /// `DIRORG#<finess>`: the site items are copies of their entries), and whether more follow.
    pub async fn directory_entries_at(
        &self,
        finess: &Finess,
        from: std::ops::Bound<&str>,
        limit: i32,
    ) -> Result<(Vec<DirectoryEntry>, bool), StoreError> {
        use std::ops::Bound;
        let mut query = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(keys::GSI1)
            .expression_attribute_names("#pk", keys::GSI1PK)
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(keys::directory_organization(finess.as_str())),
            )
            .limit(limit.max(1));
        let (condition, bound) = match from {
            Bound::Excluded(after) => ("#pk = :pk AND #sk > :from", Some(after)),
            Bound::Included(first) => ("#pk = :pk AND #sk >= :from", Some(first)),
            Bound::Unbounded => ("#pk = :pk", None),
        };
        query = query.key_condition_expression(condition);
        if let Some(bound) = bound {
            query = query
                .expression_attribute_names("#sk", keys::GSI1SK)
                .expression_attribute_values(":from", AttributeValue::S(bound.to_owned()));
        }
        let out = query
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(directory sites by establishment)", e))?;
        let entries = out
            .items()
            .iter()
            .map(entry_of)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((entries, out.last_evaluated_key.is_some()))
    }

    /// The entry's item (one `GetItem`, `consistent` or not).
    async fn entry_item(
        &self,
        rpps: &RppsNumber,
        consistent: bool,
    ) -> Result<Option<HashMap<String, AttributeValue>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.registry)
            .key(keys::PK, AttributeValue::S(keys::directory(rpps.as_str())))
            .key(keys::SK, AttributeValue::S(keys::DIRECTORY_SK.into()))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem(directory entry)", e))?;
        Ok(out.item)
    }

    /// The entry of an RPPS number and its version (consistent read), for a rebuild that must
    /// not overwrite a newer one: read this before the registry, then
    /// [`Store::replace_directory_entry`] with the version read.
    pub async fn directory_entry_for_rebuild(
        &self,
        rpps: &RppsNumber,
    ) -> Result<Option<(DirectoryEntry, u64)>, StoreError> {
        let Some(item) = self.entry_item(rpps, true).await? else {
            return Ok(None);
        };
        let version = item
            .get(ENTRY_VERSION)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Ok(Some((entry_of(&item)?, version)))
    }

    /// Writes many new entries and their search items at once (`BatchWriteItem`, 25 items a
    /// call): a first load of a register, the benchmarks. Nothing is read or checked: for
    /// entries that do not exist yet (a rebuild goes through [`Store::replace_directory_entry`]).
    pub async fn load_directory_entries(
        &self,
        entries: &[DirectoryEntry],
    ) -> Result<(), StoreError> {
        let mut requests = Vec::new();
        for entry in entries {
            for (sk, mut item) in entry_items(entry)? {
                if sk == keys::DIRECTORY_SK {
                    item.insert(ENTRY_VERSION.into(), AttributeValue::N("1".into()));
                }
                requests.push(
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .put_request(
                            aws_sdk_dynamodb::types::PutRequest::builder()
                                .set_item(Some(item))
                                .build()
                                .map_err(|e| StoreError::corrupt("PutRequest", e))?,
                        )
                        .build(),
                );
            }
        }
        for chunk in requests.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// Writes the entry and its search items whatever is there (tests, first loads).
    pub async fn write_directory_entry(&self, entry: &DirectoryEntry) -> Result<(), StoreError> {
        self.write_entry(entry, None).await
    }

    /// Writes the entry if the one there is still the version `read` (None: if there is none):
    /// a rebuild from an older reading of the registry never overwrites a newer one (issue 18);
    /// otherwise `Conflict`, and the caller rebuilds from a fresh reading.
    ///
    /// The version replaced is kept 25 hours (`DIRV#<version>`, in the updates index only, with
    /// the instant it was superseded), so that a listing started before the change still reads
    /// every entry exactly once, as it was when the listing started (`crate::listing`).
    pub async fn replace_directory_entry(
        &self,
        entry: &DirectoryEntry,
        read: Option<(&DirectoryEntry, u64)>,
    ) -> Result<(), StoreError> {
        self.write_entry(entry, Some(read)).await
    }

    /// The entry and its search items, removing the items of sites no longer published (one
    /// `Query` of what exists, one transaction); `expect`: the entry's version read, if any.
    async fn write_entry(
        &self,
        entry: &DirectoryEntry,
        expect: Option<Option<(&DirectoryEntry, u64)>>,
    ) -> Result<(), StoreError> {
        let table = &self.tables.registry;
        let pk = keys::directory(entry.rpps.as_str());
        // Every item of the partition, page by page (a page stops at 1 MB read: the entry,
        // its site copies and name tokens, the versions kept).
        let existing = crate::registrations::all_items(|start| {
            let pk = pk.clone();
            async move {
                let out = self
                    .client
                    .query()
                    .table_name(table)
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", keys::PK)
                    .expression_attribute_values(":pk", AttributeValue::S(pk))
                    .projection_expression("#pk, #sk")
                    .expression_attribute_names("#sk", keys::SK)
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| StoreError::from_sdk("Query(directory items)", e))?;
                Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
            }
        })
        .await?;
        let mut wanted = entry_items(entry)?;
        if let Some(Some((previous, version))) = expect {
            let sk = keys::directory_version_sk(version);
            let mut copy = to_item(
                previous,
                sk.clone(),
                [
                    (None, None),
                    (
                        Some(keys::DIRECTORY_UPDATES.to_owned()),
                        Some(crate::listing::update_sort_key(previous)),
                    ),
                    (None, None),
                ],
            )?;
            copy.insert(
                crate::listing::LISTED.into(),
                AttributeValue::Bool(previous.active_sites().next().is_some()),
            );
            copy.insert(
                crate::listing::SUPERSEDED_AT.into(),
                AttributeValue::S(crate::listing::instant_key(entry.updated_at)),
            );
            copy.insert(
                "expires_at".into(),
                AttributeValue::N(
                    (entry.updated_at + crate::listing::VERSIONS_KEPT)
                        .unix_timestamp()
                        .to_string(),
                ),
            );
            wanted.push((sk, copy));
        }
        let mut items = Vec::new();
        for item in &existing {
            let Some(sk) = item.get(keys::SK).and_then(|v| v.as_s().ok()) else {
                continue;
            };
            // Past versions expire on their own (TTL); the rest not wanted any more goes.
            if !sk.starts_with(keys::DIRECTORY_VERSION_PREFIX)
                && !wanted.iter().any(|(k, _)| k == sk)
            {
                items.push(
                    TransactWriteItem::builder()
                        .delete(
                            Delete::builder()
                                .table_name(table)
                                .key(keys::PK, AttributeValue::S(pk.clone()))
                                .key(keys::SK, AttributeValue::S(sk.clone()))
                                .build()
                                .map_err(|e| StoreError::corrupt("Delete", e))?,
                        )
                        .build(),
                );
            }
        }
        for (sk, mut item) in wanted {
            let mut put = Put::builder().table_name(table);
            if sk == keys::DIRECTORY_SK {
                let next = expect.flatten().map_or(1, |(_, read)| read + 1);
                item.insert(ENTRY_VERSION.into(), AttributeValue::N(next.to_string()));
                put = match expect {
                    None => put,
                    Some(None) => put.condition_expression("attribute_not_exists(PK)"),
                    Some(Some((_, read))) => {
                        let (condition, names, values) = version_condition(read);
                        put.condition_expression(condition)
                            .set_expression_attribute_names(Some(names))
                            .set_expression_attribute_values(Some(values))
                    }
                };
            }
            items.push(
                TransactWriteItem::builder()
                    .put(
                        put.set_item(Some(item))
                            .build()
                            .map_err(|e| StoreError::corrupt("Put", e))?,
                    )
                    .build(),
            );
        }
        // A rename of an entry with many sites can exceed a transaction's 100 items: the items
        // no longer wanted (old name items, sites no longer published) are then deleted first,
        // in a transaction of their own on the condition that the entry is still the version
        // read (a rebuild that lost the race deletes nothing); until the second is done, the
        // entry is not found by its old names (it is being renamed).
        if items.len() > MAX_TRANSACTION_ITEMS {
            let (mut deletes, puts): (Vec<_>, Vec<_>) =
                items.into_iter().partition(|item| item.delete().is_some());
            if let Some(Some((_, read))) = expect {
                let (condition, names, values) = version_condition(read);
                deletes.push(
                    TransactWriteItem::builder()
                        .condition_check(
                            ConditionCheck::builder()
                                .table_name(table)
                                .key(keys::PK, AttributeValue::S(pk.clone()))
                                .key(keys::SK, AttributeValue::S(keys::DIRECTORY_SK.into()))
                                .condition_expression(condition)
                                .set_expression_attribute_names(Some(names))
                                .set_expression_attribute_values(Some(values))
                                .build()
                                .map_err(|e| StoreError::corrupt("ConditionCheck", e))?,
                        )
                        .build(),
                );
            }
            if deletes.len() > MAX_TRANSACTION_ITEMS || puts.len() > MAX_TRANSACTION_ITEMS {
                return Err(StoreError::Rejected {
                    operation: "TransactWriteItems(directory entry)",
                    message: format!(
                        "the entry {} would write {} items and delete {}: more than a transaction's {MAX_TRANSACTION_ITEMS} (too many practice sites)",
                        entry.rpps,
                        puts.len(),
                        deletes.len()
                    ),
                });
            }
            match self
                .transact(deletes, "TransactWriteItems(directory entry's stale items)")
                .await
            {
                Ok(()) => {}
                Err(TransactError::Cancelled(reasons)) => {
                    return Err(StoreError::Conflict {
                        operation: "TransactWriteItems(directory entry's stale items)",
                        message: reasons.join(", "),
                    });
                }
                Err(TransactError::Store(e)) => return Err(e),
            }
            items = puts;
        }
        match self
            .transact(items, "TransactWriteItems(directory entry)")
            .await
        {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) => Err(StoreError::Conflict {
                operation: "TransactWriteItems(directory entry)",
                message: reasons.join(", "),
            }),
            Err(TransactError::Store(e)) => Err(e),
        }
    }

    /// One page of a directory search: one `Query`.
    pub async fn search_directory(
        &self,
        search: &DirectorySearch,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<DirectoryPage, DirectoryError> {
        let (index, pk_attr, sk_attr, pk, prefix) = match search {
            DirectorySearch::Name(folded) => (
                keys::GSI1,
                keys::GSI1PK,
                keys::GSI1SK,
                keys::directory_name_bucket(folded),
                Some(folded.clone()),
            ),
            DirectorySearch::Token(folded) => (
                keys::GSI1,
                keys::GSI1PK,
                keys::GSI1SK,
                keys::directory_token_bucket(folded),
                Some(folded.clone()),
            ),
            DirectorySearch::Contains(folded) => (
                keys::GSI2,
                keys::GSI2PK,
                keys::GSI2SK,
                keys::directory_suffix_bucket(folded),
                Some(folded.clone()),
            ),
            DirectorySearch::Commune(insee) => (
                keys::GSI2,
                keys::GSI2PK,
                keys::GSI2SK,
                keys::directory_commune(insee),
                None,
            ),
            DirectorySearch::Departement(code) => (
                keys::GSI3,
                keys::GSI3PK,
                keys::GSI3SK,
                keys::directory_departement(code),
                None,
            ),
        };
        let shape = CursorShape {
            partition_attr: pk_attr,
            sort_attr: sk_attr,
            partition: &pk,
            prefix: prefix.as_deref(),
            items: match search {
                DirectorySearch::Name(_) => ItemKind::Entry,
                DirectorySearch::Token(_) => ItemKind::Token,
                DirectorySearch::Contains(_) => ItemKind::Suffix,
                DirectorySearch::Commune(_) | DirectorySearch::Departement(_) => ItemKind::Site,
            },
        };
        let start = cursor.map(|c| decode_cursor(c, &shape)).transpose()?;
        let mut query = self
            .client
            .query()
            .table_name(&self.tables.registry)
            .index_name(index)
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .limit(limit)
            .set_exclusive_start_key(start);
        query = match prefix {
            Some(prefix) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", sk_attr)
                .expression_attribute_values(":prefix", AttributeValue::S(prefix)),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query(directory search)", e))?;
        let mut results = Vec::new();
        for item in out.items() {
            let entry = entry_of(item)?;
            // A token or suffix search serves an entry from its first word (or suffix) that
            // starts with the query only (an entry with two such words is read twice).
            let keys_of_entry = match search {
                DirectorySearch::Token(folded) => Some((folded, entry.name_tokens())),
                DirectorySearch::Contains(folded) => {
                    let (mut all, suffixes) = entry.name_items();
                    all.extend(suffixes);
                    Some((folded, all))
                }
                _ => None,
            };
            if let Some((folded, all)) = keys_of_entry {
                let this = item
                    .get(keys::SK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|sk| keys::directory_name_item(sk));
                let first = all
                    .into_iter()
                    .filter(|t| t.starts_with(folded.as_str()))
                    .min();
                if this != first.as_deref() {
                    continue;
                }
            }
            results.push(entry);
        }
        Ok(DirectoryPage {
            results,
            next: out.last_evaluated_key.as_ref().map(encode_cursor),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RPPS: &str = "10000000106";

    fn name_shape(partition: &'static str) -> CursorShape<'static> {
        CursorShape {
            partition_attr: "GSI1PK",
            sort_attr: "GSI1SK",
            partition,
            prefix: Some("dupont"),
            items: ItemKind::Entry,
        }
    }

    fn cursor_of(pairs: &[(&str, &str)]) -> String {
        encode_cursor(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned())))
                .collect(),
        )
    }

    #[test]
    fn a_cursor_only_continues_its_own_search() {
        assert!(RppsNumber::try_from(RPPS.to_owned()).is_ok());
        let key = HashMap::from([
            ("PK".to_owned(), AttributeValue::S(format!("DIR#{RPPS}"))),
            ("SK".to_owned(), AttributeValue::S("DIR".into())),
            ("GSI1PK".to_owned(), AttributeValue::S("DIRNAME#du".into())),
            (
                "GSI1SK".to_owned(),
                AttributeValue::S(format!("dupont marie#{RPPS}")),
            ),
        ]);
        let cursor = encode_cursor(&key);
        assert_eq!(
            decode_cursor(&cursor, &name_shape("DIRNAME#du")).unwrap(),
            key
        );
        assert!(matches!(
            decode_cursor(&cursor, &name_shape("DIRNAME#ma")),
            Err(DirectoryError::BadCursor)
        ));
        assert!(matches!(
            decode_cursor("not base64!", &name_shape("DIRNAME#du")),
            Err(DirectoryError::BadCursor)
        ));
    }

    /// Issue 16: a `given`/`name` cursor is the key of a name token of the query's words.
    #[test]
    fn token_cursors_are_the_key_of_a_token_of_the_query() {
        let shape = CursorShape {
            partition_attr: "GSI1PK",
            sort_attr: "GSI1SK",
            partition: "DIRTOK#du",
            prefix: Some("dup"),
            items: ItemKind::Token,
        };
        let pk = format!("DIR#{RPPS}");
        let key = |sk: &str, sort: &str| {
            cursor_of(&[
                ("PK", &pk),
                ("SK", sk),
                ("GSI1PK", "DIRTOK#du"),
                ("GSI1SK", sort),
            ])
        };
        let ok = format!("dupont#{RPPS}");
        assert!(decode_cursor(&key("TOK#dupont", &ok), &shape).is_ok());
        for (sk, sort) in [
            ("TOK#durand", ok.clone()),
            ("DIR", ok.clone()),
            ("TOK#", format!("#{RPPS}")),
            ("TOK#dalton", format!("dalton#{RPPS}")),
            ("TOK#dupont", "dupont#10000000107".to_owned()),
        ] {
            assert!(
                matches!(
                    decode_cursor(&key(sk, &sort), &shape),
                    Err(DirectoryError::BadCursor)
                ),
                "{sk} {sort}"
            );
        }
    }

    /// Issue 16: a `name:contains` cursor is the key of a word or an inner suffix starting with
    /// the query's word; a word search's cursor never names a suffix.
    #[test]
    fn suffix_cursors_are_the_key_of_a_word_or_suffix_of_the_query() {
        let pk = format!("DIR#{RPPS}");
        let key = |partition: &str, sk: &str, sort: &str| {
            cursor_of(&[
                ("PK", &pk),
                ("SK", sk),
                ("GSI2PK", partition),
                ("GSI2SK", sort),
            ])
        };
        let shape = |items| CursorShape {
            partition_attr: "GSI2PK",
            sort_attr: "GSI2SK",
            partition: "DIRSUF#on",
            prefix: Some("ont"),
            items,
        };
        let ok = format!("ont#{RPPS}");
        assert!(decode_cursor(&key("DIRSUF#on", "SUF#ont", &ok), &shape(ItemKind::Suffix)).is_ok());
        assert!(
            decode_cursor(
                &key("DIRSUF#on", "TOK#ontario", &format!("ontario#{RPPS}")),
                &shape(ItemKind::Suffix)
            )
            .is_ok()
        );
        for (partition, sk, sort, items) in [
            ("DIRSUF#on", "SUF#ont", ok.clone(), ItemKind::Token),
            (
                "DIRSUF#on",
                "SUF#ont",
                format!("onta#{RPPS}"),
                ItemKind::Suffix,
            ),
            (
                "DIRSUF#on",
                "SUF#on",
                format!("on#{RPPS}"),
                ItemKind::Suffix,
            ),
            ("DIRTOK#on", "SUF#ont", ok.clone(), ItemKind::Suffix),
            ("DIRSUF#on", "LOC#750012346", ok.clone(), ItemKind::Suffix),
        ] {
            assert!(
                matches!(
                    decode_cursor(&key(partition, sk, &sort), &shape(items)),
                    Err(DirectoryError::BadCursor)
                ),
                "{partition} {sk} {sort}"
            );
        }
    }

    fn named(family: &str, given: &str) -> DirectoryEntry {
        DirectoryEntry {
            rpps: RppsNumber::from_sequence(1).unwrap(),
            family_name: family.into(),
            given_names: given.into(),
            profession: "aide_a_domicile_qualifiee".into(),
            sites: Vec::new(),
            ecps_activable_from: None,
            published_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// Issue 16: the inner suffixes are those of 3 letters or more, from the second letter on,
    /// each once and never a word of the names; with the words, 32 at most.
    #[test]
    fn inner_suffixes_complete_the_words_within_the_cap() {
        let e = named("Le Goff", "Anne Jeanne");
        assert_eq!(e.name_tokens(), ["le", "goff", "anne", "jeanne"]);
        // `jeanne` gives `eanne`, `anne` (a word: not again) and `nne`; `goff` gives `off`.
        assert_eq!(e.name_suffixes(), ["off", "nne", "eanne"]);
        let long = named(
            "Bartholomew-Vanderschueren Montgomery-Fitzwilliam",
            "Marie-Christine Alexandrine Maximilienne",
        );
        let (tokens, suffixes) = (long.name_tokens(), long.name_suffixes());
        assert_eq!(tokens.len() + suffixes.len(), MAX_NAME_ITEMS);
        assert!(
            suffixes
                .iter()
                .all(|s| s.chars().count() >= MIN_CONTAINS_CHARS)
        );
        // The first words' suffixes are kept first.
        assert!(suffixes.contains(&"artholomew".to_owned()), "{suffixes:?}");
    }

    /// Issue 15: a crafted cursor reached DynamoDB as an `ExclusiveStartKey` outside the query's
    /// range (a `ValidationException`: 500). Each of these is refused before any call.
    #[test]
    fn crafted_cursors_are_refused_before_reaching_dynamodb() {
        let pk = format!("DIR#{RPPS}");
        let sort = format!("dupont marie#{RPPS}");
        let long = "x".repeat(2000);
        let elsewhere = format!("durand paul#{RPPS}");
        let crafted: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (
                "no sort key",
                vec![("PK", &pk), ("SK", "DIR"), ("GSI1PK", "DIRNAME#du")],
            ),
            (
                "a fifth attribute",
                vec![
                    ("PK", &pk),
                    ("SK", "DIR"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", &sort),
                    ("X", "y"),
                ],
            ),
            (
                "another attribute instead of the sort key",
                vec![
                    ("PK", &pk),
                    ("SK", "DIR"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("X", &sort),
                ],
            ),
            (
                "sort key outside the name's range",
                vec![
                    ("PK", &pk),
                    ("SK", "DIR"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", &elsewhere),
                ],
            ),
            (
                "empty strings",
                vec![
                    ("PK", ""),
                    ("SK", ""),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", ""),
                ],
            ),
            (
                "not an RPPS number",
                vec![
                    ("PK", "DIR#12345"),
                    ("SK", "DIR"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", "dupont marie#12345"),
                ],
            ),
            (
                "another table item",
                vec![
                    ("PK", "REG#abc"),
                    ("SK", "REG"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", &sort),
                ],
            ),
            (
                "a site item's sort key in the name index",
                vec![
                    ("PK", &pk),
                    ("SK", "LOC#750012346"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", &sort),
                ],
            ),
            (
                "the number of another entry",
                vec![
                    ("PK", &pk),
                    ("SK", "DIR"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", "dupont marie#10000000007"),
                ],
            ),
            (
                "a sort key of 2,000 characters",
                vec![
                    ("PK", &pk),
                    ("SK", "DIR"),
                    ("GSI1PK", "DIRNAME#du"),
                    ("GSI1SK", &long),
                ],
            ),
        ];
        for (what, pairs) in crafted {
            assert!(
                matches!(
                    decode_cursor(&cursor_of(&pairs), &name_shape("DIRNAME#du")),
                    Err(DirectoryError::BadCursor)
                ),
                "{what}"
            );
        }
        // A site search's cursor: a site item of a well-formed FINESS, in the partition.
        let site = CursorShape {
            partition_attr: "GSI2PK",
            sort_attr: "GSI2SK",
            partition: "DIRCOM#75115",
            prefix: None,
            items: ItemKind::Site,
        };
        let good = [
            ("PK", pk.as_str()),
            ("SK", "LOC#750012346"),
            ("GSI2PK", "DIRCOM#75115"),
            ("GSI2SK", &format!("dupont marie#{RPPS}#750012346")),
        ];
        assert!(decode_cursor(&cursor_of(&good), &site).is_ok());
        for (what, sk, sort) in [
            (
                "an entry instead of a site",
                "DIR",
                format!("dupont marie#{RPPS}#750012346"),
            ),
            (
                "not a FINESS",
                "LOC#75001",
                format!("dupont marie#{RPPS}#75001"),
            ),
            (
                "another site's sort key",
                "LOC#750012346",
                format!("dupont marie#{RPPS}#690000000"),
            ),
        ] {
            let pairs = [
                ("PK", pk.as_str()),
                ("SK", sk),
                ("GSI2PK", "DIRCOM#75115"),
                ("GSI2SK", &sort),
            ];
            assert!(
                matches!(
                    decode_cursor(&cursor_of(&pairs), &site),
                    Err(DirectoryError::BadCursor)
                ),
                "{what}"
            );
        }
    }
}
