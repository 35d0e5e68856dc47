//! The search parameters this server understands, read strictly: a parameter, modifier or value
//! it does not support is a 400 `OperationOutcome` (FHIR's strict handling), never ignored.
//! [`PRACTITIONER_PARAMS`] is what the `CapabilityStatement` lists, so the two cannot drift.

use rpps_domain::RppsNumber;
use rpps_store::{DirectoryEntry, Listing, ListingOrder, MIN_CONTAINS_CHARS};
use time::{Date, Duration, Month, OffsetDateTime};

use crate::resources::{SYSTEM_IDNPS, SYSTEM_RPPS};

pub const DEFAULT_COUNT: i32 = 50;
pub const MAX_COUNT: i32 = 200;
/// At most this many `_id` / `identifier` values in one search (one `BatchGetItem`).
pub const MAX_VALUES: usize = 100;
const MIN_FAMILY_CHARS: usize = 2;
const MAX_FAMILY_CHARS: usize = 60;
/// The opaque cursor of the `next` links.
pub const CURSOR: &str = "_cursor";

/// A search parameter as the `CapabilityStatement` lists it.
pub struct ParamDoc {
    pub name: &'static str,
    pub definition: &'static str,
    pub kind: &'static str,
    pub documentation: &'static str,
}

pub const PRACTITIONER_PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "_id",
        definition: "http://hl7.org/fhir/SearchParameter/Resource-id",
        kind: "token",
        documentation: "Le numéro RPPS ; plusieurs séparés par des virgules (OU), 100 au plus.",
    },
    ParamDoc {
        name: "identifier",
        definition: "http://hl7.org/fhir/SearchParameter/Practitioner-identifier",
        kind: "token",
        documentation: "https://rpps.esante.gouv.fr|<RPPS> ou urn:oid:1.2.250.1.71.4.2.1|8<RPPS> (idNatPs), ou la valeur seule ; plusieurs séparés par des virgules (OU), 100 au plus.",
    },
    ParamDoc {
        name: "family",
        definition: "http://hl7.org/fhir/SearchParameter/individual-family",
        kind: "string",
        documentation: "Début du nom de famille, sans tenir compte des accents ni de la casse (2 caractères au moins) ; :exact pour le nom exact. Seules les personnes en exercice sont trouvées par le nom.",
    },
    ParamDoc {
        name: "given",
        definition: "http://hl7.org/fhir/SearchParameter/individual-given",
        kind: "string",
        documentation: "Début d'un prénom (ou de prénoms qui se suivent), sans tenir compte des accents ni de la casse, 2 caractères au moins ; :exact pour un prénom exact. Seules les personnes en exercice sont trouvées par le nom.",
    },
    ParamDoc {
        name: "name",
        definition: "http://hl7.org/fhir/SearchParameter/Practitioner-name",
        kind: "string",
        documentation: "Début d'un mot du nom de famille ou des prénoms (accents et casse ignorés), 2 caractères au moins ; :exact pour le nom de famille ou un prénom exact ; :contains pour une suite de lettres à l'intérieur du nom de famille ou des prénoms (3 lettres au moins). Seules les personnes en exercice sont trouvées par le nom.",
    },
    ParamDoc {
        name: "active",
        definition: "http://hl7.org/fhir/SearchParameter/Practitioner-active",
        kind: "token",
        documentation: "true : les personnes en exercice (au moins un lieu d'exercice publié) ; false : celles qui ne le sont plus (identifiants seuls).",
    },
    ParamDoc {
        name: "_lastUpdated",
        definition: "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
        kind: "date",
        documentation: "Préfixes eq (par défaut), gt, ge, lt, le ; date (AAAA, AAAA-MM, AAAA-MM-JJ, jour de Paris) ou instant avec fuseau ; deux fois au plus (un intervalle). Sans limite dans le passé : les personnes parties y figurent avec active=false. Sans autre critère, les résultats sont dans l'ordre de mise à jour.",
    },
];

/// The one `_revinclude` served: each professional's practice sites, read with the entry
/// itself (no other read).
pub const REVINCLUDE_ROLES: &str = "PractitionerRole:practitioner";

/// What a search without `_id`, `identifier` or `family` lists.
pub const LISTING_DOC: &str = "Sans critère : tout l'annuaire, par numéro RPPS (chaque professionnel une fois, même si l'annuaire change pendant la lecture ; lien de page valable 24 h).";

