//! The communes of France (FAQ-R17): parsed once from the embedded `communes.tsv`, indexed for
//! prefix search by folded name (binary search in sorted arrays, then a partial top-k), by INSEE
//! code and by postal code.

use std::fmt;

use serde::Serialize;

use crate::DataError;
use crate::index::{de, fold_name_query, prefix_range};

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
        match self {
            Self::Commune => "COM",
            Self::ArrondissementMunicipal => "ARM",
            Self::CommuneDeleguee => "COMD",
            Self::CommuneAssociee => "COMA",
        }
    }

    /// The kind for an INSEE type code (`COM`, `ARM`, `COMD`, `COMA`).
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "COM" => Some(Self::Commune),
            "ARM" => Some(Self::ArrondissementMunicipal),
            "COMD" => Some(Self::CommuneDeleguee),
            "COMA" => Some(Self::CommuneAssociee),
            _ => None,
        }
    }

    /// A current commune or arrondissement, as opposed to a former commune (déléguée, associée).
    fn is_current(self) -> bool {
        matches!(self, Self::Commune | Self::ArrondissementMunicipal)
    }
}

/// One entry of the commune list.
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
    pub postal_codes: &'a [&'static str],
    pub matched: MatchedOn,
}

type Id = u32;

/// Marks the folded name itself in [`Communes::names`] (as opposed to an elided variant).
const PRIMARY: u32 = u32::MAX;

/// The folded name with each single-letter `l`/`d` word (an elided article or preposition) joined
/// to the next word, if there is one.
fn elided_key(key: &str) -> Option<String> {
    let words: Vec<&str> = key.split(' ').collect();
    let mut out = String::with_capacity(key.len());
    let mut changed = false;
    for (i, word) in words.iter().enumerate() {
        out.push_str(word);
        if i + 1 < words.len() {
            if matches!(*word, "l" | "d") {
                changed = true;
            } else {
                out.push(' ');
            }
        }
    }
    changed.then_some(out)
}

