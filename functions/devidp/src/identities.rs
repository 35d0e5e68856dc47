//! The test identities the development provider authenticates. Stable ids, so that tests
//! (`login_hint=<id>`) and the local seed (records, manager designations) can name them.

use serde::Serialize;

/// FranceConnect: an aide without an RPPS number, born in Lyon 3e (FAQ-R11).
pub const FC_AIDE_SANS_RPPS: &str = "aide-sans-rpps";
/// FranceConnect: an aide born abroad (Morocco), presumed birth day.
pub const FC_AIDE_NEE_A_L_ETRANGER: &str = "aide-nee-a-l-etranger";
/// FranceConnect: a person who already holds an RPPS number (FAQ-R12), the same person as
/// [`PSC_PRO_ECPS`].
pub const FC_PRO_DEJA_RPPS: &str = "pro-deja-rpps";
/// Pro Santé Connect: an RPPS holder signing in with e-CPS (FAQ-R18).
pub const PSC_PRO_ECPS: &str = "pro-ecps";
/// Pro Santé Connect: the manager of establishment A (FAQ-R9).
pub const PSC_MANAGER_A: &str = "manager-a";
/// Pro Santé Connect: the manager of establishments A and B (FAQ-R9).
pub const PSC_MANAGER_A_B: &str = "manager-a-b";
/// Pro Santé Connect: a card holder who is nobody's manager (FAQ-R8).
pub const PSC_CARTE_NON_GESTIONNAIRE: &str = "carte-non-gestionnaire";

/// Establishment A: FINESS of a demo establishment (functions/referentials/data/finess-demo.csv).
pub const FINESS_A: &str = "750012346";
/// Legal entity of establishment A.
pub const FINESS_A_LEGAL: &str = "750009870";
/// Establishment B.
pub const FINESS_B: &str = "690011226";
/// Legal entity of establishment B.
pub const FINESS_B_LEGAL: &str = "690004569";

/// The RPPS number of [`FC_PRO_DEJA_RPPS`] / [`PSC_PRO_ECPS`]: 11 digits, starts with 1, valid
/// Luhn key, far above the numbers the local counter hands out.
pub const RPPS_PRO: &str = "19990000010";

/// A FranceConnect identity, with the claims its userinfo carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FranceConnectTestIdentity {
    pub id: &'static str,
    /// What the choice page says of this identity (French).
    pub label: &'static str,
    pub sub: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub preferred_username: Option<&'static str>,
    pub birthdate: &'static str,
    pub gender: &'static str,
    /// INSEE commune code; empty for people born abroad (as FranceConnect sends it).
    pub birthplace: &'static str,
    pub birthcountry: &'static str,
    pub email: &'static str,
    /// Not a FranceConnect claim: the RPPS number this person already holds, for the local
    /// seed to create the matching record (FAQ-R12).
    pub rpps: Option<&'static str>,
}

/// One activity of a Pro Santé Connect identity (`SubjectRefPro.exercices[].activities[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PscTestActivity {
    /// `codeProfession` of the practice.
    pub profession_code: &'static str,
    pub finess_site: &'static str,
    pub finess_legal: &'static str,
    pub site_name: &'static str,
    pub postal_code: &'static str,
}

/// A Pro Santé Connect identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PscTestIdentity {
    pub id: &'static str,
    pub label: &'static str,
    pub sub: &'static str,
    /// `SubjectNameID` / `preferred_username`.
    pub national_id: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    /// `codeCivilite`.
    pub civility: &'static str,
    /// The RPPS number when `national_id` is `8` + RPPS.
    pub rpps: Option<&'static str>,
    pub activities: &'static [PscTestActivity],
    /// Not a PSC claim: the establishments (FINESS) the local seed should designate this
    /// person manager of. Designation is the portal's business, not the provider's.
    pub seed_manager_of: &'static [&'static str],
    /// Not a PSC claim either: the address the local seed records with those designations, where
    /// new requests are announced (FAQ-R11).
    pub seed_email: Option<&'static str>,
}