/// Parameters of FHIR's Practitioner search or of every search that this server does not
/// support (yet): named as such in the refusal.
pub(crate) const FHIR_KNOWN: &[&str] = &[
    "_tag",
    "_profile",
    "_security",
    "_text",
    "_content",
    "_list",
    "_has",
    "_type",
    "_query",
    "_filter",
    "_sort",
    "_elements",
    "_summary",
    "_include",
    "_revinclude",
    "_contained",
    "_containedType",
    "address",
    "address-city",
    "address-country",
    "address-postalcode",
    "address-state",
    "address-use",
    "communication",
    "email",
    "gender",
    "given",
    "name",
    "phone",
    "phonetic",
    "telecom",
    "qualification-code",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SearchError {
    /// A parameter or modifier FHIR defines that this server does not serve.
    #[error("{0}")]
    Unsupported(String),
    /// Something FHIR does not define, or a value that cannot be read.
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn unsupported(message: impl Into<String>) -> SearchError {
    SearchError::Unsupported(message.into())
}

pub(crate) fn invalid(message: impl Into<String>) -> SearchError {
    SearchError::Invalid(message.into())
}

/// `_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    /// Not asked, or `estimate`: given when known without more reads (the whole result on the
    /// first page).
    Default,
    None,
    /// Counted on the first page, reading the rest of the result (`COUNT_READS` reads at
    /// most).
    Accurate,
}

/// How the matches are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// These RPPS numbers (from `_id` and `identifier`, intersected): one batch read.
    Numbers(Vec<RppsNumber>),
    /// The folded start of the family name: the name index, page by page.
    Family(String),
    /// The folded start of a word of the names (`given`, `name`): the name tokens' index,
    /// page by page.
    Token(String),
    /// A folded word inside a word of the names (`name:contains`): the names' words and inner
    /// suffixes, page by page.
    Contains(String),
    /// No `_id`, `identifier` or `family`: a listing of the whole directory (by update when
    /// `_lastUpdated` is given, else by number), page by page.
    Listing(Listing),
}

/// How `name` compares: the start of a word (no modifier), `:exact`, `:contains`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameMatch {
    Start,
    Exact,
    Contains,
}

/// The instants a `_lastUpdated` search keeps: at or after `since`, before `before`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdatedRange {
    pub since: Option<OffsetDateTime>,
    pub before: Option<OffsetDateTime>,
}

impl UpdatedRange {
    pub(crate) fn contains(&self, at: OffsetDateTime) -> bool {
        self.since.is_none_or(|since| at >= since) && self.before.is_none_or(|before| at < before)
    }
}

/// A Practitioner search, read and checked before any read of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PractitionerSearch {
    pub criterion: Criterion,
    /// `family` as given and whether `:exact`.
    family: Option<(String, bool)>,
    /// `given` as given, and whether `:exact`.
    given: Option<(String, bool)>,
    /// `name` as given, and how it is compared.
    name: Option<(String, NameMatch)>,
    ids: Option<Vec<String>>,
    identifiers: Option<Vec<String>>,
    /// `active` as given.
    active: Option<bool>,
    /// Every `_lastUpdated` as given, and their intersection.
    updated: Vec<String>,
    updated_range: Option<UpdatedRange>,
    pub count: i32,
    pub total: Total,
    pub cursor: Option<String>,
    /// `_revinclude=PractitionerRole:practitioner`: the practice sites too.
    pub roles: bool,
}

/// Reads `_format` (JSON only); every other parameter is refused. For read and metadata.
pub fn format_only(query: Option<&str>) -> Result<(), SearchError> {
    for (key, value) in crate::pairs(query)? {
        if key == "_format" {
            check_format(&value)?;
        } else {
            return Err(invalid(format!(
                "Paramètre « {key} » inconnu ici : seul _format est accepté."
            )));
        }
    }
    Ok(())
}

pub(crate) fn check_format(value: &str) -> Result<(), SearchError> {
    match value {
        "json" | "application/json" | "application/fhir+json" => Ok(()),
        _ => Err(unsupported(format!(
            "Format « {value} » non servi : cette API répond en JSON (application/fhir+json) seulement."
        ))),
    }
}

pub(crate) fn no_bad_chars(name: &str, value: &str) -> Result<(), SearchError> {
    if value
        .chars()
        .any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER)
    {
        return Err(invalid(format!(
            "La valeur de « {name} » contient des caractères invalides."
        )));
    }
    Ok(())
}

/// The comma-separated values of a token parameter (`\,` is a comma inside a value).
pub(crate) fn values(name: &str, raw: &str) -> Result<Vec<String>, SearchError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => current.push(next),
                None => current.push('\\'),
            },
            ',' => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out.retain(|v| !v.is_empty());
    if out.is_empty() {
        return Err(invalid(format!("« {name} » est vide.")));
    }
    if out.len() > MAX_VALUES {
        return Err(invalid(format!(
            "« {name} » : {MAX_VALUES} valeurs au plus par recherche."
        )));
    }
    Ok(out)
}

/// The RPPS number an `identifier` token names, if it names one of ours.
fn identifier_number(token: &str) -> Option<RppsNumber> {
    let (system, value) = match token.split_once('|') {
        Some((system, value)) => (Some(system), value),
        None => (None, token),
    };
    let rpps = match system {
        Some(SYSTEM_RPPS) => value,
        Some(SYSTEM_IDNPS) => value.strip_prefix('8')?,
        // `|value`: an identifier without a system; ours all have one.
        Some(_) => return None,
        None if value.len() == 12 => value.strip_prefix('8')?,
        None => value,
    };
    RppsNumber::parse(rpps).ok()
}

