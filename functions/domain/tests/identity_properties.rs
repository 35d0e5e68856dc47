//! Property tests of the identity match (FAQ-R12; issue 14, "one person, one number"): spelling
//! variants of a person are the same person; another birth date or birth place is another person;
//! the match is symmetric; every candidate shares the candidate key.

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use rpps_domain::identity::phonetic_key;
use rpps_domain::{
    BirthDate, BirthPlace, IdentityMatch, IdentityTraits, InseeCommuneCode, InseeCountryCode,
    MatchReason, PersonName, PlaceCanon, Sex, Verdict, candidate_key, canonical_name, compare,
};
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 03 - 01);

/// A stand-in for the commune and country data: Paris, Lyon, Marseille and their
/// arrondissements, two communes nouvelles and their former communes, two territories.
struct TestPlaces;

fn canonical_code(code: &str) -> &str {
    match code {
        c if ("75101"..="75120").contains(&c) => "75056",
        c if ("69381"..="69389").contains(&c) => "69123",
        c if ("13201"..="13216").contains(&c) => "13055",
        "74011" => "74010",
        "01039" => "01138",
        "99230" | "99232" => "99216",
        "99430" => "99101",
        c => c,
    }
}

impl PlaceCanon for TestPlaces {
    fn canonical_commune(&self, code: &InseeCommuneCode) -> InseeCommuneCode {
        InseeCommuneCode::parse(canonical_code(code.as_str())).expect("commune code")
    }

    fn parent_country(&self, code: &InseeCountryCode) -> Option<InseeCountryCode> {
        let parent = canonical_code(code.as_str());
        (parent != code.as_str()).then(|| InseeCountryCode::parse(parent).expect("country code"))
    }
}

/// Birth places: communes with arrondissements and former communes, plain communes, countries
/// and territories.
const PLACES: &[&str] = &[
    "75056", "75101", "75115", "75120", "69123", "69381", "69383", "13055", "13208", "74010",
    "74011", "01138", "01039", "33063", "2A004", "97411", "99352", "99216", "99230", "99232",
    "99101", "99430",
];

const FAMILY_WORDS: &[&str] = &[
    "Martin",
    "Lefèvre",
    "Dupont",
    "Durand",
    "Noël",
    "Cœur",
    "Fontaine",
    "Almeida",
    "Éluard",
    "Müller",
    "Bézier",
    "N'Diaye",
    "L'Hôte",
    "O'Neill",
    "Lætitia",
    "Çelik",
    "Ibáñez",
    "Bœuf",
    "Exupéry",
    "Kerhervé",
];

const GIVEN_WORDS: &[&str] = &[
    "Marie",
    "Hélène",
    "Josée",
    "Jean",
    "Pierre",
    "Noël",
    "Lætitia",
    "Zoé",
    "Anaïs",
    "Gaël",
    "François",
    "Chloé",
    "Thérèse",
    "Éric",
    "Aïcha",
    "Mélissa",
];

/// A person as the official record writes them.
#[derive(Debug, Clone)]
struct Person {
    family: String,
    /// Each given name, a compound one with its hyphen (`Marie-Hélène`).
    given: Vec<String>,
    date: String,
    place: &'static str,
    sex: Option<Sex>,
}

/// One record's values, parsed as the portal parses them.
struct Record {
    family: PersonName,
    given: PersonName,
    date: BirthDate,
    place: BirthPlace,
    sex: Option<Sex>,
}

impl Record {
    fn new(family: &str, given: &str, date: &str, place: &str, sex: Option<Sex>) -> Self {
        let place = if place.starts_with("99") {
            BirthPlace::Abroad {
                country: InseeCountryCode::parse(place).expect("country"),
            }
        } else {
            BirthPlace::France {
                commune: InseeCommuneCode::parse(place).expect("commune"),
            }
        };
        Self {
            family: PersonName::parse(family).expect("family name"),
            given: PersonName::parse(given).expect("given names"),
            date: BirthDate::from_franceconnect(date, TODAY).expect("birth date"),
            place,
            sex,
        }
    }

