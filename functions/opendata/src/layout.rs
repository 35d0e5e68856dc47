//! The line layout of the files: the reference's `PS_LibreAcces_Personne_activite`
//! (../shared/domain/INTEROP.md, section 2): `|`-separated UTF-8, one header line, fields not
//! quoted, each line ending with `|`, one line per practice site. The columns this register
//! does not hold are left empty. The delta has the same columns after an action column.
//!
//! Lines are written in the order of their key, the RPPS number then the site's FINESS (both
//! fixed width), so that a day's delta is a merge of two sorted files ([`crate::delta`]).

use rpps_store::DirectoryEntry;

/// The 56 columns, in order.
pub const COLUMNS: [&str; 56] = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code département (coord. structure)",
    "Libellé département (coord. structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
    "Code fonction",
    "Libellé fonction",
    "Code genre d'activité",
    "Libellé genre d'activité",
];

/// Changes when the columns or their content change: a delta is only made against a file of
/// the same layout (the manifest says which).
pub const LAYOUT: &str = "PS_LibreAcces_Personne_activite/2026-12";

const IDENTIFIANT_PP: usize = 1;
const FINESS_SITE: usize = 21;

/// `Type d'identifiant PP` of an RPPS number.
const TYPE_RPPS: &str = "8";

/// The delta's first column.
pub const ACTION_COLUMN: &str = "Action";

/// What a delta line does to the copy of the full file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new line (a new professional or a new site).
    Added,
    /// A line of the same key whose content changed: it replaces the old one.
    Changed,
    /// A line that is no longer there (the site ended): the old line, to find it by its key.
    Removed,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Added => "ajout",
            Action::Changed => "modification",
            Action::Removed => "suppression",
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        [Action::Added, Action::Changed, Action::Removed]
            .into_iter()
            .find(|a| a.label() == label)
    }
}

/// A line of fields as the file writes it: `a|b|…|`.
fn write_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = String::new();
    for field in fields {
        line.push_str(field);
        line.push('|');
    }
    line
}

/// The full file's header line.
pub fn header() -> String {
    write_fields(COLUMNS)
}

/// The delta's header line.
pub fn delta_header() -> String {
    write_fields(std::iter::once(ACTION_COLUMN).chain(COLUMNS))
}

