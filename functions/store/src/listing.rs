//! Listings of the whole public directory (issue 16): every entry by RPPS number (the full
//! listing, the daily files), or the entries last updated in a time range (`_lastUpdated`
//! deltas, a year back and more: the entries are never removed, a professional who left stays
//! with `active=false`).
//!
//! Every entry item is indexed twice: GSI3 `DIRALL` / `<rpps>` and GSI2 `DIRUPD` /
//! `<updated>#<rpps>` (`keys`). A page is one `Query` (a few more only when a filter leaves a
//! page short), and its cursor stays valid for 24 hours.
//!
//! **Each entry exactly once, while the data changes.** By number, an entry never moves: a
//! listing reads each entry that existed when it started once (one created meanwhile may or
//! may not be read). By update, an entry moves to the end of the index each time it changes,
//! so a listing could read it twice, or miss it. It reads a snapshot instead: the first page
//! fixes an instant `as_of`, carried by the cursor; the listing reads the items updated at or
//! before `as_of` that were not yet superseded at `as_of`. Each rebuild of an entry keeps the
//! version it replaces for 25 hours (`DIRV#<version>`, indexed in GSI2 only, with
//! `superseded_at` and a TTL), so exactly one version of each entry meets both conditions:
//! the one current at `as_of`.
//!
//! The snapshot starts [`SNAPSHOT_MARGIN`] before the first page: a rebuild takes its
//! `updated_at` before its write, which follows within a few calls (the publisher takes it
//! again on each attempt, never before the version it replaces).
//!
//! On DynamoDB the indexes are eventually consistent and a transaction reaches GSI2 item by
//! item: a page read within the fraction of a second between an entry leaving its position and
//! its kept version arriving there may miss that entry. The guarantee is exact over what the
//! index shows; a delta client keeps it by starting each run a minute before the last one
//! started (docs/FHIR.md).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use rpps_domain::RppsNumber;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::directory::{DirectoryEntry, entry_of};
use crate::{Store, StoreError, keys};

/// Whether the entry has a practice site in the directory (`active` in FHIR), on entries and
/// their past versions.
pub const LISTED: &str = "listed";
/// On a past version: when the next version replaced it ([`instant_key`]).
pub const SUPERSEDED_AT: &str = "superseded_at";
/// How long a past version is kept (its TTL): a cursor lives [`CURSOR_LIFETIME`].
pub const VERSIONS_KEPT: Duration = Duration::hours(25);
/// How long a listing's cursor keeps working.
pub const CURSOR_LIFETIME: Duration = Duration::hours(24);
/// How far before its first page a listing's snapshot is taken.
pub const SNAPSHOT_MARGIN: Duration = Duration::seconds(10);
/// Queries read for one page at most, when a filter leaves pages short.
const QUERIES_PER_PAGE: usize = 4;
const MAX_CURSOR_LEN: usize = 1024;

/// An instant as an index key: UTC, fixed width, so that text order is time order
/// (`2026-12-05T18:26:14.123456789Z`).
pub fn instant_key(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.nanosecond()
    )
}

pub(crate) fn parse_instant_key(key: &str) -> Option<OffsetDateTime> {
    let at = OffsetDateTime::parse(key, &time::format_description::well_known::Rfc3339).ok()?;
    (instant_key(at) == key).then_some(at)
}

/// The entry's sort key in the updates index.
pub fn update_sort_key(entry: &DirectoryEntry) -> String {
    format!("{}#{}", instant_key(entry.updated_at), entry.rpps)
}

/// In which order, and which part of the directory, a listing reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListingOrder {
    /// Every entry, by RPPS number.
    ByNumber,
    /// The entries last updated at or after `since` and before `before`, oldest first.
    ByUpdate {
        since: Option<OffsetDateTime>,
        before: Option<OffsetDateTime>,
    },
}

