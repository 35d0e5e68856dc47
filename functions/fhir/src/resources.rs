//! The FHIR R4 (4.0.1) resources the API serves, built from the public directory only
//! (`rpps_store::DirectoryEntry`: no birth date, sex, personal address, phone or email can reach
//! them). Identifier systems, type codes and profiles are those of the reference directory
//! (../shared/domain/INTEROP.md, section 1), kept here and nowhere else.

use rpps_domain::paris::rfc3339;
use rpps_store::{DirectoryEntry, DirectorySite};
use serde_json::{Value, json};

pub const FHIR_VERSION: &str = "4.0.1";
pub const CONTENT_TYPE: &str = "application/fhir+json; charset=utf-8";

/// The RPPS number.
pub const SYSTEM_RPPS: &str = "https://rpps.esante.gouv.fr";
/// The national identifier of a health professional: `8` + RPPS number.
pub const SYSTEM_IDNPS: &str = "urn:oid:1.2.250.1.71.4.2.1";
/// The type codes of FR Core's identifier slices.
pub const SYSTEM_ID_TYPE: &str = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";

pub const PROFILE_FR_CORE_PRACTITIONER: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner";
pub const PROFILE_AS_DP_PRACTITIONER: &str =
    "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitioner";

/// The FINESS number of an establishment (a site: type `FINEG`).
pub const SYSTEM_FINESS: &str = "https://finess.esante.gouv.fr";

pub const PROFILE_FR_CORE_PRACTITIONER_ROLE: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner-role";
pub const PROFILE_AS_DP_PRACTITIONER_ROLE: &str =
    "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitionerrole";

/// The profession. Which code the home-care aide profession carries in the national
/// nomenclature (TRE_G15 / TRE_R94…) is not confirmed (INTEROP.md, "NC"): until it is, our own
/// code system, documented in docs/FHIR.md, and this one place to change.
pub const SYSTEM_PROFESSION: &str = "urn:rpps-plus:profession";

/// The `8` + RPPS national identifier of a professional.
pub fn idnps(rpps: &str) -> String {
    format!("8{rpps}")
}

fn identifier(type_code: &str, system: &str, value: &str) -> Value {
    json!({
        "use": "official",
        "type": {"coding": [{"system": SYSTEM_ID_TYPE, "code": type_code}]},
        "system": system,
        "value": value,
    })
}

/// A professional as `Practitioner`: its id is the RPPS number (the same in the open-data
/// files). One who no longer practises anywhere published (every site ended) is served as the
/// reference serves a professional who left: id, identifiers and `active: false` only.
pub fn practitioner(entry: &DirectoryEntry) -> Value {
    let rpps = entry.rpps.as_str();
    let active = entry.active_sites().next().is_some();
    let mut resource = json!({
        "resourceType": "Practitioner",
        "id": rpps,
        "meta": {
            "lastUpdated": rfc3339(entry.updated_at),
            "profile": [PROFILE_FR_CORE_PRACTITIONER, PROFILE_AS_DP_PRACTITIONER],
        },
        "identifier": [
            identifier("IDNPS", SYSTEM_IDNPS, &idnps(rpps)),
            identifier("RPPS", SYSTEM_RPPS, rpps),
        ],
        "active": active,
    });
    if active {
        let given: Vec<&str> = entry.given_names.split_whitespace().collect();
        resource["name"] = json!([{
            "use": "official",
            "family": entry.family_name,
            "given": given,
        }]);
        let label = rpps_contract::registration::Profession::from_code(&entry.profession)
            .map_or(entry.profession.as_str(), |p| p.label());
        resource["qualification"] = json!([{
            "code": {
                "coding": [{
                    "system": SYSTEM_PROFESSION,
                    "code": entry.profession,
                    "display": label,
                }],
                "text": label,
            },
        }]);
    }
    resource
}

/// A practice site's id: `<RPPS number>-<FINESS>`, stable, from the two national identifiers
/// (the `Identifiant PP` and the `Numéro FINESS site` of an open-data line).
pub fn role_id(rpps: &str, finess: &str) -> String {
    format!("{rpps}-{finess}")
}