/// The commune list and its search indexes. Get the embedded one with [`crate::communes()`].
pub struct Communes {
    /// Sorted by (INSEE code, kind).
    entries: Vec<Commune>,
    /// Folded name of each entry ([`rpps_domain::text::fold`]).
    keys: Vec<String>,
    /// Position of each entry in the overall ranking: current before former communes, then
    /// population (descending), folded name, INSEE code. Unique per entry.
    rank: Vec<u32>,
    /// Index of the parent entry (the commune, never its homonym déléguée).
    parent: Vec<Option<Id>>,
    /// A commune déléguée with the same code and name as its commune nouvelle (Annecy 74010): kept in
    /// the list, left out of search results, where it would only repeat the commune.
    shadow: Vec<bool>,
    /// Folded names with an elided article joined to the next word (`l hay les roses` →
    /// `lhay les roses`, `villeneuve d ascq` → `villeneuve dascq`), for people who type no
    /// apostrophe at all.
    elided: Vec<String>,
    /// Searchable (entry, key) pairs sorted by (key, rank): the key is the folded name, or
    /// `elided[k]` for `k != PRIMARY`.
    names: Vec<(Id, u32)>,
    /// (entry, byte offset of its 2nd, 3rd… word) sorted by (folded name from that word, rank).
    words: Vec<(Id, u16)>,
    /// (postal code, entry) sorted by (postal code, rank).
    postal: Vec<(&'static str, Id)>,
    /// (city, arrondissement) sorted: Paris, Lyon and Marseille, arrondissements in code order.
    arrondissements: Vec<(Id, Id)>,
    /// (commune, one of its communes déléguées or associées) sorted by (commune, rank).
    attached: Vec<(Id, Id)>,
}

impl fmt::Debug for Communes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Communes")
            .field("len", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// `true` for an INSEE commune code: `(([0-8][0-9AB])|(9[0-8AB]))[0-9]{3}`.
pub(crate) fn is_insee_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && match b[0] {
            b'0'..=b'8' => b[1].is_ascii_digit() || b[1] == b'A' || b[1] == b'B',
            b'9' => matches!(b[1], b'0'..=b'8' | b'A' | b'B'),
            _ => false,
        }
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// The département an INSEE code belongs to: 3 characters overseas (`971`, `988`), 2 otherwise.
fn departement_of(insee: &'static str) -> &'static str {
    let len = if insee.starts_with("97") || insee.starts_with("98") {
        3
    } else {
        2
    };
    insee.get(..len).unwrap_or(insee)
}

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

fn parse_line(line_no: usize, line: &'static str) -> Result<Commune, DataError> {
    let err = |message: String| DataError::new(FILE, line_no, message);
    let cols: Vec<&'static str> = line.split('\t').collect();
    let [insee, kind, name, postal, population, parent, departement] = cols[..] else {
        return Err(err(format!(
            "expected 7 tab-separated columns, found {}",
            cols.len()
        )));
    };
    if !is_insee_code(insee) {
        return Err(err(format!("bad INSEE code {insee:?}")));
    }
    let kind = CommuneKind::from_code(kind).ok_or_else(|| err(format!("bad kind {kind:?}")))?;
    if name.trim().is_empty() {
        return Err(err("empty name".into()));
    }
    let postal_codes: Vec<&'static str> = if postal.is_empty() {
        Vec::new()
    } else {
        postal.split(',').collect()
    };
    if let Some(bad) = postal_codes
        .iter()
        .find(|p| p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err(format!("bad postal code {bad:?}")));
    }
    let population = if population.is_empty() {
        None
    } else {
        Some(
            population
                .parse::<u32>()
                .map_err(|e| err(format!("bad population {population:?}: {e}")))?,
        )
    };
    let parent = if parent.is_empty() {
        None
    } else if is_insee_code(parent) {
        Some(parent)
    } else {
        return Err(err(format!("bad parent code {parent:?}")));
    };
    if parent.is_some() == (kind == CommuneKind::Commune) {
        return Err(err(
            "a commune has no parent; every other kind has one".into()
        ));
    }
    let departement = if departement.is_empty() {
        departement_of(insee)
    } else {
        departement
    };
    Ok(Commune {
        insee,
        name,
        kind,
        departement,
        postal_codes,
        population,
        parent,
    })
}

impl Communes {
    /// Parses and indexes a `communes.tsv` text (format: the header of `data/communes.tsv`).
    pub fn from_tsv(text: &'static str) -> Result<Self, DataError> {
        let mut entries = Vec::with_capacity(40_000);
        for (i, line) in text.lines().enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            entries.push(parse_line(i + 1, line)?);
        }
        if entries.len() >= u32::MAX as usize {
            return Err(DataError::new(FILE, 0, "too many entries"));
        }
        entries.sort_by(|a, b| (a.insee, a.kind).cmp(&(b.insee, b.kind)));
        for pair in entries.windows(2) {
            if pair[0].insee == pair[1].insee && pair[0].kind == pair[1].kind {
                return Err(DataError::new(
                    FILE,
                    0,
                    format!("{} appears twice as {:?}", pair[0].insee, pair[0].kind),
                ));
            }
        }
        Self::index(entries)
    }

