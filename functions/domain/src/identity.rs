//! Identity matching: are two civil statuses one person? (FAQ-R3, FAQ-R12; issue 14, "one person,
//! one number").
//!
//! Before an RPPS number is allocated, the civil status of the request is compared with those of
//! the professionals and open requests that share its [`candidate_key`]. The comparison uses the
//! strict traits of the national health identity (INS): birth (family) name, given names, birth
//! date, birth place (INSEE commune, or country abroad) and sex where known
//! (`shared/domain/IDENTITY-MATCHING.md`). It answers [`Verdict::Same`], [`Verdict::Probable`]
//! (a person must judge) or [`Verdict::Different`], with the [`MatchReason`]s a manager's page
//! shows.
//!
//! The rules, in short (docs/DOMAIN.md, "Identity matching", has the sources and the choices):
//! - Names are compared on [`canonical_name`]: case, accents, ligatures, apostrophes, hyphens and
//!   spaces do not matter, `St`/`Ste` are `Saint`/`Sainte`. A leading particle `de`/`d'` of a
//!   family name may be left out (`Lafontaine` ↔ `de La Fontaine`).
//! - Given names: the same letters in the same order match however they are split into names;
//!   otherwise they are compared as a multiset of given names (split on spaces, a compound name
//!   typed with a space is rejoined when the other side writes it as one): order does not matter,
//!   and a subset holding the other side's first given name matches (the first given name typed
//!   alone).
//! - A commune and its municipal arrondissements, communes déléguées and associées are one birth
//!   place ([`PlaceCanon`], implemented over the embedded communes by `rpps-places`).
//! - *Probable*, for a person to judge, never *same*: family names (or first given names) one
//!   typing error apart ([`MIN_APPROXIMATE_CHARS`] characters at least) or sounding alike
//!   ([`phonetic_key`]); a compound first given name typed in part, the first given name of one
//!   side not first on the other, or other given names that differ; a presumed birth date or one with day/month `01` against a full date of
//!   the same year; birth day and month swapped; a territory and the country it depends on. Only
//!   one trait may be approximate: two make the records [`Verdict::Different`].
//! - A known sex that differs, a different birth date or birth place make them different.
//!
//! No I/O: the commune and country data come through [`PlaceCanon`]. [`compare`] is symmetric,
//! reasons included (they are sorted).

use std::fmt;

use serde::Serialize;

use crate::birth::{BirthDate, BirthDatePrecision};
use crate::insee::{InseeCommuneCode, InseeCountryCode};
use crate::name::PersonName;
use crate::registration::{BirthPlace, CivilStatus};
use crate::sex::Sex;
use crate::text::fold;

/// Shortest canonical name (in characters) compared approximately: shorter names (`Roy`/`Roi`,
/// `Li`/`Lu`) are too often different people one letter apart.
pub const MIN_APPROXIMATE_CHARS: usize = 4;

/// Leading family-name particles that may be left out (`de`, and `d'` which folds to `d`).
const PARTICLES: [&str; 2] = ["de", "d"];

/// Most steps followed from a territory to the country it depends on (the INSEE list has one).
const MAX_COUNTRY_DEPTH: usize = 4;

/// What the identity match needs to know of places: which commune a birth commune code stands for,
/// and which country a territory depends on. Implemented by `rpps-places` over its embedded data.
pub trait PlaceCanon {
    /// The commune this code stands for as a birth place: a municipal arrondissement gives its city
    /// (69383 → 69123), a commune déléguée or associée the chef-lieu of the commune it is part of,
    /// any other code itself. Must be idempotent: the result maps to itself.
    fn canonical_commune(&self, code: &InseeCommuneCode) -> InseeCommuneCode;

    /// The country a territory depends on (`parent_cog` of the INSEE country list: 99230 Hong Kong
    /// → 99216 Chine), `None` for a country.
    fn parent_country(&self, code: &InseeCountryCode) -> Option<InseeCountryCode>;
}