/// A `_lastUpdated` value: its prefix and the instants `[start, end)` its precision covers (a
/// date without a time is a day, month or year in Paris).
fn updated_bounds(value: &str) -> Result<UpdatedRange, SearchError> {
    let bad = || {
        invalid(format!(
            "« _lastUpdated » : « {value} » n'est pas une date (AAAA-MM-JJ) ou un instant avec fuseau (AAAA-MM-JJThh:mm:ssZ), précédé de eq, gt, ge, lt ou le."
        ))
    };
    let (prefix, text) = match value.get(..2) {
        Some(p) if p.bytes().all(|b| b.is_ascii_lowercase()) => (p, &value[2..]),
        _ => ("eq", value),
    };
    if !matches!(prefix, "eq" | "gt" | "ge" | "lt" | "le") {
        return Err(unsupported(format!(
            "« _lastUpdated » : le préfixe « {prefix} » n'est pas pris en charge (eq, gt, ge, lt, le)."
        )));
    }
    let day = |y: i32, m: u8, d: u8| {
        Month::try_from(m)
            .ok()
            .and_then(|m| Date::from_calendar_date(y, m, d).ok())
    };
    fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    }
    let paris = rpps_domain::paris::paris_day_start;
    let (start, end) = match text.len() {
        4 => {
            let y: i32 = number(text).ok_or_else(bad)?;
            let first = day(y, 1, 1).ok_or_else(bad)?;
            let next = day(y + 1, 1, 1).ok_or_else(bad)?;
            (paris(first), paris(next))
        }
        7 if text.as_bytes()[4] == b'-' => {
            let y: i32 = number(&text[..4]).ok_or_else(bad)?;
            let m: u8 = number(&text[5..]).ok_or_else(bad)?;
            let first = day(y, m, 1).ok_or_else(bad)?;
            let next = if m == 12 {
                day(y + 1, 1, 1)
            } else {
                day(y, m + 1, 1)
            }
            .ok_or_else(bad)?;
            (paris(first), paris(next))
        }
        10 => {
            let date = Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| bad())?;
            (paris(date), paris(date.next_day().ok_or_else(bad)?))
        }
        _ => {
            // `+01:00` unencoded in a query string arrives as ` 01:00` (form decoding).
            let text = &text.replace(' ', "+");
            let at = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| bad())?;
            // The precision given: the second, or the fraction's last digit.
            let digits = text.split_once('.').map_or(0, |(_, rest)| {
                rest.bytes().take_while(u8::is_ascii_digit).count()
            });
            let step = 10i64.pow(9 - u32::try_from(digits.min(9)).unwrap_or(9));
            (at, at + Duration::nanoseconds(step))
        }
    };
    Ok(match prefix {
        "gt" => UpdatedRange {
            since: Some(end),
            before: None,
        },
        "ge" => UpdatedRange {
            since: Some(start),
            before: None,
        },
        "lt" => UpdatedRange {
            since: None,
            before: Some(start),
        },
        "le" => UpdatedRange {
            since: None,
            before: Some(end),
        },
        _ => UpdatedRange {
            since: Some(start),
            before: Some(end),
        },
    })
}

/// The range of `_lastUpdated` values given so far, narrowed by one more (`ge…&lt…`: an
/// interval).
pub(crate) fn narrow_updated(
    range: Option<UpdatedRange>,
    value: &str,
) -> Result<UpdatedRange, SearchError> {
    let bounds = updated_bounds(value)?;
    let range = range.unwrap_or_default();
    Ok(UpdatedRange {
        since: range.since.max(bounds.since),
        before: match (range.before, bounds.before) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    })
}

/// A value compared `:exact` with a stored name, normalised as names are stored (NFC, typographic
/// apostrophes and hyphens, spaces): `D’Arc` is the `D'Arc` stored.
fn as_stored(value: &str) -> String {
    rpps_domain::PersonName::parse(value)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_else(|_| value.to_owned())
}

/// The longest word of a folded value that can drive the name tokens' index (2 characters or
/// more: the index is bucketed by a word's first two).
fn longest_word(folded: &str) -> Option<String> {
    folded
        .split_whitespace()
        .filter(|w| w.chars().count() >= MIN_FAMILY_CHARS)
        .max_by_key(|w| w.chars().count())
        .map(str::to_owned)
}

/// Whether `value`, folded, starts a word of `text` folded (the words that follow included:
/// `marie an` starts a word of `Léa Marie Anne`).
fn starts_a_word(text: &str, value: &str) -> bool {
    let text = rpps_domain::fold(text);
    let value = rpps_domain::fold(value);
    !value.is_empty()
        && (text.starts_with(&value)
            || text
                .match_indices(' ')
                .any(|(i, _)| text[i + 1..].starts_with(&value)))
}

