//! An uploaded file read as spreadsheets export it in France (issue 19): UTF-8 with or without
//! a byte-order mark, or Windows-1252 (Excel's « CSV (séparateur : point-virgule) »); `;`, `,`
//! or tab between fields, chosen by the header row; quoted fields (with `""` for a quote; never
//! a line break inside: no cell of a person has one, and a quote left open would swallow the
//! lines after it); CRLF or LF; 256 characters a cell at most. What is not such a file gets one clear French error, and
//! nothing of it is kept.

use rpps_domain::text::fold;

/// Bytes a file may have at most (2,000 lines of a dozen columns take about 400 KB).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Characters a cell may have at most (an email address has 254 at most; names far fewer).
pub const MAX_CELL: usize = 256;
/// Lines of people a file may have at most (the header row not counted).
pub const MAX_LINES: usize = 2_000;

/// How the file's text was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// Windows-1252 (Excel's default « CSV » on a French Windows).
    Windows1252,
}

/// Why a file cannot be read at all, each with what to do, in French.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("Le fichier est vide : enregistrez-y la ligne d'en-tête et une ligne par personne.")]
    Empty,
    #[error(
        "Le fichier pèse {0} Mo : un import en accepte 2 Mo au plus (environ 2 000 personnes). Découpez-le en plusieurs fichiers."
    )]
    TooLarge(usize),
    #[error(
        "Ce fichier est un classeur (Excel ou LibreOffice), pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer sous » puis le format « CSV UTF-8 (délimité par des virgules) » ou « CSV (séparateur : point-virgule) »."
    )]
    Workbook,
    #[error(
        "Ce fichier est enregistré en UTF-16 (« Texte Unicode ») : enregistrez-le plutôt au format « CSV UTF-8 »."
    )]
    Utf16,
    #[error(
        "Ce fichier n'est pas un fichier texte CSV (il contient des données binaires). Enregistrez votre tableau au format « CSV UTF-8 »."
    )]
    Binary,
    #[error(
        "Le fichier commence par un caractère de marque UTF-8 mais son contenu n'est pas en UTF-8 : enregistrez-le de nouveau au format « CSV UTF-8 »."
    )]
    BadUtf8,
    #[error(
        "Un guillemet n'est pas refermé sur sa ligne (ligne {0}) : vérifiez les guillemets de cette ligne."
    )]
    Unclosed(usize),
    #[error(
        "Le fichier compte {0} lignes de personnes : un import en accepte {max} au plus. Découpez-le en plusieurs fichiers.",
        max = MAX_LINES
    )]
    TooManyLines(usize),
    #[error("Le fichier n'a que sa ligne d'en-tête : ajoutez une ligne par personne.")]
    NoLines,
    #[error(
        "Une cellule de la ligne {0} dépasse {max} caractères : ce n'est pas une information d'une personne. Vérifiez cette ligne.",
        max = MAX_CELL
    )]
    CellTooLong(usize),
    #[error(
        "Colonnes introuvables dans la ligne d'en-tête : {0}. Partez du modèle à télécharger, dont la première ligne nomme les colonnes attendues."
    )]
    MissingColumns(String),
    #[error("La colonne « {0} » apparaît deux fois dans la ligne d'en-tête : gardez-en une seule.")]
    DuplicateColumn(String),
}

impl FileError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "import.empty",
            FileError::TooLarge(_) => "import.too_large",
            FileError::Workbook => "import.workbook",
            FileError::Utf16 => "import.utf16",
            FileError::Binary => "import.binary",
            FileError::BadUtf8 => "import.bad_utf8",
            FileError::Unclosed(_) => "import.unclosed_quote",
            FileError::TooManyLines(_) => "import.too_many_lines",
            FileError::NoLines => "import.no_lines",
            FileError::CellTooLong(_) => "import.cell_too_long",
            FileError::MissingColumns(_) => "import.missing_columns",
            FileError::DuplicateColumn(_) => "import.duplicate_column",
        }
    }
}

