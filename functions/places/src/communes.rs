//! The communes of France (FAQ-R17), indexed for prefix search by folded name (binary search in
//! sorted arrays, then a partial top-k), by INSEE code and by postal code.
//!
//! The index of the embedded `communes.tsv` is built at build time (`build.rs` runs
//! [`builder::build`], the same code as [`Communes::from_tsv`]) and embedded as little-endian
//! columns: [`crate::communes()`] is a view over static bytes, ready without parsing or allocating.
//! An entry's fields are read from its line of the TSV when a result is returned.

mod builder;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::DataError;
use crate::index::{
    Bits, Text, U16s, U32s, de, fold_name_query, partition_point, prefix_range, read_u32,
};
use builder::{Index, KIND_CODES, is_insee_code, kind_index, read_line};

const FILE: &str = "communes.tsv";

/// What an entry of the commune list is (INSEE COG types COM, ARM, COMD, COMA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    /// A current commune (COM).
    Commune,
    /// A municipal arrondissement of Paris, Lyon or Marseille (ARM): the birthplace code of people
    /// born there.
    ArrondissementMunicipal,
    /// A former commune merged into a commune nouvelle, kept as commune déléguée (COMD).
    CommuneDeleguee,
    /// A former commune merged as commune associée (COMA).
    CommuneAssociee,
}

impl CommuneKind {
    /// The INSEE type code used in `communes.tsv`: `COM`, `ARM`, `COMD`, `COMA`.
    pub fn code(self) -> &'static str {
        KIND_CODES[self as usize]
    }

    /// The kind for an INSEE type code (`COM`, `ARM`, `COMD`, `COMA`).
    pub fn from_code(code: &str) -> Option<Self> {
        kind_index(code).and_then(Self::from_index)
    }

    /// The kind at this index of [`KIND_CODES`] (the declaration order).
    fn from_index(index: u8) -> Option<Self> {
        match index {
            0 => Some(Self::Commune),
            1 => Some(Self::ArrondissementMunicipal),
            2 => Some(Self::CommuneDeleguee),
            3 => Some(Self::CommuneAssociee),
            _ => None,
        }
    }
}

/// One entry of the commune list, read from its line of the TSV (its strings are slices of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commune {
    /// INSEE code, 5 characters (`75115`, `2A004`). Not unique: a commune nouvelle and its chef-lieu
    /// commune déléguée share theirs ([`Communes::get_all`]).
    pub insee: &'static str,
    pub name: &'static str,
    pub kind: CommuneKind,
    /// Département code: `75`, `2A`, `971`.
    pub departement: &'static str,
    /// Postal codes served (empty for communes déléguées and associées, and a few overseas territories).
    pub postal_codes: Vec<&'static str>,
    /// Municipal population (none for communes déléguées and associées).
    pub population: Option<u32>,
    /// INSEE code of the commune an arrondissement belongs to, or of the chef-lieu of a commune
    /// déléguée or associée; `None` for a commune.
    pub parent: Option<&'static str>,
}

/// What a search result matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    Name,
    InseeCode,
    PostalCode,
}

/// One search result, serialised as the API returns it:
/// `{"insee":"75115","name":"Paris 15e Arrondissement","label":"Paris 15e Arrondissement (75115)",
/// "kind":"arrondissement_municipal","departement":"75","postal_codes":["75015"],"matched":"name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommuneMatch<'a> {
    pub insee: &'a str,
    pub name: &'a str,
    /// `Name (insee)`, and for a former commune what it is now part of:
    /// `Annecy-le-Vieux (74011) — commune déléguée d'Annecy`.
    pub label: String,
    pub kind: CommuneKind,
    pub departement: &'a str,
    pub postal_codes: Vec<&'a str>,
    pub matched: MatchedOn,
}

type Id = u32;