/// A parameter's name and modifier (`family:exact` → `family`, `exact`).
pub(crate) fn split_key(key: &str) -> (String, Option<String>) {
    match key.split_once(':') {
        Some((name, modifier)) => (name.to_owned(), Some(modifier.to_owned())),
        None => (key.to_owned(), None),
    }
}

/// What `_id` and `identifier` name together: the values of both when both are given.
pub(crate) fn both<T: PartialEq>(
    ids: Option<Vec<T>>,
    identifiers: Option<Vec<T>>,
) -> Option<Vec<T>> {
    match (ids, identifiers) {
        (Some(a), Some(b)) => Some(a.into_iter().filter(|n| b.contains(n)).collect()),
        (a, b) => a.or(b),
    }
}

/// An `active` value.
pub(crate) fn active_value(value: &str) -> Result<bool, SearchError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(invalid(format!(
            "« active » vaut true ou false, pas « {other} »."
        ))),
    }
}

/// A `_count` value.
pub(crate) fn count_value(value: &str) -> Result<i32, SearchError> {
    match value.parse::<i32>() {
        Ok(n) if (1..=MAX_COUNT).contains(&n) => Ok(n),
        _ => Err(invalid(format!(
            "« _count » doit être un nombre entre 1 et {MAX_COUNT}."
        ))),
    }
}

/// A `_total` value.
pub(crate) fn total_value(value: &str) -> Result<Total, SearchError> {
    match value {
        "none" => Ok(Total::None),
        "accurate" => Ok(Total::Accurate),
        "estimate" => Ok(Total::Default),
        other => Err(invalid(format!(
            "« _total » vaut none, estimate ou accurate, pas « {other} »."
        ))),
    }
}

/// `_count` and `_total` of a link, in the canonical order.
pub(crate) fn push_paging(parts: &mut Vec<String>, count: i32, total: Total) {
    parts.push(format!("_count={count}"));
    match total {
        Total::Default => {}
        Total::None => parts.push("_total=none".into()),
        Total::Accurate => parts.push("_total=accurate".into()),
    }
}

pub(crate) fn one(name: &str, seen: &mut Vec<String>) -> Result<(), SearchError> {
    if name == "_lastUpdated" {
        // Twice makes an interval (`ge…&lt…`); a third adds nothing.
        if seen.iter().filter(|s| *s == name).count() >= 2 {
            return Err(unsupported(
                "« _lastUpdated » : deux fois au plus (le début et la fin d'un intervalle).",
            ));
        }
        seen.push(name.to_owned());
        return Ok(());
    }
    if seen.iter().any(|s| s == name) {
        return Err(unsupported(format!(
            "« {name} » répété n'est pas pris en charge : donnez-le une fois (plusieurs valeurs séparées par des virgules pour _id et identifier)."
        )));
    }
    seen.push(name.to_owned());
    Ok(())
}