/// The code points of Windows-1252's bytes 0x80–0x9F (0 where the byte has none); the others
/// are Latin-1's, the byte's own value.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// The text of an uploaded file, and how it was written.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge(bytes.len().div_ceil(1024 * 1024)));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::Workbook);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::Utf16);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|_| FileError::BadUtf8)?;
        return checked_text(text.to_owned(), Encoding::Utf8);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => checked_text(text.to_owned(), Encoding::Utf8),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
            for &b in bytes {
                let c = match b {
                    0x80..=0x9F => char::from_u32(u32::from(CP1252_HIGH[usize::from(b - 0x80)]))
                        .filter(|&c| c != '\0')
                        .ok_or(FileError::Binary)?,
                    _ => char::from(b),
                };
                text.push(c);
            }
            checked_text(text, Encoding::Windows1252)
        }
    }
}

/// Text with control characters other than tab and line ends is not a CSV file.
fn checked_text(text: String, encoding: Encoding) -> Result<(String, Encoding), FileError> {
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(FileError::Binary);
    }
    Ok((text, encoding))
}

/// The separator the header row uses most: `;`, `,` or tab (outside quotes).
pub fn separator(text: &str) -> char {
    let header = text.lines().next().unwrap_or_default();
    let mut quoted = false;
    let (mut semicolons, mut commas, mut tabs) = (0, 0, 0);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        '\t'
    } else if commas > semicolons {
        ','
    } else {
        ';'
    }
}

/// One row of the file: its first line's number in the file (from 1, the header's 1) and its
/// fields, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub fields: Vec<String>,
}

/// The rows of `text`, fields split on `separator`; rows whose fields are all empty (a
/// spreadsheet's trailing `;;;;` lines) left out. Stops with [`FileError::TooManyLines`] past
/// `MAX_LINES + 1` rows (the header and the people), so a file of 100,000 lines is not read to
/// its end.
pub fn rows(text: &str, separator: char) -> Result<Vec<Row>, FileError> {
    let mut rows = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    let mut counted = 0usize;
    let push_row =
        |rows: &mut Vec<Row>, fields: &mut Vec<String>, row_line: usize, counted: &mut usize| {
            let taken: Vec<String> = std::mem::take(fields)
                .into_iter()
                .map(|f| f.trim().to_owned())
                .collect();
            if taken.iter().any(|f| !f.is_empty()) {
                *counted += 1;
                rows.push(Row {
                    line: row_line,
                    fields: taken,
                });
            }
        };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                // No cell of a person holds a line break: a quote left open would otherwise
                // swallow the lines after it, silently.
                '\r' | '\n' => return Err(FileError::Unclosed(row_line)),
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            c if c == separator => {
                if field.chars().count() > MAX_CELL {
                    return Err(FileError::CellTooLong(row_line));
                }
                fields.push(std::mem::take(&mut field));
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                if field.chars().count() > MAX_CELL {
                    return Err(FileError::CellTooLong(row_line));
                }
                fields.push(std::mem::take(&mut field));
                push_row(&mut rows, &mut fields, row_line, &mut counted);
                if counted > MAX_LINES + 1 {
                    let more = text.lines().count().saturating_sub(1);
                    return Err(FileError::TooManyLines(more));
                }
                line += 1;
                row_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(FileError::Unclosed(row_line));
    }
    if !field.is_empty() || !fields.is_empty() {
        if field.chars().count() > MAX_CELL {
            return Err(FileError::CellTooLong(row_line));
        }
        fields.push(field);
        push_row(&mut rows, &mut fields, row_line, &mut counted);
    }
    if rows.len() > MAX_LINES + 1 {
        return Err(FileError::TooManyLines(rows.len() - 1));
    }
    Ok(rows)
}

/// A column the import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    FamilyName,
    GivenNames,
    BirthDate,
    BirthCommune,
    BirthDepartement,
    BirthCountry,
    Email,
    Mobile,
    StartDate,
    Eligibility,
    Establishment,
}

impl Column {
    /// Every column, in the template's order.
    pub const ALL: [Column; 11] = [
        Column::FamilyName,
        Column::GivenNames,
        Column::BirthDate,
        Column::BirthCommune,
        Column::BirthDepartement,
        Column::BirthCountry,
        Column::Email,
        Column::Mobile,
        Column::StartDate,
        Column::Eligibility,
        Column::Establishment,
    ];

