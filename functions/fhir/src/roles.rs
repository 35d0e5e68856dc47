//! The `PractitionerRole` search: the practice sites of given professionals (`practitioner`)
//! or given sites (`_id`), read with their directory entries in one batch read, read strictly
//! as the Practitioner search is (`search`): anything not served is a 400 `OperationOutcome`.
//! By `organization` alone (who practises at these establishments), each establishment's
//! published sites are read by RPPS number from their index (one `Query` per establishment
//! per page), merged by role id. Without any of them, every role, from the directory's listing.

use rpps_domain::{Finess, RppsNumber};
use rpps_store::{Listing, ListingOrder};

use crate::search::{
    CURSOR, DEFAULT_COUNT, FHIR_KNOWN, ParamDoc, SearchError, Total, UpdatedRange, active_value,
    check_format, count_value, encode, encode_values, invalid, narrow_updated, no_bad_chars, one,
    push_paging, split_key, total_value, unsupported, values,
};

/// The `_include`s served: the professional of each site, read with the site itself, and its
/// establishment (one batch read of the page's establishments).
pub const INCLUDE_PRACTITIONER: &str = "PractitionerRole:practitioner";
pub const INCLUDE_ORGANIZATION: &str = "PractitionerRole:organization";

pub const ROLE_PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "_id",
        definition: "http://hl7.org/fhir/SearchParameter/Resource-id",
        kind: "token",
        documentation: "<numéro RPPS>-<FINESS> ; plusieurs séparés par des virgules (OU), 100 au plus.",
    },
    ParamDoc {
        name: "practitioner",
        definition: "http://hl7.org/fhir/SearchParameter/PractitionerRole-practitioner",
        kind: "reference",
        documentation: "Practitioner/<numéro RPPS> (ou le numéro seul, ou l'URL complète) : les lieux d'exercice de ces professionnels ; plusieurs séparés par des virgules (OU), 100 au plus.",
    },
    ParamDoc {
        name: "organization",
        definition: "http://hl7.org/fhir/SearchParameter/PractitionerRole-organization",
        kind: "reference",
        documentation: "Organization/<FINESS> (ou le numéro seul, ou l'URL complète) ; plusieurs séparés par des virgules (OU), 10 au plus : les lieux d'exercice en cours dans ces établissements, par identifiant ; avec practitioner ou _id, un filtre.",
    },
    ParamDoc {
        name: "_lastUpdated",
        definition: "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
        kind: "date",
        documentation: "Les lieux d'exercice dont le professionnel a changé dans l'intervalle (eq, gt, ge, lt, le ; deux fois pour un intervalle) ; seul, le delta de tout l'annuaire, dans l'ordre des changements (lien de page valable 24 h).",
    },
    ParamDoc {
        name: "active",
        definition: "http://hl7.org/fhir/SearchParameter/PractitionerRole-active",
        kind: "token",
        documentation: "true : les lieux d'exercice en cours ; false : ceux qui ont pris fin.",
    },
];

/// A PractitionerRole search, read and checked before any read of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleSearch {
    ids: Option<Vec<String>>,
    practitioners: Option<Vec<String>>,
    /// `organization` as given, and the establishments it names that are ours (sorted, once
    /// each).
    organization: Option<Vec<String>>,
    establishments: Vec<Finess>,
    /// The professionals to read (sorted, once each).
    pub numbers: Vec<RppsNumber>,
    /// From `_id`: the sites kept.
    sites: Option<Vec<(RppsNumber, Finess)>>,
    active: Option<bool>,
    /// Every `_lastUpdated` as given, and their intersection.
    updated: Vec<String>,
    updated_range: Option<UpdatedRange>,
    pub count: i32,
    pub total: Total,
    /// `_include=PractitionerRole:practitioner`.
    pub include_practitioners: bool,
    /// `_include=PractitionerRole:organization`.
    pub include_organizations: bool,
    /// The next page's start: the sites after this id (sites are listed by id, which never
    /// changes, so each is served once while the data changes).
    pub after: Option<String>,
}

/// At most this many establishments in one `organization` (one `Query` each per page).
pub const MAX_ORGANIZATIONS: usize = 10;

/// The FINESS an `organization` reference names: `Organization/<finess>`, the absolute URL of
/// this server's, or the number alone; written as served.
fn referenced_establishment(reference: &str, base: &str) -> Option<Finess> {
    let id = referenced_id(reference, base, "Organization");
    Finess::parse(id).ok().filter(|f| f.as_str() == id)
}

