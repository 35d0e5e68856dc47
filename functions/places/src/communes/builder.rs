//! The commune index builder, shared by `build.rs` (run once per build on the embedded
//! `communes.tsv`) and by [`crate::Communes::from_tsv`] (any text, at run time): parses and checks
//! every line, folds the names ([`rpps_domain::text::fold`]), ranks the entries and sorts the search
//! arrays, then encodes them as little-endian columns with no pointers (u32 ids, ranks and offsets,
//! u16 word offsets, strings as one text plus offsets).
//!
//! Self-contained on purpose: it uses nothing of the crate but the standard library and
//! `rpps_domain`, so `build.rs` includes this very file with `#[path]` and the index embedded in the
//! binary is built by the same code as the one `from_tsv` builds.

use std::cmp::Reverse;

/// The INSEE type codes of `communes.tsv`, in entry order (a commune first for a shared code).
pub const KIND_CODES: [&str; 4] = ["COM", "ARM", "COMD", "COMA"];
/// The kind index of a commune (`COM`) in [`KIND_CODES`].
pub const COMMUNE: u8 = 0;
/// The kind index of a municipal arrondissement (`ARM`) in [`KIND_CODES`].
pub const ARRONDISSEMENT: u8 = 1;

/// The index of an INSEE type code in [`KIND_CODES`].
pub fn kind_index(code: &str) -> Option<u8> {
    KIND_CODES
        .iter()
        .position(|&k| k == code)
        .and_then(|i| u8::try_from(i).ok())
}

/// A current commune or arrondissement, as opposed to a former commune (déléguée, associée).
fn is_current(kind: u8) -> bool {
    kind == COMMUNE || kind == ARRONDISSEMENT
}

/// `true` for an INSEE commune code: `(([0-8][0-9AB])|(9[0-8AB]))[0-9]{3}`.
pub fn is_insee_code(code: &str) -> bool {
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
fn departement_of(insee: &str) -> &str {
    let len = if insee.starts_with("97") || insee.starts_with("98") {
        3
    } else {
        2
    };
    insee.get(..len).unwrap_or(insee)
}

/// One checked line of `communes.tsv`, its fields borrowed from the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'t> {
    pub insee: &'t str,
    /// Index in [`KIND_CODES`].
    pub kind: u8,
    pub name: &'t str,
    /// Comma-separated, each 5 digits; empty for none.
    pub postal_codes: &'t str,
    pub population: Option<u32>,
    pub parent: Option<&'t str>,
    /// Given by the code when the column is empty.
    pub departement: &'t str,
}

impl<'t> Line<'t> {
    /// The postal codes, in file order.
    pub fn postal_codes(&self) -> impl Iterator<Item = &'t str> + use<'t> {
        Split(Some(self.postal_codes), b',').filter(|p| !p.is_empty())
    }

    /// The fields as they are, the population parsed, the département deduced when empty; no other
    /// check (`None` for an unknown kind or a population that is not a number).
    fn from_fields(
        [
            insee,
            kind,
            name,
            postal_codes,
            population,
            parent,
            departement,
        ]: [&'t str; 7],
    ) -> Option<Self> {
        Some(Line {
            insee,
            kind: kind_index(kind)?,
            name,
            postal_codes,
            population: match population {
                "" => None,
                digits => Some(digits.parse().ok()?),
            },
            parent: (!parent.is_empty()).then_some(parent),
            departement: match departement {
                "" => departement_of(insee),
                given => given,
            },
        })
    }
}

/// A line without its line break (`\n`, `\r\n`; a stray `\r` before it too).
fn trim_line_break(raw: &str) -> &str {
    let line = raw
        .strip_suffix('\n')
        .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
    line.strip_suffix('\r').unwrap_or(line)
}

/// The pieces of a text between separator bytes (a byte loop: the pieces are short).
struct Split<'t>(Option<&'t str>, u8);

impl<'t> Iterator for Split<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let rest = self.0?;
        match rest.bytes().position(|b| b == self.1) {
            Some(at) => {
                self.0 = rest.get(at + 1..);
                rest.get(..at)
            }
            None => self.0.take(),
        }
    }
}

/// The 7 tab-separated fields of a line, or how many fields it has.
fn fields(line: &str) -> Result<[&str; 7], usize> {
    let mut split = Split(Some(line), b'\t');
    let mut out = [""; 7];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = split.next().ok_or(i)?;
    }
    match split.count() {
        0 => Ok(out),
        more => Err(7 + more),
    }
}

