//! Render time and size of the card PDF (targets: < 50 ms, < 100 KB).
//!
//! `CARGO_TARGET_DIR=/work/target-card cargo bench -p rpps-card --bench render`
//!
//! Plain `std::time::Instant`, no harness: a warm-up, then each render timed alone; prints the
//! median, p90 and max over the runs, and the size of each PDF. Three cards: the usual one (two
//! sites), one with 40 sites and long names (the single page is full, the rest counted), and one
//! with no site.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rpps_card::{Card, CardSite, render};
use rpps_domain::{Profession, RppsNumber};
use time::macros::date;

const RUNS: usize = 200;

fn site(i: usize, ended: bool) -> CardSite {
    CardSite {
        establishment_name: format!(
            "Service d'aide et d'accompagnement à domicile n° {i:02} — Les Châtaigniers"
        ),
        finess: format!("75{i:07}"),
        commune_name: "Paris 15e Arrondissement".to_owned(),
        commune_code: "75115".to_owned(),
        started_on: date!(2024 - 03 - 04),
        ended_on: ended.then_some(date!(2026 - 06 - 30)),
    }
}

fn card(
    sites: Vec<CardSite>,
    family: &str,
    given: &str,
) -> Result<Card, Box<dyn std::error::Error>> {
    Ok(Card {
        rpps: RppsNumber::parse("10001045367")?,
        family_name: family.to_owned(),
        given_names: given.to_owned(),
        profession: Profession::AideADomicileQualifiee,
        sites,
        ecps_activable_from: Some(date!(2026 - 11 - 28)),
        verification_url: "https://rpps-plus.example.fr/verifier/10001045367".to_owned(),
        statement: None,
        issued_on: date!(2026 - 11 - 26),
    })
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() - 1) * p / 100]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cases = [
        (
            "usual: 2 sites",
            card(
                vec![site(1, false), site(2, true)],
                "Lefèvre-Després",
                "Anaïs Éléonore",
            )?,
        ),
        (
            "full: 40 sites, long names",
            card(
                (0..40).map(|i| site(i, i % 4 == 3)).collect(),
                "De La Rochefoucauld-Montmorency-Laval-Châteaubriand-Villeneuve",
                "Marie-Thérèse Joséphine Bénédicte Éloïse Geneviève Anne-Sophie",
            )?,
        ),
        ("no site", card(Vec::new(), "Martin", "Léa")?),
    ];
    println!("{RUNS} renders per card after 10 warm-up renders");
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>10}",
        "card", "median", "p90", "max", "size"
    );
    for (name, card) in &cases {
        for _ in 0..10 {
            black_box(render(card)?);
        }
        let mut times = Vec::with_capacity(RUNS);
        let mut size = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let pdf = black_box(render(black_box(card))?);
            times.push(start.elapsed());
            size = pdf.len();
        }
        times.sort();
        println!(
            "{:<28} {:>7.2} ms {:>7.2} ms {:>7.2} ms {:>7} B",
            name,
            percentile(&times, 50).as_secs_f64() * 1e3,
            percentile(&times, 90).as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
            size
        );
    }
    Ok(())
}
