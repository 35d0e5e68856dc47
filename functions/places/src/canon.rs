//! Birth places as the identity match compares them (FAQ-R12; issue 14, "one person, one
//! number"): [`EmbeddedPlaces`] implements `rpps_domain::PlaceCanon` over the embedded data.
//!
//! - A municipal arrondissement (ARM) is its city: Lyon 3e 69383 → Lyon 69123.
//! - A commune déléguée (COMD) or associée (COMA) is the chef-lieu of the commune it is part of
//!   (its `parent` column): Annecy-le-Vieux 74011 → Annecy 74010. Someone born there before the
//!   merger and the same person recorded with the current commune are one birth place.
//! - A Corsican code of département 20 (births before 1976) is the `2A`/`2B` commune with the same
//!   number (the numbers are unique across the two départements): 20004 → Ajaccio 2A004.
//! - Any other code, known or not, is itself: a commune merged without a commune déléguée left in
//!   the COG is not in the embedded data and cannot be followed.
//! - A territory depends on the country of its `parent_cog` (99230 Hong Kong → 99216 Chine).
//!
//! The communes are looked up in a small table `build.rs` derives from the embedded list (10
//! bytes for each of the ~3,000 codes that stand for another commune, binary search), not in the
//! list itself: a function that compares birth places (the sign-in) does not embed the 37,590
//! communes. The countries list is parsed on first use. Nothing is built at start-up.

use rpps_domain::{InseeCommuneCode, InseeCountryCode, PlaceCanon};

/// `build.rs`'s table: sorted 10-byte records, the code then the commune it stands for.
const CANON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/communes-canon.bin"));
const RECORD: usize = 10;

/// The embedded communes and countries as a [`PlaceCanon`] for `rpps_domain::compare` and
/// `rpps_domain::candidate_key`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmbeddedPlaces;

impl PlaceCanon for EmbeddedPlaces {
    fn canonical_commune(&self, code: &InseeCommuneCode) -> InseeCommuneCode {
        canonical_commune(code)
    }

    fn parent_country(&self, code: &InseeCountryCode) -> Option<InseeCountryCode> {
        parent_country(code)
    }
}

/// The commune a birth commune code stands for: an arrondissement's city, a former commune's
/// chef-lieu, the `2A`/`2B` code of a pre-1976 Corsican code, else the code itself.
pub fn canonical_commune(code: &InseeCommuneCode) -> InseeCommuneCode {
    let records = CANON.len() / RECORD;
    let record = |i: usize| &CANON[i * RECORD..(i + 1) * RECORD];
    let key = code.as_str().as_bytes();
    let (mut low, mut high) = (0, records);
    while low < high {
        let middle = (low + high) / 2;
        match record(middle)[..5].cmp(key) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => {
                return std::str::from_utf8(&record(middle)[5..])
                    .ok()
                    .and_then(|target| InseeCommuneCode::parse(target).ok())
                    .unwrap_or_else(|| code.clone());
            }
        }
    }
    code.clone()
}