impl PractitionerSearch {
    pub fn parse(query: Option<&str>) -> Result<Self, SearchError> {
        let mut seen = Vec::new();
        let mut family = None;
        let mut given = None;
        let mut name_param = None;
        let mut ids = None;
        let mut identifiers = None;
        let mut active = None;
        let mut updated = Vec::new();
        let mut updated_range: Option<UpdatedRange> = None;
        let mut count = DEFAULT_COUNT;
        let mut total = Total::Default;
        let mut cursor = None;
        let mut roles = false;
        for (key, value) in crate::pairs(query)? {
            let (name, modifier) = split_key(&key);
            no_bad_chars(&name, &value)?;
            one(&name, &mut seen)?;
            let no_modifier = || match &modifier {
                Some(m) => Err(unsupported(format!(
                    "Le modificateur « :{m} » n'est pas pris en charge pour « {name} »."
                ))),
                None => Ok(()),
            };
            match name.as_str() {
                "_id" => {
                    no_modifier()?;
                    ids = Some(values(&name, &value)?);
                }
                "identifier" => {
                    no_modifier()?;
                    identifiers = Some(values(&name, &value)?);
                }
                "family" => {
                    let exact = match modifier.as_deref() {
                        None => false,
                        Some("exact") => true,
                        Some(m) => {
                            return Err(unsupported(format!(
                                "Le modificateur « :{m} » n'est pas pris en charge pour « family » (seulement :exact)."
                            )));
                        }
                    };
                    let value = value.trim().to_owned();
                    let chars = rpps_domain::fold(&value).chars().count();
                    if chars < MIN_FAMILY_CHARS {
                        return Err(invalid(format!(
                            "« family » : {MIN_FAMILY_CHARS} lettres au moins."
                        )));
                    }
                    if chars > MAX_FAMILY_CHARS {
                        return Err(invalid(format!(
                            "« family » : {MAX_FAMILY_CHARS} caractères au plus."
                        )));
                    }
                    family = Some((value, exact));
                }
                "given" | "name" => {
                    let how = match modifier.as_deref() {
                        None => NameMatch::Start,
                        Some("exact") => NameMatch::Exact,
                        Some("contains") if name == "name" => NameMatch::Contains,
                        Some(m) => {
                            return Err(unsupported(format!(
                                "Le modificateur « :{m} » n'est pas pris en charge pour « {name} » ({}).",
                                if name == "name" {
                                    "seulement :exact et :contains"
                                } else {
                                    "seulement :exact"
                                }
                            )));
                        }
                    };
                    let value = value.trim().to_owned();
                    let folded = rpps_domain::fold(&value);
                    if how == NameMatch::Contains {
                        if longest_word(&folded)
                            .is_none_or(|w| w.chars().count() < MIN_CONTAINS_CHARS)
                        {
                            return Err(invalid(format!(
                                "« name:contains » : un mot de {MIN_CONTAINS_CHARS} lettres au moins."
                            )));
                        }
                    } else if longest_word(&folded).is_none() {
                        return Err(invalid(format!(
                            "« {name} » : un mot de {MIN_FAMILY_CHARS} lettres au moins."
                        )));
                    }
                    if folded.chars().count() > MAX_FAMILY_CHARS {
                        return Err(invalid(format!(
                            "« {name} » : {MAX_FAMILY_CHARS} caractères au plus."
                        )));
                    }
                    if name == "given" {
                        given = Some((value, how == NameMatch::Exact));
                    } else {
                        name_param = Some((value, how));
                    }
                }
                "active" => {
                    no_modifier()?;
                    active = Some(active_value(&value)?);
                }
                "_lastUpdated" => {
                    no_modifier()?;
                    updated_range = Some(narrow_updated(updated_range, &value)?);
                    updated.push(value);
                }
                "_count" => {
                    no_modifier()?;
                    count = count_value(&value)?;
                }
                "_total" => {
                    no_modifier()?;
                    total = total_value(&value)?;
                }
                "_format" => {
                    no_modifier()?;
                    check_format(&value)?;
                }
                CURSOR => {
                    no_modifier()?;
                    cursor = Some(value);
                }
                "_revinclude" => {
                    no_modifier()?;
                    if value != REVINCLUDE_ROLES {
                        return Err(unsupported(format!(
                            "« _revinclude » : seul « {REVINCLUDE_ROLES} » est pris en charge, pas « {value} »."
                        )));
                    }
                    roles = true;
                }
                other if FHIR_KNOWN.contains(&other) => {
                    return Err(unsupported(format!(
                        "Le paramètre « {other} » n'est pas (encore) pris en charge par cette API : voir /fhir/metadata."
                    )));
                }
                other => {
                    return Err(invalid(format!(
                        "Paramètre « {other} » inconnu pour Practitioner : voir /fhir/metadata."
                    )));
                }
            }
        }
        let numbers = both(
            ids.as_ref().map(|ids| {
                ids.iter()
                    .filter_map(|id| RppsNumber::parse(id).ok())
                    .collect()
            }),
            identifiers
                .as_ref()
                .map(|tokens| tokens.iter().filter_map(|t| identifier_number(t)).collect()),
        );
        // The longest word of `given` and `name` drives a token search (every word of a value
        // starts a word of the names: `d'Arc` is `d arc`, read from `arc`).
        // `name:contains` drives only alone: its longest word, read among the words and their
        // inner suffixes.
        let starts = name_param
            .as_ref()
            .filter(|(_, how)| *how != NameMatch::Contains)
            .map(|(value, _)| value);
        let token = given
            .as_ref()
            .map(|(value, _)| value)
            .into_iter()
            .chain(starts)
            .filter_map(|value| longest_word(&rpps_domain::fold(value)))
            .max_by_key(|w| w.chars().count());
        let contains = name_param
            .as_ref()
            .filter(|(_, how)| *how == NameMatch::Contains)
            .and_then(|(value, _)| longest_word(&rpps_domain::fold(value)));
        let criterion = match (numbers, &family, token, contains) {
            (Some(numbers), _, _, _) => Criterion::Numbers(numbers),
            (None, Some((value, _)), _, _) => Criterion::Family(rpps_domain::fold(value)),
            (None, None, Some(token), _) => Criterion::Token(token),
            (None, None, None, Some(word)) => Criterion::Contains(word),
            (None, None, None, None) => Criterion::Listing(Listing {
                order: match updated_range {
                    Some(range) => ListingOrder::ByUpdate {
                        since: range.since,
                        before: range.before,
                    },
                    None => ListingOrder::ByNumber,
                },
                active,
            }),
        };
        if cursor.is_some() && matches!(criterion, Criterion::Numbers(_)) {
            return Err(invalid(
                "Ce lien de page n'est pas valable pour cette recherche : relancez la recherche.",
            ));
        }
        Ok(Self {
            criterion,
            family,
            given,
            name: name_param,
            ids,
            identifiers,
            active,
            updated,
            updated_range,
            count,
            total,
            cursor,
            roles,
        })
    }

