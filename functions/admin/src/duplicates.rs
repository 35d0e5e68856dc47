//! The register's duplicates (FAQ-R3, R12; issue 14): every pair of requests, open or numbered,
//! that the domain's identity match finds the same person or probably the same person. Read-only:
//! the operator reads the list and decides (a manager asked to reject, two numbers reported to the
//! national register…).
//!
//! The requests are grouped by their identity-match partition (canonical birth place and birth
//! year, `rpps_domain::candidate_key`): only people of one partition can match, so the work is the
//! sum of each partition's pairs, not the square of the register.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rpps_domain::{
    BirthPlace, IdentityMatch, IdentityTraits, PlaceCanon, RegistrationStatus, Verdict,
    candidate_key, compare,
};
use rpps_store::StoredRegistration;

/// Two requests that are, or may be, one person.
pub struct DuplicatePair<'a> {
    pub first: &'a StoredRegistration,
    pub second: &'a StoredRegistration,
    pub matched: IdentityMatch,
}

/// Whether a request still stands for its person (a rejected one does not).
fn counts(stored: &StoredRegistration) -> bool {
    matches!(
        stored.request.status(),
        RegistrationStatus::Draft
            | RegistrationStatus::Submitted
            | RegistrationStatus::Validated { .. }
    )
}

/// Every pair of `requests` the identity match finds `Same` or `Probable`, ordered by the first
/// request's id, then the second's.
pub fn find_pairs<'a>(
    requests: &'a [StoredRegistration],
    places: &impl PlaceCanon,
) -> Vec<DuplicatePair<'a>> {
    let mut partitions: BTreeMap<String, Vec<&StoredRegistration>> = BTreeMap::new();
    for stored in requests.iter().filter(|s| counts(s)) {
        let traits = IdentityTraits::from(stored.request.civil_status());
        partitions
            .entry(candidate_key(&traits, places))
            .or_default()
            .push(stored);
    }
    let mut pairs = Vec::new();
    for members in partitions.values_mut() {
        members.sort_by(|a, b| a.request.id().cmp(b.request.id()));
        for (i, first) in members.iter().enumerate() {
            let traits = IdentityTraits::from(first.request.civil_status());
            for second in &members[i + 1..] {
                let other = IdentityTraits::from(second.request.civil_status());
                let matched = compare(&traits, &other, places);
                if matched.verdict != Verdict::Different {
                    pairs.push(DuplicatePair {
                        first,
                        second,
                        matched,
                    });
                }
            }
        }
    }
    pairs.sort_by(|a, b| {
        (a.first.request.id(), a.second.request.id())
            .cmp(&(b.first.request.id(), b.second.request.id()))
    });
    pairs
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

const SIDE: [&str; 8] = [
    "request",
    "status",
    "rpps",
    "family_name",
    "given_names",
    "birth_date",
    "birth_place",
    "establishment",
];

fn side(stored: &StoredRegistration) -> [String; 8] {
    let request = &stored.request;
    let civil = request.civil_status();
    [
        request.id().to_owned(),
        request.status().code().to_owned(),
        request
            .status()
            .rpps()
            .map(ToString::to_string)
            .unwrap_or_default(),
        civil.family_name.as_str().to_owned(),
        civil.given_names.as_str().to_owned(),
        civil.birth_date.stored(),
        match &civil.birth_place {
            BirthPlace::France { commune } => commune.to_string(),
            BirthPlace::Abroad { country } => country.to_string(),
        },
        request
            .establishment()
            .map(ToString::to_string)
            .unwrap_or_default(),
    ]
}

