//! A file's lines as the preview shows them (issue 19): each line's cells with their errors
//! (the form's rules, [`super::line`]), the same person twice in the file, and — the one part
//! that needs the store — who the register already knows ([`look_up`]).

use std::collections::BTreeMap;

use rpps_api::ApiError;
use rpps_contract::import::{ImportCell, ImportLine, LineState};
use rpps_domain::{Actor, IdentityTraits, KnownPlaces, Verdict, compare};
use rpps_places::EmbeddedPlaces;
use rpps_store::Store;

use super::file::{self, Column, Columns, Encoding, FileError};
use super::line::{self, Cells, Context, Person};
use crate::identity;

/// A file read into lines, before the register's look.
pub struct Read {
    pub lines: Vec<ImportLine>,
    pub ignored_columns: Vec<String>,
    /// « UTF-8, séparateur « ; » ».
    pub read_as: String,
}

/// Reads `bytes` into lines, each checked by the form's rules.
pub fn read<P: KnownPlaces>(bytes: &[u8], context: &Context<'_, P>) -> Result<Read, FileError> {
    let (text, encoding) = file::decode(bytes)?;
    let separator = file::separator(&text);
    let mut rows = file::rows(&text, separator)?.into_iter();
    let header = rows.next().ok_or(FileError::Empty)?;
    let columns = Columns::of_header(&header.fields)?;
    let lines: Vec<ImportLine> = rows
        .map(|row| {
            let cells: Cells = Column::ALL
                .into_iter()
                .filter(|c| columns.has(*c))
                .map(|c| (c.field().to_owned(), columns.cell(&row, c).to_owned()))
                .collect();
            line_of(row.line as u32, cells, context)
        })
        .collect();
    if lines.is_empty() {
        return Err(FileError::NoLines);
    }
    let read_as = format!(
        "{}, séparateur « {} »",
        match encoding {
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1252 => "Windows-1252 (ANSI)",
        },
        match separator {
            '\t' => "tabulation".to_owned(),
            c => c.to_string(),
        }
    );
    let mut read = Read {
        lines,
        ignored_columns: columns.ignored,
        read_as,
    };
    mark_repeats(&mut read.lines, context);
    Ok(read)
}

/// A line of `cells`, checked: `Ready`, or `Invalid` with each cell's error.
pub fn line_of<P: KnownPlaces>(number: u32, cells: Cells, context: &Context<'_, P>) -> ImportLine {
    let (state, mut errors) = match line::check(&cells, context) {
        Ok(_) => (LineState::Ready, BTreeMap::new()),
        Err(errors) => (LineState::Invalid, errors.into_map()),
    };
    let mut cells: Vec<ImportCell> = cells
        .into_iter()
        .map(|(field, value)| ImportCell {
            error: errors.remove(&field),
            field,
            value,
        })
        .collect();
    // An error on a column the file does not have (no FINESS column and no establishment for
    // the file, a birth place to give): the cell is added, empty, to be filled in.
    cells.extend(errors.into_iter().map(|(field, error)| ImportCell {
        field,
        value: String::new(),
        error: Some(error),
    }));
    cells.sort_by_key(|c| super::file::Column::from_field(&c.field).map(|column| column as usize));
    ImportLine {
        line: number,
        state,
        cells,
        ..ImportLine::default()
    }
}

/// The cells of a line, by field.
pub fn cells_of(line: &ImportLine) -> Cells {
    line.cells
        .iter()
        .map(|c| (c.field.clone(), c.value.clone()))
        .collect()
}

/// The person of a line that reads (whatever its state).
pub fn person_of<P: KnownPlaces>(line: &ImportLine, context: &Context<'_, P>) -> Option<Person> {
    line::check(&cells_of(line), context).ok()
}