    /// Whether an entry read for the criterion meets every other parameter.
    pub fn matches(&self, entry: &DirectoryEntry) -> bool {
        if self
            .active
            .is_some_and(|active| active != entry.active_sites().next().is_some())
        {
            return false;
        }
        if self
            .updated_range
            .is_some_and(|range| !range.contains(entry.updated_at))
        {
            return false;
        }
        let family_ok = match &self.family {
            None => true,
            Some((value, true)) => entry.family_name == as_stored(value),
            Some((value, false)) => {
                rpps_domain::fold(&entry.family_name).starts_with(&rpps_domain::fold(value))
            }
        };
        let given_ok = self.given.as_ref().is_none_or(|(value, exact)| {
            if *exact {
                let value = as_stored(value);
                entry.given_names == value
                    || entry.given_names.split_whitespace().any(|g| g == value)
            } else {
                starts_a_word(&entry.given_names, value)
            }
        });
        let name_ok = self.name.as_ref().is_none_or(|(value, how)| match how {
            NameMatch::Exact => {
                let value = as_stored(value);
                entry.family_name == value
                    || entry.given_names == value
                    || entry.given_names.split_whitespace().any(|g| g == value)
            }
            NameMatch::Start => {
                starts_a_word(&entry.family_name, value) || starts_a_word(&entry.given_names, value)
            }
            NameMatch::Contains => {
                let value = rpps_domain::fold(value);
                rpps_domain::fold(&entry.family_name).contains(&value)
                    || rpps_domain::fold(&entry.given_names).contains(&value)
            }
        });
        family_ok && given_ok && name_ok
    }

    /// The search as a query string in a fixed order (the Bundle's `self` link), with `cursor`
    /// for its `next` link.
    pub fn canonical_query(&self, cursor: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(ids) = &self.ids {
            parts.push(format!("_id={}", encode_values(ids)));
        }
        if let Some(identifiers) = &self.identifiers {
            parts.push(format!("identifier={}", encode_values(identifiers)));
        }
        if let Some((value, exact)) = &self.family {
            let name = if *exact { "family:exact" } else { "family" };
            parts.push(format!("{name}={}", encode(value)));
        }
        if let Some((value, exact)) = &self.given {
            let param = if *exact { "given:exact" } else { "given" };
            parts.push(format!("{param}={}", encode(value)));
        }
        if let Some((value, how)) = &self.name {
            let param = match how {
                NameMatch::Start => "name",
                NameMatch::Exact => "name:exact",
                NameMatch::Contains => "name:contains",
            };
            parts.push(format!("{param}={}", encode(value)));
        }
        if let Some(active) = self.active {
            parts.push(format!("active={active}"));
        }
        for value in &self.updated {
            parts.push(format!("_lastUpdated={}", encode(value)));
        }
        push_paging(&mut parts, self.count, self.total);
        if self.roles {
            parts.push(format!("_revinclude={}", encode(REVINCLUDE_ROLES)));
        }
        if let Some(cursor) = cursor.or(self.cursor.as_deref()) {
            parts.push(format!("{CURSOR}={}", encode(cursor)));
        }
        parts.join("&")
    }
}

pub(crate) fn encode_values(values: &[String]) -> String {
    values
        .iter()
        .map(|v| encode(&v.replace('\\', "\\\\").replace(',', "\\,")))
        .collect::<Vec<_>>()
        .join(",")
}

