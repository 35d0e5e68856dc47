//! One line of an import, read by the form's rules (issue 19): names, birth date, birth place
//! (a commune by INSEE code, or by name and département; or a country abroad), email, mobile,
//! start date, eligibility and establishment. Every cell's error at once, in French, against
//! its field, as the form shows them; a cell a spreadsheet would run as a formula is refused
//! as such. No store here: the register's look is the caller's.

use std::collections::BTreeMap;

use rpps_api::FieldErrors;
use rpps_domain::text::fold;
use rpps_domain::{
    BirthDate, BirthPlace, CivilStatus, Contact, EligibilityBasis, Email, Finess, KnownPlaces,
    MobilePhone, PersonName, parse_start_date,
};
use time::Date;

use super::file::Column;

/// A line's cells by field name (`family_name`…), as typed (trimmed).
pub type Cells = BTreeMap<String, String>;

/// What a correct line creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub civil: CivilStatus,
    pub establishment: Finess,
    pub contact: Contact,
    pub start_date: Date,
    pub eligibility: EligibilityBasis,
}

/// What the line is read against: the day in Paris, the manager's establishments, the one to
/// use when the file has no FINESS column, the places known.
pub struct Context<'a, P: KnownPlaces> {
    pub today: Date,
    pub managed: &'a [Finess],
    pub default_establishment: Option<&'a Finess>,
    pub places: &'a P,
}

/// The cell of `column`, empty when absent.
fn cell(cells: &Cells, column: Column) -> &str {
    cells.get(column.field()).map_or("", |v| v.trim())
}

/// Reads a line: the person it describes, or every cell's error.
pub fn check<P: KnownPlaces>(
    cells: &Cells,
    context: &Context<'_, P>,
) -> Result<Person, FieldErrors> {
    let mut errors = FieldErrors::default();
    for column in Column::ALL {
        let value = cell(cells, column);
        let formula = value.starts_with(['=', '@'])
            || (value.starts_with(['+', '-']) && column != Column::Mobile)
            || value.starts_with(['\t', '\r']);
        if formula {
            errors.add(
                column.field(),
                "import.formula",
                "Cette cellule commence comme une formule de tableur (=, +, -, @) : saisissez la valeur elle-même.",
            );
        }
    }
    let ok = |errors: &FieldErrors, column: Column| !errors.has(column.field());
    let family_name = ok(&errors, Column::FamilyName)
        .then(|| {
            errors.check(
                "family_name",
                PersonName::parse(cell(cells, Column::FamilyName)),
            )
        })
        .flatten();
    let given_names = ok(&errors, Column::GivenNames)
        .then(|| {
            errors.check(
                "given_names",
                PersonName::parse(cell(cells, Column::GivenNames)),
            )
        })
        .flatten();
    let birth_date = ok(&errors, Column::BirthDate)
        .then(|| {
            errors.check(
                "birth_date",
                BirthDate::parse(cell(cells, Column::BirthDate), context.today),
            )
        })
        .flatten();
    let birth_place = birth_place(cells, context.places, &mut errors);
    let email = ok(&errors, Column::Email)
        .then(|| errors.check("email", Email::parse(cell(cells, Column::Email))))
        .flatten();
    let mobile = match cell(cells, Column::Mobile) {
        "" => None,
        raw if ok(&errors, Column::Mobile) => errors.check(
            "mobile",
            MobilePhone::parse(&with_zero(raw, 9, &['6', '7'])),
        ),
        _ => None,
    };
    let start_date = ok(&errors, Column::StartDate)
        .then(|| {
            let raw = cell(cells, Column::StartDate);
            errors.check(
                "start_date",
                parse_start_date(&iso_date(raw), context.today),
            )
        })
        .flatten();
    let eligibility = ok(&errors, Column::Eligibility)
        .then(|| eligibility(cell(cells, Column::Eligibility), &mut errors))
        .flatten();
    let establishment = ok(&errors, Column::Establishment)
        .then(|| establishment(cell(cells, Column::Establishment), context, &mut errors))
        .flatten();
    match (
        family_name,
        given_names,
        birth_date,
        birth_place,
        email,
        start_date,
        eligibility,
        establishment,
    ) {
        (
            Some(family_name),
            Some(given_names),
            Some(birth_date),
            Some(birth_place),
            Some(email),
            Some(start_date),
            Some(eligibility),
            Some(establishment),
        ) if errors.is_empty() => Ok(Person {
            civil: CivilStatus {
                family_name,
                given_names,
                birth_date,
                birth_place,
            },
            establishment,
            contact: Contact { email, mobile },
            start_date,
            eligibility,
        }),
        _ => Err(errors),
    }
}