/// The same person on two lines (FAQ-R3, R12, the domain's identity comparison, within each
/// identity-match partition): the later one gets `repeat_of` (to drop or correct), a probable
/// match `similar_to` (to look at when validating). Only among the lines not dropped whose cells
/// read; the marks are made again from scratch. Then [`settle`].
pub fn mark_repeats<P: KnownPlaces>(lines: &mut [ImportLine], context: &Context<'_, P>) {
    let mut partitions: BTreeMap<String, Vec<(usize, Person)>> = BTreeMap::new();
    for (i, line) in lines.iter_mut().enumerate() {
        line.repeat_of = None;
        line.similar_to = None;
        if !line.dropped
            && let Some(person) = person_of(line, context)
        {
            partitions
                .entry(identity::key(&person.civil))
                .or_default()
                .push((i, person));
        }
    }
    for people in partitions.values() {
        for (k, (i, person)) in people.iter().enumerate() {
            let traits = IdentityTraits::from(&person.civil);
            let earlier = people[..k].iter().find_map(|(j, other)| {
                let found = compare(
                    &traits,
                    &IdentityTraits::from(&other.civil),
                    &EmbeddedPlaces,
                );
                (found.verdict != Verdict::Different).then_some((*j, found.verdict))
            });
            if let Some((j, verdict)) = earlier {
                let first = lines[j].line;
                if verdict == Verdict::Same {
                    lines[*i].repeat_of = Some(first);
                } else {
                    lines[*i].similar_to = Some(first);
                }
            }
        }
    }
    settle(lines);
}

/// Each line's state, message and warning from what is known of it: dropped; cells to correct;
/// the same person as an earlier line; known to the register; else ready. Lines already
/// created or failed keep their outcome.
pub fn settle(lines: &mut [ImportLine]) {
    for line in lines {
        if matches!(line.state, LineState::Created | LineState::Failed) {
            continue;
        }
        let cell_errors = line.cells.iter().any(|c| c.error.is_some());
        line.state = if line.dropped {
            LineState::Dropped
        } else if cell_errors || line.repeat_of.is_some() {
            LineState::Invalid
        } else if line.known.is_some() {
            LineState::Known
        } else {
            LineState::Ready
        };
        line.message = match (line.repeat_of, &line.known) {
            (Some(first), _) => Some(format!(
                "Même personne que la ligne {first} : gardez une seule des deux lignes (écartez celle-ci, ou corrigez-la si ce sont deux personnes)."
            )),
            (None, Some(known)) => Some(known.clone()),
            (None, None) => None,
        };
        line.warning = match (line.similar_to, line.register_probable) {
            (Some(first), _) => Some(format!(
                "Peut-être la même personne que la ligne {first} (une lettre ou un prénom de différence) : la validation vous demandera de comparer."
            )),
            (None, true) => Some(
                "Une personne peut-être la même est déjà connue du registre : la validation vous demandera de comparer les deux fiches."
                    .into(),
            ),
            (None, false) => None,
        };
    }
}

/// Distinct register reads at once (one `Query` each).
const LOOKUPS_AT_ONCE: usize = 16;

/// Who the register already knows, for the lines among `indices` whose cells read (FAQ-R3,
/// R12): one `Query` per identity-match partition, 16 at a time. The same person as a numbered
/// professional or an open request is `known` (the message the form would give); a probable
/// match, `register_probable`. Then [`settle`].
pub async fn look_up<P: KnownPlaces>(
    store: &Store,
    actor: &Actor,
    lines: &mut [ImportLine],
    indices: &[usize],
    context: &Context<'_, P>,
) -> Result<(), ApiError> {
    use futures_util::StreamExt;
    let mut partitions: BTreeMap<String, Vec<(usize, Person)>> = BTreeMap::new();
    for &i in indices {
        lines[i].known = None;
        lines[i].register_probable = false;
        if let Some(person) = person_of(&lines[i], context) {
            partitions
                .entry(identity::key(&person.civil))
                .or_default()
                .push((i, person));
        }
    }
    let read: Vec<_> = futures_util::stream::iter(partitions)
        .map(|(key, people)| async move {
            store
                .identity_candidates(&key)
                .await
                .map(|candidates| (candidates, people))
        })
        .buffer_unordered(LOOKUPS_AT_ONCE)
        .collect()
        .await;
    for result in read {
        let (candidates, people) = result?;
        for (i, person) in people {
            let found = identity::matches(&person.civil, &candidates, None);
            let line = &mut lines[i];
            match identity::check_new_request(&found, actor) {
                Err(refusal) => line.known = Some(refusal.message),
                Ok(()) => line.register_probable = !found.is_empty(),
            }
        }
    }
    settle(lines);
    Ok(())
}

#[cfg(test)]
mod tests {
    use rpps_domain::Finess;
    use time::macros::date;

    use super::*;