/// The RPPS number and FINESS a `PractitionerRole` id names, if it is one of ours, written
/// exactly as served (another spelling of the same numbers is not an id: one URL per resource,
/// and cursors compare ids as text).
pub fn parse_role_id(id: &str) -> Option<(rpps_domain::RppsNumber, rpps_domain::Finess)> {
    let (rpps, finess) = id.split_once('-')?;
    let rpps = rpps_domain::RppsNumber::parse(rpps).ok()?;
    let finess = rpps_domain::Finess::parse(finess).ok()?;
    (role_id(rpps.as_str(), finess.as_str()) == id).then_some((rpps, finess))
}

/// The practice sites of an entry, one per establishment (the one in force when the same
/// establishment has an ended and a current site), in the entry's order.
pub fn role_sites(entry: &DirectoryEntry) -> Vec<&DirectorySite> {
    let mut sites: Vec<&DirectorySite> = Vec::new();
    for site in &entry.sites {
        match sites.iter_mut().find(|s| s.finess == site.finess) {
            Some(kept) if site.active && !kept.active => *kept = site,
            Some(_) => {}
            None => sites.push(site),
        }
    }
    sites
}

/// Whether a practice site is served as in force: the site is, and its professional still
/// practises (the role's `active`).
pub fn role_is_active(entry: &DirectoryEntry, site: &DirectorySite) -> bool {
    site.active && entry.active_sites().next().is_some()
}

/// One practice site as `PractitionerRole`: the professional (a reference to the
/// `Practitioner`), the establishment (its FINESS and name; `Organization` is not served yet,
/// so a logical reference) and the period. A site that ended, or any site of a professional
/// who no longer practises, is served as the reference serves what left: id, the reference to
/// the professional and `active: false` only.
pub fn practitioner_role(entry: &DirectoryEntry, site: &DirectorySite) -> Value {
    let rpps = entry.rpps.as_str();
    let active = role_is_active(entry, site);
    let mut resource = json!({
        "resourceType": "PractitionerRole",
        "id": role_id(rpps, site.finess.as_str()),
        "meta": {
            "lastUpdated": rfc3339(entry.updated_at),
            "profile": [PROFILE_FR_CORE_PRACTITIONER_ROLE, PROFILE_AS_DP_PRACTITIONER_ROLE],
        },
        "active": active,
        "practitioner": {"reference": format!("Practitioner/{rpps}")},
    });
    if active {
        resource["period"] = json!({"start": site.started_on.to_string()});
        resource["organization"] = json!({
            "identifier": {
                "use": "official",
                "type": {"coding": [{"system": SYSTEM_ID_TYPE, "code": "FINEG"}]},
                "system": SYSTEM_FINESS,
                "value": site.finess.as_str(),
            },
            "display": site.establishment_name,
        });
    }
    resource
}

/// Every practice site of an entry as `PractitionerRole` ([`role_sites`]).
pub fn practitioner_roles(entry: &DirectoryEntry) -> Vec<Value> {
    role_sites(entry)
        .into_iter()
        .map(|site| practitioner_role(entry, site))
        .collect()
}

/// Severity and code of an `OperationOutcome` issue (FHIR's `issue-type` value set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueCode {
    /// A parameter or value the server does not understand.
    Invalid,
    /// A parameter or modifier FHIR defines that this server does not support.
    NotSupported,
    NotFound,
    Deleted,
    /// The registry could not be reached (transient).
    Transient,
    Exception,
}

impl IssueCode {
    fn code(self) -> &'static str {
        match self {
            IssueCode::Invalid => "invalid",
            IssueCode::NotSupported => "not-supported",
            IssueCode::NotFound => "not-found",
            IssueCode::Deleted => "deleted",
            IssueCode::Transient => "transient",
            IssueCode::Exception => "exception",
        }
    }
}

/// An error as FHIR says it: one issue, with the French message a person reads.
pub fn operation_outcome(code: IssueCode, message: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "error",
            "code": code.code(),
            "diagnostics": message,
        }],
    })
}