/// The country a territory depends on (`parent_cog`), `None` for a country or an unknown code.
pub fn parent_country(code: &InseeCountryCode) -> Option<InseeCountryCode> {
    let parent = crate::try_countries().ok()?.get(code.as_str())?.parent?;
    InseeCountryCode::parse(parent).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CommuneKind;
    use rpps_domain::{
        BirthDate, BirthPlace, CivilStatus, IdentityTraits, MatchReason, PersonName, Verdict,
        candidate_key, compare,
    };

    fn commune(code: &str) -> InseeCommuneCode {
        InseeCommuneCode::parse(code).expect("commune code")
    }

    fn canonical(code: &str) -> String {
        canonical_commune(&commune(code)).to_string()
    }

    fn parent(code: &str) -> Option<String> {
        parent_country(&InseeCountryCode::parse(code).expect("country code")).map(|c| c.to_string())
    }

    #[test]
    fn faq_r12_arrondissements_are_their_city() {
        assert_eq!(canonical("69383"), "69123");
        assert_eq!(canonical("75115"), "75056");
        assert_eq!(canonical("13208"), "13055");
        for (first, last, city) in [
            (75101, 75120, "75056"),
            (69381, 69389, "69123"),
            (13201, 13216, "13055"),
        ] {
            for code in first..=last {
                assert_eq!(canonical(&code.to_string()), city, "{code}");
            }
        }
        assert_eq!(canonical("75056"), "75056");
        assert_eq!(canonical("69123"), "69123");
    }

    #[test]
    fn faq_r12_former_communes_are_the_chef_lieu_of_their_commune_nouvelle() {
        // Annecy-le-Vieux, commune déléguée of Annecy since 2017.
        assert_eq!(canonical("74011"), "74010");
        // Béon, commune déléguée of Culoz-Béon (chef-lieu Culoz, 01138).
        assert_eq!(canonical("01039"), "01138");
        // Fargniers, commune associée of Tergnier.
        assert_eq!(canonical("02300"), "02738");
        // Escaufourt (Aisne), commune associée of Saint-Souplet (Nord).
        assert_eq!(canonical("02285"), "59545");
        // A commune nouvelle shares its code with its chef-lieu commune déléguée.
        assert_eq!(canonical("74010"), "74010");
    }

    #[test]
    fn faq_r12_corsican_codes_before_1976_are_the_2a_2b_communes() {
        assert_eq!(canonical("20004"), "2A004");
        assert_eq!(canonical("20033"), "2B033");
        assert_eq!(canonical("2A004"), "2A004");
    }

    #[test]
    fn unknown_codes_and_plain_communes_are_themselves() {
        assert_eq!(canonical("33063"), "33063");
        assert_eq!(canonical("75121"), "75121");
        assert_eq!(canonical("20999"), "20999");
        assert_eq!(canonical("98999"), "98999");
    }

    #[test]
    fn faq_r12_every_entry_maps_to_a_commune_and_the_mapping_is_idempotent() {
        let communes = crate::communes();
        for entry in communes.all() {
            let code = commune(entry.insee);
            let canon = canonical_commune(&code);
            assert_eq!(canonical_commune(&canon), canon, "{}", entry.insee);
            let target = communes
                .get(canon.as_str())
                .unwrap_or_else(|| panic!("{} → {canon} exists", entry.insee));
            assert_eq!(
                target.kind,
                CommuneKind::Commune,
                "{} → {canon}",
                entry.insee
            );
            match entry.kind {
                CommuneKind::Commune => assert_eq!(canon, code),
                _ => assert_eq!(Some(canon.as_str()), entry.parent),
            }
        }
    }

    #[test]
    fn faq_r12_territories_depend_on_their_country() {
        assert_eq!(parent("99230").as_deref(), Some("99216"));
        assert_eq!(parent("99430").as_deref(), Some("99101"));
        assert_eq!(parent("99100"), None);
        assert_eq!(parent("99352"), None);
        assert_eq!(parent("99999"), None);
        // One level: no parent country is itself a territory.
        for country in crate::countries().all() {
            if let Some(p) = country.parent {
                assert_eq!(parent(p), None, "{} → {p}", country.code);
            }
        }
    }

    fn civil(family: &str, given: &str, birth: &str, place: BirthPlace) -> CivilStatus {
        CivilStatus {
            family_name: PersonName::parse(family).expect("family"),
            given_names: PersonName::parse(given).expect("given"),
            // The stored form (format and 1900 bound checked): no clock needed.
            birth_date: serde_json::from_value::<BirthDate>(birth.into()).expect("date"),
            birth_place: place,
        }
    }

    #[test]
    fn faq_r12_identity_match_over_the_embedded_communes() {
        let lyon3 = civil(
            "N'Diaye",
            "Marie-Hélène Josée",
            "1980-05-17",
            BirthPlace::France {
                commune: commune("69383"),
            },
        );
        let lyon = civil(
            "NDIAYE",
            "Marie Helene",
            "1980-05-17",
            BirthPlace::France {
                commune: commune("69123"),
            },
        );
        let (a, b) = (IdentityTraits::from(&lyon3), IdentityTraits::from(&lyon));
        let m = compare(&a, &b, &EmbeddedPlaces);
        assert_eq!(m.verdict, Verdict::Same);
        assert!(m.reasons.contains(&MatchReason::BirthPlaceSameCommune));
        assert_eq!(candidate_key(&a, &EmbeddedPlaces), "69123#1980");
        assert_eq!(candidate_key(&b, &EmbeddedPlaces), "69123#1980");

        let marseille = civil(
            "N'Diaye",
            "Marie-Hélène Josée",
            "1980-05-17",
            BirthPlace::France {
                commune: commune("13208"),
            },
        );
        let c = IdentityTraits::from(&marseille);
        assert_eq!(compare(&a, &c, &EmbeddedPlaces).verdict, Verdict::Different);
        assert_eq!(candidate_key(&c, &EmbeddedPlaces), "13055#1980");
    }

    #[test]
    fn faq_r12_hong_kong_and_china_are_probable() {
        let abroad = |code: &str| BirthPlace::Abroad {
            country: InseeCountryCode::parse(code).expect("country"),
        };
        let hk = civil("Chan", "Mei", "1975-02-03", abroad("99230"));
        let china = civil("Chan", "Mei", "1975-02-03", abroad("99216"));
        let (a, b) = (IdentityTraits::from(&hk), IdentityTraits::from(&china));
        let m = compare(&a, &b, &EmbeddedPlaces);
        assert_eq!(m.verdict, Verdict::Probable);
        assert_eq!(m.reasons, [MatchReason::BirthCountryTerritory]);
        assert_eq!(candidate_key(&a, &EmbeddedPlaces), "99216#1975");
        assert_eq!(candidate_key(&b, &EmbeddedPlaces), "99216#1975");
    }
}