    fn read_text(text: &str) -> Result<Read, FileError> {
        let managed = [Finess::parse("750012346").unwrap()];
        read(
            text.as_bytes(),
            &Context {
                today: date!(2026 - 12 - 05),
                managed: &managed,
                default_establishment: Some(&managed[0]),
                places: &EmbeddedPlaces,
            },
        )
    }

    const HEADER: &str =
        "Nom;Prénoms;Date de naissance;Commune de naissance;E-mail;Date de début;Éligibilité\r\n";

    #[test]
    fn issue_19_a_file_reads_into_lines_with_each_cell_s_error() {
        let text = format!(
            "{HEADER}N'Diaye;Awa;12/04/1985;69383;awa@exemple.fr;01/12/2026;diplôme\r\nDupont;;31/02/1990;75115;x;01/12/2026;expérience\r\n"
        );
        let read = read_text(&text).expect("read");
        assert_eq!(read.read_as, "UTF-8, séparateur « ; »");
        assert_eq!(read.lines.len(), 2);
        assert_eq!(read.lines[0].state, LineState::Ready);
        assert_eq!(read.lines[0].line, 2);
        let bad = &read.lines[1];
        assert_eq!((bad.line, bad.state), (3, LineState::Invalid));
        let errors: Vec<(&str, &str)> = bad
            .cells
            .iter()
            .filter_map(|c| Some((c.field.as_str(), c.error.as_ref()?.code.as_str())))
            .collect();
        // In the columns' order.
        assert_eq!(
            errors,
            [
                ("given_names", errors[0].1),
                ("birth_date", "birth_date.impossible"),
                ("email", errors[2].1),
            ]
        );
        assert!(errors[2].1.starts_with("email."));
        // The cells keep what the file had, for the correction.
        assert_eq!(
            bad.cells.iter().find(|c| c.field == "email").unwrap().value,
            "x"
        );
    }

    #[test]
    fn issue_19_the_same_person_twice_in_the_file_is_created_once() {
        let text = format!(
            "{HEADER}N'Diaye;Awa;12/04/1985;69383;awa@exemple.fr;01/12/2026;diplôme\r\nNDIAYE;Awa;12/04/1985;69123;awa2@exemple.fr;01/12/2026;diplôme\r\nN'Diayes;Awa;12/04/1985;69383;awa3@exemple.fr;01/12/2026;diplôme\r\n"
        );
        let read = read_text(&text).expect("read");
        assert_eq!(read.lines[0].state, LineState::Ready);
        assert_eq!(read.lines[1].state, LineState::Invalid);
        assert!(
            read.lines[1]
                .message
                .as_deref()
                .is_some_and(|m| m.contains("ligne 2")),
            "{:?}",
            read.lines[1]
        );
        assert_eq!(read.lines[2].state, LineState::Ready);
        assert!(read.lines[2].warning.is_some(), "{:?}", read.lines[2]);
    }

    #[test]
    fn issue_19_a_file_without_people_or_columns_is_refused_whole() {
        assert_eq!(read_text(HEADER).err(), Some(FileError::NoLines));
        assert!(matches!(
            read_text("Nom;Prénoms\r\nA;B\r\n").err(),
            Some(FileError::MissingColumns(_))
        ));
    }
}

#[cfg(test)]
mod review {
    use rpps_domain::Finess;
    use time::macros::date;

    use super::*;

    /// A manager of two establishments who left the file's establishment to each line, with a
    /// file that has no FINESS column: every line lacks its establishment.
    #[test]
    fn issue_19_an_error_on_a_column_the_file_lacks_keeps_the_line_to_correct() {
        let managed = [
            Finess::parse("750012346").unwrap(),
            Finess::parse("690011226").unwrap(),
        ];
        let context = Context {
            today: date!(2026 - 12 - 05),
            managed: &managed,
            default_establishment: None,
            places: &EmbeddedPlaces,
        };
        let text = "Nom;Prénoms;Date de naissance;Pays de naissance;E-mail;Date de début;Éligibilité\r\nDupont;Léa;01/02/1990;France;l@example.org;01/12/2026;diplôme\r\n";
        let read = read(text.as_bytes(), &context).expect("read");
        let line = &read.lines[0];
        assert_eq!(line.state, LineState::Invalid, "{line:?}");
        let errors: Vec<&str> = line
            .cells
            .iter()
            .filter(|c| c.error.is_some())
            .map(|c| c.field.as_str())
            .collect();
        assert_eq!(errors, ["birth_commune", "establishment"], "{line:?}");
    }
}
