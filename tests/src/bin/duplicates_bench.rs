//! The operator's duplicate search on a large register (issue 14, item 5; figures in
//! docs/PERFORMANCE.md): `P` synthetic numbered professionals (default 100,000), of whom 1 % are
//! planted again under another writing — half the same person written otherwise (`Same`: case,
//! accents, apostrophes, an arrondissement's code for its city, the first given name alone…),
//! half one letter apart (`Probable`). The search must find every planted pair and no other.
//!
//! 1. In memory: `rpps_admin::duplicates::find_pairs` over the whole register (what
//!    `rpps-admin duplicates` does after its scan), best of 3 runs.
//! 2. With `--over-moto` (needs `AWS_ENDPOINT_URL`): the register written to a table of moto, then
//!    `Store::scan_registrations` (4 segments) and the search, as the command runs them.
//!
//! cargo run --release -p rpps-e2e --bin duplicates_bench -- [P] [--over-moto]

use std::collections::BTreeSet;
use std::time::Instant;

use anyhow::{Context, ensure};
use rpps_domain::{
    Actor, Attestation, BirthDate, BirthPlace, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    Email, Finess, PersonName, RegistrationRequest, Role, RppsNumber, Verdict,
};
use rpps_places::EmbeddedPlaces;
use rpps_store::{Milestones, StoredRegistration};
use time::OffsetDateTime;
use time::macros::date;

/// A deterministic generator (SplitMix64): the same register every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const GIVEN: [&str; 12] = [
    "Marie-Hélène Josée",
    "Aïcha",
    "Jean-Pierre",
    "Élodie Anne",
    "Fatima Zahra",
    "Noël",
    "Léa Marie",
    "Awa",
    "François Xavier",
    "Chloé",
    "Mohamed Amine",
    "Zoé Lætitia",
];

/// A family name no other person of the register has: syllables spelling the index, the first
/// two from the full set, the rest from consonants and vowels that do not sound alike.
fn family_name(index: u64) -> String {
    const ONSETS: [&str; 12] = ["b", "d", "f", "g", "l", "m", "n", "p", "r", "t", "v", "z"];
    const VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];
    let mut n = index;
    let mut name = String::new();
    for _ in 0..6 {
        let syllable = n % 60;
        n /= 60;
        name.push_str(ONSETS[(syllable / 5) as usize]);
        name.push_str(VOWELS[(syllable % 5) as usize]);
    }
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn manager() -> anyhow::Result<Actor> {
    Ok(Actor::new(
        "3750012346/42",
        Role::Manager {
            establishments: vec![Finess::parse("750012346")?],
        },
    ))
}

/// A numbered professional.
fn professional(
    id: &str,
    seq: u64,
    civil: CivilStatus,
    at: OffsetDateTime,
) -> anyhow::Result<StoredRegistration> {
    let manager = manager()?;
    let mut request =
        RegistrationRequest::new_by_employer(id, &manager, civil, Finess::parse("750012346")?, at)?;
    request.update_draft(
        &manager,
        DraftUpdate {
            contact: Some(Contact {
                email: Email::parse("x@example.org")?,
                mobile: None,
            }),
            start_date: Some(date!(2026 - 01 - 05)),
            eligibility: Some(EligibilityBasis::Certification),
            accuracy_confirmed: Some(true),
            ..DraftUpdate::default()
        },
        at,
    )?;
    request.submit(&manager, at)?;
    request.validate(
        &manager,
        Attestation::new(&manager, EligibilityBasis::Certification, true, at),
        RppsNumber::from_sequence(seq)?,
        at,
    )?;
    Ok(StoredRegistration {
        request,
        version: 4,
        milestones: Milestones::default(),
        candidate_key: None,
    })
}

/// The birth places: communes of France (arrondissements included, so that a city's code and an
/// arrondissement's meet) and a few countries.
fn places() -> Vec<BirthPlace> {
    let mut places: Vec<BirthPlace> = rpps_places::communes()
        .all()
        .filter(|c| c.population.is_some_and(|p| p > 20_000) || c.parent.is_some())
        .filter_map(|c| BirthPlace::from_franceconnect(c.insee, "99100").ok())
        .collect();
    for country in ["99350", "99352", "99109", "99134", "99139"] {
        places.extend(BirthPlace::from_franceconnect("", country).ok());
    }
    places
}