    fn of(p: &Person) -> Self {
        Self::new(&p.family, &p.given.join(" "), &p.date, p.place, p.sex)
    }

    fn traits(&self) -> IdentityTraits<'_> {
        IdentityTraits {
            family_name: &self.family,
            given_names: &self.given,
            birth_date: &self.date,
            birth_place: &self.place,
            sex: self.sex,
        }
    }
}

fn matched(a: &Record, b: &Record) -> IdentityMatch {
    compare(&a.traits(), &b.traits(), &TestPlaces)
}

fn family_name() -> impl Strategy<Value = String> {
    let word = (
        select(FAMILY_WORDS),
        select(&["", "", "Saint-", "Sainte-", "Saint "][..]),
    )
        .prop_map(|(w, saint)| format!("{saint}{w}"));
    (
        select(&["", "", "de ", "de La ", "D'", "d'"][..]),
        prop::collection::vec(word, 1..=2),
        select(&["-", " ", "--"][..]),
    )
        .prop_map(|(particle, words, sep)| {
            let name = words.join(sep);
            // `D'Saint-…` does not exist, and would glue `St` to the particle once the
            // apostrophe is left out.
            let particle = if particle.ends_with('\'') && name.starts_with("Saint") {
                "de "
            } else {
                particle
            };
            format!("{particle}{name}")
        })
}

/// 1 to 5 distinct words, grouped into given names of one or two words (compound with a hyphen).
fn given_names() -> impl Strategy<Value = Vec<String>> {
    (
        subsequence(GIVEN_WORDS, 1..=5).prop_shuffle(),
        prop::collection::vec(any::<bool>(), 5),
    )
        .prop_map(|(words, compound)| {
            let mut names: Vec<String> = Vec::new();
            let mut join_next = false;
            for (i, w) in words.iter().enumerate() {
                match names.last_mut() {
                    Some(last) if join_next => {
                        last.push('-');
                        last.push_str(w);
                        join_next = false;
                    }
                    _ => {
                        names.push((*w).to_owned());
                        join_next = compound[i];
                    }
                }
            }
            names
        })
}

/// A full date (day 02–28: a day 01 may be presumed, see the dedicated properties).
fn full_date() -> impl Strategy<Value = (i32, u8, u8)> {
    (1900i32..=2005, 1u8..=12, 2u8..=28)
}