/// The commune list and its search indexes: columns of little-endian integers and strings (see
/// `Index` in `src/communes/builder.rs` for what each holds), borrowed from the binary for the embedded list
/// ([`crate::communes()`]) or owned when built at run time ([`Communes::from_tsv`]). An entry's id
/// is its position in (INSEE code, kind) order. Get the embedded one with [`crate::communes()`].
pub struct Communes {
    /// The text the entries are read from.
    tsv: &'static str,
    lines: U32s,
    key_starts: U32s,
    keys: Text,
    rank: U32s,
    shadow: Bits,
    names: U32s,
    elided_ids: U32s,
    elided_starts: U32s,
    elided: Text,
    word_ids: U32s,
    word_offsets: U16s,
    postal_codes: Text,
    postal_ids: U32s,
    arrondissements: U32s,
    attached: U32s,
}

impl fmt::Debug for Communes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Communes")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// A column of the index `build.rs` wrote into `OUT_DIR`, embedded in the binary.
macro_rules! embedded {
    (bytes $name:literal) => {
        Cow::Borrowed(include_bytes!(concat!(
            env!("OUT_DIR"),
            "/communes-",
            $name,
            ".bin"
        )))
    };
    (text $name:literal) => {
        Cow::Borrowed(include_str!(concat!(
            env!("OUT_DIR"),
            "/communes-",
            $name,
            ".bin"
        )))
    };
}

/// Where each entry's line starts in [`crate::COMMUNES_TSV`], in (INSEE code, kind) order: all a
/// code lookup needs ([`by_code`]). One copy, shared with [`EMBEDDED`].
const EMBEDDED_LINES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/communes-lines.bin"));

/// The embedded communes: the index `build.rs` built from `data/communes.tsv`, over
/// [`crate::COMMUNES_TSV`]. A constant: nothing runs to "load" it.
pub(crate) static EMBEDDED: Communes = Communes {
    tsv: crate::COMMUNES_TSV,
    lines: U32s(Cow::Borrowed(EMBEDDED_LINES)),
    key_starts: U32s(embedded!(bytes "key_starts")),
    keys: Text(embedded!(text "keys")),
    rank: U32s(embedded!(bytes "rank")),
    shadow: Bits(embedded!(bytes "shadow")),
    names: U32s(embedded!(bytes "names")),
    elided_ids: U32s(embedded!(bytes "elided_ids")),
    elided_starts: U32s(embedded!(bytes "elided_starts")),
    elided: Text(embedded!(text "elided")),
    word_ids: U32s(embedded!(bytes "word_ids")),
    word_offsets: U16s(embedded!(bytes "word_offsets")),
    postal_codes: Text(embedded!(text "postal_codes")),
    postal_ids: U32s(embedded!(bytes "postal_ids")),
    arrondissements: U32s(embedded!(bytes "arrondissements")),
    attached: U32s(embedded!(bytes "attached")),
};

/// A query that looks like (the start of) a code: 1–5 digits, or `2A`/`2B` then up to 3 digits;
/// spaces ignored, letters upper-cased.
fn code_query(raw: &str) -> Option<String> {
    let mut code = String::with_capacity(5);
    for c in raw.chars().filter(|c| !c.is_whitespace()) {
        if code.len() == 5 {
            return None;
        }
        match c {
            '0'..='9' => code.push(c),
            'a' | 'A' | 'b' | 'B' if code == "2" => code.push(c.to_ascii_uppercase()),
            _ => return None,
        }
    }
    (!code.is_empty()).then_some(code)
}

/// The embedded entry with this INSEE code, as [`Communes::get`] finds it, read with the line
/// positions alone: a function that only looks codes up (the publisher, the registrations'
/// check of a birth commune) does not reference the search index, and the linker leaves its
/// columns (about 1.4 MB) out of that function's binary.
pub(crate) fn by_code(insee: &str) -> Option<Commune> {
    let tsv = crate::COMMUNES_TSV;
    let lines = U32s(Cow::Borrowed(EMBEDDED_LINES));
    let id = code_range_in(tsv, &lines, insee).next()?;
    commune_of(read_line(line_at(tsv, &lines, id))?)
}