    fn index(entries: Vec<Commune>) -> Result<Self, DataError> {
        let n = entries.len();
        let keys: Vec<String> = entries
            .iter()
            .map(|c| rpps_domain::text::fold(c.name))
            .collect();

        let commune_id = |code: &str| -> Option<Id> {
            let range = prefix_range(&entries, code, |c| c.insee);
            entries
                .get(range.start)
                .filter(|c| !range.is_empty() && c.kind == CommuneKind::Commune)
                .map(|_| range.start as Id)
        };
        let mut parent = Vec::with_capacity(n);
        for c in &entries {
            parent.push(match c.parent {
                None => None,
                Some(code) => Some(commune_id(code).ok_or_else(|| {
                    DataError::new(
                        FILE,
                        0,
                        format!("parent {code} of {} is not a commune of the list", c.insee),
                    )
                })?),
            });
        }

        let mut by_rank: Vec<Id> = (0..n as Id).collect();
        by_rank.sort_unstable_by(|&a, &b| {
            let (ca, cb) = (&entries[a as usize], &entries[b as usize]);
            (
                !ca.kind.is_current(),
                std::cmp::Reverse(ca.population.unwrap_or(0)),
            )
                .cmp(&(
                    !cb.kind.is_current(),
                    std::cmp::Reverse(cb.population.unwrap_or(0)),
                ))
                .then_with(|| keys[a as usize].cmp(&keys[b as usize]))
                .then(a.cmp(&b))
        });
        let mut rank = vec![0u32; n];
        for (position, &id) in by_rank.iter().enumerate() {
            rank[id as usize] = position as u32;
        }

        let shadow: Vec<bool> = (0..n)
            .map(|i| {
                !entries[i].kind.is_current()
                    && parent[i].is_some_and(|p| {
                        entries[p as usize].insee == entries[i].insee && keys[p as usize] == keys[i]
                    })
            })
            .collect();

        let mut elided = Vec::new();
        let mut names: Vec<(Id, u32)> = Vec::with_capacity(n + 1_000);
        for id in (0..n as Id).filter(|&i| !shadow[i as usize]) {
            names.push((id, PRIMARY));
            if let Some(key) = elided_key(&keys[id as usize]) {
                names.push((id, elided.len() as u32));
                elided.push(key);
            }
        }
        let name_key = |&(id, k): &(Id, u32)| -> &str {
            if k == PRIMARY {
                &keys[id as usize]
            } else {
                &elided[k as usize]
            }
        };
        names.sort_unstable_by(|a, b| {
            name_key(a)
                .cmp(name_key(b))
                .then(rank[a.0 as usize].cmp(&rank[b.0 as usize]))
        });

        let mut words: Vec<(Id, u16)> = Vec::with_capacity(n * 2);
        for id in (0..n as Id).filter(|&i| !shadow[i as usize]) {
            let key = keys[id as usize].as_bytes();
            for offset in 1..key.len() {
                if key[offset - 1] == b' ' {
                    let offset = u16::try_from(offset)
                        .map_err(|_| DataError::new(FILE, 0, "name longer than 65,535 bytes"))?;
                    words.push((id, offset));
                }
            }
        }
        words.sort_unstable_by(|&(a, oa), &(b, ob)| {
            keys[a as usize][oa as usize..]
                .cmp(&keys[b as usize][ob as usize..])
                .then(rank[a as usize].cmp(&rank[b as usize]))
        });

        let mut postal: Vec<(&'static str, Id)> = entries
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.postal_codes.iter().map(move |&p| (p, i as Id)))
            .collect();
        postal.sort_unstable_by_key(|&(code, id)| (code, rank[id as usize]));

        let mut arrondissements = Vec::new();
        let mut attached = Vec::new();
        for (i, c) in entries.iter().enumerate() {
            let (Some(p), false) = (parent[i], shadow[i]) else {
                continue;
            };
            if c.kind == CommuneKind::ArrondissementMunicipal {
                arrondissements.push((p, i as Id));
            } else {
                attached.push((p, i as Id));
            }
        }
        arrondissements.sort_unstable();
        attached.sort_unstable_by_key(|&(p, child)| (p, rank[child as usize]));

        Ok(Self {
            entries,
            keys,
            rank,
            parent,
            shadow,
            elided,
            names,
            words,
            postal,
            arrondissements,
            attached,
        })
    }

    /// Number of entries (communes, arrondissements, communes déléguées and associées).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, sorted by (INSEE code, kind).
    pub fn all(&self) -> &[Commune] {
        &self.entries
    }

    /// The commune or arrondissement with this INSEE code (`2a004` is read as `2A004`); for a code
    /// shared by a commune nouvelle and its chef-lieu commune déléguée, the commune. A code known
    /// only as a former commune gives that commune déléguée or associée.
    pub fn get(&self, insee: &str) -> Option<&Commune> {
        self.get_all(insee).first()
    }