/// The pairs as CSV (UTF-8, `,`, a header line): the verdict, its reasons (codes, `;`-joined),
/// then each request's id, status, RPPS number, names, birth date and place, establishment.
pub fn to_csv(pairs: &[DuplicatePair<'_>]) -> String {
    let mut out = String::from("verdict,reasons");
    for suffix in ["a", "b"] {
        for column in SIDE {
            let _ = write!(out, ",{column}_{suffix}");
        }
    }
    out.push('\n');
    for pair in pairs {
        let reasons: Vec<&str> = pair.matched.reasons.iter().map(|r| r.code()).collect();
        let mut line = vec![pair.matched.verdict.code().to_owned(), reasons.join(";")];
        line.extend(side(pair.first));
        line.extend(side(pair.second));
        let fields: Vec<String> = line.iter().map(|f| field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use rpps_domain::{
        Actor, Attestation, BirthDate, CivilStatus, EligibilityBasis, InseeCommuneCode,
        InseeCountryCode, PersonName, RegistrationRequest, RejectionReason, Role, RppsNumber,
    };
    use rpps_store::Milestones;
    use time::macros::{date, datetime};

    use super::*;

    /// The test's places: Lyon's arrondissements are Lyon.
    struct Places;

    impl PlaceCanon for Places {
        fn canonical_commune(&self, code: &InseeCommuneCode) -> InseeCommuneCode {
            if code.as_str().starts_with("6938") {
                InseeCommuneCode::parse("69123").expect("Lyon")
            } else {
                code.clone()
            }
        }
        fn parent_country(&self, _: &InseeCountryCode) -> Option<InseeCountryCode> {
            None
        }
    }

    fn manager() -> Actor {
        Actor::new(
            "3750012346/42",
            Role::Manager {
                establishments: vec![rpps_domain::Finess::parse("750012346").expect("FINESS")],
            },
        )
    }

    /// A request of `family` born on `born` in `commune`, in the state `state`.
    fn request(
        id: &str,
        family: &str,
        born: &str,
        commune: &str,
        state: &str,
    ) -> StoredRegistration {
        let civil = CivilStatus {
            family_name: PersonName::parse(family).expect("name"),
            given_names: PersonName::parse("Marie-Hélène Josée").expect("names"),
            birth_date: BirthDate::parse(born, date!(2026 - 12 - 05)).expect("date"),
            birth_place: BirthPlace::from_franceconnect(commune, "99100").expect("place"),
        };
        let t = datetime!(2026-12-01 09:00 UTC);
        let mut request = RegistrationRequest::new_by_employer(
            id,
            &manager(),
            civil,
            rpps_domain::Finess::parse("750012346").expect("FINESS"),
            t,
        )
        .expect("draft");
        if state != "draft" {
            let update = rpps_domain::DraftUpdate {
                contact: Some(rpps_domain::Contact {
                    email: rpps_domain::Email::parse("a@exemple.fr").expect("email"),
                    mobile: None,
                }),
                start_date: Some(date!(2026 - 12 - 01)),
                eligibility: Some(EligibilityBasis::Certification),
                accuracy_confirmed: Some(true),
                ..Default::default()
            };
            request
                .update_draft(&manager(), update, t)
                .expect("complete");
            request.submit(&manager(), t).expect("submitted");
        }
        match state {
            "validated" => {
                let n: u64 = id.bytes().map(u64::from).sum();
                request
                    .validate(
                        &manager(),
                        Attestation::new(&manager(), EligibilityBasis::Certification, true, t),
                        RppsNumber::from_sequence(n).expect("number"),
                        t,
                    )
                    .expect("validated");
            }
            "rejected" => {
                request
                    .reject(
                        &manager(),
                        RejectionReason::parse("non").expect("reason"),
                        t,
                    )
                    .expect("rejected");
            }
            _ => {}
        }
        StoredRegistration {
            request,
            version: 1,
            milestones: Milestones::default(),
            candidate_key: None,
        }
    }

    #[test]
    fn faq_r12_the_same_and_probable_pairs_of_the_register_and_only_them() {
        let register = vec![
            request("a", "N'Diaye", "1985-04-12", "69383", "validated"),
            request("b", "NDIAYE", "1985-04-12", "69123", "validated"),
            request("c", "N'Diaye", "1985-12-04", "69381", "submitted"),
            request("d", "Martin", "1985-04-12", "69383", "validated"),
            request("e", "Martins", "1985-04-12", "69383", "draft"),
            // Another person: another birth date.
            request("f", "N'Diaye", "1986-04-12", "69383", "validated"),
            // Rejected: does not count.
            request("g", "N'Diaye", "1985-04-12", "69383", "rejected"),
        ];
        let pairs = find_pairs(&register, &Places);
        let found: Vec<(&str, &str, Verdict)> = pairs
            .iter()
            .map(|p| {
                (
                    p.first.request.id(),
                    p.second.request.id(),
                    p.matched.verdict,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("a", "b", Verdict::Same),
                ("a", "c", Verdict::Probable),
                ("b", "c", Verdict::Probable),
                ("d", "e", Verdict::Probable),
            ]
        );
        let csv = to_csv(&pairs);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("verdict,reasons,request_a,status_a,rpps_a"));
        assert!(lines[1].starts_with("same,"), "{}", lines[1]);
        assert!(lines[1].contains(",validated,1"), "{}", lines[1]);
        assert!(
            lines[1].contains("\"Marie-Hélène Josée\"")
                || lines[1].contains(",Marie-Hélène Josée,")
        );
        assert!(lines[2].contains("birth_day_month_swapped"), "{}", lines[2]);
    }

    #[test]
    fn csv_fields_with_separators_are_quoted() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("dit \"Jo\""), "\"dit \"\"Jo\"\"\"");
        assert_eq!(field("plain"), "plain");
    }
}
