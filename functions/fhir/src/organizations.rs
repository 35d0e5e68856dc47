//! The `Organization` search: the establishments of the FINESS referential the portal imports
//! (`rpps_store::organizations`), read as strictly as the other searches (`search`): anything
//! not served is a 400 `OperationOutcome`.

use rpps_domain::Finess;
use rpps_domain::text::fold;
use rpps_store::OrganizationSearch;
use rpps_store::establishments::search_words;

use crate::resources::{SYSTEM_FINESS, SYSTEM_IDNST};
use crate::search::{
    CURSOR, DEFAULT_COUNT, FHIR_KNOWN, ParamDoc, SearchError, Total, UpdatedRange, active_value,
    both, check_format, count_value, encode, encode_values, invalid, narrow_updated, no_bad_chars,
    one, push_paging, split_key, total_value, unsupported, values,
};

pub const ORGANIZATION_PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "_id",
        definition: "http://hl7.org/fhir/SearchParameter/Resource-id",
        kind: "token",
        documentation: "Le numéro FINESS de l'établissement ; plusieurs séparés par des virgules (OU), 100 au plus.",
    },
    ParamDoc {
        name: "identifier",
        definition: "http://hl7.org/fhir/SearchParameter/Organization-identifier",
        kind: "token",
        documentation: "https://finess.esante.gouv.fr|<FINESS>, urn:oid:1.2.250.1.71.4.2.2|1<FINESS> (idNatSt), ou la valeur seule ; plusieurs séparés par des virgules (OU), 100 au plus.",
    },
    ParamDoc {
        name: "name",
        definition: "http://hl7.org/fhir/SearchParameter/Organization-name",
        kind: "string",
        documentation: "Chaque mot donné (deux lettres au moins, sans les petits mots) commence un mot du nom ou de la raison sociale ; casse, accents et ponctuation ignorés.",
    },
    ParamDoc {
        name: "address-postalcode",
        definition: "http://hl7.org/fhir/SearchParameter/Organization-address-postalcode",
        kind: "string",
        documentation: "Le début du code postal, deux chiffres au moins (01 : l'Ain ; 01000 : un code).",
    },
    ParamDoc {
        name: "address-city",
        definition: "http://hl7.org/fhir/SearchParameter/Organization-address-city",
        kind: "string",
        documentation: "Le début du nom de la commune (casse, accents et ponctuation ignorés ; un mot de deux lettres au moins).",
    },
    ParamDoc {
        name: "active",
        definition: "http://hl7.org/fhir/SearchParameter/Organization-active",
        kind: "token",
        documentation: "Tous les établissements servis sont ouverts (ceux de la dernière extraction FINESS importée) : true les donne tous, false aucun.",
    },
    ParamDoc {
        name: "_lastUpdated",
        definition: "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
        kind: "date",
        documentation: "Modifiés par un import FINESS dans l'intervalle (eq, gt, ge, lt, le ; jours en heure de Paris) ; deux fois pour un intervalle.",
    },
];

pub const ORGANIZATION_DOC: &str = "Un établissement (site FINESS, EG) : l'identifiant est le numéro FINESS. Sans critère, ou par _lastUpdated : tous, par date de modification (chacun une fois, même si un import a lieu pendant la lecture ; lien de page valable 24 h).";

/// How the matches are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// These FINESS numbers (from `_id` and `identifier`, intersected): batch reads, by number.
    Numbers(Vec<Finess>),
    /// An index of the establishments, page by page.
    Indexed(OrganizationSearch),
    /// `active=false`: none (every establishment served is open).
    Nothing,
}

/// An Organization search, read and checked before any read of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgSearch {
    pub criterion: Criterion,
    ids: Option<Vec<String>>,
    identifiers: Option<Vec<String>>,
    name: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    active: Option<bool>,
    updated: Vec<String>,
    /// What every match must meet (whatever the criterion).
    pub filter: OrganizationSearch,
    pub count: i32,
    pub total: Total,
    pub cursor: Option<String>,
}

/// The FINESS number an `identifier` token names, if it names one.
fn identifier_finess(token: &str) -> Option<Finess> {
    let (system, value) = match token.split_once('|') {
        Some((system, value)) => (Some(system), value),
        None => (None, token),
    };
    let finess = match system {
        Some(SYSTEM_FINESS) => value,
        Some(SYSTEM_IDNST) => value.strip_prefix('1')?,
        Some(_) => return None,
        None if value.len() == 10 => value.strip_prefix('1')?,
        None => value,
    };
    as_served(finess)
}

/// A FINESS number written as served (upper-case letters of Corsica included), else none.
fn as_served(value: &str) -> Option<Finess> {
    Finess::parse(value).ok().filter(|f| f.as_str() == value)
}