const SITE_A: PscTestActivity = PscTestActivity {
    profession_code: "",
    finess_site: FINESS_A,
    finess_legal: FINESS_A_LEGAL,
    site_name: "SAAD PARIS 15 AIDE ET PRESENCE",
    postal_code: "75015",
};

const SITE_B: PscTestActivity = PscTestActivity {
    profession_code: "",
    finess_site: FINESS_B,
    finess_legal: FINESS_B_LEGAL,
    site_name: "SSIAD LYON 3 SOINS A DOMICILE",
    postal_code: "69003",
};

static FRANCECONNECT: [FranceConnectTestIdentity; 3] = [
    FranceConnectTestIdentity {
        id: FC_AIDE_SANS_RPPS,
        label: "Aide à domicile sans numéro RPPS, née à Lyon 3e Arrondissement",
        sub: "32f5d5f825539cbf6afa2c34a81a71dcd6a569900fe3a20f1826d3b5b21f9570v1",
        given_name: "Marie-Hélène Josée",
        family_name: "N'Diaye",
        preferred_username: None,
        birthdate: "1985-04-12",
        gender: "female",
        birthplace: "69383",
        birthcountry: "99100",
        email: "marie-helene.ndiaye@example.org",
        rpps: None,
    },
    FranceConnectTestIdentity {
        id: FC_AIDE_NEE_A_L_ETRANGER,
        label: "Aide à domicile née au Maroc (jour de naissance présumé)",
        sub: "bbf522966379d7b6f5dffb23510487de882515354b19b7f7bede50124dbd4835v1",
        given_name: "Fatima Zahra",
        family_name: "El Idrissi",
        preferred_username: Some("Lefèvre-Dubœuf"),
        birthdate: "1979-03-01",
        gender: "female",
        birthplace: "",
        birthcountry: "99350",
        email: "fatima.elidrissi@example.org",
        rpps: None,
    },
    FranceConnectTestIdentity {
        id: FC_PRO_DEJA_RPPS,
        label: "Professionnel déjà enregistré au RPPS (doit utiliser e-CPS)",
        sub: "3ed6c0c0e67d8cbbf22c96c6e489f9ca3c55c420584a41f4c56de092a8705e77v1",
        given_name: "Jean-François Étienne",
        family_name: "D'Almeida",
        preferred_username: None,
        birthdate: "1972-11-23",
        gender: "male",
        birthplace: "13208",
        birthcountry: "99100",
        email: "jf.dalmeida@example.org",
        rpps: Some(RPPS_PRO),
    },
];

static PSC: [PscTestIdentity; 4] = [
    PscTestIdentity {
        id: PSC_PRO_ECPS,
        label: "Infirmier titulaire d'un numéro RPPS, connexion e-CPS",
        sub: "f:a1184bd3-62c9-5c2b-bdfb-e92827e9afe3:819990000010",
        national_id: "819990000010",
        given_name: "Jean-François",
        family_name: "D'Almeida",
        civility: "M",
        rpps: Some(RPPS_PRO),
        activities: &[PscTestActivity {
            profession_code: "60",
            ..SITE_B
        }],
        seed_manager_of: &[],
        seed_email: None,
    },
    PscTestIdentity {
        id: PSC_MANAGER_A,
        label: "Gestionnaire RPPS+ de l'établissement A (SAAD Paris 15), carte CPE",
        sub: "f:8d991cc1-978a-57a2-9809-293a517e3ad8:3750012346/100001",
        national_id: "3750012346/100001",
        given_name: "Élise",
        family_name: "Marchand-Lévêque",
        civility: "MME",
        rpps: None,
        activities: &[SITE_A],
        seed_manager_of: &[FINESS_A],
        seed_email: Some("elise.marchand@etablissement-a.localhost"),
    },
    PscTestIdentity {
        id: PSC_MANAGER_A_B,
        label: "Gestionnaire RPPS+ des établissements A et B, carte CPE",
        sub: "f:798d221c-2140-596f-b7ea-644de14b7fe9:3690011226/200002",
        national_id: "3690011226/200002",
        given_name: "Loïc",
        family_name: "Le Floc'h",
        civility: "M",
        rpps: None,
        activities: &[SITE_A, SITE_B],
        seed_manager_of: &[FINESS_A, FINESS_B],
        seed_email: Some("loic.lefloch@etablissements-a-b.localhost"),
    },
    PscTestIdentity {
        id: PSC_CARTE_NON_GESTIONNAIRE,
        label: "Titulaire d'une carte CPE, gestionnaire d'aucun établissement",
        sub: "f:6b983fd5-e35d-5c8a-943e-85e792b94c5b:3750012346/123456",
        national_id: "3750012346/123456",
        given_name: "Chloé",
        family_name: "Besnard-Noël",
        civility: "MME",
        rpps: None,
        activities: &[SITE_A],
        seed_manager_of: &[],
        seed_email: None,
    },
];