    /// The field name of the API (per-cell errors, corrections).
    pub fn field(self) -> &'static str {
        match self {
            Column::FamilyName => "family_name",
            Column::GivenNames => "given_names",
            Column::BirthDate => "birth_date",
            Column::BirthCommune => "birth_commune",
            Column::BirthDepartement => "birth_departement",
            Column::BirthCountry => "birth_country",
            Column::Email => "email",
            Column::Mobile => "mobile",
            Column::StartDate => "start_date",
            Column::Eligibility => "eligibility",
            Column::Establishment => "establishment",
        }
    }

    pub fn from_field(field: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.field() == field)
    }

    /// The template's header of the column.
    pub fn header(self) -> &'static str {
        match self {
            Column::FamilyName => "Nom de naissance",
            Column::GivenNames => "Prénoms",
            Column::BirthDate => "Date de naissance",
            Column::BirthCommune => "Commune de naissance",
            Column::BirthDepartement => "Département de naissance",
            Column::BirthCountry => "Pays de naissance",
            Column::Email => "E-mail",
            Column::Mobile => "Mobile",
            Column::StartDate => "Date de début",
            Column::Eligibility => "Éligibilité",
            Column::Establishment => "FINESS",
        }
    }

    /// The folded headers that name the column (the template's first).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::FamilyName => &["nom de naissance", "nom", "nom de famille", "nom naissance"],
            Column::GivenNames => &["prenoms", "prenom", "prenom s"],
            Column::BirthDate => &["date de naissance", "naissance", "ne le", "ne e le"],
            Column::BirthCommune => &[
                "commune de naissance",
                "lieu de naissance",
                "commune naissance",
                "code insee de naissance",
                "code insee naissance",
                "ville de naissance",
            ],
            Column::BirthDepartement => &[
                "departement de naissance",
                "departement naissance",
                "departement",
            ],
            Column::BirthCountry => &["pays de naissance", "pays naissance", "pays"],
            Column::Email => &[
                "e mail",
                "email",
                "courriel",
                "adresse e mail",
                "adresse email",
                "mail",
            ],
            Column::Mobile => &[
                "mobile",
                "telephone mobile",
                "telephone portable",
                "tel mobile",
                "tel portable",
                "portable",
                "telephone",
                "tel",
                "numero de mobile",
            ],
            Column::StartDate => &[
                "date de debut",
                "debut",
                "date debut",
                "debut d exercice",
                "date d entree",
                "date d embauche",
            ],
            Column::Eligibility => &["eligibilite", "base d eligibilite", "diplome ou experience"],
            Column::Establishment => &[
                "finess",
                "etablissement",
                "finess etablissement",
                "numero finess",
            ],
        }
    }

    /// Whether every line must have it (the birth place is a commune or a country; the
    /// establishment may be chosen for the whole file; the mobile is optional).
    fn required(self) -> bool {
        matches!(
            self,
            Column::FamilyName
                | Column::GivenNames
                | Column::BirthDate
                | Column::Email
                | Column::StartDate
                | Column::Eligibility
        )
    }
}

/// Which field of a row each column is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    positions: Vec<(Column, usize)>,
    /// Headers the import does not read (shown to the manager, never an error).
    pub ignored: Vec<String>,
}