impl OrgSearch {
    pub fn parse(query: Option<&str>) -> Result<Self, SearchError> {
        let mut seen = Vec::new();
        let mut ids = None;
        let mut identifiers = None;
        let mut name = None;
        let mut postal_code = None;
        let mut city = None;
        let mut active = None;
        let mut updated = Vec::new();
        let mut updated_range: Option<UpdatedRange> = None;
        let mut count = DEFAULT_COUNT;
        let mut total = Total::Default;
        let mut cursor = None;
        for (key, value) in crate::pairs(query)? {
            let (param, modifier) = split_key(&key);
            no_bad_chars(&param, &value)?;
            one(&param, &mut seen)?;
            if let Some(m) = &modifier {
                return Err(unsupported(format!(
                    "Le modificateur « :{m} » n'est pas pris en charge pour « {param} »."
                )));
            }
            match param.as_str() {
                "_id" => ids = Some(values(&param, &value)?),
                "identifier" => identifiers = Some(values(&param, &value)?),
                "name" => {
                    let value = value.trim().to_owned();
                    if search_words(&value).is_empty() {
                        return Err(invalid(
                            "« name » : un mot de deux lettres au moins (les petits mots comme « de » ou « la » ne comptent pas).",
                        ));
                    }
                    name = Some(value);
                }
                "address-postalcode" => {
                    let value = value.trim().to_owned();
                    let digits = value.chars().all(|c| c.is_ascii_digit());
                    if !digits || !(2..=5).contains(&value.len()) {
                        return Err(invalid(
                            "« address-postalcode » : le début d'un code postal, de deux à cinq chiffres.",
                        ));
                    }
                    postal_code = Some(value);
                }
                "address-city" => {
                    let value = value.trim().to_owned();
                    if search_words(&value).is_empty() {
                        return Err(invalid(
                            "« address-city » : le début d'un nom de commune, avec un mot de deux lettres au moins autre que « le », « la », « de »… (par exemple « laval », pas « la »).",
                        ));
                    }
                    city = Some(value);
                }
                "active" => active = Some(active_value(&value)?),
                "_lastUpdated" => {
                    updated_range = Some(narrow_updated(updated_range, &value)?);
                    updated.push(value);
                }
                "_count" => count = count_value(&value)?,
                "_total" => total = total_value(&value)?,
                "_format" => check_format(&value)?,
                CURSOR => cursor = Some(value),
                "type" | "partof" | "address" | "address-country" | "address-state"
                | "address-use" | "endpoint" | "phonetic" => {
                    return Err(unsupported(format!(
                        "Le paramètre « {param} » n'est pas (encore) pris en charge pour Organization : voir /fhir/metadata."
                    )));
                }
                other if FHIR_KNOWN.contains(&other) => {
                    return Err(unsupported(format!(
                        "Le paramètre « {other} » n'est pas (encore) pris en charge pour Organization : voir /fhir/metadata."
                    )));
                }
                other => {
                    return Err(invalid(format!(
                        "Paramètre « {other} » inconnu pour Organization : voir /fhir/metadata."
                    )));
                }
            }
        }
        let range = updated_range.unwrap_or_default();
        let filter = OrganizationSearch {
            name_words: name.as_deref().map(search_words).unwrap_or_default(),
            city: city.as_deref().map(fold),
            postal_code: postal_code.clone(),
            since: range.since,
            before: range.before,
        };
        let numbers = both(
            ids.as_ref()
                .map(|ids| ids.iter().filter_map(|id| as_served(id)).collect()),
            identifiers
                .as_ref()
                .map(|tokens| tokens.iter().filter_map(|t| identifier_finess(t)).collect()),
        )
        .map(|mut numbers: Vec<Finess>| {
            numbers.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            numbers.dedup();
            numbers
        });
        let criterion = match numbers {
            _ if active == Some(false) => Criterion::Nothing,
            Some(numbers) => Criterion::Numbers(numbers),
            None => Criterion::Indexed(filter.clone()),
        };
        // Nothing to page through: no cursor was ever handed out.
        if criterion == Criterion::Nothing && cursor.is_some() {
            return Err(invalid(
                "Ce lien de page n'est pas valable pour cette recherche : relancez la recherche.",
            ));
        }
        // By number, the cursor is the last FINESS served (the numbers are sorted).
        if let (Criterion::Numbers(_), Some(c)) = (&criterion, &cursor)
            && as_served(c).is_none()
        {
            return Err(invalid(
                "Ce lien de page n'est pas valable pour cette recherche : relancez la recherche.",
            ));
        }
        Ok(Self {
            criterion,
            ids,
            identifiers,
            name,
            postal_code,
            city,
            active,
            updated,
            filter,
            count,
            total,
            cursor,
        })
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
        for (param, value) in [
            ("name", &self.name),
            ("address-postalcode", &self.postal_code),
            ("address-city", &self.city),
        ] {
            if let Some(value) = value {
                parts.push(format!("{param}={}", encode(value)));
            }
        }
        if let Some(active) = self.active {
            parts.push(format!("active={active}"));
        }
        for value in &self.updated {
            parts.push(format!("_lastUpdated={}", encode(value)));
        }
        push_paging(&mut parts, self.count, self.total);
        if let Some(cursor) = cursor.or(self.cursor.as_deref()) {
            parts.push(format!("{CURSOR}={}", encode(cursor)));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<OrgSearch, SearchError> {
        OrgSearch::parse(Some(q))
    }

    fn numbers(q: &str) -> Vec<String> {
        match parse(q).unwrap().criterion {
            Criterion::Numbers(n) => n.iter().map(ToString::to_string).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn identifiers_are_read_as_finess_or_idnatst_or_bare() {
        assert_eq!(
            numbers(
                "identifier=https://finess.esante.gouv.fr|010000024,urn:oid:1.2.250.1.71.4.2.2|1750012346,690000880,1010009090"
            ),
            ["010000024", "010009090", "690000880", "750012346"]
        );
        // Another system, the idNatSt without its `1`, a wrong key, another spelling: none.
        assert!(numbers("identifier=https://sirene.fr|010000024").is_empty());
        assert!(numbers("identifier=urn:oid:1.2.250.1.71.4.2.2|010000024").is_empty());
        assert!(numbers("_id=010000025").is_empty());
        assert!(numbers("_id=2a0000001").is_empty());
        assert_eq!(
            numbers("_id=010000024,750012346&identifier=750012346"),
            ["750012346"]
        );
    }

    #[test]
    fn names_towns_and_postal_codes_make_the_store_search() {
        let search = parse(
            "name=Centre%20Hospitalier%20de%20Bourg&address-city=Bourg-en-B&address-postalcode=01&_lastUpdated=ge2026-12-01",
        )
        .unwrap();
        let Criterion::Indexed(filter) = &search.criterion else {
            panic!("{search:?}");
        };
        assert_eq!(filter.name_words, ["centre", "hospitalier", "bourg"]);
        assert_eq!(filter.city.as_deref(), Some("bourg en b"));
        assert_eq!(filter.postal_code.as_deref(), Some("01"));
        assert!(filter.since.is_some() && filter.before.is_none());
        let link = search.canonical_query(None);
        assert_eq!(
            link,
            "name=Centre+Hospitalier+de+Bourg&address-postalcode=01&address-city=Bourg-en-B&_lastUpdated=ge2026-12-01&_count=50"
        );
        assert_eq!(parse(&link).unwrap(), search);
        assert_eq!(
            parse("").unwrap().criterion,
            Criterion::Indexed(OrganizationSearch::default())
        );
        assert_eq!(
            parse("name=fleyriat&active=false").unwrap().criterion,
            Criterion::Nothing
        );
    }

    #[test]
    fn what_is_not_served_is_refused_never_ignored() {
        let refused = |q: &str| parse(q).unwrap_err();
        for q in [
            "name:exact=CH",
            "name:contains=ley",
            "type=355",
            "partof=Organization/010780054",
            "_include=Organization:partof",
            "_has=x",
            "name=ch&name=bourg",
        ] {
            assert!(matches!(refused(q), SearchError::Unsupported(_)), "{q}");
        }
        for q in [
            "nom=x",
            "name=de%20la",
            "name=a",
            "address-city=l",
            "address-postalcode=1",
            "address-postalcode=7500a",
            "address-postalcode=750123",
            "_count=0",
            "_lastUpdated=2026-13-01",
            "_id=010000024&_cursor=abc",
            "active=false&_cursor=abc",
        ] {
            assert!(matches!(refused(q), SearchError::Invalid(_)), "{q}");
        }
    }

    /// What the CapabilityStatement lists (`ORGANIZATION_PARAMS`) is what the parser reads.
    #[test]
    fn every_listed_parameter_is_read() {
        for p in ORGANIZATION_PARAMS {
            let value = match p.name {
                "_id" | "identifier" => "010000024",
                "active" => "true",
                "_lastUpdated" => "ge2026-01-01",
                "address-postalcode" => "01",
                _ => "bourg",
            };
            assert!(parse(&format!("{}={value}", p.name)).is_ok(), "{}", p.name);
        }
    }
}