/// The RPPS number a `practitioner` reference names: `Practitioner/<rpps>`, the absolute URL
/// of this server's (`base`), or the number alone; written as served (`8…` is not an id).
fn referenced_number(reference: &str, base: &str) -> Option<RppsNumber> {
    let id = referenced_id(reference, base, "Practitioner");
    RppsNumber::parse(id).ok().filter(|n| n.as_str() == id)
}

/// The id a reference to a `kind` names: `<kind>/<id>`, the absolute URL of this server's
/// (`base`), or the id alone.
fn referenced_id<'a>(reference: &'a str, base: &str, kind: &str) -> &'a str {
    let relative = reference
        .strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(reference);
    relative
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(relative)
}

impl RoleSearch {
    pub fn parse(query: Option<&str>, base: &str) -> Result<Self, SearchError> {
        let mut seen = Vec::new();
        let mut ids = None;
        let mut practitioners = None;
        let mut organization = None;
        let mut active = None;
        let mut updated = Vec::new();
        let mut updated_range: Option<UpdatedRange> = None;
        let mut count = DEFAULT_COUNT;
        let mut after = None;
        let mut total = Total::Default;
        let mut include_practitioners = false;
        let mut include_organizations = false;
        for (key, value) in crate::pairs(query)? {
            let (name, modifier) = split_key(&key);
            no_bad_chars(&name, &value)?;
            // `_include` is given once per resource included.
            if name != "_include" {
                one(&name, &mut seen)?;
            }
            if let Some(m) = &modifier {
                return Err(unsupported(format!(
                    "Le modificateur « :{m} » n'est pas pris en charge pour « {name} »."
                )));
            }
            match name.as_str() {
                "_id" => ids = Some(values(&name, &value)?),
                "practitioner" => practitioners = Some(values(&name, &value)?),
                "organization" => {
                    let given = values(&name, &value)?;
                    if given.len() > MAX_ORGANIZATIONS {
                        return Err(invalid(format!(
                            "« organization » : {MAX_ORGANIZATIONS} établissements au plus par recherche."
                        )));
                    }
                    organization = Some(given);
                }
                "active" => active = Some(active_value(&value)?),
                "_lastUpdated" => {
                    updated_range = Some(narrow_updated(updated_range, &value)?);
                    updated.push(value);
                }
                "_include" => match value.as_str() {
                    INCLUDE_PRACTITIONER => include_practitioners = true,
                    INCLUDE_ORGANIZATION => include_organizations = true,
                    _ => {
                        return Err(unsupported(format!(
                            "« _include » : « {INCLUDE_PRACTITIONER} » et « {INCLUDE_ORGANIZATION} » sont pris en charge, pas « {value} »."
                        )));
                    }
                },
                "_count" => count = count_value(&value)?,
                "_total" => total = total_value(&value)?,
                "_format" => check_format(&value)?,
                // A role id, or a listing's cursor (checked below, once the search's kind is
                // known).
                CURSOR => after = Some(value),
                "identifier" | "role" | "specialty" | "location" | "service" | "endpoint"
                | "date" | "email" | "phone" | "telecom" | "_revinclude" | "_sort"
                | "_elements" | "_summary" => {
                    return Err(unsupported(format!(
                        "Le paramètre « {name} » n'est pas (encore) pris en charge pour PractitionerRole : voir /fhir/metadata."
                    )));
                }
                other if FHIR_KNOWN.contains(&other) => {
                    return Err(unsupported(format!(
                        "Le paramètre « {other} » n'est pas (encore) pris en charge pour PractitionerRole : voir /fhir/metadata."
                    )));
                }
                other => {
                    return Err(invalid(format!(
                        "Paramètre « {other} » inconnu pour PractitionerRole : voir /fhir/metadata."
                    )));
                }
            }
        }
        let sites: Option<Vec<(RppsNumber, Finess)>> = ids.as_ref().map(|ids| {
            ids.iter()
                .filter_map(|id| crate::resources::parse_role_id(id))
                .collect()
        });
        let referenced: Option<Vec<RppsNumber>> = practitioners.as_ref().map(|refs| {
            refs.iter()
                .filter_map(|r| referenced_number(r, base))
                .collect()
        });
        let mut establishments: Vec<Finess> = organization
            .iter()
            .flatten()
            .filter_map(|o| referenced_establishment(o, base))
            .collect();
        establishments.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        establishments.dedup();
        let listing = sites.is_none() && referenced.is_none() && organization.is_none();
        if !listing
            && after
                .as_deref()
                .is_some_and(|a| crate::resources::parse_role_id(a).is_none())
        {
            return Err(invalid(
                "Ce lien de page n'est pas valable pour cette recherche : relancez la recherche.",
            ));
        }
        let mut numbers: Vec<RppsNumber> = match (&sites, &referenced) {
            (None, None) => Vec::new(),
            (Some(sites), Some(refs)) => sites
                .iter()
                .map(|(rpps, _)| rpps.clone())
                .filter(|n| refs.contains(n))
                .collect(),
            (Some(sites), None) => sites.iter().map(|(rpps, _)| rpps.clone()).collect(),
            (None, Some(refs)) => refs.clone(),
        };
        numbers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        numbers.dedup();
        Ok(Self {
            ids,
            practitioners,
            organization,
            establishments,
            numbers,
            sites,
            active,
            updated,
            updated_range,
            count,
            total,
            include_practitioners,
            include_organizations,
            after,
        })
    }