/// The traits of one person that the match compares (the INS strict traits the portal has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityTraits<'a> {
    /// Birth (family) name.
    pub family_name: &'a PersonName,
    /// Given names, space-separated (FranceConnect's `given_name`).
    pub given_names: &'a PersonName,
    pub birth_date: &'a BirthDate,
    pub birth_place: &'a BirthPlace,
    /// Known for a FranceConnect identity (`gender`), often not for a typed civil status.
    pub sex: Option<Sex>,
}

impl IdentityTraits<'_> {
    /// The same traits with the sex set.
    pub fn with_sex(self, sex: Option<Sex>) -> Self {
        Self { sex, ..self }
    }
}

impl<'a> From<&'a CivilStatus> for IdentityTraits<'a> {
    /// The civil status's traits, sex unknown (the civil status does not record it).
    fn from(civil: &'a CivilStatus) -> Self {
        Self {
            family_name: &civil.family_name,
            given_names: &civil.given_names,
            birth_date: &civil.birth_date,
            birth_place: &civil.birth_place,
            sex: None,
        }
    }
}

/// Whether two records are one person. Ordered from the closest: `Same < Probable < Different`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The same person, written differently at most.
    Same,
    /// Possibly the same person: a person must judge before a number is allocated.
    Probable,
    /// Two people.
    Different,
}

impl Verdict {
    /// Stable machine code (also the serialised form).
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Probable => "probable",
            Verdict::Different => "different",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Same => "Même personne",
            Verdict::Probable => "Peut-être la même personne : à vérifier",
            Verdict::Different => "Personnes différentes",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which trait of the identity a [`MatchReason`] is about (what a side-by-side comparison shows
/// it against).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityTrait {
    FamilyName,
    GivenNames,
    BirthDate,
    BirthPlace,
    Sex,
    /// About the whole comparison (several approximate traits).
    Overall,
}

/// Why two records are, may be or are not one person. Reasons are listed in the order of this
/// enum (trait by trait), so that a result is deterministic and [`compare`] symmetric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// Same canonical family name, written differently (case, accents, punctuation, `St`).
    FamilyNameWrittenDifferently,
    /// Same family name once a leading `de`/`d'` is left out.
    FamilyNameParticle,
    /// Family names one typing error apart (one letter, or two adjacent letters swapped).
    FamilyNameOneEdit,
    /// Family names with the same [`phonetic_key`].
    FamilyNameSoundsAlike,
    FamilyNameDiffers,
    /// Same given names, written differently (case, accents, punctuation, hyphen or space).
    GivenNamesWrittenDifferently,
    /// Same given names in another order.
    GivenNamesOrder,
    /// One side lists some of the given names, the other side's first one among them.
    GivenNamesPartial,
    /// Same first given name, the other given names differ.
    OtherGivenNamesDiffer,
    /// One side's given names are among the other's, but not its first given name.
    GivenNameNotFirst,
    /// A compound first given name typed in part (`Marie` for `Marie-Hélène`).
    FirstGivenNameCompoundPart,
    /// First given names one typing error apart.
    FirstGivenNameOneEdit,
    /// First given names with the same [`phonetic_key`].
    FirstGivenNameSoundsAlike,
    GivenNamesDiffer,
    /// A presumed date, or a day or month `01` (FranceConnect's presumed value), against a date of
    /// the same year whose other known parts are equal.
    BirthDatePresumed,
    /// Same year, day and month swapped.
    BirthDayMonthSwapped,
    BirthDateDiffers,
    /// The same commune under another code: an arrondissement, a commune déléguée or associée.
    BirthPlaceSameCommune,
    /// A territory and the country it depends on.
    BirthCountryTerritory,
    BirthPlaceDiffers,
    SexDiffers,
    /// Two traits or more only approximately equal: taken as two people.
    SeveralApproximateTraits,
}

