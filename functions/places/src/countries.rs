//! Countries and territories of birth abroad: the INSEE COG `99xxx` codes, ended ones included
//! (someone born in 1980 in East Berlin was born in 99141 Allemagne de l'Est).

use std::fmt;

use serde::Serialize;

use crate::DataError;
use crate::index::fold_name_query;

const FILE: &str = "insee-countries.csv";

/// One INSEE COG country or territory code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// `99xxx`; France is `99100`.
    pub code: &'static str,
    /// For a territory, the code of the country it depends on.
    pub parent: Option<&'static str>,
    /// Short name: `Allemagne`.
    pub name: &'static str,
    /// Official name: `République fédérale d’Allemagne`.
    pub official_name: &'static str,
    /// ISO date the code took effect.
    pub valid_from: Option<&'static str>,
    /// ISO date the code ended; `None` for a current code.
    pub valid_until: Option<&'static str>,
}

impl Country {
    /// A code still in force.
    pub fn is_current(&self) -> bool {
        self.valid_until.is_none()
    }
}

/// What a country search result matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryMatchedOn {
    Name,
    OfficialName,
    Code,
}

/// One country search result, serialised as the API returns it:
/// `{"code":"99109","name":"Allemagne","label":"Allemagne (99109)","current":true,
/// "valid_until":null,"matched":"name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountryMatch<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// `Name (code)`, and for an ended code its last year: `Allemagne de l’Est (99141) — jusqu'en 1990`.
    pub label: String,
    pub current: bool,
    pub valid_until: Option<&'a str>,
    pub matched: CountryMatchedOn,
}

/// The country list. Get the embedded one with [`crate::countries()`].
pub struct Countries {
    /// Sorted by code.
    entries: Vec<Country>,
    /// Folded short name of each entry.
    names: Vec<String>,
    /// Folded official name of each entry.
    official: Vec<String>,
}

impl fmt::Debug for Countries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Countries")
            .field("len", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// Splits one CSV line: `,`-separated, a field may be double-quoted (and then hold commas).
/// Doubled quotes inside a field are not supported (the INSEE file has none).
fn split_csv(line: &'static str) -> Result<Vec<&'static str>, String> {
    let mut fields = Vec::with_capacity(6);
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').ok_or("unterminated quote")?;
            fields.push(&quoted[..end]);
            rest = &quoted[end + 1..];
            if rest.starts_with('"') {
                return Err("doubled quotes are not supported".into());
            }
            match rest.strip_prefix(',') {
                Some(next) => rest = next,
                None if rest.is_empty() => return Ok(fields),
                None => return Err("text after a closing quote".into()),
            }
        } else {
            match rest.find(',') {
                Some(comma) => {
                    fields.push(&rest[..comma]);
                    rest = &rest[comma + 1..];
                }
                None => {
                    fields.push(rest);
                    return Ok(fields);
                }
            }
        }
    }
}

fn is_country_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with("99") && code.bytes().all(|b| b.is_ascii_digit())
}

fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit())
}