/// One listing: its order and range, and whether only the listed (`Some(true)`) or only the
/// unlisted entries are wanted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub order: ListingOrder,
    pub active: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingPage {
    pub results: Vec<DirectoryEntry>,
    pub next: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("the page cursor is not valid for this listing")]
    BadCursor,
    #[error("the page cursor is more than 24 hours old")]
    Expired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a cursor holds: the snapshot instant and the last key read.
#[derive(Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "a")]
    as_of: String,
    #[serde(rename = "k")]
    key: BTreeMap<String, String>,
}

fn encode_cursor(as_of: &str, key: &HashMap<String, AttributeValue>) -> String {
    let cursor = Cursor {
        as_of: as_of.to_owned(),
        key: key
            .iter()
            .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
            .collect(),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// The key range a listing reads in its index (both bounds inclusive).
struct Range {
    index: &'static str,
    partition_attr: &'static str,
    sort_attr: &'static str,
    partition: &'static str,
    low: String,
    high: String,
}

impl Listing {
    fn range(&self, as_of: OffsetDateTime) -> Range {
        match &self.order {
            ListingOrder::ByNumber => Range {
                index: keys::GSI3,
                partition_attr: keys::GSI3PK,
                sort_attr: keys::GSI3SK,
                partition: keys::DIRECTORY_ALL,
                low: "0".into(),
                high: "9".into(),
            },
            ListingOrder::ByUpdate { since, before } => {
                // `<instant>#<rpps>`: "<since>" sorts before every key of that instant, and
                // "<before>" before every key of that one, so both bounds hold as inclusive.
                let low = since.map_or_else(|| "0".to_owned(), instant_key);
                let snapshot_end = format!("{}#~", instant_key(as_of));
                let high = match before {
                    Some(before) if instant_key(*before) < snapshot_end => instant_key(*before),
                    _ => snapshot_end,
                };
                Range {
                    index: keys::GSI2,
                    partition_attr: keys::GSI2PK,
                    sort_attr: keys::GSI2SK,
                    partition: keys::DIRECTORY_UPDATES,
                    low,
                    high,
                }
            }
        }
    }

    /// The cursor back into its snapshot instant and `ExclusiveStartKey`, fully checked: only
    /// the key of an item this listing could have read (a crafted one is a 400, never a
    /// `ValidationException` from DynamoDB).
    fn decode_cursor(
        &self,
        cursor: &str,
        now: OffsetDateTime,
    ) -> Result<(OffsetDateTime, HashMap<String, AttributeValue>), ListingError> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(ListingError::BadCursor);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| ListingError::BadCursor)?;
        let Cursor { as_of, key } =
            serde_json::from_slice(&bytes).map_err(|_| ListingError::BadCursor)?;
        let as_of = parse_instant_key(&as_of).ok_or(ListingError::BadCursor)?;
        if as_of > now {
            return Err(ListingError::BadCursor);
        }
        if now - as_of > CURSOR_LIFETIME {
            return Err(ListingError::Expired);
        }
        let range = self.range(as_of);
        let (rpps, sk, sort) = keys::directory_index_position(
            key.len(),
            |attr| key.get(attr).map(String::as_str),
            range.partition_attr,
            range.sort_attr,
            range.partition,
        )
        .ok_or(ListingError::BadCursor)?;
        let item_ok = match &self.order {
            ListingOrder::ByNumber => sk == keys::DIRECTORY_SK && sort == rpps,
            ListingOrder::ByUpdate { .. } => {
                let version = sk == keys::DIRECTORY_SK
                    || sk
                        .strip_prefix(keys::DIRECTORY_VERSION_PREFIX)
                        .is_some_and(|v| v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()));
                let instant = sort
                    .strip_suffix(&format!("#{rpps}"))
                    .and_then(parse_instant_key);
                version && instant.is_some()
            }
        };
        if !item_ok || sort < range.low.as_str() || sort > range.high.as_str() {
            return Err(ListingError::BadCursor);
        }
        Ok((
            as_of,
            key.into_iter()
                .map(|(k, v)| (k, AttributeValue::S(v)))
                .collect(),
        ))
    }
}