fn iso((y, m, d): (i32, u8, u8)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn person() -> impl Strategy<Value = Person> {
    (
        family_name(),
        given_names(),
        full_date(),
        select(PLACES),
        prop::option::of(prop_oneof![Just(Sex::Female), Just(Sex::Male)]),
    )
        .prop_map(|(family, given, date, place, sex)| Person {
            family,
            given,
            date: iso(date),
            place,
            sex,
        })
}

/// How a person's names are typed differently.
#[derive(Debug, Clone)]
struct Spelling {
    /// 0 as written, 1 upper case, 2 lower case.
    family_case: u8,
    given_case: u8,
    family_accents_removed: bool,
    given_accents_removed: bool,
    /// 0 `'`, 1 `’`, 2 a space, 3 left out.
    apostrophe: u8,
    /// 0 as written, 1 hyphens as spaces, 2 spaces as hyphens.
    family_separators: u8,
    saint_abbreviated: bool,
    /// A leading particle `de`/`d'` left out (`de La Fontaine` → `La Fontaine`).
    particle_dropped: bool,
    /// The given names in order, in another order, or the first one alone.
    given_order: GivenOrder,
    /// 0 as written, 1 hyphens of compound names as spaces, 2 (in order only) every space as a
    /// hyphen.
    given_separators: u8,
    /// Another code of the same commune (an arrondissement, a former commune).
    same_commune_code: prop::sample::Index,
    sex_known: bool,
}

#[derive(Debug, Clone)]
enum GivenOrder {
    AsWritten,
    Shuffled(Vec<usize>),
    FirstOnly,
}

fn spelling(given_count: usize) -> impl Strategy<Value = Spelling> {
    let order = prop_oneof![
        Just(GivenOrder::AsWritten),
        Just((0..given_count).collect::<Vec<_>>())
            .prop_shuffle()
            .prop_map(GivenOrder::Shuffled),
        Just(GivenOrder::FirstOnly),
    ];
    (
        (0u8..3, 0u8..3, any::<bool>(), any::<bool>()),
        (0u8..4, 0u8..3, any::<bool>(), any::<bool>()),
        (order, 0u8..3, any::<prop::sample::Index>(), any::<bool>()),
    )
        .prop_map(
            |(
                (family_case, given_case, family_accents_removed, given_accents_removed),
                (apostrophe, family_separators, saint_abbreviated, particle_dropped),
                (given_order, given_separators, same_commune_code, sex_known),
            )| Spelling {
                family_case,
                given_case,
                family_accents_removed,
                given_accents_removed,
                apostrophe,
                family_separators,
                saint_abbreviated,
                particle_dropped,
                given_order,
                given_separators,
                same_commune_code,
                sex_known,
            },
        )
}

/// Applies `f` to every word (maximal run of letters), keeping what separates them.
fn map_words(s: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    for c in s.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            out.push_str(&f(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&f(&word));
    out
}

fn without_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'É' | 'È' | 'Ê' | 'Ë' => out.push('E'),
            'à' | 'â' | 'ä' | 'á' => out.push('a'),
            'î' | 'ï' | 'í' => out.push('i'),
            'ô' | 'ö' | 'ó' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            'Ç' => out.push('C'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            other => out.push(other),
        }
    }
    out
}

fn with_case(s: &str, case: u8) -> String {
    match case {
        1 => s.to_uppercase(),
        2 => s.to_lowercase(),
        _ => s.to_owned(),
    }
}

fn with_apostrophe(s: &str, apostrophe: u8) -> String {
    match apostrophe {
        1 => s.replace('\'', "’"),
        2 => s.replace('\'', " "),
        3 => s.replace('\'', ""),
        _ => s.to_owned(),
    }
}

/// The record as typed with this spelling.
fn typed(p: &Person, s: &Spelling) -> Record {
    let mut family = p.family.clone();
    if s.particle_dropped {
        for particle in ["de ", "D'", "d'"] {
            if let Some(rest) = family.strip_prefix(particle) {
                family = rest.to_owned();
                break;
            }
        }
    }
    if s.saint_abbreviated {
        family = map_words(&family, |w| match w {
            "Saint" => "St".to_owned(),
            "Sainte" => "Ste".to_owned(),
            w => w.to_owned(),
        });
    }
    if s.family_accents_removed {
        family = without_accents(&family);
    }
    family = with_apostrophe(&family, s.apostrophe);
    family = match s.family_separators {
        1 => family.replace('-', " "),
        2 => family.replace(' ', "-"),
        _ => family,
    };
    family = with_case(&family, s.family_case);

    let mut names: Vec<String> = match &s.given_order {
        GivenOrder::AsWritten => p.given.clone(),
        GivenOrder::Shuffled(order) => order.iter().map(|&i| p.given[i].clone()).collect(),
        GivenOrder::FirstOnly => vec![p.given[0].clone()],
    };
    if s.given_separators == 1 {
        names = names.iter().map(|n| n.replace('-', " ")).collect();
    }
    let between = match (&s.given_order, s.given_separators) {
        (GivenOrder::AsWritten, 2) => "-",
        _ => " ",
    };
    let mut given = names.join(between);
    if s.given_accents_removed {
        given = without_accents(&given);
    }
    given = with_case(&given, s.given_case);

    let same_commune: Vec<&str> = PLACES
        .iter()
        .copied()
        .filter(|&c| !c.starts_with("99") && canonical_code(c) == canonical_code(p.place))
        .collect();
    let place = if same_commune.is_empty() {
        p.place
    } else {
        *s.same_commune_code.get(&same_commune)
    };
    let sex = if s.sex_known { p.sex } else { None };
    Record::new(&family, &given, &p.date, place, sex)
}

