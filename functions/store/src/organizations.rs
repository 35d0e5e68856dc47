//! Establishments read as FHIR `Organization`s (issue 16): by postal code, by the words of
//! their name or town, by the instant an import last changed them (`_lastUpdated` deltas and
//! the whole list), a page at a time with a cursor.
//!
//! Indexes (`keys`): the establishment item is in GSI2 `ESTCP#<2 first characters>` /
//! `<postal code>#<finess>` and in GSI3 `ESTUPD` / `<changed_at>#<finess>`; the name and town
//! words are the word items of the establishments' name search (GSI2 `ESTTOK#…`).
//!
//! **Each establishment once per search.** By postal code and by word, an establishment keeps
//! its position (a word search serves it from its first word that matches only) unless an
//! import changes its postal code or its name's words while a client pages: then it may be
//! served twice or not at all, as any position cursor allows (imports are daily at most). By
//! update, every change moves an establishment, so a listing reads a snapshot instead: a
//! listing reads a snapshot, as the directory's listings do (`crate::listing`): the first page
//! fixes an instant carried by the cursor, the import keeps each version it replaces 25 hours
//! (`ESTV#<instant>`, GSI3 only, with `superseded_at` and a TTL), and the listing reads the
//! versions current at that instant.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use rpps_domain::Finess;
use rpps_domain::text::fold;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::establishments::{StoredEstablishment, search_words, stored_establishment};
use crate::listing::{
    CURSOR_LIFETIME, ListingError, SNAPSHOT_MARGIN, SUPERSEDED_AT, instant_key, parse_instant_key,
};
use crate::{Store, StoreError, keys};

/// Queries read for one page at most, when the other criteria leave a page short.
const QUERIES_PER_PAGE: usize = 4;
const MAX_CURSOR_LEN: usize = 1024;

/// An `Organization` search: every criterion given must hold (folded text: case, accents and
/// punctuation ignored).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganizationSearch {
    /// Folded words, each the start of a word of the name (short or long).
    pub name_words: Vec<String>,
    /// The folded start of the town's name.
    pub city: Option<String>,
    /// The start of the postal code, two characters or more.
    pub postal_code: Option<String>,
    /// Changed at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Changed before this instant.
    pub before: Option<OffsetDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationPage {
    pub results: Vec<StoredEstablishment>,
    pub next: Option<String>,
}

/// Which index a search reads, the other criteria checked on what it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Order {
    /// GSI2 `ESTCP#…`, `begins_with` the postal code's start.
    Postal(String),
    /// GSI2 `ESTTOK#…`, `begins_with` a folded word (the longest of the town, else the name).
    Word(String),
    /// GSI3 `ESTUPD`, between two instants.
    Updates,
}

/// What a cursor holds: the snapshot instant (listings by update only), the index sort key
/// and the table sort key of the last item read.
#[derive(Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    #[serde(rename = "p")]
    position: String,
    #[serde(rename = "s")]
    sk: String,
}

/// The word an establishment's word item names (from its table sort key `TOKEN#<word>`).
fn token_word(sk: &str) -> Option<&str> {
    sk.strip_prefix("TOKEN#")
}

/// A word item, as the name search writes it (`crate::establishments`).
#[derive(Deserialize)]
struct WordRead {
    #[serde(rename = "SK")]
    sk: String,
    words: String,
    finess: String,
    name: String,
    long_name: String,
    postal_code: String,
    town: String,
}

impl OrganizationSearch {
    fn order(&self) -> Order {
        if let Some(postal) = &self.postal_code {
            return Order::Postal(postal.clone());
        }
        // An index bucket is a word's first two characters: shorter ones are filters only.
        let longest = |words: Vec<String>| {
            words
                .into_iter()
                .filter(|w| w.chars().count() >= 2)
                .max_by_key(|w| w.chars().count())
        };
        if let Some(word) = self.city.as_deref().map(search_words).and_then(longest) {
            return Order::Word(word);
        }
        if let Some(word) = longest(self.name_words.clone()) {
            return Order::Word(word);
        }
        Order::Updates
    }