/// The FranceConnect test identities.
pub fn franceconnect_identities() -> &'static [FranceConnectTestIdentity] {
    &FRANCECONNECT
}

/// The Pro Santé Connect test identities.
pub fn psc_identities() -> &'static [PscTestIdentity] {
    &PSC
}

/// A FranceConnect test identity by id.
pub fn franceconnect_identity(id: &str) -> Option<&'static FranceConnectTestIdentity> {
    FRANCECONNECT.iter().find(|identity| identity.id == id)
}

/// A Pro Santé Connect test identity by id.
pub fn psc_identity(id: &str) -> Option<&'static PscTestIdentity> {
    PSC.iter().find(|identity| identity.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luhn_valid(digits: &str) -> bool {
        let sum: u32 = digits
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap_or(99);
                if i % 2 == 1 {
                    let doubled = d * 2;
                    if doubled > 9 { doubled - 9 } else { doubled }
                } else {
                    d
                }
            })
            .sum();
        sum.is_multiple_of(10)
    }

    #[test]
    fn ids_are_unique_and_stable() {
        let mut ids: Vec<_> = franceconnect_identities()
            .iter()
            .map(|i| i.id)
            .chain(psc_identities().iter().map(|i| i.id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 7);
        assert!(franceconnect_identity(FC_AIDE_SANS_RPPS).is_some());
        assert!(psc_identity(PSC_MANAGER_A_B).is_some());
        assert!(psc_identity(FC_AIDE_SANS_RPPS).is_none());
    }

    #[test]
    fn faq_r18_rpps_holder_national_id_is_8_plus_a_valid_rpps() {
        let pro = psc_identity(PSC_PRO_ECPS).unwrap();
        let rpps = pro.national_id.strip_prefix('8').unwrap();
        assert_eq!(Some(rpps), pro.rpps);
        assert_eq!(rpps.len(), 11);
        assert!(rpps.starts_with('1'));
        assert!(luhn_valid(rpps));
        assert_eq!(
            franceconnect_identity(FC_PRO_DEJA_RPPS).unwrap().rpps,
            Some(rpps),
            "the FranceConnect and e-CPS identities are the same person"
        );
    }

    #[test]
    fn born_abroad_has_empty_birthplace_and_a_foreign_country() {
        let abroad = franceconnect_identity(FC_AIDE_NEE_A_L_ETRANGER).unwrap();
        assert_eq!(abroad.birthplace, "");
        assert_ne!(abroad.birthcountry, "99100");
        assert!(abroad.birthdate.ends_with("-01"));
        let lyon = franceconnect_identity(FC_AIDE_SANS_RPPS).unwrap();
        assert_eq!((lyon.birthplace, lyon.birthcountry), ("69383", "99100"));
    }

    #[test]
    fn managers_work_in_the_establishments_they_manage() {
        for identity in psc_identities() {
            for finess in identity.seed_manager_of {
                assert!(
                    identity.activities.iter().any(|a| a.finess_site == *finess),
                    "{} manages {finess}",
                    identity.id
                );
            }
        }
        assert_eq!(
            psc_identity(PSC_MANAGER_A_B).unwrap().seed_manager_of,
            &[FINESS_A, FINESS_B]
        );
    }
}