impl MatchReason {
    /// The trait this reason is about.
    pub fn about(self) -> IdentityTrait {
        use MatchReason as R;
        match self {
            R::FamilyNameWrittenDifferently
            | R::FamilyNameParticle
            | R::FamilyNameOneEdit
            | R::FamilyNameSoundsAlike
            | R::FamilyNameDiffers => IdentityTrait::FamilyName,
            R::GivenNamesWrittenDifferently
            | R::GivenNamesOrder
            | R::GivenNamesPartial
            | R::OtherGivenNamesDiffer
            | R::GivenNameNotFirst
            | R::FirstGivenNameCompoundPart
            | R::FirstGivenNameOneEdit
            | R::FirstGivenNameSoundsAlike
            | R::GivenNamesDiffer => IdentityTrait::GivenNames,
            R::BirthDatePresumed | R::BirthDayMonthSwapped | R::BirthDateDiffers => {
                IdentityTrait::BirthDate
            }
            R::BirthPlaceSameCommune | R::BirthCountryTerritory | R::BirthPlaceDiffers => {
                IdentityTrait::BirthPlace
            }
            R::SexDiffers => IdentityTrait::Sex,
            R::SeveralApproximateTraits => IdentityTrait::Overall,
        }
    }

    /// Stable machine code (also the serialised form).
    pub fn code(self) -> &'static str {
        match self {
            MatchReason::FamilyNameWrittenDifferently => "family_name_written_differently",
            MatchReason::FamilyNameParticle => "family_name_particle",
            MatchReason::FamilyNameOneEdit => "family_name_one_edit",
            MatchReason::FamilyNameSoundsAlike => "family_name_sounds_alike",
            MatchReason::FamilyNameDiffers => "family_name_differs",
            MatchReason::GivenNamesWrittenDifferently => "given_names_written_differently",
            MatchReason::GivenNamesOrder => "given_names_order",
            MatchReason::GivenNamesPartial => "given_names_partial",
            MatchReason::OtherGivenNamesDiffer => "other_given_names_differ",
            MatchReason::GivenNameNotFirst => "given_name_not_first",
            MatchReason::FirstGivenNameCompoundPart => "first_given_name_compound_part",
            MatchReason::FirstGivenNameOneEdit => "first_given_name_one_edit",
            MatchReason::FirstGivenNameSoundsAlike => "first_given_name_sounds_alike",
            MatchReason::GivenNamesDiffer => "given_names_differ",
            MatchReason::BirthDatePresumed => "birth_date_presumed",
            MatchReason::BirthDayMonthSwapped => "birth_day_month_swapped",
            MatchReason::BirthDateDiffers => "birth_date_differs",
            MatchReason::BirthPlaceSameCommune => "birth_place_same_commune",
            MatchReason::BirthCountryTerritory => "birth_country_territory",
            MatchReason::BirthPlaceDiffers => "birth_place_differs",
            MatchReason::SexDiffers => "sex_differs",
            MatchReason::SeveralApproximateTraits => "several_approximate_traits",
        }
    }

    /// French label, shown to a manager.
    pub fn label(self) -> &'static str {
        match self {
            MatchReason::FamilyNameWrittenDifferently => {
                "Nom de naissance écrit autrement (majuscules, accents, apostrophes, traits d'union ou espaces)"
            }
            MatchReason::FamilyNameParticle => {
                "Nom de naissance identique à la particule près (de, d')"
            }
            MatchReason::FamilyNameOneEdit => {
                "Nom de naissance proche (une lettre de différence ou deux lettres inversées)"
            }
            MatchReason::FamilyNameSoundsAlike => "Nom de naissance de même prononciation",
            MatchReason::FamilyNameDiffers => "Nom de naissance différent",
            MatchReason::GivenNamesWrittenDifferently => {
                "Prénoms écrits autrement (majuscules, accents, apostrophes, traits d'union ou espaces)"
            }
            MatchReason::GivenNamesOrder => "Prénoms dans un autre ordre",
            MatchReason::GivenNamesPartial => {
                "Une partie des prénoms seulement, dont le premier prénom"
            }
            MatchReason::OtherGivenNamesDiffer => "Même premier prénom, autres prénoms différents",
            MatchReason::GivenNameNotFirst => {
                "Prénom qui n'est pas le premier prénom de l'autre fiche"
            }
            MatchReason::FirstGivenNameCompoundPart => {
                "Premier prénom composé saisi en partie (par exemple Marie pour Marie-Hélène)"
            }
            MatchReason::FirstGivenNameOneEdit => {
                "Premier prénom proche (une lettre de différence ou deux lettres inversées)"
            }
            MatchReason::FirstGivenNameSoundsAlike => "Premier prénom de même prononciation",
            MatchReason::GivenNamesDiffer => "Prénoms différents",
            MatchReason::BirthDatePresumed => {
                "Date de naissance présumée (jour ou mois inconnu, ou au 1er)"
            }
            MatchReason::BirthDayMonthSwapped => "Jour et mois de naissance inversés",
            MatchReason::BirthDateDiffers => "Date de naissance différente",
            MatchReason::BirthPlaceSameCommune => {
                "Même commune de naissance sous un autre code (arrondissement, commune déléguée ou associée)"
            }
            MatchReason::BirthCountryTerritory => {
                "Pays de naissance : un territoire et le pays dont il dépend"
            }
            MatchReason::BirthPlaceDiffers => "Lieu de naissance différent",
            MatchReason::SexDiffers => "Sexe différent",
            MatchReason::SeveralApproximateTraits => {
                "Plusieurs traits seulement proches : deux personnes différentes"
            }
        }
    }

    /// The closest verdict this reason allows on its own: `Same` for a difference of writing or
    /// granularity, `Probable` for an approximation, `Different` for a contradiction.
    pub fn verdict(self) -> Verdict {
        match self {
            MatchReason::FamilyNameWrittenDifferently
            | MatchReason::FamilyNameParticle
            | MatchReason::GivenNamesWrittenDifferently
            | MatchReason::GivenNamesOrder
            | MatchReason::GivenNamesPartial
            | MatchReason::BirthPlaceSameCommune => Verdict::Same,
            MatchReason::FamilyNameOneEdit
            | MatchReason::FamilyNameSoundsAlike
            | MatchReason::OtherGivenNamesDiffer
            | MatchReason::GivenNameNotFirst
            | MatchReason::FirstGivenNameCompoundPart
            | MatchReason::FirstGivenNameOneEdit
            | MatchReason::FirstGivenNameSoundsAlike
            | MatchReason::BirthDatePresumed
            | MatchReason::BirthDayMonthSwapped
            | MatchReason::BirthCountryTerritory => Verdict::Probable,
            MatchReason::FamilyNameDiffers
            | MatchReason::GivenNamesDiffer
            | MatchReason::BirthDateDiffers
            | MatchReason::BirthPlaceDiffers
            | MatchReason::SexDiffers
            | MatchReason::SeveralApproximateTraits => Verdict::Different,
        }
    }
}