impl Columns {
    /// The columns of a header row: each header folded and matched against the names a column
    /// goes by. The required columns, and a birth place column, must be there.
    pub fn of_header(header: &[String]) -> Result<Self, FileError> {
        let mut columns = Columns::default();
        for (i, raw) in header.iter().enumerate() {
            let folded = fold(raw.trim_start_matches('\u{feff}'));
            match Column::ALL
                .into_iter()
                .find(|c| c.aliases().contains(&folded.as_str()))
            {
                Some(column) if columns.position(column).is_some() => {
                    return Err(FileError::DuplicateColumn(raw.trim().to_owned()));
                }
                Some(column) => columns.positions.push((column, i)),
                None if raw.trim().is_empty() => {}
                None => columns.ignored.push(raw.trim().to_owned()),
            }
        }
        let mut missing: Vec<&str> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && columns.position(*c).is_none())
            .map(Column::header)
            .collect();
        if columns.position(Column::BirthCommune).is_none()
            && columns.position(Column::BirthCountry).is_none()
        {
            missing.push("Commune de naissance (ou Pays de naissance)");
        }
        if !missing.is_empty() {
            let quoted: Vec<String> = missing.iter().map(|m| format!("« {m} »")).collect();
            return Err(FileError::MissingColumns(quoted.join(", ")));
        }
        Ok(columns)
    }

    fn position(&self, column: Column) -> Option<usize> {
        self.positions
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }

    /// The cell of `column` in `row`, empty when the column or the cell is absent.
    pub fn cell<'r>(&self, row: &'r Row, column: Column) -> &'r str {
        self.position(column)
            .and_then(|i| row.fields.get(i))
            .map_or("", String::as_str)
    }

    pub fn has(&self, column: Column) -> bool {
        self.position(column).is_some()
    }
}

