//! The FHIR R4 (4.0.1) resources the API serves, built from the public directory only
//! (`rpps_store::DirectoryEntry`: no birth date, sex, personal address, phone or email can reach
//! them). Identifier systems, type codes and profiles are those of the reference directory
//! (../shared/domain/INTEROP.md, section 1), kept here and nowhere else.

use rpps_domain::paris::rfc3339;
use rpps_store::{DirectoryEntry, DirectorySite, StoredEstablishment};
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
/// `Practitioner`), the establishment (a reference to the `Organization`, with its FINESS and
/// name) and the period. A site that ended, or any site of a professional
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
            "reference": format!("Organization/{}", site.finess.as_str()),
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

pub const PROFILE_FR_CORE_ORGANIZATION: &str =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-organization";
pub const PROFILE_AS_DP_ORGANIZATION: &str =
    "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-organization";
/// The national identifier of a structure: `1` + FINESS (the OID is not FINESS itself).
pub const SYSTEM_IDNST: &str = "urn:oid:1.2.250.1.71.4.2.2";
pub const SYSTEM_SIRENE: &str = "https://sirene.fr";
/// The FINESS establishment categories (the national nomenclature TRE_R66).
pub const SYSTEM_FINESS_CATEGORY: &str = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement";

/// The `1` + FINESS national identifier of a structure.
pub fn idnst(finess: &str) -> String {
    format!("1{finess}")
}

/// An establishment (a FINESS site, `EG`) as `Organization`: its id is the FINESS number (the
/// `Numéro FINESS site` of the open-data files). What the FINESS file publishes: identifiers
/// (idNatSt, FINESS, SIRET), category, names, address, phone, and its legal entity (`partOf`,
/// a logical reference by FINESS: legal entities are not served). `active` is always true: the
/// importer adds and updates the establishments of each FINESS extraction and closes none (one
/// missing from an extraction is not marked closed: docs/FHIR.md).
pub fn organization(stored: &StoredEstablishment) -> Value {
    let e = &stored.establishment;
    let finess = e.finess.as_str();
    let mut identifiers = vec![
        identifier("IDNST", SYSTEM_IDNST, &idnst(finess)),
        identifier("FINEG", SYSTEM_FINESS, finess),
    ];
    if let Some(siret) = e.siret.as_deref().filter(|s| !s.trim().is_empty()) {
        identifiers.push(identifier("SIRET", SYSTEM_SIRENE, siret));
    }
    let mut meta = json!({
        "profile": [PROFILE_FR_CORE_ORGANIZATION, PROFILE_AS_DP_ORGANIZATION],
    });
    if let Some(at) = stored.changed_at {
        meta["lastUpdated"] = json!(rfc3339(at));
    }
    let mut resource = json!({
        "resourceType": "Organization",
        "id": finess,
        "meta": meta,
        "identifier": identifiers,
        "active": true,
        "name": e.long_name,
    });
    // FHIR has no empty strings: a field the FINESS file leaves empty is left out.
    let given = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    if let Some(code) = given(&e.category_code) {
        let mut coding = json!({"system": SYSTEM_FINESS_CATEGORY, "code": code});
        if let Some(label) = given(&e.category_label) {
            coding["display"] = json!(label);
        }
        resource["type"] = json!([{"coding": [coding]}]);
    }
    let mut address = json!({"use": "work", "type": "physical", "country": "FR"});
    for (element, value) in [
        ("postalCode", given(&e.postal_code)),
        ("city", given(&e.town)),
    ] {
        if let Some(value) = value {
            address[element] = json!(value);
        }
    }
    if let Some(line) = given(&e.address) {
        address["line"] = json!([line]);
    }
    resource["address"] = json!([address]);
    if e.name != e.long_name && given(&e.name).is_some() {
        resource["alias"] = json!([e.name]);
    }
    if let Some(phone) = e.phone.as_deref().and_then(given) {
        resource["telecom"] = json!([{"system": "phone", "value": phone, "use": "work"}]);
    }
    if let Some(legal) = &e.legal_entity_finess {
        resource["partOf"] = json!({
            "identifier": {
                "use": "official",
                "type": {"coding": [{"system": SYSTEM_ID_TYPE, "code": "FINEJ"}]},
                "system": SYSTEM_FINESS,
                "value": legal.as_str(),
            },
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
        assert_eq!(r["organization"]["reference"], "Organization/750012346");
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
    fn an_establishment_is_an_organization_with_its_national_identifiers() {
        let stored = StoredEstablishment {
            establishment: rpps_store::Establishment {
                finess: Finess::parse("010000024").unwrap(),
                legal_entity_finess: Some(Finess::parse("010780054").unwrap()),
                name: "CH DE FLEYRIAT".into(),
                long_name: "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT".into(),
                siret: Some("26010004500012".into()),
                category_code: "355".into(),
                category_label: "Centre Hospitalier (C.H.)".into(),
                address: "900 RTE DE PARIS".into(),
                postal_code: "01440".into(),
                town: "VIRIAT".into(),
                commune_insee: "01451".into(),
                phone: Some("0474454647".into()),
                updated_on: Some("2024-05-02".into()),
            },
            changed_at: Some(datetime!(2026-12-05 09:00 UTC)),
        };
        let o = organization(&stored);
        assert_eq!(o["id"], "010000024");
        assert_eq!(o["identifier"][0]["system"], SYSTEM_IDNST);
        assert_eq!(o["identifier"][0]["value"], "1010000024");
        assert_eq!(o["identifier"][1]["type"]["coding"][0]["code"], "FINEG");
        assert_eq!(o["identifier"][2]["value"], "26010004500012");
        assert_eq!(o["name"], "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT");
        assert_eq!(o["alias"], json!(["CH DE FLEYRIAT"]));
        assert_eq!(o["address"][0]["postalCode"], "01440");
        assert_eq!(o["partOf"]["identifier"]["value"], "010780054");
        assert_eq!(o["meta"]["lastUpdated"], "2026-12-05T10:00:00+01:00");
        assert_eq!(o["active"], true);
        // Written before `changed_at` was kept: no lastUpdated rather than a made-up one.
        let unstamped = organization(&StoredEstablishment {
            changed_at: None,
            ..stored.clone()
        });
        assert!(unstamped["meta"].get("lastUpdated").is_none());
        // FHIR has no empty strings: what the FINESS file leaves empty is left out.
        let mut sparse = stored.clone();
        sparse.establishment.address = String::new();
        sparse.establishment.category_label = " ".into();
        sparse.establishment.phone = Some(String::new());
        sparse.establishment.siret = Some(" ".into());
        let o = organization(&sparse);
        assert!(o["address"][0].get("line").is_none());
        assert!(o["type"][0]["coding"][0].get("display").is_none());
        assert!(o.get("telecom").is_none());
        assert_eq!(o["identifier"].as_array().unwrap().len(), 2);
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