/// Reads the line `text` starts with (up to its line break, if any), checked when the index was
/// built ([`parse_line`]): its fields as they are, no checks.
#[allow(dead_code, reason = "used at run time, not by build.rs")]
pub fn read_line(text: &str) -> Option<Line<'_>> {
    let mut split = Split(Some(text), b'\t');
    let mut out = [""; 7];
    for slot in &mut out[..6] {
        *slot = split.next()?;
    }
    let last = split.0.unwrap_or("");
    let end = last
        .bytes()
        .position(|b| b == b'\n' || b == b'\r')
        .unwrap_or(last.len());
    out[6] = last.get(..end)?;
    Line::from_fields(out)
}

/// Parses and checks one line (without its line break).
pub fn parse_line(line: &str) -> Result<Line<'_>, String> {
    let all =
        fields(line).map_err(|found| format!("expected 7 tab-separated columns, found {found}"))?;
    let [insee, kind, name, postal, population, parent, _] = all;
    if !is_insee_code(insee) {
        return Err(format!("bad INSEE code {insee:?}"));
    }
    let kind = kind_index(kind).ok_or_else(|| format!("bad kind {kind:?}"))?;
    if name.trim().is_empty() {
        return Err("empty name".into());
    }
    if !postal.is_empty()
        && let Some(bad) = Split(Some(postal), b',')
            .find(|p| p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("bad postal code {bad:?}"));
    }
    if !population.is_empty()
        && let Err(e) = population.parse::<u32>()
    {
        return Err(format!("bad population {population:?}: {e}"));
    }
    if !parent.is_empty() && !is_insee_code(parent) {
        return Err(format!("bad parent code {parent:?}"));
    }
    if parent.is_empty() == (kind != COMMUNE) {
        return Err("a commune has no parent; every other kind has one".into());
    }
    Line::from_fields(all).ok_or_else(|| "unreadable line".into())
}

/// A line of the text that does not parse (1-based; 0 for the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub line: usize,
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> BuildError {
    BuildError {
        line,
        message: message.into(),
    }
}

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

/// The index of a commune list, every column little-endian. An entry's id is its position in
/// (INSEE code, kind) order; `n` is the number of entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Index {
    /// u32 × n: byte offset of each entry's line in the text.
    pub lines: Vec<u8>,
    /// u32 × (n + 1): entry `i`'s folded name is `keys[key_starts[i]..key_starts[i + 1]]`.
    pub key_starts: Vec<u8>,
    /// The folded names ([`rpps_domain::text::fold`]), end to end.
    pub keys: String,
    /// u32 × n: position of each entry in the overall ranking: current before former communes,
    /// then population (descending), folded name, id. Unique per entry.
    pub rank: Vec<u8>,
    /// Bit set over the ids (bit `i % 8` of byte `i / 8`): a commune déléguée with the same code
    /// and name as its commune nouvelle (Annecy 74010), kept in the list, left out of search
    /// results, where it would only repeat the commune.
    pub shadow: Vec<u8>,
    /// u32 × m: the searchable names sorted by (key, rank). A value `v < n` is entry `v` under its
    /// folded name; `v = n + k` is elided key `k`.
    pub names: Vec<u8>,
    /// u32 × e: the entry of each elided key.
    pub elided_ids: Vec<u8>,
    /// u32 × (e + 1): elided key `k` is `elided[elided_starts[k]..elided_starts[k + 1]]`.
    pub elided_starts: Vec<u8>,
    /// Folded names with an elided article joined to the next word (`l hay les roses` →
    /// `lhay les roses`, `villeneuve d ascq` → `villeneuve dascq`), for people who type no
    /// apostrophe at all; end to end.
    pub elided: String,
    /// u32 × w and u16 × w: (entry, byte offset of its 2nd, 3rd… word in its key), sorted by
    /// (key from that word, rank).
    pub word_ids: Vec<u8>,
    pub word_offsets: Vec<u8>,
    /// 5 ASCII digits × p and u32 × p: (postal code, entry) sorted by (postal code, rank).
    pub postal_codes: String,
    pub postal_ids: Vec<u8>,
    /// (u32, u32) × a: (city, arrondissement) sorted: Paris, Lyon and Marseille, arrondissements
    /// in code order.
    pub arrondissements: Vec<u8>,
    /// (u32, u32) × t: (commune, one of its communes déléguées or associées) sorted by
    /// (commune, rank).
    pub attached: Vec<u8>,
}

