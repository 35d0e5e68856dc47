//! The FHIR R4 (4.0.1) resources the API serves, built from the public directory only
//! (`rpps_store::DirectoryEntry`: no birth date, sex, personal address, phone or email can reach
//! them). Identifier systems, type codes and profiles are those of the reference directory
//! (../shared/domain/INTEROP.md, section 1), kept here and nowhere else.

use rpps_domain::paris::rfc3339;
use rpps_store::DirectoryEntry;
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

/// A `searchset` Bundle of `resources`, with its links (`self`, and `next` if any).
pub fn searchset(
    base: &str,
    resources: Vec<Value>,
    total: Option<usize>,
    self_link: &str,
    next_link: Option<&str>,
) -> Value {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|resource| {
            let full_url = format!(
                "{base}/{}/{}",
                resource["resourceType"].as_str().unwrap_or_default(),
                resource["id"].as_str().unwrap_or_default()
            );
            json!({"fullUrl": full_url, "resource": resource, "search": {"mode": "match"}})
        })
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
    fn a_professional_who_left_is_identifiers_and_active_false_only() {
        let p = practitioner(&entry(false));
        assert_eq!(p["active"], false);
        let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["active", "id", "identifier", "meta", "resourceType"]);
    }
}