    /// Every entry with this INSEE code, commune first (at most a commune and its chef-lieu
    /// commune déléguée, which may have another name: 10003 Aix-Villemaur-Pâlis / Aix-en-Othe).
    pub fn get_all(&self, insee: &str) -> &[Commune] {
        if insee.len() != 5 || !insee.is_ascii() {
            return &[];
        }
        let code = insee.to_ascii_uppercase();
        let range = prefix_range(&self.entries, &code, |c| c.insee);
        self.entries.get(range).unwrap_or(&[])
    }

    /// The arrondissements municipaux of a city (Paris 75056, Lyon 69123, Marseille 13055), in code
    /// order; empty for any other code.
    pub fn arrondissements(&self, city_insee: &str) -> Vec<&Commune> {
        let Some(first) = self.get_all(city_insee).first() else {
            return Vec::new();
        };
        let Some(id) = self.id_of(first) else {
            return Vec::new();
        };
        self.arrondissement_ids(id)
            .iter()
            .map(|&(_, a)| &self.entries[a as usize])
            .collect()
    }

    /// The label shown for an entry: `Name (insee)`, plus `— commune déléguée de …` /
    /// `— commune associée de …` for a former commune.
    pub fn label(&self, commune: &Commune) -> String {
        match self.id_of(commune) {
            Some(id) => self.label_of(id),
            None => format!("{} ({})", commune.name, commune.insee),
        }
    }

    fn id_of(&self, commune: &Commune) -> Option<Id> {
        let range = prefix_range(&self.entries, commune.insee, |c| c.insee);
        range
            .clone()
            .zip(&self.entries[range])
            .find(|(_, c)| c.kind == commune.kind)
            .map(|(i, _)| i as Id)
    }

    fn label_of(&self, id: Id) -> String {
        let c = &self.entries[id as usize];
        let what = match c.kind {
            CommuneKind::Commune | CommuneKind::ArrondissementMunicipal => None,
            CommuneKind::CommuneDeleguee => Some("commune déléguée"),
            CommuneKind::CommuneAssociee => Some("commune associée"),
        };
        let parent = self.parent[id as usize].map(|p| &self.entries[p as usize]);
        match (what, parent) {
            (Some(what), Some(parent)) => {
                format!("{} ({}) — {what} {}", c.name, c.insee, de(parent.name))
            }
            _ => format!("{} ({})", c.name, c.insee),
        }
    }

    fn arrondissement_ids(&self, city: Id) -> &[(Id, Id)] {
        let start = self.arrondissements.partition_point(|&(p, _)| p < city);
        let len = self.arrondissements[start..].partition_point(|&(p, _)| p == city);
        &self.arrondissements[start..start + len]
    }

    fn attached_ids(&self, commune: Id) -> &[(Id, Id)] {
        let start = self.attached.partition_point(|&(p, _)| p < commune);
        let len = self.attached[start..].partition_point(|&(p, _)| p == commune);
        &self.attached[start..start + len]
    }

    fn key(&self, id: Id) -> &str {
        &self.keys[id as usize]
    }

    fn name_key(&self, &(id, k): &(Id, u32)) -> &str {
        if k == PRIMARY {
            self.key(id)
        } else {
            self.elided.get(k as usize).map_or("", String::as_str)
        }
    }

    fn rank_of(&self, id: Id) -> u32 {
        self.rank[id as usize]
    }

    /// The `k` best-ranked ids, best first (partial selection, then a sort of those `k`).
    fn top_k(&self, mut ids: Vec<Id>, k: usize) -> Vec<Id> {
        if ids.len() > k {
            ids.select_nth_unstable_by_key(k, |&id| self.rank_of(id));
            ids.truncate(k);
        }
        ids.sort_unstable_by_key(|&id| self.rank_of(id));
        ids
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
    pub fn search(&self, query: &str, limit: usize) -> Vec<CommuneMatch<'_>> {
        if limit == 0 {
            return Vec::new();
        }
        let hits = match code_query(query) {
            Some(code) => self.search_code(&code, limit),
            None => self.search_name(query, limit),
        };
        hits.into_iter()
            .map(|(id, matched)| {
                let c = &self.entries[id as usize];
                CommuneMatch {
                    insee: c.insee,
                    name: c.name,
                    label: self.label_of(id),
                    kind: c.kind,
                    departement: c.departement,
                    postal_codes: &c.postal_codes,
                    matched,
                }
            })
            .collect()
    }