impl Store {
    /// One page of a listing: one `Query` (up to four when a filter leaves the page short).
    /// `now` is the instant of the request: a first page takes its snapshot just before it.
    pub async fn list_directory(
        &self,
        listing: &Listing,
        limit: i32,
        cursor: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<ListingPage, ListingError> {
        let (as_of, mut start) = match cursor {
            Some(cursor) => {
                let (as_of, key) = listing.decode_cursor(cursor, now)?;
                (as_of, Some(key))
            }
            None => (now - SNAPSHOT_MARGIN, None),
        };
        let as_of_key = instant_key(as_of);
        let range = listing.range(as_of);
        // An empty range (`ge` a future day, an interval that ends before it starts, changes of
        // the last seconds, after the snapshot): nothing to read. DynamoDB refuses a `BETWEEN`
        // whose bounds are reversed (a `ValidationException`).
        if range.low > range.high {
            return Ok(ListingPage {
                results: Vec::new(),
                next: None,
            });
        }
        // The version read last, at its position in the index: a version kept since then
        // (`DIRV#…`) holds that same position and would come right after it, whatever order
        // the index gives items of one position. It is the same entry as read: skipped.
        let position = |key: &HashMap<String, AttributeValue>| {
            key.get(range.sort_attr)
                .and_then(|v| v.as_s().ok())
                .cloned()
        };
        let mut read_last = start.as_ref().and_then(position);
        let mut filters = Vec::new();
        let mut names = HashMap::from([
            ("#pk".to_owned(), range.partition_attr.to_owned()),
            ("#sk".to_owned(), range.sort_attr.to_owned()),
        ]);
        let mut values = HashMap::from([
            (
                ":pk".to_owned(),
                AttributeValue::S(range.partition.to_owned()),
            ),
            (":low".to_owned(), AttributeValue::S(range.low.clone())),
            (":high".to_owned(), AttributeValue::S(range.high.clone())),
        ]);
        if matches!(listing.order, ListingOrder::ByUpdate { .. }) {
            filters.push("(attribute_not_exists(#sup) OR #sup > :asof)");
            names.insert("#sup".into(), SUPERSEDED_AT.into());
            values.insert(":asof".into(), AttributeValue::S(as_of_key.clone()));
        }
        if let Some(active) = listing.active {
            filters.push("#listed = :listed");
            names.insert("#listed".into(), LISTED.into());
            values.insert(":listed".into(), AttributeValue::Bool(active));
        }
        let mut results = Vec::new();
        let mut next = None;
        for _ in 0..QUERIES_PER_PAGE {
            let wanted = limit - i32::try_from(results.len()).unwrap_or(limit);
            if wanted <= 0 {
                break;
            }
            let mut query = self
                .client
                .query()
                .table_name(&self.tables.registry)
                .index_name(range.index)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .limit(wanted)
                .set_exclusive_start_key(start.take());
            if !filters.is_empty() {
                query = query.filter_expression(filters.join(" AND "));
            }
            let out = query
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query(directory listing)", e))?;
            for item in out.items() {
                let position = item.get(range.sort_attr).and_then(|v| v.as_s().ok());
                if read_last.is_some() && position == read_last.as_ref() {
                    continue;
                }
                results.push(entry_of(item)?);
            }
            next = out.last_evaluated_key;
            match &next {
                // The next query of this page continues from here: the same skip holds.
                Some(key) => {
                    read_last = position(key);
                    start = Some(key.clone());
                }
                None => break,
            }
        }
        Ok(ListingPage {
            results,
            next: next.as_ref().map(|key| encode_cursor(&as_of_key, key)),
        })
    }
}

impl Store {
    /// The numbers of the entries written before the listings existed (no GSI3 key), or with
    /// an older items layout (`items_layout` below the current one: without the name tokens,
    /// the site copies by establishment or the inner suffixes): the operator's `rpps-admin
    /// index-directory` rebuilds them, once after deploying each.
    /// Scans the registry table (a parallel scan of `segments`).
    pub async fn unlisted_directory_entries(
        &self,
        segments: i32,
    ) -> Result<Vec<RppsNumber>, StoreError> {
        let segments = segments.max(1);
        let mut tasks = Vec::new();
        for segment in 0..segments {
            let store = self.clone();
            tasks.push(tokio::spawn(async move {
                crate::registrations::all_items(|start| {
                    let store = store.clone();
                    async move {
                        let out = store
                            .client
                            .scan()
                            .table_name(&store.tables.registry)
                            .segment(segment)
                            .total_segments(segments)
                            // The entries outside the listings or of an older items layout
                            // (no name tokens, site copies outside the by-establishment
                            // index, no inner suffixes: an entry with such items has an
                            // older layout).
                            .filter_expression(
                                "begins_with(#pk, :dir) AND #sk = :sk AND (attribute_not_exists(#all) OR attribute_not_exists(#layout) OR #layout < :layout)",
                            )
                            .expression_attribute_names("#layout", crate::directory::ITEMS_LAYOUT)
                            .expression_attribute_values(
                                ":layout",
                                AttributeValue::N(
                                    crate::directory::CURRENT_ITEMS_LAYOUT.to_string(),
                                ),
                            )
                            .expression_attribute_names("#pk", keys::PK)
                            .expression_attribute_names("#sk", keys::SK)
                            .expression_attribute_names("#all", keys::GSI3PK)
                            .expression_attribute_values(
                                ":dir",
                                AttributeValue::S(keys::DIRECTORY_PREFIX.into()),
                            )
                            .expression_attribute_values(
                                ":sk",
                                AttributeValue::S(keys::DIRECTORY_SK.into()),
                            )
                            .projection_expression("#pk")
                            .set_exclusive_start_key(start)
                            .send()
                            .await
                            .map_err(|e| StoreError::from_sdk("Scan(directory entries)", e))?;
                        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
                    }
                })
                .await
            }));
        }
        let mut numbers = Vec::new();
        for task in tasks {
            let items = task
                .await
                .map_err(|e| StoreError::corrupt("Scan(directory entries)", e))??;
            for item in items {
                let number = item
                    .get(keys::PK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|pk| pk.strip_prefix(keys::DIRECTORY_PREFIX))
                    .and_then(|rpps| RppsNumber::parse(rpps).ok())
                    .ok_or_else(|| StoreError::corrupt("DIR", "not an RPPS number"))?;
                numbers.push(number);
            }
        }
        numbers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        numbers.dedup();
        Ok(numbers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const RPPS: &str = "10000000106";

    fn cursor(as_of: &str, pairs: &[(&str, &str)]) -> String {
        let key = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned())))
            .collect();
        encode_cursor(as_of, &key)
    }