/// The template to download: the header row, then one example line.
pub fn template() -> Vec<Vec<&'static str>> {
    vec![
        Column::ALL.into_iter().map(Column::header).collect(),
        vec![
            "N'Diaye",
            "Awa Marie",
            "12/04/1985",
            "Lyon",
            "69",
            "",
            "awa.ndiaye@exemple.fr",
            "06 12 34 56 78",
            "01/12/2026",
            "diplôme",
            "750012346",
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        decode(bytes).expect("readable").0
    }

    #[test]
    fn issue_19_utf8_with_or_without_bom_and_windows_1252_read_the_same() {
        let utf8 = "Nom;Prénoms\r\nLefèvre;Zoé Œdipe\r\n";
        assert_eq!(
            decode(utf8.as_bytes()),
            Ok((utf8.to_owned(), Encoding::Utf8))
        );
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(utf8.as_bytes());
        assert_eq!(text(&bom), utf8);
        // The same text as Excel writes it on a French Windows: é = E9, è = E8, Œ = 8C.
        let cp1252: Vec<u8> = b"Nom;Pr\xE9noms\r\nLef\xE8vre;Zo\xE9 \x8Cdipe\r\n".to_vec();
        assert_eq!(
            decode(&cp1252),
            Ok((utf8.to_owned(), Encoding::Windows1252))
        );
        assert_eq!(text(b"a;\x80\r\n"), "a;€\r\n");
    }

    #[test]
    fn issue_19_what_is_not_a_csv_file_is_told_so() {
        assert_eq!(decode(b""), Err(FileError::Empty));
        assert_eq!(decode(b" \r\n"), Err(FileError::Empty));
        assert_eq!(decode(b"PK\x03\x04rest"), Err(FileError::Workbook));
        assert_eq!(decode(b"\xFF\xFEN\0o\0m\0"), Err(FileError::Utf16));
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0"), Err(FileError::Binary));
        assert_eq!(decode(b"\xEF\xBB\xBFNom\xE9"), Err(FileError::BadUtf8));
        assert_eq!(decode(b"a\x81b"), Err(FileError::Binary));
        let big = vec![b'a'; MAX_BYTES + 1];
        assert_eq!(decode(&big), Err(FileError::TooLarge(3)));
        for e in [FileError::Workbook, FileError::TooManyLines(100_000)] {
            assert!(e.to_string().len() > 40, "{e}");
            assert!(e.code().starts_with("import."));
        }
    }

    #[test]
    fn issue_19_the_separator_is_the_header_row_s() {
        assert_eq!(separator("Nom;Prénoms;Date\r\n"), ';');
        assert_eq!(separator("Nom,Prénoms,Date\n"), ',');
        assert_eq!(separator("Nom\tPrénoms\tDate\n"), '\t');
        assert_eq!(separator("\"Nom, de naissance\";Prénoms\n"), ';');
    }

    #[test]
    fn issue_19_rows_with_quotes_line_breaks_and_blank_lines() {
        let text = "Nom;Prénoms\r\n\"N'Diaye; dite \"\"Mado\"\"\";\"Marie Hélène\"\r\n;;\r\n\r\n  Dupont ; Jean \nlast;x";
        let rows = rows(text, ';').expect("rows");
        assert_eq!(
            rows,
            vec![
                Row {
                    line: 1,
                    fields: vec!["Nom".into(), "Prénoms".into()]
                },
                Row {
                    line: 2,
                    fields: vec!["N'Diaye; dite \"Mado\"".into(), "Marie Hélène".into()]
                },
                Row {
                    line: 5,
                    fields: vec!["Dupont".into(), "Jean".into()]
                },
                Row {
                    line: 6,
                    fields: vec!["last".into(), "x".into()]
                },
            ]
        );
        assert_eq!(
            super::rows("a;b\n\"open;x", ';'),
            Err(FileError::Unclosed(2))
        );
    }

    #[test]
    fn issue_19_a_file_of_100_000_lines_is_refused_without_reading_it_all() {
        let mut text = String::from("Nom;Prénoms\n");
        for i in 0..100_000 {
            text.push_str(&format!("Nom{i};Prénom\n"));
        }
        assert_eq!(rows(&text, ';'), Err(FileError::TooManyLines(100_000)));
        let mut ok = String::from("Nom;Prénoms\n");
        for i in 0..MAX_LINES {
            ok.push_str(&format!("Nom{i};Prénom\n"));
        }
        assert_eq!(rows(&ok, ';').map(|r| r.len()), Ok(MAX_LINES + 1));
    }

    #[test]
    fn issue_19_headers_are_found_however_they_are_written() {
        let header: Vec<String> = [
            "NOM",
            "Prénom(s)",
            "Date de naissance",
            "Lieu de naissance",
            "Département",
            "Pays",
            "Courriel",
            "Téléphone portable",
            "Date d'entrée",
            "Éligibilité",
            "Matricule paie",
        ]
        .map(String::from)
        .to_vec();
        let columns = Columns::of_header(&header).expect("columns");
        assert!(columns.has(Column::Mobile) && columns.has(Column::BirthDepartement));
        assert!(!columns.has(Column::Establishment));
        assert_eq!(columns.ignored, ["Matricule paie"]);
        let row = Row {
            line: 2,
            fields: vec!["Dupont".into(), "Jean".into()],
        };
        assert_eq!(columns.cell(&row, Column::GivenNames), "Jean");
        assert_eq!(columns.cell(&row, Column::Email), "");

        let error =
            Columns::of_header(&["Nom".to_owned(), "Prénoms".to_owned()]).expect_err("missing");
        let message = error.to_string();
        assert!(message.contains("« Date de naissance »"), "{message}");
        assert!(
            message.contains("Commune de naissance (ou Pays"),
            "{message}"
        );
        assert_eq!(
            Columns::of_header(&["Nom".to_owned(), "nom".to_owned()]),
            Err(FileError::DuplicateColumn("nom".into()))
        );
        // The template's own header reads back as every column.
        let template: Vec<String> = template()[0].iter().map(|h| h.to_string()).collect();
        let columns = Columns::of_header(&template).expect("the template");
        assert!(Column::ALL.into_iter().all(|c| columns.has(c)));
        assert!(columns.ignored.is_empty());
    }
}

#[cfg(test)]
mod review {
    use super::*;

    #[test]
    fn issue_19_a_misplaced_quote_does_not_swallow_the_lines_after_it() {
        let text = "Nom;Prénoms\r\n\"Dupont;Léa\r\nMartin;Paul\r\nN'Diaye;dite \"Mado\"\r\n";
        assert_eq!(rows(text, ';'), Err(FileError::Unclosed(2)));
        // A quoted field that closes on its line is read as such.
        let fine = "Nom;Prénoms\r\n\"Dupont; dite \"\"Lili\"\"\";Léa\r\n";
        assert_eq!(
            rows(fine, ';').unwrap()[1].fields[0],
            "Dupont; dite \"Lili\""
        );
    }

    #[test]
    fn issue_19_a_cell_longer_than_a_person_types_is_refused_not_kept() {
        let long = "a".repeat(MAX_CELL + 1);
        let text = format!("Nom;Prénoms\r\n{long};Léa\r\n");
        assert_eq!(rows(&text, ';'), Err(FileError::CellTooLong(2)));
    }
}