/// A `searchset` Bundle of `resources` (`search.mode` `match`) and `included` ones (`include`:
/// `_revinclude`, not counted in `total`), with its links (`self`, and `next` if any).
pub fn searchset(
    base: &str,
    resources: Vec<Value>,
    included: Vec<Value>,
    total: Option<usize>,
    self_link: &str,
    next_link: Option<&str>,
) -> Value {
    let entry = |resource: Value, mode: &str| {
        let full_url = format!(
            "{base}/{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        );
        json!({"fullUrl": full_url, "resource": resource, "search": {"mode": mode}})
    };
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|r| entry(r, "match"))
        .chain(included.into_iter().map(|r| entry(r, "include")))
        .collect();
    let mut links = vec![json!({"relation": "self", "url": self_link})];
    if let Some(next) = next_link {
        links.push(json!({"relation": "next", "url": next}));
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": entries,
    });
    if let Some(total) = total {
        bundle["total"] = json!(total);
    }
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpps_domain::{Finess, RppsNumber};
    use rpps_store::DirectorySite;
    use time::macros::{date, datetime};

    fn entry(active: bool) -> DirectoryEntry {
        DirectoryEntry {
            rpps: RppsNumber::parse("10000000025").unwrap(),
            family_name: "MARTIN".into(),
            given_names: "Léa Anne".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            sites: vec![DirectorySite {
                finess: Finess::parse("750012346").unwrap(),
                establishment_name: "Aide à domicile Paris 15".into(),
                commune_code: "75115".into(),
                commune_name: "Paris 15e Arrondissement".into(),
                departement: "75".into(),
                started_on: date!(2026 - 09 - 01),
                ended_on: (!active).then_some(date!(2026 - 11 - 30)),
                active,
            }],
            ecps_activable_from: None,
            published_at: datetime!(2026-09-01 08:00 UTC),
            updated_at: datetime!(2026-07-15 09:15 UTC),
        }
    }

    #[test]
    fn a_practitioner_carries_both_national_identifiers_and_public_data_only() {
        let p = practitioner(&entry(true));
        assert_eq!(p["id"], "10000000025");
        assert_eq!(p["identifier"][0]["system"], SYSTEM_IDNPS);
        assert_eq!(p["identifier"][0]["value"], "810000000025");
        assert_eq!(p["identifier"][1]["system"], SYSTEM_RPPS);
        assert_eq!(p["identifier"][1]["type"]["coding"][0]["code"], "RPPS");
        assert_eq!(p["name"][0]["given"], json!(["Léa", "Anne"]));
        assert_eq!(p["active"], true);
        // Paris time with its offset (summer: +02:00).
        assert_eq!(p["meta"]["lastUpdated"], "2026-07-15T11:15:00+02:00");
        for private in ["birthDate", "gender", "address", "telecom", "photo"] {
            assert!(p.get(private).is_none(), "{private}");
        }
    }

    #[test]
    fn a_practice_site_is_a_role_linking_the_professional_and_the_establishment() {
        let mut e = entry(true);
        // The same establishment, an ended site before the current one: one role, current.
        let mut ended = e.sites[0].clone();
        ended.active = false;
        ended.ended_on = Some(date!(2026 - 08 - 31));
        e.sites.insert(0, ended);
        let roles = practitioner_roles(&e);
        assert_eq!(roles.len(), 1);
        let r = &roles[0];
        assert_eq!(r["id"], "10000000025-750012346");
        assert_eq!(r["active"], true);
        assert_eq!(r["practitioner"]["reference"], "Practitioner/10000000025");
        assert_eq!(r["organization"]["identifier"]["system"], SYSTEM_FINESS);
        assert_eq!(r["organization"]["identifier"]["value"], "750012346");
        assert_eq!(r["organization"]["display"], "Aide à domicile Paris 15");
        assert_eq!(r["period"]["start"], "2026-09-01");
        assert_eq!(
            parse_role_id("10000000025-750012346").map(|(r, f)| (r.to_string(), f.to_string())),
            Some(("10000000025".into(), "750012346".into()))
        );
        for bad in [
            "10000000025",
            "10000000026-750012346",
            "10000000025-75001234x",
            "-",
        ] {
            assert!(parse_role_id(bad).is_none(), "{bad}");
        }
        // Review of issue 16: only the id as served names a role (one URL per resource, and
        // a cursor compared as text): other spellings of the same numbers are not ids.
        for other in [
            "810000000025-750012346",
            " 10000000025-750012346",
            "10000000025-750012346 ",
            "10000000025-2a0000001",
        ] {
            assert!(parse_role_id(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn the_role_of_a_professional_who_left_says_nothing_but_that_it_ended() {
        let roles = practitioner_roles(&entry(false));
        let mut keys: Vec<&str> = roles[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["active", "id", "meta", "practitioner", "resourceType"]
        );
        assert_eq!(roles[0]["active"], false);
    }

    #[test]
    fn a_professional_who_left_is_identifiers_and_active_false_only() {
        let p = practitioner(&entry(false));
        assert_eq!(p["active"], false);
        let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["active", "id", "identifier", "meta", "resourceType"]);
    }
}