impl Index {
    /// Every column with the name of its file in `OUT_DIR` (written by `build.rs`, embedded by
    /// `communes.rs`).
    #[allow(dead_code, reason = "used by build.rs and the tests")]
    pub fn files(&self) -> [(&'static str, &[u8]); 15] {
        [
            ("lines", &self.lines),
            ("key_starts", &self.key_starts),
            ("keys", self.keys.as_bytes()),
            ("rank", &self.rank),
            ("shadow", &self.shadow),
            ("names", &self.names),
            ("elided_ids", &self.elided_ids),
            ("elided_starts", &self.elided_starts),
            ("elided", self.elided.as_bytes()),
            ("word_ids", &self.word_ids),
            ("word_offsets", &self.word_offsets),
            ("postal_codes", self.postal_codes.as_bytes()),
            ("postal_ids", &self.postal_ids),
            ("arrondissements", &self.arrondissements),
            ("attached", &self.attached),
        ]
    }
}

fn u32s(values: impl IntoIterator<Item = u32>) -> Vec<u8> {
    values.into_iter().flat_map(u32::to_le_bytes).collect()
}

fn pairs(values: &[(u32, u32)]) -> Vec<u8> {
    u32s(values.iter().flat_map(|&(a, b)| [a, b]))
}

/// A length or offset as u32, or the error for a text too large for the index.
fn to_u32(value: usize) -> Result<u32, BuildError> {
    u32::try_from(value).map_err(|_| error(0, "text too large for the index (4 GiB)"))
}

/// Parses, checks and indexes a `communes.tsv` text (format: the header of `data/communes.tsv`):
/// `#` lines and empty lines are skipped; each other line must parse, a code appear once per kind,
/// and every parent be a commune of the list.
pub fn build(text: &str) -> Result<Index, BuildError> {
    let mut entries: Vec<(u32, Line<'_>)> = Vec::with_capacity(40_000);
    let mut offset = 0usize;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = trim_line_break(raw);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = parse_line(line).map_err(|message| error(i + 1, message))?;
        entries.push((to_u32(start)?, parsed));
    }
    if entries.len() > (u32::MAX / 2) as usize {
        return Err(error(0, "too many entries"));
    }
    entries.sort_by(|(_, a), (_, b)| (a.insee, a.kind).cmp(&(b.insee, b.kind)));
    for pair in entries.windows(2) {
        if pair[0].1.insee == pair[1].1.insee && pair[0].1.kind == pair[1].1.kind {
            let kind = KIND_CODES.get(usize::from(pair[0].1.kind)).unwrap_or(&"?");
            return Err(error(
                0,
                format!("{} appears twice as {kind}", pair[0].1.insee),
            ));
        }
    }

    let n = entries.len();
    let keys: Vec<String> = entries
        .iter()
        .map(|(_, c)| rpps_domain::text::fold(c.name))
        .collect();

    // The commune (never its homonym déléguée) with this code: the first entry of the code.
    let commune_id = |code: &str| -> Option<u32> {
        let start = entries.partition_point(|(_, c)| c.insee < code);
        entries
            .get(start)
            .filter(|(_, c)| c.insee == code && c.kind == COMMUNE)
            .map(|_| start as u32)
    };
    let mut parent: Vec<Option<u32>> = Vec::with_capacity(n);
    for (_, c) in &entries {
        parent.push(match c.parent {
            None => None,
            Some(code) => Some(commune_id(code).ok_or_else(|| {
                error(
                    0,
                    format!("parent {code} of {} is not a commune of the list", c.insee),
                )
            })?),
        });
    }

    let mut by_rank: Vec<u32> = (0..n as u32).collect();
    by_rank.sort_unstable_by(|&a, &b| {
        let (ca, cb) = (&entries[a as usize].1, &entries[b as usize].1);
        (!is_current(ca.kind), Reverse(ca.population.unwrap_or(0)))
            .cmp(&(!is_current(cb.kind), Reverse(cb.population.unwrap_or(0))))
            .then_with(|| keys[a as usize].cmp(&keys[b as usize]))
            .then(a.cmp(&b))
    });
    let mut rank = vec![0u32; n];
    for (position, &id) in by_rank.iter().enumerate() {
        rank[id as usize] = position as u32;
    }

    let shadow: Vec<bool> = (0..n)
        .map(|i| {
            !is_current(entries[i].1.kind)
                && parent[i].is_some_and(|p| {
                    entries[p as usize].1.insee == entries[i].1.insee && keys[p as usize] == keys[i]
                })
        })
        .collect();

    // Searchable names: (entry, PRIMARY) for the folded name, (entry, k) for elided key k.
    const PRIMARY: u32 = u32::MAX;
    let mut elided: Vec<String> = Vec::new();
    let mut elided_ids: Vec<u32> = Vec::new();
    let mut names: Vec<(u32, u32)> = Vec::with_capacity(n + 1_000);
    for id in (0..n as u32).filter(|&i| !shadow[i as usize]) {
        names.push((id, PRIMARY));
        if let Some(key) = elided_key(&keys[id as usize]) {
            names.push((id, elided.len() as u32));
            elided.push(key);
            elided_ids.push(id);
        }
    }
    let name_key = |&(id, k): &(u32, u32)| -> &str {
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

    let mut words: Vec<(u32, u16)> = Vec::with_capacity(n * 2);
    for id in (0..n as u32).filter(|&i| !shadow[i as usize]) {
        let key = keys[id as usize].as_bytes();
        for offset in 1..key.len() {
            if key[offset - 1] == b' ' {
                let offset =
                    u16::try_from(offset).map_err(|_| error(0, "name longer than 65,535 bytes"))?;
                words.push((id, offset));
            }
        }
    }
    words.sort_unstable_by(|&(a, oa), &(b, ob)| {
        keys[a as usize][oa as usize..]
            .cmp(&keys[b as usize][ob as usize..])
            .then(rank[a as usize].cmp(&rank[b as usize]))
    });

    let mut postal: Vec<(&str, u32)> = entries
        .iter()
        .enumerate()
        .flat_map(|(i, (_, c))| c.postal_codes().map(move |p| (p, i as u32)))
        .collect();
    postal.sort_unstable_by_key(|&(code, id)| (code, rank[id as usize]));

    let mut arrondissements = Vec::new();
    let mut attached = Vec::new();
    for (i, (_, c)) in entries.iter().enumerate() {
        let (Some(p), false) = (parent[i], shadow[i]) else {
            continue;
        };
        if c.kind == ARRONDISSEMENT {
            arrondissements.push((p, i as u32));
        } else {
            attached.push((p, i as u32));
        }
    }
    arrondissements.sort_unstable();
    attached.sort_unstable_by_key(|&(p, child)| (p, rank[child as usize]));

    // Encoding.
    let mut key_text = String::with_capacity(keys.iter().map(String::len).sum());
    let mut key_starts = vec![0u32];
    for key in &keys {
        key_text.push_str(key);
        key_starts.push(to_u32(key_text.len())?);
    }
    let mut elided_text = String::new();
    let mut elided_starts = vec![0u32];
    for key in &elided {
        elided_text.push_str(key);
        elided_starts.push(to_u32(elided_text.len())?);
    }
    let n32 = n as u32;
    let names = names
        .iter()
        .map(|&(id, k)| if k == PRIMARY { id } else { n32 + k });
    let mut shadow_bits = vec![0u8; n.div_ceil(8)];
    for (i, _) in shadow.iter().enumerate().filter(|(_, s)| **s) {
        shadow_bits[i / 8] |= 1 << (i % 8);
    }
    Ok(Index {
        lines: u32s(entries.iter().map(|&(start, _)| start)),
        key_starts: u32s(key_starts),
        keys: key_text,
        rank: u32s(rank),
        shadow: shadow_bits,
        names: u32s(names),
        elided_ids: u32s(elided_ids),
        elided_starts: u32s(elided_starts),
        elided: elided_text,
        word_ids: u32s(words.iter().map(|&(id, _)| id)),
        word_offsets: words
            .iter()
            .flat_map(|&(_, offset)| offset.to_le_bytes())
            .collect(),
        postal_codes: postal.iter().map(|&(code, _)| code).collect(),
        postal_ids: u32s(postal.iter().map(|&(_, id)| id)),
        arrondissements: pairs(&arrondissements),
        attached: pairs(&attached),
    })
}