/// A query-string value, form-encoded.
pub(crate) fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<PractitionerSearch, SearchError> {
        PractitionerSearch::parse(Some(q))
    }

    fn numbers(q: &str) -> Vec<String> {
        match parse(q).unwrap().criterion {
            Criterion::Numbers(n) => n.iter().map(ToString::to_string).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identifiers_are_read_in_both_national_systems_or_bare() {
        assert_eq!(
            numbers("identifier=https://rpps.esante.gouv.fr|10000000025"),
            ["10000000025"]
        );
        assert_eq!(
            numbers("identifier=urn:oid:1.2.250.1.71.4.2.1%7C810000000025,10001045367"),
            ["10000000025", "10001045367"]
        );
        assert_eq!(numbers("identifier=810000000025"), ["10000000025"]);
        // Another system, no system, a wrong key: nothing of ours, an empty result.
        assert!(numbers("identifier=http://other|10000000025").is_empty());
        assert!(numbers("identifier=|10000000025").is_empty());
        assert!(numbers("identifier=10000000026").is_empty());
        // _id and identifier together: both must hold.
        assert_eq!(
            numbers("_id=10000000025,10001045367&identifier=10001045367"),
            ["10001045367"]
        );
    }

    /// An entry of these names, without sites.
    fn named(family: &str, given: &str) -> DirectoryEntry {
        DirectoryEntry {
            rpps: RppsNumber::parse("10000000025").unwrap(),
            family_name: family.into(),
            given_names: given.into(),
            profession: "aide_a_domicile_qualifiee".into(),
            sites: Vec::new(),
            ecps_activable_from: None,
            published_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn given_and_name_search_the_words_of_the_names() {
        let search = parse("given=Marie%20An&name=dup").unwrap();
        assert_eq!(search.criterion, Criterion::Token("marie".into()));
        let link = search.canonical_query(None);
        assert_eq!(link, "given=Marie+An&name=dup&_count=50");
        assert_eq!(parse(&link).unwrap(), search);
        let mut e = named("de la Dupré", "Léa Marie Anne");
        assert!(search.matches(&e));
        e.given_names = "Anne Marie".into();
        assert!(!search.matches(&e), "given words in that order only");
        let exact = parse("name:exact=Anne").unwrap();
        assert!(exact.matches(&e));
        assert!(!parse("name:exact=anne").unwrap().matches(&e));
        // With family, the family index drives, the others filter.
        assert_eq!(
            parse("family=dupr&given=anne").unwrap().criterion,
            Criterion::Family("dupr".into())
        );
        assert_eq!(
            parse("given=anne&name=martineau").unwrap().criterion,
            Criterion::Token("martineau".into())
        );
        // Punctuation folds to spaces: `d'Arc` is read from `arc`, and matches `d'Arc`.
        let arc = parse("name=d%27Arc").unwrap();
        assert_eq!(arc.criterion, Criterion::Token("arc".into()));
        e.family_name = "D'ARC".into();
        assert!(arc.matches(&e));
        assert!(matches!(parse("name=d%27a"), Err(SearchError::Invalid(_))));
        // :exact compares as names are stored: a typographic apostrophe is the one stored.
        e.family_name = "D'Arc".into();
        assert!(parse("name:exact=D%E2%80%99Arc").unwrap().matches(&e));
        assert!(parse("family:exact=D%E2%80%99Arc").unwrap().matches(&e));
    }

    /// Issue 16: `name:contains`, a string inside the family name or the given names, read
    /// from its longest word; alone it drives, with `given` or `name` it filters.
    #[test]
    fn name_contains_finds_a_string_inside_the_names() {
        let search = parse("name:contains=RTIN%C3%89").unwrap();
        assert_eq!(search.criterion, Criterion::Contains("rtine".into()));
        let link = search.canonical_query(None);
        assert_eq!(link, "name:contains=RTIN%C3%89&_count=50");
        assert_eq!(parse(&link).unwrap(), search);
        let mut e = named("Martineau", "Léa Marie");
        assert!(search.matches(&e));
        assert!(parse("name:contains=a%20mar").unwrap().matches(&e));
        assert!(
            !parse("name:contains=eau%20lea").unwrap().matches(&e),
            "inside one of the family name or the given names"
        );
        e.family_name = "Dupont".into();
        assert!(!search.matches(&e));
        // With a word search, that word drives and :contains filters.
        assert_eq!(
            parse("given=lea&name:contains=upon").unwrap().criterion,
            Criterion::Token("lea".into())
        );
        assert_eq!(
            parse("name:contains=a%20mar").unwrap().criterion,
            Criterion::Contains("mar".into())
        );
    }

    #[test]
    fn what_is_not_served_is_refused_never_ignored() {
        let refused = |q: &str| parse(q).unwrap_err();
        assert!(
            matches!(refused("given:contains=ont"), SearchError::Unsupported(m) if m.contains(":exact"))
        );
        assert!(matches!(
            refused("name:contains=on"),
            SearchError::Invalid(m) if m.contains("3 lettres")
        ));
        assert!(matches!(
            refused("name:contains=on%20du"),
            SearchError::Invalid(m) if m.contains("3 lettres")
        ));
        assert!(matches!(refused("given=L"), SearchError::Invalid(_)));
        assert!(matches!(
            refused("phonetic=martin"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("_lastUpdated=ne2026-01-01"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("_lastUpdated=ge2026-13-01"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("_lastUpdated=ge2026-01-01T10:00:00"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("_lastUpdated=ge2026&_lastUpdated=lt2027&_lastUpdated=le2027"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(refused("active=oui"), SearchError::Invalid(_)));
        assert!(matches!(
            refused("active=true&active=false"),
            SearchError::Unsupported(_)
        ));
        assert!(
            matches!(refused("family:contains=dup"), SearchError::Unsupported(m) if m.contains(":contains"))
        );
        assert!(matches!(
            refused("identifier:of-type=x"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(refused("nom=dupont"), SearchError::Invalid(m) if m.contains("inconnu")));
        assert!(matches!(
            refused("family=dupont&_count=201"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("family=dupont&_count=0"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(refused("family=d"), SearchError::Invalid(_)));
        assert!(matches!(
            refused("family=dupont&family=durand"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("family=dupont&_format=xml"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("_id=10000000025&_cursor=abc"),
            SearchError::Invalid(_)
        ));
        let many = (0..101)
            .map(|_| "10000000025")
            .collect::<Vec<_>>()
            .join(",");
        assert!(matches!(
            refused(&format!("_id={many}")),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("family=du%00pont"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("_revinclude=PractitionerRole:organization"),
            SearchError::Unsupported(m) if m.contains("PractitionerRole:practitioner")
        ));
        assert!(matches!(
            refused("_include=PractitionerRole:practitioner"),
            SearchError::Unsupported(_)
        ));
    }

    /// What the CapabilityStatement lists (`PRACTITIONER_PARAMS`) is what the parser reads.
    #[test]
    fn every_listed_parameter_is_read() {
        for p in PRACTITIONER_PARAMS {
            let value = match p.name {
                "family" => "dupont",
                "active" => "true",
                "_lastUpdated" => "ge2026",
                _ => "10000000025",
            };
            assert!(parse(&format!("{}={value}", p.name)).is_ok(), "{}", p.name);
        }
    }

    #[test]
    fn the_practice_sites_come_with_the_professionals_on_request() {
        let search =
            parse("identifier=10000000025&_revinclude=PractitionerRole%3Apractitioner").unwrap();
        assert!(search.roles);
        assert!(!parse("identifier=10000000025").unwrap().roles);
        let link = search.canonical_query(None);
        assert_eq!(
            link,
            "identifier=10000000025&_count=50&_revinclude=PractitionerRole%3Apractitioner"
        );
        assert_eq!(parse(&link).unwrap(), search);
    }

    #[test]
    fn family_is_a_folded_prefix_and_the_links_say_the_search_again() {
        let search = parse("family=L%C3%A9FEV&_count=10&_total=accurate").unwrap();
        assert_eq!(search.criterion, Criterion::Family("lefev".into()));
        assert_eq!(search.total, Total::Accurate);
        assert_eq!(
            search.canonical_query(Some("abc=")),
            "family=L%C3%A9FEV&_count=10&_total=accurate&_cursor=abc%3D"
        );
        let again = parse(&search.canonical_query(Some("abc="))).unwrap();
        assert_eq!(again.cursor.as_deref(), Some("abc="));
        assert_eq!(again.criterion, search.criterion);
        let exact = parse("family:exact=Lefèvre").unwrap();
        assert_eq!(
            exact.canonical_query(None),
            "family:exact=Lef%C3%A8vre&_count=50"
        );
    }

    #[test]
    fn last_updated_reads_paris_days_and_instants_into_an_interval() {
        use time::macros::datetime;
        let range = |q: &str| parse(q).unwrap().updated_range.unwrap();
        assert_eq!(
            range("_lastUpdated=2026-07-14"),
            UpdatedRange {
                since: Some(datetime!(2026-07-13 22:00 UTC)),
                before: Some(datetime!(2026-07-14 22:00 UTC)),
            }
        );
        assert_eq!(
            range("_lastUpdated=gt2026-01"),
            UpdatedRange {
                since: Some(datetime!(2026-01-31 23:00 UTC)),
                before: None,
            }
        );
        assert_eq!(
            range("_lastUpdated=ge2025&_lastUpdated=lt2026-12-05T10:00:00%2B01:00"),
            UpdatedRange {
                since: Some(datetime!(2024-12-31 23:00 UTC)),
                before: Some(datetime!(2026-12-05 09:00 UTC)),
            }
        );
        // Review of issue 16: an offset's `+` left unencoded decodes as a space.
        assert_eq!(
            range("_lastUpdated=ge2026-12-05T10:00:00+01:00"),
            UpdatedRange {
                since: Some(datetime!(2026-12-05 09:00 UTC)),
                before: None,
            }
        );
        assert_eq!(
            range("_lastUpdated=le2026-12-05T10:00:00.5Z"),
            UpdatedRange {
                since: None,
                before: Some(datetime!(2026-12-05 10:00:00.6 UTC)),
            }
        );
        // Alone, a listing by update with `active` pushed down; with `family`, a filter.
        let search = parse("_lastUpdated=ge2026-01-01&active=false").unwrap();
        assert_eq!(
            search.criterion,
            Criterion::Listing(Listing {
                order: ListingOrder::ByUpdate {
                    since: Some(datetime!(2025-12-31 23:00 UTC)),
                    before: None,
                },
                active: Some(false),
            })
        );
        assert_eq!(
            search.canonical_query(None),
            "active=false&_lastUpdated=ge2026-01-01&_count=50"
        );
        assert!(matches!(
            parse("").unwrap().criterion,
            Criterion::Listing(Listing {
                order: ListingOrder::ByNumber,
                active: None
            })
        ));
        assert!(matches!(
            parse("family=dupont&_lastUpdated=ge2026")
                .unwrap()
                .criterion,
            Criterion::Family(_)
        ));
    }
}