/// A code a spreadsheet took for a number and stripped of its leading zero (a FINESS of the
/// départements 01 to 09, an INSEE code `01053`, a mobile `0612…`): `digits` digits (spaces
/// aside), starting with one of `first` when given, get their `0` back.
fn with_zero(raw: &str, digits: usize, first: &[char]) -> String {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let starts = first.is_empty() || compact.starts_with(first);
    if compact.len() == digits && starts && compact.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{compact}")
    } else {
        raw.to_owned()
    }
}

/// `jj/mm/aaaa` (a spreadsheet's date) as `aaaa-mm-jj`; anything else as it is.
fn iso_date(raw: &str) -> String {
    let parts: Vec<&str> = raw.trim().split(['/', '.']).collect();
    match parts.as_slice() {
        [d, m, y]
            if y.len() == 4
                && (1..=2).contains(&d.len())
                && (1..=2).contains(&m.len())
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => raw.trim().to_owned(),
    }
}

/// The eligibility basis, as a manager writes it: « diplôme », « certification », « titre »,
/// « expérience »… or the API's codes.
fn eligibility(raw: &str, errors: &mut FieldErrors) -> Option<EligibilityBasis> {
    let folded = fold(raw);
    let basis = match folded.as_str() {
        "certification"
        | "diplome"
        | "titre"
        | "certificat"
        | "diplome titre ou certification"
        | "dipl"
        | "deaes"
        | "deavs"
        | "mcad" => Some(EligibilityBasis::Certification),
        "professional experience" | "experience" | "experience professionnelle" | "exp" => {
            Some(EligibilityBasis::ProfessionalExperience)
        }
        _ => None,
    };
    if basis.is_none() {
        errors.add(
            "eligibility",
            if raw.trim().is_empty() {
                "eligibility.empty"
            } else {
                "eligibility.unknown"
            },
            "Indiquez « diplôme » (diplôme, titre ou certification) ou « expérience » (expérience professionnelle).",
        );
    }
    basis
}

/// The line's establishment (its FINESS cell, else the one chosen for the file), which the
/// manager must manage.
fn establishment<P: KnownPlaces>(
    raw: &str,
    context: &Context<'_, P>,
    errors: &mut FieldErrors,
) -> Option<Finess> {
    let finess = if raw.is_empty() {
        match context.default_establishment {
            Some(f) => f.clone(),
            None => {
                errors.add(
                    "establishment",
                    "establishment.empty",
                    "Indiquez le numéro FINESS de l'établissement employeur.",
                );
                return None;
            }
        }
    } else {
        errors.check("establishment", Finess::parse(&with_zero(raw, 8, &[])))?
    };
    if context.managed.contains(&finess) {
        Some(finess)
    } else {
        errors.add(
            "establishment",
            "establishment.not_managed",
            format!("Vous n'êtes pas gestionnaire de l'établissement FINESS {finess} : seuls vos établissements peuvent être indiqués."),
        );
        None
    }
}

/// The birth place: a commune of France by INSEE code, or by name (with the département when
/// several communes bear it), or a country abroad by INSEE code (99xxx) or name.
fn birth_place(
    cells: &Cells,
    places: &impl KnownPlaces,
    errors: &mut FieldErrors,
) -> Option<BirthPlace> {
    let commune = cell(cells, Column::BirthCommune);
    let departement = cell(cells, Column::BirthDepartement);
    let country = cell(cells, Column::BirthCountry);
    if errors.has("birth_commune") || errors.has("birth_country") {
        return None;
    }
    let commune = with_zero(commune, 4, &[]);
    let commune = commune.as_str();
    let commune_code = match commune {
        "" => None,
        raw if is_code(raw) => Some(raw.to_owned()),
        name => match commune_by_name(name, departement) {
            Ok(code) => Some(code),
            Err((code, message)) => {
                errors.add("birth_commune", code, message);
                return None;
            }
        },
    };
    let country_code = match country {
        "" => None,
        raw if raw.bytes().all(|b| b.is_ascii_digit()) => Some(raw.to_owned()),
        name => match country_by_name(name) {
            Some(code) => Some(code),
            None => {
                errors.add(
                    "birth_country",
                    "birth_country.unknown",
                    format!("Aucun pays ne s'appelle « {name} » : indiquez son nom en français (Maroc, Portugal…) ou son code INSEE (99350)."),
                );
                return None;
            }
        },
    };
    // France named as the country, with a commune: the commune.
    let country_code = country_code.filter(|c| !(c == "99100" && commune_code.is_some()));
    crate::parse::typed_birth_place(
        commune_code.as_deref(),
        country_code.as_deref(),
        places,
        errors,
    )
}