fn person_and_spelling() -> impl Strategy<Value = (Person, Spelling)> {
    person().prop_flat_map(|p| {
        let n = p.given.len();
        (Just(p), spelling(n))
    })
}

/// Whether two places are one commune under two codes, or countries under one parent country
/// (a territory and its country, or two territories of one country).
fn related_places(a: &str, b: &str) -> bool {
    canonical_code(a) == canonical_code(b)
}

/// How a second record differs from a person: used to reach every verdict.
#[derive(Debug, Clone)]
struct Changes {
    family: u8,
    given: u8,
    date: u8,
    place: u8,
    other: Person,
    typo_at: prop::sample::Index,
    typo_letter: char,
}

/// `0` (unchanged) two times in three, so that pairs with one change or none (the same or
/// probably the same person) are about two thirds of the pairs.
fn change(kinds: u8) -> impl Strategy<Value = u8> {
    prop_oneof![
        2 => Just(0u8),
        1 => 0u8..kinds,
    ]
}

fn changes() -> impl Strategy<Value = Changes> {
    (
        (change(4), change(4), change(7), change(3)),
        person(),
        any::<prop::sample::Index>(),
        prop::char::range('a', 'z'),
    )
        .prop_map(
            |((family, given, date, place), other, typo_at, typo_letter)| Changes {
                family,
                given,
                date,
                place,
                other,
                typo_at,
                typo_letter,
            },
        )
}

/// `s` with one letter substituted, inserted or deleted, or two adjacent letters swapped.
fn typo(s: &str, kind: u8, at: &prop::sample::Index, letter: char) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = at.index(chars.len());
    match kind {
        0 => chars[i] = letter,
        1 => chars.insert(i, letter),
        2 if chars.len() > 1 => {
            chars.remove(i);
        }
        _ if i + 1 < chars.len() => chars.swap(i, i + 1),
        _ => chars.push(letter),
    }
    let typed: String = chars.into_iter().collect();
    if PersonName::parse(&typed).is_ok() {
        typed
    } else {
        s.to_owned()
    }
}