impl fmt::Display for MatchReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The verdict and every reason found, in [`MatchReason`] order (no repeats).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IdentityMatch {
    pub verdict: Verdict,
    pub reasons: Vec<MatchReason>,
}

/// Compares two records trait by trait. Each trait is equal (possibly written differently),
/// approximate or different; the records are [`Verdict::Different`] when a trait differs or two
/// traits are only approximate, [`Verdict::Probable`] when one is approximate, else
/// [`Verdict::Same`]. Symmetric: `compare(a, b, p) == compare(b, a, p)`.
pub fn compare(
    a: &IdentityTraits<'_>,
    b: &IdentityTraits<'_>,
    places: &impl PlaceCanon,
) -> IdentityMatch {
    let mut reasons = Vec::new();
    let verdicts = [
        family_names(a.family_name, b.family_name, &mut reasons),
        given_names(a.given_names, b.given_names, &mut reasons),
        birth_dates(a.birth_date, b.birth_date, &mut reasons),
        birth_places(a.birth_place, b.birth_place, places, &mut reasons),
        sexes(a.sex, b.sex, &mut reasons),
    ];
    let approximate = verdicts.iter().filter(|&&v| v == Verdict::Probable).count();
    let verdict = if verdicts.contains(&Verdict::Different) {
        Verdict::Different
    } else if approximate > 1 {
        reasons.push(MatchReason::SeveralApproximateTraits);
        Verdict::Different
    } else if approximate == 1 {
        Verdict::Probable
    } else {
        Verdict::Same
    };
    reasons.sort_unstable();
    reasons.dedup();
    IdentityMatch { verdict, reasons }
}