    /// `Some` when the search names no professional, site or establishment: every role, read
    /// from the directory's listing (by RPPS number; by last change with `_lastUpdated`; the
    /// professionals in practice only with `active=true`).
    pub fn listing(&self) -> Option<Listing> {
        (self.ids.is_none() && self.practitioners.is_none() && self.organization.is_none()).then(
            || Listing {
                order: match self.updated_range {
                    Some(range) => ListingOrder::ByUpdate {
                        since: range.since,
                        before: range.before,
                    },
                    None => ListingOrder::ByNumber,
                },
                // A role in force is a published site: only a professional in practice has
                // one. An ended role can be anyone's.
                active: (self.active == Some(true)).then_some(true),
            },
        )
    }

    /// `Some` when the search names an establishment only (no `practitioner` or `_id`): the
    /// establishment, if it is one of ours (else nothing matches).
    pub fn establishment_only(&self) -> Option<&[Finess]> {
        (self.ids.is_none() && self.practitioners.is_none() && self.organization.is_some())
            .then_some(self.establishments.as_slice())
    }

    /// Whether a site of a professional read meets the search (this page's part aside).
    pub fn keeps(
        &self,
        (rpps, finess): (&RppsNumber, &Finess),
        active: bool,
        updated_at: time::OffsetDateTime,
    ) -> bool {
        self.active.is_none_or(|wanted| wanted == active)
            && self
                .updated_range
                .is_none_or(|range| range.contains(updated_at))
            && (self.organization.is_none() || self.establishments.contains(finess))
            && self.sites.as_ref().is_none_or(|sites| {
                sites
                    .iter()
                    .any(|(r, f)| r.as_str() == rpps.as_str() && f == finess)
            })
    }

