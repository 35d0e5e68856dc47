//! CSV files for spreadsheets as they are used in France (issue 19): `;` between fields (the
//! separator French Excel and LibreOffice read without asking), a UTF-8 byte-order mark (so
//! Excel reads `é` as `é`), CRLF line ends, and fields quoted when they must be.
//!
//! A cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+…`, `-…`, `@…`, or one that
//! starts with a tab, a carriage return or a NUL) is neutralised: written with a leading `'`, which
//! spreadsheets show as text (the OWASP « CSV injection » advice). Every file the API hands out
//! goes through [`CsvWriter`], so no cell typed by someone (a name, a reason) runs in the
//! spreadsheet of whoever downloads it.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The separator of the files written.
pub const SEPARATOR: char = ';';

/// Whether a spreadsheet would read `cell` as a formula (or a DDE command).
pub fn looks_like_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0'])
}

/// `cell` as a spreadsheet shows it as text: a formula-looking one gets a leading `'`.
pub fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A CSV file being written, line by line.
#[derive(Debug, Clone)]
pub struct CsvWriter {
    text: String,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    /// An empty file (its byte-order mark only).
    pub fn new() -> Self {
        Self {
            text: String::from('\u{feff}'),
        }
    }

    /// Appends one line of cells: each neutralised, then quoted when it holds the separator, a
    /// quote or a line break.
    pub fn line<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.text.push(SEPARATOR);
            }
            let cell = neutralised(cell.as_ref());
            if cell.contains([SEPARATOR, ',', '"', '\n', '\r']) {
                self.text.push('"');
                self.text.push_str(&cell.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(&cell);
            }
        }
        self.text.push_str("\r\n");
        self
    }

    /// The file's text.
    pub fn finish(self) -> String {
        self.text
    }

    /// The file as a download named `filename` (ASCII letters, digits, `-`, `_`, `.`: anything
    /// else becomes `_`), never cached (personal data).
    pub fn into_download(self, filename: &str) -> Response {
        let safe: String = filename
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
        (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            self.text,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_separated_quoted_and_ended_as_spreadsheets_read_it() {
        let mut csv = CsvWriter::new();
        csv.line(["Nom", "Prénoms"])
            .line(["N'Diaye; dite \"Mado\"", "Marie\nHélène"])
            .line(["a,b", ""]);
        assert_eq!(
            csv.finish(),
            "\u{feff}Nom;Prénoms\r\n\"N'Diaye; dite \"\"Mado\"\"\";\"Marie\nHélène\"\r\n\"a,b\";\r\n"
        );
    }

    #[test]
    fn issue_19_formula_looking_cells_are_written_as_text() {
        for cell in [
            "=HYPERLINK(\"http://x\";\"clic\")",
            "+33612345678",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert!(looks_like_formula(cell), "{cell:?}");
            let mut csv = CsvWriter::new();
            csv.line([cell]);
            let written = csv.finish();
            let body = written.trim_start_matches('\u{feff}');
            let unquoted = body.trim_end_matches("\r\n").trim_matches('"');
            assert!(unquoted.starts_with('\''), "{cell:?} written {body:?}");
        }
        for cell in ["Marie", "10000000001", "12/04/1985", "Jean-Pierre", "'"] {
            assert!(!looks_like_formula(cell), "{cell:?}");
            assert_eq!(neutralised(cell), cell);
        }
    }

    #[test]
    fn a_download_is_named_safely_and_not_cached() {
        let mut csv = CsvWriter::new();
        csv.line(["x"]);
        let response = csv.into_download("personnel 2026\"/..csv");
        let headers = response.headers();
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"personnel_2026__..csv\""
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    }
}

#[cfg(test)]
mod review {
    #[test]
    fn issue_19_a_leading_nul_is_neutralised_too() {
        assert!(super::looks_like_formula("\0=HYPERLINK(\"x\")"));
    }
}