/// The key every record that may be the same person as this one shares: the canonical birth
/// place (the city of an arrondissement, the chef-lieu of a commune déléguée, the country a
/// territory depends on) and the birth **year**, e.g. `69123#1980`, `99216#1975`. The year rather
/// than the date, so that swapped or presumed days and months fall under the same key. For every
/// pair that [`compare`] finds `Same` or `Probable`, the keys are equal (property-tested); the
/// converse does not hold (the key only narrows the candidates). Commune codes never start with
/// `99`, country codes always do: the two kinds of key cannot collide.
pub fn candidate_key(traits: &IdentityTraits<'_>, places: &impl PlaceCanon) -> String {
    let place = match traits.birth_place {
        BirthPlace::France { commune } => places.canonical_commune(commune).to_string(),
        BirthPlace::Abroad { country } => root_country(country, places).to_string(),
    };
    format!("{place}#{:04}", traits.birth_date.date().year())
}

/// The comparison form of a name: [`fold`]ed (lower case, no accents, ligatures expanded), the
/// words `st`/`ste` read as `saint`/`sainte`, then every space, hyphen and apostrophe left out:
/// `N'Diaye`, `NDiaye`, `N DIAYE` and `ndiaye` all give `ndiaye`; `St-Martin` gives `saintmartin`.
pub fn canonical_name(name: &str) -> String {
    joined_words(&fold(name))
}

/// A French phonetic key: the Soundex2 rules (F. Brouard's French adaptation of Soundex), without
/// its truncation to 4 characters so that a longer name does not sound like its prefix
/// (`Martin`/`Martinez`). On the [`canonical_name`], ASCII letters only: `GUI`/`GUE`/`GA`/`GO`/
/// `GU`/`CA`/`CO`/`CU`/`Q`/`CC`/`CK` become `K…`; every vowel but the first letter becomes `A`;
/// the prefixes `MAC`/`SCH`/`ASA`/`KN`/`PH`/`PF` become `MCC`/`SSS`/`AZA`/`NN`/`FF`/`FF`; an `H`
/// not after `C` or `S` and a `Y` not after `A` are dropped (not in first place); a final `A`,
/// `D`, `T` or `S` is dropped; then every `A` but the first letter; then repeated letters are
/// squeezed. `Mathieu`/`Matthieu` give `MT`, `Philippe`/`Filipe` `FLP`, `Dupont`/`Dupond` `DPN`.
/// Used only to raise a *probable* match, never a *same* one.
pub fn phonetic_key(name: &str) -> String {
    let mut code: String = canonical_name(name)
        .chars()
        .filter(char::is_ascii_lowercase)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    for (from, to) in [
        ("GUI", "KI"),
        ("GUE", "KE"),
        ("GA", "KA"),
        ("GO", "KO"),
        ("GU", "K"),
        ("CA", "KA"),
        ("CO", "KO"),
        ("CU", "KU"),
        ("Q", "K"),
        ("CC", "K"),
        ("CK", "K"),
    ] {
        code = code.replace(from, to);
    }
    let mut letters: Vec<char> = code
        .chars()
        .enumerate()
        .map(|(i, c)| match c {
            'E' | 'I' | 'O' | 'U' if i > 0 => 'A',
            c => c,
        })
        .collect();
    for (prefix, replacement) in [
        ("MAC", "MCC"),
        ("SCH", "SSS"),
        ("ASA", "AZA"),
        ("KN", "NN"),
        ("PH", "FF"),
        ("PF", "FF"),
    ] {
        let prefix: Vec<char> = prefix.chars().collect();
        if letters.starts_with(&prefix) {
            letters.splice(..prefix.len(), replacement.chars());
        }
    }
    let mut kept: Vec<char> = Vec::with_capacity(letters.len());
    for (i, &c) in letters.iter().enumerate() {
        let previous = i.checked_sub(1).and_then(|p| letters.get(p)).copied();
        let silent = match (c, previous) {
            ('H', Some(p)) => p != 'C' && p != 'S',
            ('Y', Some(p)) => p != 'A',
            _ => false,
        };
        if !silent {
            kept.push(c);
        }
    }
    if kept.len() > 1 && matches!(kept.last(), Some('A' | 'D' | 'T' | 'S')) {
        kept.pop();
    }
    let mut key = String::with_capacity(kept.len());
    for (i, &c) in kept.iter().enumerate() {
        if (i == 0 || c != 'A') && !key.ends_with(c) {
            key.push(c);
        }
    }
    key
}