/// A second record: the person respelled, then changed trait by trait.
fn changed(p: &Person, s: &Spelling, c: &Changes) -> Record {
    let base = typed(p, s);
    let family = match c.family {
        0 => base.family.as_str().to_owned(),
        1 => typo(base.family.as_str(), 0, &c.typo_at, c.typo_letter),
        2 => typo(base.family.as_str(), 3, &c.typo_at, c.typo_letter),
        _ => c.other.family.clone(),
    };
    let given = match c.given {
        0 => base.given.as_str().to_owned(),
        1 => typo(base.given.as_str(), 1, &c.typo_at, c.typo_letter),
        2 => p.given[1..].join(" "),
        _ => c.other.given.join(" "),
    };
    let (y, m, d) = (&p.date[..4], &p.date[5..7], &p.date[8..10]);
    let date = match c.date {
        0 => p.date.clone(),
        1 => format!("{y}-{m}-00"),
        2 => y.to_owned(),
        3 => format!("{y}-{m}-01"),
        4 => format!("{y}-01-01"),
        5 if d <= "12" => format!("{y}-{d}-{m}"),
        _ => c.other.date.clone(),
    };
    let place = match c.place {
        0 => base.place.clone(),
        1 => match (&base.place, c.other.place) {
            (BirthPlace::Abroad { .. }, other) if other.starts_with("99") => {
                Record::new("A", "A", "1980", other, None).place
            }
            _ => base.place.clone(),
        },
        _ => Record::new("A", "A", "1980", c.other.place, None).place,
    };
    let given = if given.trim().is_empty() {
        base.given.as_str().to_owned()
    } else {
        given
    };
    Record {
        family: PersonName::parse(&family).expect("family name"),
        given: PersonName::parse(&given).expect("given names"),
        date: BirthDate::from_franceconnect(&date, TODAY).expect("birth date"),
        place,
        sex: if c.place == 2 { c.other.sex } else { base.sex },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Case, accents, apostrophes (removed, a space, typographic), hyphens as spaces and back,
    /// `Saint` as `St`, a particle left out, the first given name alone, given names in another order, another code
    /// of the same commune, an unknown sex: still the same person.
    #[test]
    fn faq_r12_spelling_variants_of_a_person_are_the_same_person(
        (p, s) in person_and_spelling()
    ) {
        let official = Record::of(&p);
        let variant = typed(&p, &s);
        let m = matched(&variant, &official);
        prop_assert_eq!(m.verdict, Verdict::Same, "{:?} / {:?}: {:?}", variant.family, variant.given, m);
        prop_assert!(m.reasons.iter().all(|r| r.verdict() == Verdict::Same));
        prop_assert_eq!(
            candidate_key(&variant.traits(), &TestPlaces),
            candidate_key(&official.traits(), &TestPlaces)
        );
    }

    /// Compared with itself, a record is the same person with nothing to explain.
    #[test]
    fn faq_r12_a_record_is_the_same_person_as_itself(p in person()) {
        let r = Record::of(&p);
        prop_assert_eq!(
            matched(&r, &r),
            IdentityMatch { verdict: Verdict::Same, reasons: Vec::new() }
        );
    }

    /// Another birth date (neither presumed nor 01, nor day and month swapped) is another person,
    /// however the names are written.
    #[test]
    fn faq_r12_a_different_birth_date_is_a_different_person(
        (p, s) in person_and_spelling(),
        other in full_date(),
    ) {
        let (y, m, d) = (
            p.date[..4].parse::<i32>().expect("year"),
            p.date[5..7].parse::<u8>().expect("month"),
            p.date[8..10].parse::<u8>().expect("day"),
        );
        prop_assume!(other != (y, m, d));
        prop_assume!(!(other.0 == y && other.1 == d && other.2 == m));
        let official = Record::of(&p);
        let mut variant = typed(&p, &s);
        variant.date = BirthDate::from_franceconnect(&iso(other), TODAY).expect("date");
        let m = matched(&variant, &official);
        prop_assert_eq!(m.verdict, Verdict::Different);
        prop_assert!(m.reasons.contains(&MatchReason::BirthDateDiffers));
    }

    /// Another birth place (not the same commune under another code, nor a territory and its
    /// country) is another person, however the names are written.
    #[test]
    fn faq_r12_a_different_birth_place_is_a_different_person(
        (p, s, other) in person_and_spelling().prop_flat_map(|(p, s)| {
            let unrelated: Vec<&'static str> = PLACES
                .iter()
                .copied()
                .filter(|&c| !related_places(p.place, c))
                .collect();
            (Just(p), Just(s), select(unrelated))
        }),
    ) {
        let official = Record::of(&p);
        let mut variant = typed(&p, &s);
        variant.place = Record::new("A", "A", "1980", other, None).place;
        let m = matched(&variant, &official);
        prop_assert_eq!(m.verdict, Verdict::Different);
        prop_assert!(m.reasons.contains(&MatchReason::BirthPlaceDiffers));
    }

    /// A presumed birth date (day or month unknown, or sent as 01) against the full date, names
    /// respelled: probable, never same.
    #[test]
    fn faq_r12_a_presumed_birth_date_is_probable(
        (p, s) in person_and_spelling(),
        form in 0u8..4,
    ) {
        let (y, m) = (&p.date[..4], &p.date[5..7]);
        let presumed = match form {
            0 => format!("{y}-{m}-00"),
            1 => format!("{y}-00-00"),
            2 => format!("{y}-{m}-01"),
            _ => format!("{y}-01-01"),
        };
        let official = Record::of(&p);
        let mut variant = typed(&p, &s);
        variant.date = BirthDate::from_franceconnect(&presumed, TODAY).expect("date");
        let m = matched(&variant, &official);
        prop_assert_eq!(m.verdict, Verdict::Probable, "{:?}", m);
        prop_assert!(m.reasons.contains(&MatchReason::BirthDatePresumed));
    }

    /// One letter of the family name substituted (names otherwise respelled): probable, never
    /// same (family names of 4 letters and more).
    #[test]
    fn faq_r12_one_typo_in_the_family_name_is_probable(
        (p, s) in person_and_spelling(),
        at in any::<prop::sample::Index>(),
        letter in prop::char::range('a', 'z'),
    ) {
        let official = Record::of(&p);
        let mut variant = typed(&p, &s);
        // A letter for a letter (not a ligature, which is two letters in the canonical name).
        let letters: Vec<usize> = p
            .family
            .char_indices()
            .filter(|&(_, c)| c.is_alphabetic() && !matches!(c, 'œ' | 'æ'))
            .map(|(i, _)| i)
            .collect();
        let i = *at.get(&letters);
        let original = p.family[i..].chars().next().map(|c| canonical_name(&c.to_string()));
        // Another letter than the one there (`E` for `é` would be no typo).
        let letter = if original.as_deref() == Some(letter.to_string().as_str()) {
            if letter == 'z' { 'a' } else { char::from(letter as u8 + 1) }
        } else {
            letter
        };
        let mut family = p.family.clone();
        family.replace_range(i..i + p.family[i..].chars().next().map_or(0, char::len_utf8), &letter.to_string());
        prop_assume!(canonical_name(&family) != canonical_name(&p.family));
        variant.family = PersonName::parse(&family).expect("family name");
        let m = matched(&variant, &official);
        prop_assert_eq!(m.verdict, Verdict::Probable, "{} / {}: {:?}", family, p.family, m);
        prop_assert!(
            m.reasons.contains(&MatchReason::FamilyNameOneEdit)
                || m.reasons.contains(&MatchReason::FamilyNameSoundsAlike)
        );
    }

    /// `compare(a, b) == compare(b, a)`, reasons included; and a pair found the same or
    /// probably the same shares its candidate key (the index partition finds every candidate).
    #[test]
    fn faq_r12_the_match_is_symmetric_and_candidates_share_the_key(
        (p, s) in person_and_spelling(),
        c in changes(),
    ) {
        let a = Record::of(&p);
        let b = changed(&p, &s, &c);
        let forward = matched(&a, &b);
        let backward = matched(&b, &a);
        prop_assert_eq!(&forward, &backward);
        let mut sorted = forward.reasons.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(&sorted, &forward.reasons);
        if forward.verdict != Verdict::Different {
            prop_assert_eq!(
                candidate_key(&a.traits(), &TestPlaces),
                candidate_key(&b.traits(), &TestPlaces)
            );
        }
        // The verdict is the furthest one among the reasons (several approximations add
        // `SeveralApproximateTraits`, which says `Different`).
        let worst = forward.reasons.iter().map(|r| r.verdict()).max().unwrap_or(Verdict::Same);
        prop_assert_eq!(worst, forward.verdict);
    }

    /// Any two generated people: symmetric, and a match shares the candidate key.
    #[test]
    fn faq_r12_the_match_of_two_people_is_symmetric(a in person(), b in person()) {
        let (ra, rb) = (Record::of(&a), Record::of(&b));
        let forward = matched(&ra, &rb);
        prop_assert_eq!(&forward, &matched(&rb, &ra));
        if forward.verdict != Verdict::Different {
            prop_assert_eq!(
                candidate_key(&ra.traits(), &TestPlaces),
                candidate_key(&rb.traits(), &TestPlaces)
            );
        }
    }

    /// The phonetic key does not depend on how the name is written.
    #[test]
    fn phonetic_key_ignores_the_spelling_variants((p, s) in person_and_spelling()) {
        // Writing only: a particle left out changes the name the key is computed from.
        let variant = typed(&p, &Spelling { particle_dropped: false, ..s });
        prop_assert_eq!(phonetic_key(variant.family.as_str()), phonetic_key(&p.family));
    }
}