/// An INSEE commune code as typed: 5 characters, digits or `2A`/`2B`.
fn is_code(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() == 5
        && b[0].is_ascii_digit()
        && (b[1].is_ascii_digit() || matches!(b[1], b'A' | b'B' | b'a' | b'b'))
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// The INSEE code of the commune named `name` (in `departement` when given): the one commune
/// of that name, or an error saying what is missing.
fn commune_by_name(name: &str, departement: &str) -> Result<String, (&'static str, String)> {
    let wanted = fold(name);
    let departement = departement.trim().trim_start_matches('0').to_uppercase();
    let Ok(communes) = rpps_places::try_communes() else {
        return Err((
            "birth_commune.unavailable",
            "La liste des communes est momentanément indisponible : indiquez le code INSEE de la commune.".into(),
        ));
    };
    let mut found: Vec<_> = communes
        .search(name, 200)
        .into_iter()
        .filter(|c| fold(c.name) == wanted)
        .filter(|c| departement.is_empty() || c.departement.trim_start_matches('0') == departement)
        .collect();
    if found
        .iter()
        .any(|c| c.kind == rpps_places::CommuneKind::Commune)
    {
        found.retain(|c| c.kind == rpps_places::CommuneKind::Commune);
    }
    match found.as_slice() {
        [one] => Ok(one.insee.to_owned()),
        [] if departement.is_empty() => Err((
            "birth_commune.unknown",
            format!(
                "Aucune commune ne s'appelle « {name} » : vérifiez l'orthographe, ou indiquez son code INSEE (pas le code postal)."
            ),
        )),
        [] => Err((
            "birth_commune.unknown",
            format!(
                "Aucune commune du département {departement} ne s'appelle « {name} » : vérifiez le nom et le département, ou indiquez son code INSEE."
            ),
        )),
        several if departement.is_empty() => {
            let mut departements: Vec<&str> = several.iter().map(|c| c.departement).collect();
            departements.sort();
            departements.dedup();
            Err((
                "birth_commune.ambiguous",
                format!(
                    "Plusieurs communes s'appellent « {name} » (départements {}) : indiquez le département de naissance, ou le code INSEE de la commune.",
                    departements.join(", ")
                ),
            ))
        }
        _ => Err((
            "birth_commune.ambiguous",
            format!(
                "Plusieurs communes s'appellent « {name} » dans ce département : indiquez le code INSEE de la commune."
            ),
        )),
    }
}

/// The INSEE code of the country named `name` (its short or official name, folded).
fn country_by_name(name: &str) -> Option<String> {
    let wanted = fold(name);
    let countries = rpps_places::try_countries().ok()?;
    countries
        .all()
        .iter()
        .filter(|c| fold(c.name) == wanted || fold(c.official_name) == wanted)
        .max_by_key(|c| c.is_current())
        .map(|c| c.code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 05);

    fn cells(pairs: &[(&str, &str)]) -> Cells {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn good() -> Cells {
        cells(&[
            ("family_name", "N'Diaye"),
            ("given_names", "Awa Marie"),
            ("birth_date", "12/04/1985"),
            ("birth_commune", "69383"),
            ("email", "awa@exemple.fr"),
            ("mobile", "06 12 34 56 78"),
            ("start_date", "01/12/2026"),
            ("eligibility", "Diplôme"),
        ])
    }

    fn read(cells: &Cells) -> Result<Person, FieldErrors> {
        let managed = [Finess::parse("750012346").unwrap()];
        check(
            cells,
            &Context {
                today: TODAY,
                managed: &managed,
                default_establishment: Some(&managed[0]),
                places: &rpps_places::EmbeddedPlaces,
            },
        )
    }

    fn codes(errors: FieldErrors) -> Vec<(String, String)> {
        let error = errors.into_result("x", "y").expect_err("errors expected");
        error
            .fields
            .into_iter()
            .map(|(field, e)| (field, e.code))
            .collect()
    }

    #[test]
    fn issue_19_a_good_line_reads_as_the_form_would() {
        let person = read(&good()).expect("good");
        assert_eq!(person.civil.birth_date.stored(), "1985-04-12");
        assert_eq!(person.start_date, date!(2026 - 12 - 01));
        assert_eq!(person.eligibility, EligibilityBasis::Certification);
        assert_eq!(person.establishment.as_str(), "750012346");
        assert_eq!(
            person.contact.mobile.map(|m| m.to_string()),
            Some("+33612345678".into())
        );
        let mut experience = good();
        experience.insert("eligibility".into(), "expérience professionnelle".into());
        experience.insert("mobile".into(), String::new());
        let person = read(&experience).expect("good");
        assert_eq!(person.eligibility, EligibilityBasis::ProfessionalExperience);
        assert_eq!(person.contact.mobile, None);
    }

    #[test]
    fn issue_19_every_cell_error_at_once() {
        let bad = cells(&[
            ("family_name", "N3"),
            ("given_names", ""),
            ("birth_date", "31/02/1985"),
            ("birth_commune", "69383"),
            ("email", "pas une adresse"),
            ("mobile", "01 23 45 67 89"),
            ("start_date", "2030-01-01"),
            ("eligibility", "bac"),
            ("establishment", "690011226"),
        ]);
        let got = codes(read(&bad).expect_err("bad"));
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "birth_date",
                "eligibility",
                "email",
                "establishment",
                "family_name",
                "given_names",
                "mobile",
                "start_date"
            ]
        );
        assert!(got.contains(&("establishment".into(), "establishment.not_managed".into())));
        assert!(got.contains(&("start_date".into(), "start_date.too_far".into())));
    }

    #[test]
    fn issue_19_a_formula_is_refused_as_a_formula() {
        let mut line = good();
        line.insert(
            "family_name".into(),
            "=HYPERLINK(\"http://x.example\";\"clic\")".into(),
        );
        line.insert("given_names".into(), "@SUM(A1)".into());
        line.insert("mobile".into(), "+33 6 12 34 56 78".into());
        let got = codes(read(&line).expect_err("formulas"));
        assert_eq!(
            got,
            [
                ("family_name".to_owned(), "import.formula".to_owned()),
                ("given_names".to_owned(), "import.formula".to_owned())
            ]
        );
    }

    #[test]
    fn issue_19_a_commune_by_name_and_departement_or_a_country_by_name() {
        let mut line = good();
        line.insert("birth_commune".into(), "Saint-Étienne".into());
        line.insert("birth_departement".into(), "42".into());
        let person = read(&line).expect("Saint-Étienne (42)");
        assert_eq!(
            person.civil.birth_place,
            BirthPlace::from_typed(Some("42218"), None, &rpps_places::EmbeddedPlaces).unwrap()
        );
        // A name several communes bear, without its département: which one?
        line.insert("birth_commune".into(), "Saint-Denis".into());
        line.insert("birth_departement".into(), String::new());
        assert_eq!(
            codes(read(&line).expect_err("ambiguous")),
            [(
                "birth_commune".to_owned(),
                "birth_commune.ambiguous".to_owned()
            )]
        );
        line.insert("birth_departement".into(), "93".into());
        assert!(read(&line).is_ok());
        line.insert("birth_commune".into(), "Nullepart-sur-Rien".into());
        assert_eq!(
            codes(read(&line).expect_err("unknown"))[0].1,
            "birth_commune.unknown"
        );
        // Abroad, by name; France as the country with a commune is the commune.
        let mut abroad = good();
        abroad.remove("birth_commune");
        abroad.insert("birth_country".into(), "Maroc".into());
        let person = read(&abroad).expect("Maroc");
        assert!(matches!(
            person.civil.birth_place,
            BirthPlace::Abroad { .. }
        ));
        let mut france = good();
        france.insert("birth_country".into(), "99100".into());
        assert!(read(&france).is_ok());
        abroad.insert("birth_country".into(), "Atlantide".into());
        assert_eq!(
            codes(read(&abroad).expect_err("unknown country"))[0].1,
            "birth_country.unknown"
        );
    }

    #[test]
    fn issue_19_dates_as_a_spreadsheet_writes_them() {
        assert_eq!(iso_date("1/9/2026"), "2026-09-01");
        assert_eq!(iso_date("01.09.2026"), "2026-09-01");
        assert_eq!(iso_date("2026-09-01"), "2026-09-01");
        assert_eq!(iso_date("1/9/26"), "1/9/26");
    }
}

#[cfg(test)]
mod review {
    use super::*;
    use time::macros::date;

    #[test]
    fn issue_19_codes_a_spreadsheet_stripped_of_their_leading_zero_are_read() {
        let managed = [Finess::parse("010000024").unwrap()];
        let context = Context {
            today: date!(2026 - 12 - 05),
            managed: &managed,
            default_establishment: None,
            places: &rpps_places::EmbeddedPlaces,
        };
        let cells: Cells = [
            ("family_name", "Dupont"),
            ("given_names", "Léa"),
            ("birth_date", "01/02/1990"),
            ("birth_commune", "1053"),
            ("email", "l@example.org"),
            ("mobile", "612345678"),
            ("start_date", "01/12/2026"),
            ("eligibility", "diplôme"),
            ("establishment", "10000024"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let person = check(&cells, &context).expect("read with their zeros");
        assert_eq!(person.establishment.as_str(), "010000024");
        assert_eq!(
            person.contact.mobile.map(|m| m.to_string()),
            Some("+33612345678".into())
        );
    }
}