    /// An empty range is answered without a query: DynamoDB refuses a `BETWEEN` whose bounds
    /// are reversed (moto does not), which reached the API as a 500. Here the registry is a
    /// closed port: any query would fail.
    #[tokio::test]
    async fn an_empty_range_is_an_empty_page_without_a_query() {
        let store = Store::new(
            aws_sdk_dynamodb::Client::new(&rpps_runtime::aws::for_local_endpoint(
                "http://127.0.0.1:9",
            )),
            crate::Tables::with_prefix("closed"),
        );
        let now = datetime!(2026-12-05 12:00 UTC);
        for (since, before) in [
            (Some(now + Duration::days(1)), None),
            (
                Some(now - Duration::hours(1)),
                Some(now - Duration::hours(2)),
            ),
            (Some(now - Duration::seconds(2)), None),
        ] {
            let listing = Listing {
                order: ListingOrder::ByUpdate { since, before },
                active: None,
            };
            let page = store.list_directory(&listing, 50, None, now).await;
            assert!(
                matches!(&page, Ok(p) if p.results.is_empty() && p.next.is_none()),
                "{since:?}..{before:?}: {page:?}"
            );
        }
    }

    #[test]
    fn instant_keys_sort_as_time_does() {
        let a = datetime!(2026-03-29 00:59:59.999 UTC);
        let b = datetime!(2026-03-29 03:00:00 +02:00);
        assert_eq!(instant_key(a), "2026-03-29T00:59:59.999000000Z");
        assert_eq!(instant_key(b), "2026-03-29T01:00:00.000000000Z");
        assert!(instant_key(a) < instant_key(b));
        assert_eq!(parse_instant_key(&instant_key(b)), Some(b));
        assert_eq!(parse_instant_key("2026-03-29T01:00:00Z"), None);
    }