/// A value as a field: no separator, no line break, no control character (a name or an
/// establishment's name is free text); surrounding spaces trimmed.
fn field(value: &str) -> String {
    value
        .trim()
        .chars()
        .map(|c| match c {
            '|' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The lines of one professional: one per published practice site (a site once per FINESS),
/// in FINESS order; none for a professional who no longer practises anywhere published.
pub fn lines(entry: &DirectoryEntry) -> Vec<String> {
    let profession = rpps_contract::registration::Profession::from_code(&entry.profession)
        .map_or(entry.profession.as_str(), |p| p.label());
    let mut sites: Vec<_> = entry.active_sites().collect();
    sites.sort_by(|a, b| a.finess.as_str().cmp(b.finess.as_str()));
    sites.dedup_by(|a, b| a.finess == b.finess);
    let rpps = entry.rpps.as_str();
    sites
        .into_iter()
        .map(|site| {
            let mut fields: [String; 56] = std::array::from_fn(|_| String::new());
            fields[0] = TYPE_RPPS.into();
            fields[IDENTIFIANT_PP] = rpps.into();
            fields[2] = format!("8{rpps}");
            fields[7] = field(&entry.family_name);
            fields[8] = field(&entry.given_names);
            fields[9] = field(&entry.profession);
            fields[10] = field(profession);
            fields[FINESS_SITE] = site.finess.to_string();
            // The structure's national identifier: `1` + FINESS (idNatSt).
            fields[23] = format!("1{}", site.finess);
            fields[24] = field(&site.establishment_name);
            fields[36] = field(&site.commune_code);
            fields[37] = field(&site.commune_name);
            fields[44] = field(&site.departement);
            write_fields(fields.iter().map(String::as_str))
        })
        .collect()
}

/// A line's key: its RPPS number and site FINESS (fixed widths: text order is key order).
/// None for a line that is not one of ours (a header, a line cut short).
pub fn key(line: &str) -> Option<(&str, &str)> {
    let mut fields = line.split('|');
    let rpps = fields.nth(IDENTIFIANT_PP)?;
    let finess = fields.nth(FINESS_SITE - IDENTIFIANT_PP - 1)?;
    Some((rpps, finess))
}

/// A delta line: the action, then the line.
pub fn delta_line(action: Action, line: &str) -> String {
    format!("{}|{line}", action.label())
}

/// A delta line read back: its action and its line.
pub fn read_delta_line(line: &str) -> Option<(Action, &str)> {
    let (action, rest) = line.split_once('|')?;
    Some((Action::from_label(action)?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpps_domain::{Finess, RppsNumber};
    use rpps_store::DirectorySite;
    use time::macros::{date, datetime};

    pub(crate) fn entry(seq: u64, family: &str, sites: &[(&str, bool)]) -> DirectoryEntry {
        DirectoryEntry {
            rpps: RppsNumber::from_sequence(seq).unwrap(),
            family_name: family.into(),
            given_names: "Marie Anne".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            sites: sites
                .iter()
                .map(|(finess, active)| DirectorySite {
                    finess: Finess::parse(finess).unwrap(),
                    establishment_name: "SAAD | Les Tilleuls".into(),
                    commune_code: "75115".into(),
                    commune_name: "Paris 15e Arrondissement".into(),
                    departement: "75".into(),
                    started_on: date!(2026 - 01 - 05),
                    ended_on: None,
                    active: *active,
                })
                .collect(),
            ecps_activable_from: None,
            published_at: datetime!(2026-01-05 10:00 UTC),
            updated_at: datetime!(2026-01-05 10:00 UTC),
        }
    }

    #[test]
    fn one_line_per_published_site_in_the_reference_layout() {
        assert_eq!(header().matches('|').count(), 56);
        assert!(header().starts_with("Type d'identifiant PP|Identifiant PP|"));
        assert!(delta_header().starts_with("Action|Type d'identifiant PP|"));
        let e = entry(
            42,
            "N'Diaye\nEvil",
            &[
                ("750012346", true),
                ("690000880", true),
                ("130000011", false),
            ],
        );
        let lines = super::lines(&e);
        assert_eq!(lines.len(), 2, "the ended site has no line");
        for line in &lines {
            assert_eq!(line.matches('|').count(), 56, "{line}");
            assert!(line.ends_with('|'));
            assert!(!line.contains('\n'));
        }
        let fields: Vec<&str> = lines[0].split('|').collect();
        assert_eq!(fields[0], "8");
        assert_eq!(fields[1], e.rpps.as_str());
        assert_eq!(fields[2], format!("8{}", e.rpps));
        assert_eq!(fields[7], "N'Diaye Evil");
        assert_eq!(fields[10], "Aide à domicile qualifiée");
        assert_eq!(fields[21], "690000880", "FINESS order");
        assert_eq!(fields[23], "1690000880");
        assert_eq!(
            fields[24], "SAAD / Les Tilleuls",
            "no separator inside a field"
        );
        assert_eq!(fields[36], "75115");
        assert_eq!(key(&lines[0]), Some((e.rpps.as_str(), "690000880")));
        assert_eq!(key(&lines[1]), Some((e.rpps.as_str(), "750012346")));
        // Private data never: no birth date, email or phone can be in the entry, and the
        // structure's phone and email columns stay empty.
        assert_eq!(fields[40..44], ["", "", "", ""]);
        assert!(super::lines(&entry(43, "Parti", &[("750012346", false)])).is_empty());
        let d = delta_line(Action::Removed, &lines[0]);
        assert_eq!(
            read_delta_line(&d),
            Some((Action::Removed, lines[0].as_str()))
        );
    }
}