    /// Whether the fields every index item holds meet the search (the instant aside).
    fn matches_fields(&self, name: &str, long_name: &str, town: &str, postal: &str) -> bool {
        let name_words = search_words(&format!("{name} {long_name}"));
        self.name_words
            .iter()
            .all(|w| name_words.iter().any(|n| n.starts_with(w.as_str())))
            && self
                .city
                .as_ref()
                .is_none_or(|city| fold(town).starts_with(city.as_str()))
            && self
                .postal_code
                .as_ref()
                .is_none_or(|p| postal.starts_with(p.as_str()))
    }

    /// Whether an establishment read meets the search.
    pub fn matches(&self, stored: &StoredEstablishment) -> bool {
        let e = &stored.establishment;
        let in_range = match (self.since, self.before, stored.changed_at) {
            (None, None, _) => true,
            (_, _, None) => false,
            (since, before, Some(at)) => {
                since.is_none_or(|since| at >= since) && before.is_none_or(|before| at < before)
            }
        };
        in_range && self.matches_fields(&e.name, &e.long_name, &e.town, &e.postal_code)
    }

    /// The updates index's range at `as_of` (both inclusive, as text), as the directory's
    /// listings read theirs.
    fn update_range(&self, as_of: OffsetDateTime) -> (String, String) {
        let low = self.since.map_or_else(|| "0".to_owned(), instant_key);
        let snapshot_end = format!("{}#~", instant_key(as_of));
        let high = match self.before {
            Some(before) if instant_key(before) < snapshot_end => instant_key(before),
            _ => snapshot_end,
        };
        (low, high)
    }

    /// The cursor back into its snapshot and `ExclusiveStartKey`, fully checked: the key of an
    /// item this search could have read, nothing else (a crafted one is refused, never a
    /// `ValidationException` from DynamoDB).
    fn decode_cursor(
        &self,
        order: &Order,
        cursor: &str,
        now: OffsetDateTime,
    ) -> Result<(Option<OffsetDateTime>, HashMap<String, AttributeValue>), ListingError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(ListingError::BadCursor);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| ListingError::BadCursor)?;
        let Cursor {
            as_of,
            position,
            sk,
        } = serde_json::from_slice(&bytes).map_err(|_| ListingError::BadCursor)?;
        let (head, finess) = position.rsplit_once('#').ok_or(ListingError::BadCursor)?;
        let finess = Finess::parse(finess)
            .ok()
            .filter(|f| f.as_str() == finess)
            .ok_or(ListingError::BadCursor)?;
        let mut key = HashMap::from([
            (
                keys::PK.to_owned(),
                AttributeValue::S(keys::establishment(finess.as_str())),
            ),
            (keys::SK.to_owned(), AttributeValue::S(sk.clone())),
        ]);
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let as_of = match (order, as_of) {
            (Order::Postal(prefix), None) => {
                let bucket = keys::establishment_postal_bucket(prefix);
                if sk != keys::ESTABLISHMENT_SK || !head.starts_with(prefix.as_str()) {
                    return Err(ListingError::BadCursor);
                }
                let bucket = bucket.ok_or(ListingError::BadCursor)?;
                key.insert(keys::GSI2PK.into(), s(&bucket));
                key.insert(keys::GSI2SK.into(), s(&position));
                None
            }
            (Order::Word(driver), None) => {
                if token_word(&sk) != Some(head) || !head.starts_with(driver.as_str()) {
                    return Err(ListingError::BadCursor);
                }
                key.insert(
                    keys::GSI2PK.into(),
                    s(&keys::establishment_token_bucket(driver)),
                );
                key.insert(keys::GSI2SK.into(), s(&position));
                None
            }
            (Order::Updates, Some(as_of)) => {
                let as_of = parse_instant_key(&as_of).ok_or(ListingError::BadCursor)?;
                if as_of > now {
                    return Err(ListingError::BadCursor);
                }
                if now - as_of > CURSOR_LIFETIME {
                    return Err(ListingError::Expired);
                }
                let version = sk == keys::ESTABLISHMENT_SK
                    || sk
                        .strip_prefix(keys::ESTABLISHMENT_VERSION_PREFIX)
                        .and_then(parse_instant_key)
                        .is_some();
                let (low, high) = self.update_range(as_of);
                if !version
                    || parse_instant_key(head).is_none()
                    || position.as_str() < low.as_str()
                    || position.as_str() > high.as_str()
                {
                    return Err(ListingError::BadCursor);
                }
                key.insert(keys::GSI3PK.into(), s(keys::ESTABLISHMENT_UPDATES));
                key.insert(keys::GSI3SK.into(), s(&position));
                Some(as_of)
            }
            _ => return Err(ListingError::BadCursor),
        };
        Ok((as_of, key))
    }
}