    #[test]
    fn a_cursor_lives_24_hours_and_only_continues_its_own_listing() {
        let now = datetime!(2026-12-05 12:00 UTC);
        let as_of = instant_key(now - Duration::hours(1));
        let by_update = Listing {
            order: ListingOrder::ByUpdate {
                since: Some(datetime!(2026-01-01 00:00 UTC)),
                before: None,
            },
            active: None,
        };
        let by_number = Listing {
            order: ListingOrder::ByNumber,
            active: Some(false),
        };
        let pk = format!("DIR#{RPPS}");
        let update_sort = format!("2026-06-01T10:00:00.000000000Z#{RPPS}");
        let good = [
            ("PK", pk.as_str()),
            ("SK", "DIRV#000000000003"),
            ("GSI2PK", "DIRUPD"),
            ("GSI2SK", update_sort.as_str()),
        ];
        assert!(by_update.decode_cursor(&cursor(&as_of, &good), now).is_ok());
        // 24 hours later it has expired; from the future or not an instant, it is not ours.
        assert!(matches!(
            by_update.decode_cursor(&cursor(&as_of, &good), now + Duration::hours(24)),
            Err(ListingError::Expired)
        ));
        for as_of in [
            "2026-12-05T13:00:00.000000000Z",
            "hier",
            "2026-12-05T11:00:00Z",
        ] {
            assert!(matches!(
                by_update.decode_cursor(&cursor(as_of, &good), now),
                Err(ListingError::BadCursor)
            ));
        }
        // Another listing's cursor, a key before the range, a crafted item.
        assert!(matches!(
            by_number.decode_cursor(&cursor(&as_of, &good), now),
            Err(ListingError::BadCursor)
        ));
        let before = format!("2025-06-01T10:00:00.000000000Z#{RPPS}");
        let elsewhere = "2026-06-01T10:00:00.000000000Z#10000000007".to_owned();
        for pairs in [
            [
                ("PK", pk.as_str()),
                ("SK", "DIR"),
                ("GSI2PK", "DIRUPD"),
                ("GSI2SK", before.as_str()),
            ],
            [
                ("PK", pk.as_str()),
                ("SK", "DIR"),
                ("GSI2PK", "DIRUPD"),
                ("GSI2SK", elsewhere.as_str()),
            ],
            [
                ("PK", pk.as_str()),
                ("SK", "LOC#750012346"),
                ("GSI2PK", "DIRUPD"),
                ("GSI2SK", update_sort.as_str()),
            ],
            [
                ("PK", "REQ#x"),
                ("SK", "DIR"),
                ("GSI2PK", "DIRUPD"),
                ("GSI2SK", update_sort.as_str()),
            ],
        ] {
            assert!(
                matches!(
                    by_update.decode_cursor(&cursor(&as_of, &pairs), now),
                    Err(ListingError::BadCursor)
                ),
                "{pairs:?}"
            );
        }
        let by_number_key = [
            ("PK", pk.as_str()),
            ("SK", "DIR"),
            ("GSI3PK", "DIRALL"),
            ("GSI3SK", RPPS),
        ];
        assert!(
            by_number
                .decode_cursor(&cursor(&as_of, &by_number_key), now)
                .is_ok()
        );
        let other_number = [
            ("PK", pk.as_str()),
            ("SK", "DIR"),
            ("GSI3PK", "DIRALL"),
            ("GSI3SK", "10000000007"),
        ];
        assert!(matches!(
            by_number.decode_cursor(&cursor(&as_of, &other_number), now),
            Err(ListingError::BadCursor)
        ));
    }
}