/// The text from an entry's line on, found with the line positions alone.
fn line_at(tsv: &'static str, lines: &U32s, id: usize) -> &'static str {
    tsv.get(lines.get(id) as usize..).unwrap_or("")
}

/// The ids of the entries with this INSEE code (5 characters, any case), found with the line
/// positions alone: an entry's code is the first 5 bytes of its line, and entries are in code
/// order.
fn code_range_in(tsv: &'static str, lines: &U32s, insee: &str) -> Range<usize> {
    if insee.len() != 5 || !insee.is_ascii() {
        return 0..0;
    }
    prefix_range(0..lines.len(), &insee.to_ascii_uppercase(), |i| {
        line_at(tsv, lines, i).get(..5).unwrap_or("")
    })
}

/// An entry from its parsed line.
fn commune_of(line: builder::Line<'static>) -> Option<Commune> {
    let mut postal_codes = Vec::with_capacity((line.postal_codes.len() + 1) / 6);
    postal_codes.extend(line.postal_codes());
    Some(Commune {
        insee: line.insee,
        name: line.name,
        kind: CommuneKind::from_index(line.kind)?,
        departement: line.departement,
        postal_codes,
        population: line.population,
        parent: line.parent,
    })
}

impl Communes {
    /// Parses and indexes a `communes.tsv` text (format: the header of `data/communes.tsv`) at run
    /// time, with the code `build.rs` runs on the embedded file.
    pub fn from_tsv(text: &'static str) -> Result<Self, DataError> {
        let index = builder::build(text).map_err(|e| DataError::new(FILE, e.line, e.message))?;
        Ok(Self::from_index(text, index))
    }

    fn from_index(tsv: &'static str, index: Index) -> Self {
        Self {
            tsv,
            lines: U32s(Cow::Owned(index.lines)),
            key_starts: U32s(Cow::Owned(index.key_starts)),
            keys: Text(Cow::Owned(index.keys)),
            rank: U32s(Cow::Owned(index.rank)),
            shadow: Bits(Cow::Owned(index.shadow)),
            names: U32s(Cow::Owned(index.names)),
            elided_ids: U32s(Cow::Owned(index.elided_ids)),
            elided_starts: U32s(Cow::Owned(index.elided_starts)),
            elided: Text(Cow::Owned(index.elided)),
            word_ids: U32s(Cow::Owned(index.word_ids)),
            word_offsets: U16s(Cow::Owned(index.word_offsets)),
            postal_codes: Text(Cow::Owned(index.postal_codes)),
            postal_ids: U32s(Cow::Owned(index.postal_ids)),
            arrondissements: U32s(Cow::Owned(index.arrondissements)),
            attached: U32s(Cow::Owned(index.attached)),
        }
    }

    /// Checks that the columns fit together (lengths, last offsets): constant time, no scan. The
    /// content itself is checked by the tests (the embedded index equals the one `from_tsv` builds).
    pub(crate) fn check(&self) -> Result<(), DataError> {
        let n = self.len();
        let checks = [
            (self.lines.0.len().is_multiple_of(4), "lines"),
            (
                n == 0 || (self.lines.get(n - 1) as usize) < self.tsv.len(),
                "lines past the text",
            ),
            (self.key_starts.len() == n + 1, "key_starts"),
            (self.key_starts.get(n) as usize == self.keys.0.len(), "keys"),
            (self.rank.len() == n, "rank"),
            (self.shadow.0.len() == n.div_ceil(8), "shadow"),
            (
                self.elided_starts.len() == self.elided_ids.len() + 1,
                "elided_ids",
            ),
            (
                self.elided_starts.get(self.elided_ids.len()) as usize == self.elided.0.len(),
                "elided",
            ),
            (self.names.len() <= n + self.elided_ids.len(), "names"),
            (self.word_offsets.len() == self.word_ids.len(), "words"),
            (
                self.postal_codes.0.len() == 5 * self.postal_ids.len(),
                "postal codes",
            ),
            (
                self.arrondissements.0.len().is_multiple_of(8),
                "arrondissements",
            ),
            (self.attached.0.len().is_multiple_of(8), "attached"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, what)) => Err(DataError::new(
                FILE,
                0,
                format!("index columns do not fit together: {what}"),
            )),
            None => Ok(()),
        }
    }

    /// Number of entries (communes, arrondissements, communes déléguées and associées).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, sorted by (INSEE code, kind), each read from its line when reached.
    pub fn all(&self) -> impl Iterator<Item = Commune> + '_ {
        (0..self.len() as Id).filter_map(|id| self.commune(id))
    }

    /// The commune or arrondissement with this INSEE code (`2a004` is read as `2A004`); for a code
    /// shared by a commune nouvelle and its chef-lieu commune déléguée, the commune. A code known
    /// only as a former commune gives that commune déléguée or associée.
    pub fn get(&self, insee: &str) -> Option<Commune> {
        self.code_range(insee)
            .next()
            .and_then(|id| self.commune(id as Id))
    }

    /// Every entry with this INSEE code, commune first (at most a commune and its chef-lieu
    /// commune déléguée, which may have another name: 10003 Aix-Villemaur-Pâlis / Aix-en-Othe).
    pub fn get_all(&self, insee: &str) -> Vec<Commune> {
        self.code_range(insee)
            .filter_map(|id| self.commune(id as Id))
            .collect()
    }

    /// The arrondissements municipaux of a city (Paris 75056, Lyon 69123, Marseille 13055), in code
    /// order; empty for any other code.
    pub fn arrondissements(&self, city_insee: &str) -> Vec<Commune> {
        let Some(id) = self.code_range(city_insee).next() else {
            return Vec::new();
        };
        self.arrondissement_ids(id as Id)
            .filter_map(|a| self.commune(a))
            .collect()
    }

    /// The label shown for an entry: `Name (insee)`, plus `— commune déléguée de …` /
    /// `— commune associée de …` for a former commune.
    pub fn label(&self, commune: &Commune) -> String {
        let stored = self
            .code_range(commune.insee)
            .map(|i| i as Id)
            .find(|&id| self.kind_of(id) == Some(commune.kind))
            .and_then(|id| self.commune(id));
        match stored {
            Some(c) => self.label_of(&c),
            None => format!("{} ({})", commune.name, commune.insee),
        }
    }

    /// The ids of the entries with this code (any case), none unless it is 5 ASCII characters.
    fn code_range(&self, insee: &str) -> Range<usize> {
        code_range_in(self.tsv, &self.lines, insee)
    }

    /// The ids of the entries whose INSEE code starts with `prefix`.
    fn insee_range(&self, prefix: &str) -> Range<usize> {
        prefix_range(0..self.len(), prefix, |i| self.insee(i as Id))
    }

    /// An entry's INSEE code: the first 5 bytes of its line (checked when the index was built).
    fn insee(&self, id: Id) -> &'static str {
        self.text_from_line(id).get(..5).unwrap_or("")
    }

    /// The text from the start of an entry's line to the end of the text.
    fn text_from_line(&self, id: Id) -> &'static str {
        line_at(self.tsv, &self.lines, id as usize)
    }

    fn kind_of(&self, id: Id) -> Option<CommuneKind> {
        read_line(self.text_from_line(id)).and_then(|line| CommuneKind::from_index(line.kind))
    }

    /// The entry, read from its line, checked when the index was built (`None` only for an index
    /// that does not match its text).
    fn commune(&self, id: Id) -> Option<Commune> {
        commune_of(read_line(self.text_from_line(id))?)
    }

    fn label_of(&self, c: &Commune) -> String {
        let what = match c.kind {
            CommuneKind::Commune | CommuneKind::ArrondissementMunicipal => None,
            CommuneKind::CommuneDeleguee => Some("commune déléguée"),
            CommuneKind::CommuneAssociee => Some("commune associée"),
        };
        match (what, c.parent) {
            (Some(what), Some(parent)) => {
                // The commune of that code (listed first), never its homonym déléguée.
                let parent = self
                    .insee_range(parent)
                    .next()
                    .and_then(|id| read_line(self.text_from_line(id as Id)))
                    .map_or(parent, |line| line.name);
                format!("{} ({}) — {what} {}", c.name, c.insee, de(parent))
            }
            _ => format!("{} ({})", c.name, c.insee),
        }
    }

    /// The children of `parent` in a column of (parent, child) pairs sorted by parent.
    fn children(pairs: &U32s, parent: Id) -> impl Iterator<Item = Id> + '_ {
        let count = pairs.len() / 2;
        let start = partition_point(0..count, |i| pairs.get(2 * i) < parent);
        let end = partition_point(start..count, |i| pairs.get(2 * i) == parent);
        (start..end).map(|i| pairs.get(2 * i + 1))
    }

    fn arrondissement_ids(&self, city: Id) -> impl Iterator<Item = Id> + '_ {
        Self::children(&self.arrondissements, city)
    }

    fn attached_ids(&self, commune: Id) -> impl Iterator<Item = Id> + '_ {
        Self::children(&self.attached, commune)
    }

    fn has_arrondissements(&self, city: Id) -> bool {
        self.arrondissement_ids(city).next().is_some()
    }

    fn key(&self, id: Id) -> &str {
        let i = id as usize;
        self.keys
            .slice(self.key_starts.get(i), self.key_starts.get(i + 1))
    }

    /// The searchable name at position `j` of `names`: (entry, its folded name or an elided key).
    fn name_at(&self, j: usize) -> (Id, &str) {
        self.name_key(self.names.get(j))
    }

    /// A value of `names`: (entry, its folded name or an elided key).
    fn name_key(&self, v: u32) -> (Id, &str) {
        let n = self.len() as u32;
        if v < n {
            return (v, self.key(v));
        }
        let k = (v - n) as usize;
        let key = self
            .elided
            .slice(self.elided_starts.get(k), self.elided_starts.get(k + 1));
        (self.elided_ids.get(k), key)
    }

    fn postal_code(&self, j: usize) -> &str {
        let start = j.saturating_mul(5);
        self.postal_codes
            .0
            .get(start..start.saturating_add(5))
            .unwrap_or("")
    }

    fn is_shadow(&self, id: Id) -> bool {
        self.shadow.get(id as usize)
    }

    /// An id keyed by its rank, `(rank << 32) | id` (ranks are unique): sorting the keys sorts by
    /// rank with plain integer comparisons, each rank read once. `rank` is `self.rank.values()`.
    #[inline]
    fn ranked(rank: &[[u8; 4]], id: Id) -> u64 {
        (u64::from(read_u32(rank, id as usize)) << 32) | u64::from(id)
    }

    /// The `k` best-ranked of the keyed ids ([`Self::ranked`]), best first (partial selection,
    /// then a sort of those `k`).
    fn top_k(mut keyed: Vec<u64>, k: usize) -> Vec<Id> {
        if keyed.len() > k {
            keyed.select_nth_unstable(k);
            keyed.truncate(k);
        }
        keyed.sort_unstable();
        keyed.into_iter().map(|key| key as Id).collect()
    }

    /// Searches by name prefix, INSEE code or postal code (FAQ-R17), best first.
    ///
    /// - A name (first letters, any case, accents, hyphens and apostrophes ignored; `st`/`ste` read
    ///   as `saint`/`sainte`): exact names first (a commune before a former commune of that name,
    ///   then by population), then names starting with the query by population, then names with a
    ///   later word starting with it (`havre` → Le Havre). A query naming Paris, Lyon or Marseille
    ///   exactly returns the city followed by all its arrondissements, even beyond `limit`.
    /// - 5 characters that form an INSEE code (`2a004` too): that entry; 5 digits that form a postal
    ///   code: the communes and arrondissements it serves (an arrondissement before its city), then
    ///   the communes déléguées and associées of those communes. Both are answered, INSEE first.
    /// - 1–4 characters of a code: entries whose INSEE or postal code starts with them, by population.
    ///
    /// At most `limit` results (except the arrondissements above). Never panics, whatever the input.
    pub fn search(&self, query: &str, limit: usize) -> Vec<CommuneMatch<'static>> {
        if limit == 0 {
            return Vec::new();
        }
        let hits = match code_query(query) {
            Some(code) => self.search_code(&code, limit),
            None => self.search_name(query, limit),
        };
        hits.into_iter()
            .filter_map(|(id, matched)| {
                let c = self.commune(id)?;
                Some(CommuneMatch {
                    insee: c.insee,
                    name: c.name,
                    label: self.label_of(&c),
                    kind: c.kind,
                    departement: c.departement,
                    postal_codes: c.postal_codes,
                    matched,
                })
            })
            .collect()
    }

    fn search_name(&self, query: &str, limit: usize) -> Vec<(Id, MatchedOn)> {
        let q = fold_name_query(query);
        if q.is_empty() {
            return Vec::new();
        }
        let block = prefix_range(0..self.names.len(), &q, |j| self.name_at(j).1);
        let exact_end = partition_point(block.clone(), |j| self.name_at(j).1.len() == q.len());

        // Exact names, already in rank order; a city is followed by all its arrondissements.
        let mut out: Vec<(Id, MatchedOn)> = Vec::with_capacity(limit.min(64));
        let mut keep = limit;
        for j in block.start..exact_end {
            if out.len() >= keep {
                break;
            }
            let (id, _) = self.name_at(j);
            out.push((id, MatchedOn::Name));
            if self.has_arrondissements(id) {
                out.extend(self.arrondissement_ids(id).map(|a| (a, MatchedOn::Name)));
                keep = keep.max(out.len());
            }
        }
        if out.len() >= limit {
            out.truncate(keep);
            return out;
        }

        // Names starting with the query, by rank. Only the arrondissements already listed can
        // repeat, so the best `limit` candidates are enough to fill the remaining places. An
        // elided key is skipped when the name itself also starts with the query (listed once).
        let already = out.len();
        let n = self.len() as u32;
        let rank = self.rank.values();
        let names = self.names.values().get(exact_end..block.end).unwrap_or(&[]);
        let mut candidates = Vec::with_capacity(names.len());
        for &v in names {
            let mut id = u32::from_le_bytes(v);
            if id >= n {
                id = self.name_key(id).0;
                if self.key(id).starts_with(&q) {
                    continue;
                }
            }
            candidates.push(Self::ranked(rank, id));
        }
        for id in Self::top_k(candidates, limit) {
            if out.len() >= limit {
                break;
            }
            if !out[..already].iter().any(|&(seen, _)| seen == id) {
                out.push((id, MatchedOn::Name));
            }
        }
        if out.len() >= limit {
            return out;
        }

        // Names with a later word starting with the query (an entry may appear once per word).
        let word_key = |j: usize| {
            self.key(self.word_ids.get(j))
                .get(self.word_offsets.get(j) as usize..)
                .unwrap_or("")
        };
        let range = prefix_range(0..self.word_ids.len(), &q, word_key);
        let rank = self.rank.values();
        let mut later: Vec<u64> = range
            .map(|j| self.word_ids.get(j))
            .filter(|&id| !self.key(id).starts_with(&q))
            .map(|id| Self::ranked(rank, id))
            .collect();
        later.sort_unstable();
        later.dedup();
        for id in later.into_iter().map(|key| key as Id) {
            if out.len() >= limit {
                break;
            }
            if !out.iter().any(|&(seen, _)| seen == id) {
                out.push((id, MatchedOn::Name));
            }
        }
        out
    }

    fn search_code(&self, code: &str, limit: usize) -> Vec<(Id, MatchedOn)> {
        let insee_range = self.insee_range(code);
        let postal_range = if code.bytes().all(|b| b.is_ascii_digit()) {
            prefix_range(0..self.postal_ids.len(), code, |j| self.postal_code(j))
        } else {
            0..0
        };
        let mut out: Vec<(Id, MatchedOn)> = Vec::new();
        if code.len() == 5 {
            if is_insee_code(code) {
                out.extend(
                    insee_range
                        .map(|i| i as Id)
                        .filter(|&id| !self.is_shadow(id))
                        .map(|id| (id, MatchedOn::InseeCode)),
                );
            }
            // Served communes by rank, an arrondissement before its city; then their former communes.
            let mut served: Vec<Id> = postal_range.map(|j| self.postal_ids.get(j)).collect();
            served.sort_by_key(|&id| self.has_arrondissements(id));
            for &id in &served {
                if !out.iter().any(|&(seen, _)| seen == id) {
                    out.push((id, MatchedOn::PostalCode));
                }
            }
            for &id in &served {
                for child in self.attached_ids(id) {
                    if out.len() >= limit {
                        break;
                    }
                    if !out.iter().any(|&(seen, _)| seen == child) {
                        out.push((child, MatchedOn::PostalCode));
                    }
                }
            }
            out.truncate(limit);
            return out;
        }
        // Start of a code: INSEE or postal prefix, by rank, an INSEE match named as such. An entry
        // serving several postal codes of the range is counted once (bit set over the entries),
        // then a partial top-k.
        let mut seen = vec![0u64; self.len().div_ceil(64)];
        let mut first_time = |id: Id| {
            let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
            let Some(slot) = seen.get_mut(word) else {
                return false;
            };
            let new = *slot & bit == 0;
            *slot |= bit;
            new
        };
        let rank = self.rank.values();
        let mut candidates: Vec<u64> = Vec::new();
        for id in insee_range.map(|i| i as Id) {
            if !self.is_shadow(id) && first_time(id) {
                candidates.push(Self::ranked(rank, id));
            }
        }
        for &id in self.postal_ids.values().get(postal_range).unwrap_or(&[]) {
            let id = u32::from_le_bytes(id);
            if first_time(id) {
                candidates.push(Self::ranked(rank, id));
            }
        }
        Self::top_k(candidates, limit)
            .into_iter()
            .map(|id| {
                let matched = if self.insee(id).starts_with(code) {
                    MatchedOn::InseeCode
                } else {
                    MatchedOn::PostalCode
                };
                (id, matched)
            })
            .collect()
    }

    /// Every column with its file name, and whether it is borrowed (from the binary).
    #[cfg(test)]
    fn columns(&self) -> [(&'static str, &[u8], bool); 15] {
        macro_rules! col {
            ($name:literal, $column:expr) => {
                (
                    $name,
                    AsRef::<[u8]>::as_ref(&*$column.0),
                    matches!($column.0, Cow::Borrowed(_)),
                )
            };
        }
        [
            col!("lines", self.lines),
            col!("key_starts", self.key_starts),
            col!("keys", self.keys),
            col!("rank", self.rank),
            col!("shadow", self.shadow),
            col!("names", self.names),
            col!("elided_ids", self.elided_ids),
            col!("elided_starts", self.elided_starts),
            col!("elided", self.elided),
            col!("word_ids", self.word_ids),
            col!("word_offsets", self.word_offsets),
            col!("postal_codes", self.postal_codes),
            col!("postal_ids", self.postal_ids),
            col!("arrondissements", self.arrondissements),
            col!("attached", self.attached),
        ]
    }
}

#[cfg(test)]
#[path = "communes_tests.rs"]
mod tests;