fn encode_cursor(
    as_of: Option<&str>,
    key: &HashMap<String, AttributeValue>,
    sort_attr: &str,
) -> Option<String> {
    let text = |attr: &str| key.get(attr).and_then(|v| v.as_s().ok()).cloned();
    let cursor = Cursor {
        as_of: as_of.map(str::to_owned),
        position: text(sort_attr)?,
        sk: text(keys::SK)?,
    };
    serde_json::to_vec(&cursor)
        .ok()
        .map(|bytes| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

impl Store {
    /// One page of an `Organization` search: one `Query` (a word search: and one
    /// `BatchGetItem` of what matched), a few more only when the other criteria leave the page
    /// short. `now` is the instant of the request: a listing by update takes its snapshot
    /// just before its first page.
    pub async fn search_organizations(
        &self,
        search: &OrganizationSearch,
        limit: i32,
        cursor: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<OrganizationPage, ListingError> {
        let order = search.order();
        let (as_of, mut start) = match cursor {
            Some(cursor) => {
                let (as_of, key) = search.decode_cursor(&order, cursor, now)?;
                (as_of, Some(key))
            }
            None => (
                matches!(order, Order::Updates).then(|| now - SNAPSHOT_MARGIN),
                None,
            ),
        };
        let as_of_key = as_of.map(instant_key);
        let (index, partition_attr, sort_attr, partition, condition, mut values) = match &order {
            Order::Postal(prefix) => {
                let Some(bucket) = keys::establishment_postal_bucket(prefix) else {
                    return Ok(OrganizationPage {
                        results: Vec::new(),
                        next: None,
                    });
                };
                (
                    keys::GSI2,
                    keys::GSI2PK,
                    keys::GSI2SK,
                    bucket,
                    "#pk = :pk AND begins_with(#sk, :low)",
                    HashMap::from([(":low".to_owned(), AttributeValue::S(prefix.clone()))]),
                )
            }
            Order::Word(driver) => (
                keys::GSI2,
                keys::GSI2PK,
                keys::GSI2SK,
                keys::establishment_token_bucket(driver),
                "#pk = :pk AND begins_with(#sk, :low)",
                HashMap::from([(":low".to_owned(), AttributeValue::S(driver.clone()))]),
            ),
            Order::Updates => {
                let (low, high) = search.update_range(as_of.unwrap_or(now));
                // An empty range: nothing to read (DynamoDB refuses reversed bounds).
                if low > high {
                    return Ok(OrganizationPage {
                        results: Vec::new(),
                        next: None,
                    });
                }
                (
                    keys::GSI3,
                    keys::GSI3PK,
                    keys::GSI3SK,
                    keys::ESTABLISHMENT_UPDATES.to_owned(),
                    "#pk = :pk AND #sk BETWEEN :low AND :high",
                    HashMap::from([
                        (":low".to_owned(), AttributeValue::S(low)),
                        (":high".to_owned(), AttributeValue::S(high)),
                    ]),
                )
            }
        };
        values.insert(":pk".into(), AttributeValue::S(partition));
        let mut names = HashMap::from([
            ("#pk".to_owned(), partition_attr.to_owned()),
            ("#sk".to_owned(), sort_attr.to_owned()),
        ]);
        let mut filter = None;
        if let Some(as_of_key) = &as_of_key {
            filter = Some("attribute_not_exists(#sup) OR #sup > :asof");
            names.insert("#sup".into(), SUPERSEDED_AT.into());
            values.insert(":asof".into(), AttributeValue::S(as_of_key.clone()));
        }
        // The position read last: a version kept since then holds that same position and may
        // come right after it (the same establishment as read): skipped.
        let position = |key: &HashMap<String, AttributeValue>| {
            key.get(sort_attr).and_then(|v| v.as_s().ok()).cloned()
        };
        let mut read_last = start.as_ref().and_then(position);
        let mut results = Vec::new();
        let mut next = None;
        for _ in 0..QUERIES_PER_PAGE {
            let wanted = limit - i32::try_from(results.len()).unwrap_or(limit);
            if wanted <= 0 {
                break;
            }
            let out = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .index_name(index)
                .key_condition_expression(condition)
                .set_filter_expression(filter.map(str::to_owned))
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .limit(wanted)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(organizations)", e))?;
            match &order {
                Order::Word(driver) => {
                    let mut matched: Vec<String> = Vec::new();
                    for item in out.items() {
                        let word: WordRead = serde_dynamo::from_item(item.clone())
                            .map_err(|e| StoreError::corrupt("ESTTOK#", e))?;
                        let this = token_word(&word.sk).unwrap_or_default();
                        // Served from its first word that starts with the driver only.
                        let first = word
                            .words
                            .split(' ')
                            .filter(|w| w.starts_with(driver.as_str()))
                            .min();
                        if first == Some(this)
                            && search.matches_fields(
                                &word.name,
                                &word.long_name,
                                &word.town,
                                &word.postal_code,
                            )
                            && !matched.contains(&word.finess)
                        {
                            matched.push(word.finess);
                        }
                    }
                    let wanted: Vec<Finess> = matched
                        .iter()
                        .filter_map(|f| Finess::parse(f).ok())
                        .collect();
                    let mut read = self.get_establishments(wanted.iter()).await?;
                    for finess in &matched {
                        if let Some(stored) = read.remove(finess)
                            && search.matches(&stored)
                        {
                            results.push(stored);
                        }
                    }
                }
                Order::Postal(_) | Order::Updates => {
                    for item in out.items() {
                        let here = item.get(sort_attr).and_then(|v| v.as_s().ok());
                        // Two items at one position are one establishment (an import between
                        // writing the version it keeps and the item replacing it): once.
                        if read_last.is_some() && here == read_last.as_ref() {
                            continue;
                        }
                        read_last = here.cloned();
                        let stored = stored_establishment(item.clone())?;
                        if search.matches(&stored) {
                            results.push(stored);
                        }
                    }
                }
            }
            next = out.last_evaluated_key;
            match &next {
                Some(key) => {
                    read_last = position(key);
                    start = Some(key.clone());
                }
                None => break,
            }
        }
        Ok(OrganizationPage {
            results,
            next: next
                .as_ref()
                .and_then(|key| encode_cursor(as_of_key.as_deref(), key, sort_attr)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn cursor(as_of: Option<&str>, position: &str, sk: &str) -> String {
        let c = Cursor {
            as_of: as_of.map(str::to_owned),
            position: position.into(),
            sk: sk.into(),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap())
    }

    #[test]
    fn the_index_follows_the_most_selective_criterion() {
        let search = OrganizationSearch {
            name_words: vec!["ch".into(), "fleyriat".into()],
            city: Some("bourg en b".into()),
            ..Default::default()
        };
        assert_eq!(search.order(), Order::Word("bourg".into()));
        let by_name = OrganizationSearch {
            name_words: vec!["ch".into(), "fleyriat".into()],
            ..Default::default()
        };
        assert_eq!(by_name.order(), Order::Word("fleyriat".into()));
        let by_postal = OrganizationSearch {
            postal_code: Some("010".into()),
            ..search
        };
        assert_eq!(by_postal.order(), Order::Postal("010".into()));
        assert_eq!(OrganizationSearch::default().order(), Order::Updates);
    }

    #[test]
    fn names_match_word_starts_towns_and_postal_codes_their_start() {
        let search = OrganizationSearch {
            name_words: vec!["fley".into()],
            city: Some("bourg en b".into()),
            postal_code: Some("01".into()),
            ..Default::default()
        };
        assert!(search.matches_fields(
            "CH DE FLEYRIAT",
            "CENTRE HOSPITALIER",
            "BOURG-EN-BRESSE",
            "01000"
        ));
        // The town's words are not the name's.
        let by_town_word = OrganizationSearch {
            name_words: vec!["bourg".into()],
            ..Default::default()
        };
        assert!(!by_town_word.matches_fields("CH DE FLEYRIAT", "CH", "BOURG-EN-BRESSE", "01000"));
        assert!(!search.matches_fields("CH DE FLEYRIAT", "CH", "VIRIAT", "01440"));
        assert!(!search.matches_fields("CH DE FLEYRIAT", "CH", "BOURG-EN-BRESSE", "69000"));
    }

    #[test]
    fn crafted_cursors_are_refused() {
        let now = datetime!(2026-12-05 12:00 UTC);
        let by_postal = OrganizationSearch {
            postal_code: Some("010".into()),
            ..Default::default()
        };
        let order = by_postal.order();
        let decode = |s: &OrganizationSearch, c: &str| s.decode_cursor(&s.order(), c, now);
        assert!(decode(&by_postal, &cursor(None, "01000#010000024", "EST")).is_ok());
        for bad in [
            cursor(None, "69000#690000880", "EST"),
            cursor(None, "01000#010000024", "TOKEN#x"),
            cursor(None, "01000#01000002", "EST"),
            cursor(
                Some("2026-12-05T11:00:00.000000000Z"),
                "01000#010000024",
                "EST",
            ),
            "not base64!".into(),
        ] {
            assert!(
                matches!(
                    by_postal.decode_cursor(&order, &bad, now),
                    Err(ListingError::BadCursor)
                ),
                "{bad}"
            );
        }
        let by_name = OrganizationSearch {
            name_words: vec!["fley".into()],
            ..Default::default()
        };
        assert!(
            decode(
                &by_name,
                &cursor(None, "fleyriat#010000024", "TOKEN#fleyriat")
            )
            .is_ok()
        );
        assert!(decode(&by_name, &cursor(None, "fleyriat#010000024", "TOKEN#other")).is_err());
        assert!(decode(&by_name, &cursor(None, "autre#010000024", "TOKEN#autre")).is_err());
        let all = OrganizationSearch::default();
        let at = "2026-12-05T11:00:00.000000000Z";
        let position = "2026-12-05T10:00:00.000000000Z#010000024";
        assert!(decode(&all, &cursor(Some(at), position, "EST")).is_ok());
        assert!(
            decode(
                &all,
                &cursor(Some(at), position, "ESTV#2026-12-05T09:00:00.000000000Z")
            )
            .is_ok()
        );
        assert!(decode(&all, &cursor(Some(at), position, "ESTV#x")).is_err());
        assert!(decode(&all, &cursor(None, position, "EST")).is_err());
        // Past its snapshot: not served by this listing.
        let later = "2026-12-05T11:30:00.000000000Z#010000024";
        assert!(decode(&all, &cursor(Some(at), later, "EST")).is_err());
        assert!(matches!(
            decode(
                &all,
                &cursor(
                    Some("2026-12-04T10:00:00.000000000Z"),
                    "2026-12-04T09:00:00.000000000Z#010000024",
                    "EST"
                )
            ),
            Err(ListingError::Expired)
        ));
    }
}