/// Folded words joined without separators, `st`/`ste` expanded.
fn joined_words(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len() + 8);
    for word in folded.split(' ') {
        out.push_str(match word {
            "st" => "saint",
            "ste" => "sainte",
            word => word,
        });
    }
    out
}

/// The canonical family name without a leading particle (`de La Fontaine` → `lafontaine`,
/// `D'Almeida` → `almeida`); the canonical name itself when there is none.
fn without_particle(name: &PersonName) -> String {
    let folded = name.folded();
    match folded.split_once(' ') {
        Some((first, rest)) if PARTICLES.contains(&first) => joined_words(rest),
        _ => joined_words(&folded),
    }
}

/// Whether two canonical names are one typing error apart or sound alike, both long enough.
fn approximately(a: &str, b: &str) -> (bool, bool) {
    let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if ca.len().min(cb.len()) < MIN_APPROXIMATE_CHARS {
        return (false, false);
    }
    let one_edit = edit_distance(&ca, &cb) == 1;
    let (ka, kb) = (phonetic_key(a), phonetic_key(b));
    (one_edit, !ka.is_empty() && ka == kb)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, each counted 1).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current: Vec<usize> = vec![0; width];
    for (i, &ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut best = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
            if i > 0 && j > 0 && ca == b[j - 1] && a[i - 1] == cb {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn family_names(a: &PersonName, b: &PersonName, reasons: &mut Vec<MatchReason>) -> Verdict {
    let (ca, cb) = (canonical_name(a.as_str()), canonical_name(b.as_str()));
    if ca == cb {
        if a.as_str() != b.as_str() {
            reasons.push(MatchReason::FamilyNameWrittenDifferently);
        }
        return Verdict::Same;
    }
    let (ba, bb) = (without_particle(a), without_particle(b));
    if ba == bb {
        reasons.push(MatchReason::FamilyNameParticle);
        return Verdict::Same;
    }
    let (edit_full, sound_full) = approximately(&ca, &cb);
    let (edit_base, sound_base) = approximately(&ba, &bb);
    if edit_full || edit_base {
        reasons.push(MatchReason::FamilyNameOneEdit);
    }
    if sound_full || sound_base {
        reasons.push(MatchReason::FamilyNameSoundsAlike);
    }
    if edit_full || edit_base || sound_full || sound_base {
        Verdict::Probable
    } else {
        reasons.push(MatchReason::FamilyNameDiffers);
        Verdict::Different
    }
}

/// The canonical given names, split on spaces (`Marie-Hélène Josée` → `mariehelene`, `josee`).
fn given_name_list(names: &PersonName) -> Vec<String> {
    names
        .as_str()
        .split(' ')
        .map(canonical_name)
        .filter(|n| !n.is_empty())
        .collect()
}

/// The words of the first given name, canonical (`Marie-Hélène Josée` → `marie`, `helene`).
fn first_given_name_words(names: &PersonName) -> Vec<String> {
    let first = names.as_str().split(' ').next().unwrap_or("");
    fold(first)
        .split(' ')
        .map(joined_words)
        .filter(|w| !w.is_empty())
        .collect()
}

/// The given names with runs of consecutive names rejoined where the other side has their
/// concatenation as one given name (`Marie Helene` → `mariehelene` against `Marie-Hélène`),
/// the longest run first.
fn rejoined(names: &[String], other: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(names.len());
    let mut i = 0;
    while i < names.len() {
        let run = (i + 2..=names.len())
            .rev()
            .find(|&end| other.contains(&names[i..end].concat()));
        match run {
            Some(end) => {
                out.push(names[i..end].concat());
                i = end;
            }
            None => {
                out.push(names[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// Whether every name of `small` is in `big`, counting repeats.
fn is_sub_multiset(small: &[String], big: &[String]) -> bool {
    let mut used = vec![false; big.len()];
    small.iter().all(|name| {
        let free = big
            .iter()
            .zip(used.iter())
            .position(|(candidate, &taken)| !taken && candidate == name);
        match free {
            Some(k) => {
                used[k] = true;
                true
            }
            None => false,
        }
    })
}

fn given_names(a: &PersonName, b: &PersonName, reasons: &mut Vec<MatchReason>) -> Verdict {
    let (raw_a, raw_b) = (given_name_list(a), given_name_list(b));
    let (la, lb) = (rejoined(&raw_a, &raw_b), rejoined(&raw_b, &raw_a));
    let (Some(first_a), Some(first_b)) = (la.first(), lb.first()) else {
        reasons.push(MatchReason::GivenNamesDiffer);
        return Verdict::Different;
    };
    // The same letters in the same order, however split (`Marie Hélène-Josée`, `Marie-Hélène
    // Josée`): one writing of one list.
    if raw_a.concat() == raw_b.concat() {
        if a.as_str() != b.as_str() {
            reasons.push(MatchReason::GivenNamesWrittenDifferently);
        }
        return Verdict::Same;
    }
    let a_in_b = is_sub_multiset(&la, &lb);
    let b_in_a = is_sub_multiset(&lb, &la);
    if a_in_b && b_in_a {
        reasons.push(MatchReason::GivenNamesOrder);
        return Verdict::Same;
    }
    if (a_in_b && la.contains(first_b)) || (b_in_a && lb.contains(first_a)) {
        reasons.push(MatchReason::GivenNamesPartial);
        return Verdict::Same;
    }
    if first_a == first_b {
        reasons.push(MatchReason::OtherGivenNamesDiffer);
        return Verdict::Probable;
    }
    if a_in_b || b_in_a {
        reasons.push(MatchReason::GivenNameNotFirst);
        return Verdict::Probable;
    }
    let (rest_a, rest_b) = (&la[1..], &lb[1..]);
    if is_sub_multiset(rest_a, rest_b) || is_sub_multiset(rest_b, rest_a) {
        let (words_a, words_b) = (first_given_name_words(a), first_given_name_words(b));
        if words_a.len() != words_b.len()
            && (words_a.starts_with(&words_b) || words_b.starts_with(&words_a))
        {
            reasons.push(MatchReason::FirstGivenNameCompoundPart);
            return Verdict::Probable;
        }
        let (one_edit, sounds_alike) = approximately(first_a, first_b);
        if one_edit {
            reasons.push(MatchReason::FirstGivenNameOneEdit);
        }
        if sounds_alike {
            reasons.push(MatchReason::FirstGivenNameSoundsAlike);
        }
        if one_edit || sounds_alike {
            return Verdict::Probable;
        }
    }
    reasons.push(MatchReason::GivenNamesDiffer);
    Verdict::Different
}

/// Whether the day may be unknown: presumed, or `01` (a presumed day may arrive as `01`).
fn day_is_open(date: &BirthDate) -> bool {
    match date.precision() {
        BirthDatePrecision::Day => date.date().day() == 1,
        BirthDatePrecision::Month | BirthDatePrecision::Year => true,
    }
}

/// Whether the month may be unknown: presumed, or `01-01` (a presumed month comes with a presumed
/// day: a known day in an unknown month does not exist).
fn month_is_open(date: &BirthDate) -> bool {
    match date.precision() {
        BirthDatePrecision::Day => u8::from(date.date().month()) == 1 && date.date().day() == 1,
        BirthDatePrecision::Month => false,
        BirthDatePrecision::Year => true,
    }
}

fn birth_dates(a: &BirthDate, b: &BirthDate, reasons: &mut Vec<MatchReason>) -> Verdict {
    if a == b {
        return Verdict::Same;
    }
    let (da, db) = (a.date(), b.date());
    if da.year() == db.year() {
        let months_agree = da.month() == db.month() || month_is_open(a) || month_is_open(b);
        let days_agree = da.day() == db.day() || day_is_open(a) || day_is_open(b);
        if months_agree && days_agree {
            reasons.push(MatchReason::BirthDatePresumed);
            return Verdict::Probable;
        }
        let both_full =
            a.precision() == BirthDatePrecision::Day && b.precision() == BirthDatePrecision::Day;
        if both_full && da.day() == u8::from(db.month()) && db.day() == u8::from(da.month()) {
            reasons.push(MatchReason::BirthDayMonthSwapped);
            return Verdict::Probable;
        }
    }
    reasons.push(MatchReason::BirthDateDiffers);
    Verdict::Different
}

/// The country a territory ultimately depends on (itself for a country).
fn root_country(country: &InseeCountryCode, places: &impl PlaceCanon) -> InseeCountryCode {
    let mut root = country.clone();
    for _ in 0..MAX_COUNTRY_DEPTH {
        match places.parent_country(&root) {
            Some(parent) if parent != root => root = parent,
            _ => break,
        }
    }
    root
}

fn birth_places(
    a: &BirthPlace,
    b: &BirthPlace,
    places: &impl PlaceCanon,
    reasons: &mut Vec<MatchReason>,
) -> Verdict {
    match (a, b) {
        (BirthPlace::France { commune: ca }, BirthPlace::France { commune: cb }) => {
            if ca == cb {
                return Verdict::Same;
            }
            if places.canonical_commune(ca) == places.canonical_commune(cb) {
                reasons.push(MatchReason::BirthPlaceSameCommune);
                return Verdict::Same;
            }
        }
        (BirthPlace::Abroad { country: ca }, BirthPlace::Abroad { country: cb }) => {
            if ca == cb {
                return Verdict::Same;
            }
            let depends = |territory: &InseeCountryCode, country: &InseeCountryCode| {
                places.parent_country(territory).as_ref() == Some(country)
            };
            if depends(ca, cb) || depends(cb, ca) {
                reasons.push(MatchReason::BirthCountryTerritory);
                return Verdict::Probable;
            }
        }
        _ => {}
    }
    reasons.push(MatchReason::BirthPlaceDiffers);
    Verdict::Different
}

fn sexes(a: Option<Sex>, b: Option<Sex>, reasons: &mut Vec<MatchReason>) -> Verdict {
    match (a, b) {
        (Some(a), Some(b)) if a != b => {
            reasons.push(MatchReason::SexDiffers);
            Verdict::Different
        }
        _ => Verdict::Same,
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