    /// The search as a query string in a fixed order (the Bundle's `self` link), with
    /// `cursor` for its `next` link.
    pub fn canonical_query(&self, cursor: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(ids) = &self.ids {
            parts.push(format!("_id={}", encode_values(ids)));
        }
        if let Some(practitioners) = &self.practitioners {
            parts.push(format!("practitioner={}", encode_values(practitioners)));
        }
        if let Some(organization) = &self.organization {
            parts.push(format!("organization={}", encode_values(organization)));
        }
        if let Some(active) = self.active {
            parts.push(format!("active={active}"));
        }
        for value in &self.updated {
            parts.push(format!("_lastUpdated={}", encode(value)));
        }
        push_paging(&mut parts, self.count, self.total);
        if self.include_practitioners {
            parts.push(format!("_include={}", encode(INCLUDE_PRACTITIONER)));
        }
        if self.include_organizations {
            parts.push(format!("_include={}", encode(INCLUDE_ORGANIZATION)));
        }
        if let Some(cursor) = cursor.or(self.after.as_deref()) {
            parts.push(format!("{CURSOR}={}", encode(cursor)));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://rpps.example/fhir";

    fn parse(q: &str) -> Result<RoleSearch, SearchError> {
        RoleSearch::parse(Some(q), BASE)
    }

    fn numbers(q: &str) -> Vec<String> {
        parse(q)
            .unwrap()
            .numbers
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn practitioners_are_read_as_references_relative_absolute_or_bare() {
        assert_eq!(
            numbers(
                "practitioner=Practitioner/10001045367,10000000025,https://rpps.example/fhir/Practitioner/10000000025"
            ),
            ["10000000025", "10001045367"]
        );
        // Another type, a wrong key: nothing of ours, an empty result.
        assert!(numbers("practitioner=Organization/10000000025").is_empty());
        assert!(numbers("practitioner=Practitioner/10000000026").is_empty());
        assert!(numbers("practitioner=xPractitioner/10000000025").is_empty());
        // Review of issue 16: an absolute reference names a resource of that server only.
        assert!(
            numbers("practitioner=https://other.example/fhir/Practitioner/10000000025").is_empty()
        );
        // _id and practitioner together: both must hold.
        assert_eq!(
            numbers("_id=10000000025-750012346,10001045367-750012346&practitioner=10000000025"),
            ["10000000025"]
        );
    }

    #[test]
    fn ids_keep_their_sites_only_and_active_filters() {
        let search = parse("_id=10000000025-750012346&active=true").unwrap();
        let rpps = RppsNumber::parse("10000000025").unwrap();
        let here = Finess::parse("750012346").unwrap();
        let there = Finess::parse("690000880").unwrap();
        let at = time::OffsetDateTime::now_utc();
        assert!(search.keeps((&rpps, &here), true, at));
        assert!(!search.keeps((&rpps, &there), true, at));
        assert!(!search.keeps((&rpps, &here), false, at));
        let since = parse("_id=10000000025-750012346&_lastUpdated=ge2026-12-01").unwrap();
        assert!(since.keeps(
            (&rpps, &here),
            true,
            time::macros::datetime!(2026-12-05 10:00 UTC)
        ));
        assert!(!since.keeps(
            (&rpps, &here),
            true,
            time::macros::datetime!(2026-11-30 10:00 UTC)
        ));
        assert_eq!(
            since.canonical_query(None),
            "_id=10000000025-750012346&_lastUpdated=ge2026-12-01&_count=50"
        );
        // Alone, the role delta of the whole directory (issue 16).
        assert!(matches!(
            parse("_lastUpdated=ge2026-12-01").unwrap().listing(),
            Some(Listing {
                order: ListingOrder::ByUpdate {
                    since: Some(_),
                    before: None
                },
                ..
            })
        ));
        let link = search.canonical_query(None);
        assert_eq!(link, "_id=10000000025-750012346&active=true&_count=50");
        assert_eq!(parse(&link).unwrap(), search);
        let next = search.canonical_query(Some("10000000025-690000880"));
        assert_eq!(
            parse(&next).unwrap().after.as_deref(),
            Some("10000000025-690000880")
        );
        let with =
            parse("practitioner=Practitioner/10000000025&_include=PractitionerRole:practitioner")
                .unwrap();
        assert!(with.include_practitioners);
        assert_eq!(parse(&with.canonical_query(None)).unwrap(), with);
        let both = parse(
            "practitioner=10000000025&_include=PractitionerRole:organization&_include=PractitionerRole:practitioner",
        )
        .unwrap();
        assert!(both.include_practitioners && both.include_organizations);
        assert_eq!(parse(&both.canonical_query(None)).unwrap(), both);
    }

    #[test]
    fn what_is_not_served_is_refused_never_ignored() {
        let refused = |q: &str| parse(q).unwrap_err();
        // No professional, site or establishment: every role (issue 16), from the listings.
        let every = parse("").unwrap().listing().unwrap();
        assert_eq!(every.order, ListingOrder::ByNumber);
        assert_eq!(every.active, None);
        let delta = parse("_lastUpdated=ge2026-12-01&active=true").unwrap();
        let listing = delta.listing().unwrap();
        assert!(matches!(
            listing.order,
            ListingOrder::ByUpdate {
                since: Some(_),
                before: None
            }
        ));
        assert_eq!(listing.active, Some(true));
        assert_eq!(
            parse("active=false").unwrap().listing().unwrap().active,
            None
        );
        assert!(parse("organization=750012346").unwrap().listing().is_none());
        // A listing's cursor is the listing's (checked by the store), not a role id.
        assert!(parse("_cursor=abc").is_ok());
        let eleven = ["750012346"; 11].join(",");
        assert!(matches!(
            refused(&format!("organization={eleven}")),
            SearchError::Invalid(m) if m.contains("10")
        ));
        assert!(matches!(
            refused("practitioner=10000000025&_include=PractitionerRole:location"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("practitioner:Practitioner=10000000025"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("practitioner=10000000025&nom=x"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("practitioner=10000000025&_count=201"),
            SearchError::Invalid(_)
        ));
        assert!(matches!(
            refused("practitioner=10000000025&practitioner=10001045367"),
            SearchError::Unsupported(_)
        ));
        assert!(matches!(
            refused("practitioner=10000000025&_cursor=abc"),
            SearchError::Invalid(_)
        ));
        // Review of issue 16: a cursor is an id as served, never another spelling (compared
        // as text, `8…` would skip every role, ` 1…` restart the list).
        for cursor in ["810000000025-750012346", "%2010000000025-750012346"] {
            assert!(matches!(
                refused(&format!("practitioner=10000000025&_cursor={cursor}")),
                SearchError::Invalid(_)
            ));
        }
        // FHIR's common parameters are `not-supported`, as for Practitioner, not unknown.
        for name in ["_has", "_tag", "_filter", "_text"] {
            assert!(
                matches!(
                    refused(&format!("practitioner=10000000025&{name}=x")),
                    SearchError::Unsupported(_)
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn an_organization_is_read_as_a_reference_alone_or_as_a_filter() {
        let at = |q: &str| {
            parse(q)
                .unwrap()
                .establishment_only()
                .map(|f| f.iter().map(ToString::to_string).collect::<Vec<_>>())
        };
        for q in [
            "organization=Organization/750012346",
            "organization=750012346",
            "organization=https://rpps.example/fhir/Organization/750012346",
        ] {
            assert_eq!(at(q), Some(vec!["750012346".to_owned()]), "{q}");
        }
        // Several (OR): sorted, once each, those of ours only.
        assert_eq!(
            at("organization=750012346,Organization/690011226,750012346,750012347"),
            Some(vec!["690011226".to_owned(), "750012346".to_owned()])
        );
        let several = parse("organization=750012346,690011226").unwrap();
        assert_eq!(parse(&several.canonical_query(None)).unwrap(), several);
        let rpps = RppsNumber::parse("10000000025").unwrap();
        let now = time::OffsetDateTime::now_utc();
        assert!(several.keeps((&rpps, &Finess::parse("690011226").unwrap()), true, now));
        assert!(!several.keeps((&rpps, &Finess::parse("010000024").unwrap()), true, now));
        // Not one of ours: a search that finds nothing (not an error).
        for q in [
            "organization=Organization/750012347",
            "organization=https://other.example/fhir/Organization/750012346",
            "organization=Practitioner/750012346",
            "organization=2a0001230",
        ] {
            assert_eq!(at(q), Some(Vec::new()), "{q}");
        }
        // With practitioner: a filter on the professional's sites.
        let both = parse("practitioner=10000000025&organization=750012346").unwrap();
        assert_eq!(both.establishment_only(), None);
        let rpps = RppsNumber::parse("10000000025").unwrap();
        let at = time::OffsetDateTime::now_utc();
        assert!(both.keeps((&rpps, &Finess::parse("750012346").unwrap()), true, at));
        assert!(!both.keeps((&rpps, &Finess::parse("690011226").unwrap()), true, at));
        let link = both.canonical_query(None);
        assert_eq!(
            link,
            "practitioner=10000000025&organization=750012346&_count=50"
        );
        assert_eq!(parse(&link).unwrap(), both);
    }

    /// What the CapabilityStatement lists (`ROLE_PARAMS`) is what the parser reads.
    #[test]
    fn every_listed_parameter_is_read() {
        for p in ROLE_PARAMS {
            let value = match p.name {
                "_id" => "10000000025-750012346",
                "active" => "true",
                "organization" => "750012346",
                "_lastUpdated" => "ge2026-01-01",
                _ => "10000000025",
            };
            let query = if p.name == "practitioner" {
                format!("practitioner={value}")
            } else {
                format!("practitioner=10000000025&{}={value}", p.name)
            };
            assert!(parse(&query).is_ok(), "{}", p.name);
        }
    }
}