fn optional(field: &'static str) -> Option<&'static str> {
    (!field.is_empty()).then_some(field)
}

impl Countries {
    /// Parses the INSEE countries CSV (`cog,parent_cog,name,official_name,valid_from,valid_until`,
    /// header line first).
    pub fn from_csv(text: &'static str) -> Result<Self, DataError> {
        let mut entries = Vec::with_capacity(256);
        let mut lines = text.lines().enumerate();
        let header = lines.next().map(|(_, l)| l.trim_end_matches('\r'));
        if header != Some("cog,parent_cog,name,official_name,valid_from,valid_until") {
            return Err(DataError::new(
                FILE,
                1,
                format!("unexpected header {header:?}"),
            ));
        }
        for (i, line) in lines {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let err = |message: String| DataError::new(FILE, i + 1, message);
            let fields = split_csv(line).map_err(err)?;
            let [code, parent, name, official_name, valid_from, valid_until] = fields[..] else {
                return Err(err(format!("expected 6 fields, found {}", fields.len())));
            };
            if !is_country_code(code) {
                return Err(err(format!("bad code {code:?}")));
            }
            if !parent.is_empty() && !is_country_code(parent) {
                return Err(err(format!("bad parent code {parent:?}")));
            }
            if name.trim().is_empty() {
                return Err(err("empty name".into()));
            }
            for date in [valid_from, valid_until] {
                if !date.is_empty() && !is_iso_date(date) {
                    return Err(err(format!("bad date {date:?}")));
                }
            }
            entries.push(Country {
                code,
                parent: optional(parent),
                name,
                official_name,
                valid_from: optional(valid_from),
                valid_until: optional(valid_until),
            });
        }
        entries.sort_by_key(|c| c.code);
        if let Some(pair) = entries.windows(2).find(|p| p[0].code == p[1].code) {
            return Err(DataError::new(
                FILE,
                0,
                format!("{} appears twice", pair[0].code),
            ));
        }
        let names = entries
            .iter()
            .map(|c| rpps_domain::text::fold(c.name))
            .collect();
        let official = entries
            .iter()
            .map(|c| rpps_domain::text::fold(c.official_name))
            .collect();
        Ok(Self {
            entries,
            names,
            official,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every code, sorted.
    pub fn all(&self) -> &[Country] {
        &self.entries
    }

    /// The country or territory with this code (`99109`).
    pub fn get(&self, code: &str) -> Option<&Country> {
        self.entries
            .binary_search_by(|c| c.code.cmp(code))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// The label shown for a code: `Allemagne (99109)`, `Allemagne de l’Est (99141) — jusqu'en 1990`.
    pub fn label(country: &Country) -> String {
        match country.valid_until.and_then(|d| d.get(..4)) {
            Some(year) => format!("{} ({}) — jusqu'en {year}", country.name, country.code),
            None => format!("{} ({})", country.name, country.code),
        }
    }

    /// Searches by code prefix (digits: `99`, `9910`, `99109`) or by name, best first: exact short
    /// name, short names starting with the query, short names with a later word starting with it,
    /// then the same on the official name (`royaume` → Royaume-Uni, then Belgique, Danemark…).
    /// Within each rank current codes come before ended ones, then by name. Never panics.
    pub fn search(&self, query: &str, limit: usize) -> Vec<CountryMatch<'_>> {
        if limit == 0 {
            return Vec::new();
        }
        let digits: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        let mut hits: Vec<(u8, bool, &str, usize)> = Vec::new();
        if !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()) {
            for (i, c) in self.entries.iter().enumerate() {
                if c.code.starts_with(&digits) {
                    hits.push((0, !c.is_current(), c.code, i));
                }
            }
            return self.matches(hits, limit, |_| CountryMatchedOn::Code);
        }
        let q = fold_name_query(query);
        if q.is_empty() {
            return Vec::new();
        }
        let later = format!(" {q}");
        for (i, c) in self.entries.iter().enumerate() {
            let (name, official) = (&self.names[i], &self.official[i]);
            let tier = if *name == q {
                0
            } else if name.starts_with(&q) {
                1
            } else if name.contains(&later) {
                2
            } else if official.starts_with(&q) {
                3
            } else if official.contains(&later) {
                4
            } else {
                continue;
            };
            hits.push((tier, !c.is_current(), name, i));
        }
        self.matches(hits, limit, |tier| {
            if tier <= 2 {
                CountryMatchedOn::Name
            } else {
                CountryMatchedOn::OfficialName
            }
        })
    }

    fn matches(
        &self,
        mut hits: Vec<(u8, bool, &str, usize)>,
        limit: usize,
        matched: impl Fn(u8) -> CountryMatchedOn,
    ) -> Vec<CountryMatch<'_>> {
        hits.sort_unstable();
        hits.into_iter()
            .take(limit)
            .map(|(tier, _, _, i)| {
                let c = &self.entries[i];
                CountryMatch {
                    code: c.code,
                    name: c.name,
                    label: Self::label(c),
                    current: c.is_current(),
                    valid_until: c.valid_until,
                    matched: matched(tier),
                }
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "countries_tests.rs"]
mod tests;