/// Another writing of `civil`, the same person (`Same`) or one letter apart (`Probable`).
fn variant(civil: &CivilStatus, same: bool, pick: u64) -> anyhow::Result<CivilStatus> {
    let family = civil.family_name.as_str();
    let given = civil.given_names.as_str();
    let (family, given) = if same {
        match pick % 3 {
            0 => (family.to_uppercase(), given.to_owned()),
            1 => (
                format!("{}'{}", &family[..1], &family[1..]),
                given.split(' ').next().unwrap_or(given).to_owned(),
            ),
            _ => (family.to_lowercase(), given.replace('-', " ")),
        }
    } else {
        // One letter changed in the middle (never the first: names stay distinct).
        let mut letters: Vec<char> = family.chars().collect();
        let at = letters.len() / 2;
        letters[at] = if letters[at] == 'x' { 'y' } else { 'x' };
        (letters.into_iter().collect(), given.to_owned())
    };
    let birth_place = match (&civil.birth_place, same) {
        // The same person born in Lyon, recorded once by arrondissement, once by city.
        (BirthPlace::France { commune }, true) => {
            let canonical = rpps_places::canonical_commune(commune);
            BirthPlace::France { commune: canonical }
        }
        (place, _) => place.clone(),
    };
    Ok(CivilStatus {
        family_name: PersonName::parse(&family)?,
        given_names: PersonName::parse(&given)?,
        birth_date: civil.birth_date,
        birth_place,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let people: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let over_moto = args.iter().any(|a| a == "--over-moto");
    let planted_count = people / 100;
    let at = OffsetDateTime::now_utc();
    let today = date!(2026 - 12 - 05);
    let places = places();
    let mut rng = Rng(2026);

    let started = Instant::now();
    let mut register = Vec::with_capacity((people + planted_count) as usize);
    let mut civils = Vec::with_capacity(people as usize);
    for i in 0..people {
        let born = date!(1950 - 01 - 01) + time::Duration::days(rng.below(20_000) as i64);
        let civil = CivilStatus {
            family_name: PersonName::parse(&family_name(i))?,
            given_names: PersonName::parse(GIVEN[rng.below(GIVEN.len() as u64) as usize])?,
            birth_date: BirthDate::parse(&born.to_string(), today)?,
            birth_place: places[rng.below(places.len() as u64) as usize].clone(),
        };
        civils.push(civil.clone());
        register.push(professional(&format!("p{i:06}"), i + 1, civil, at)?);
    }
    let mut planted = BTreeSet::new();
    let mut chosen = BTreeSet::new();
    while chosen.len() < planted_count as usize {
        chosen.insert(rng.below(people));
    }
    for (n, i) in chosen.iter().enumerate() {
        let same = n % 2 == 0;
        let id = format!("v{i:06}");
        let civil = variant(&civils[*i as usize], same, rng.next())?;
        register.push(professional(&id, people + n as u64 + 1, civil, at)?);
        let verdict = if same {
            Verdict::Same
        } else {
            Verdict::Probable
        };
        planted.insert((format!("p{i:06}"), id, verdict));
    }
    println!(
        "register: {} numbered professionals, {} planted again ({} same, {} probable), built in {:.1} s",
        people,
        planted.len(),
        planted.iter().filter(|p| p.2 == Verdict::Same).count(),
        planted.iter().filter(|p| p.2 == Verdict::Probable).count(),
        started.elapsed().as_secs_f64()
    );

    let check = |pairs: &[rpps_admin::duplicates::DuplicatePair<'_>]| -> anyhow::Result<()> {
        let found: BTreeSet<(String, String, Verdict)> = pairs
            .iter()
            .map(|p| {
                (
                    p.first.request.id().to_owned(),
                    p.second.request.id().to_owned(),
                    p.matched.verdict,
                )
            })
            .collect();
        let missed: Vec<_> = planted.difference(&found).take(5).collect();
        let invented: Vec<_> = found.difference(&planted).take(5).collect();
        println!(
            "  found {} pairs: {} planted found, {} missed, {} not planted",
            found.len(),
            planted.intersection(&found).count(),
            planted.difference(&found).count(),
            found.difference(&planted).count()
        );
        ensure!(missed.is_empty(), "planted pairs missed: {missed:?}");
        ensure!(
            invented.is_empty(),
            "pairs found that were not planted: {invented:?}"
        );
        Ok(())
    };

    println!("\n== In memory: rpps_admin::duplicates::find_pairs (best of 3)");
    let mut best = f64::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let pairs = rpps_admin::duplicates::find_pairs(&register, &EmbeddedPlaces);
        let took = started.elapsed().as_secs_f64();
        best = best.min(took);
        check(&pairs)?;
    }
    println!("  {best:.3} s for {} requests", register.len());

    if over_moto {
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("RPPS_TEST_AWS_ENDPOINT"))
            .context("--over-moto needs AWS_ENDPOINT_URL")?;
        let store = rpps_store::testing::fresh_store_at(&endpoint).await;
        println!(
            "\n== Over moto: the register written, then scanned and searched as rpps-admin does"
        );
        let started = Instant::now();
        store.import_registrations(&register).await?;
        println!(
            "  written in {:.1} s (BatchWriteItem)",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let scanned = store.scan_registrations(4).await?;
        let scan = started.elapsed().as_secs_f64();
        ensure!(
            scanned.len() == register.len(),
            "scanned {} of {}",
            scanned.len(),
            register.len()
        );
        let started = Instant::now();
        let pairs = rpps_admin::duplicates::find_pairs(&scanned, &EmbeddedPlaces);
        let search = started.elapsed().as_secs_f64();
        check(&pairs)?;
        let csv = rpps_admin::duplicates::to_csv(&pairs);
        println!(
            "  scan {scan:.1} s (4 segments), search {search:.3} s, CSV {} lines",
            csv.lines().count()
        );
    }
    Ok(())
}