    fn search_name(&self, query: &str, limit: usize) -> Vec<(Id, MatchedOn)> {
        let q = fold_name_query(query);
        if q.is_empty() {
            return Vec::new();
        }
        let block = &self.names[prefix_range(&self.names, &q, |name| self.name_key(name))];
        let exact_len = block.partition_point(|name| self.name_key(name).len() == q.len());

        // Exact names, already in rank order; a city is followed by all its arrondissements.
        let mut out: Vec<(Id, MatchedOn)> = Vec::with_capacity(limit.min(64));
        let mut keep = limit;
        for &(id, _) in &block[..exact_len] {
            if out.len() >= keep {
                break;
            }
            out.push((id, MatchedOn::Name));
            let arrondissements = self.arrondissement_ids(id);
            if !arrondissements.is_empty() {
                out.extend(arrondissements.iter().map(|&(_, a)| (a, MatchedOn::Name)));
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
        let candidates: Vec<Id> = block[exact_len..]
            .iter()
            .filter(|&&(id, k)| k == PRIMARY || !self.key(id).starts_with(&q))
            .map(|&(id, _)| id)
            .collect();
        for id in self.top_k(candidates, limit) {
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
        let range = prefix_range(&self.words, &q, |&(id, offset)| {
            self.key(id).get(offset as usize..).unwrap_or("")
        });
        let mut later: Vec<Id> = self.words[range]
            .iter()
            .map(|&(id, _)| id)
            .filter(|&id| !self.key(id).starts_with(&q))
            .collect();
        later.sort_unstable_by_key(|&id| self.rank_of(id));
        later.dedup();
        for id in later {
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
        let insee_range = prefix_range(&self.entries, code, |c| c.insee);
        let postal_range = if code.bytes().all(|b| b.is_ascii_digit()) {
            prefix_range(&self.postal, code, |&(p, _)| p)
        } else {
            0..0
        };
        let mut out: Vec<(Id, MatchedOn)> = Vec::new();
        if code.len() == 5 {
            if is_insee_code(code) {
                out.extend(
                    insee_range
                        .map(|i| i as Id)
                        .filter(|&id| !self.shadow[id as usize])
                        .map(|id| (id, MatchedOn::InseeCode)),
                );
            }
            // Served communes by rank, an arrondissement before its city; then their former communes.
            let mut served: Vec<Id> = self.postal[postal_range]
                .iter()
                .map(|&(_, id)| id)
                .collect();
            served.sort_by_key(|&id| !self.arrondissement_ids(id).is_empty());
            for &id in &served {
                if !out.iter().any(|&(seen, _)| seen == id) {
                    out.push((id, MatchedOn::PostalCode));
                }
            }
            for &id in &served {
                for &(_, child) in self.attached_ids(id) {
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
        let mut seen = vec![0u64; self.entries.len().div_ceil(64)];
        let mut first_time = |id: Id| {
            let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
            let new = seen[word] & bit == 0;
            seen[word] |= bit;
            new
        };
        let mut candidates: Vec<Id> = Vec::new();
        for id in insee_range.map(|i| i as Id) {
            if !self.shadow[id as usize] && first_time(id) {
                candidates.push(id);
            }
        }
        for &(_, id) in &self.postal[postal_range] {
            if first_time(id) {
                candidates.push(id);
            }
        }
        self.top_k(candidates, limit)
            .into_iter()
            .map(|id| {
                let matched = if self.entries[id as usize].insee.starts_with(code) {
                    MatchedOn::InseeCode
                } else {
                    MatchedOn::PostalCode
                };
                (id, matched)
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "communes_tests.rs"]
mod tests;
