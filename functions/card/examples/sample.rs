//! Writes a sample card to the path given (default `card.pdf`), to look at it:
//! `cargo run -p rpps-card --example sample -- /tmp/card.pdf`; add `full` after the path for a card
//! with 40 sites and long names (the single page filled, the rest counted).

use rpps_card::{Card, CardSite, render};
use rpps_domain::{Profession, RppsNumber};
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "card.pdf".to_owned());
    let full = std::env::args().nth(2).is_some_and(|a| a == "full");
    let mut card = Card {
        rpps: RppsNumber::parse("10001045367")?,
        family_name: "Lefèvre-Després".to_owned(),
        given_names: "Anaïs Éléonore".to_owned(),
        profession: Profession::AideADomicileQualifiee,
        sites: vec![
            CardSite {
                establishment_name: "Service d'aide à domicile Les Châtaigniers".to_owned(),
                finess: "750012345".to_owned(),
                commune_name: "Paris 15e Arrondissement".to_owned(),
                commune_code: "75115".to_owned(),
                started_on: date!(2026 - 09 - 01),
                ended_on: None,
            },
            CardSite {
                establishment_name: "EHPAD Résidence Saint-Exupéry".to_owned(),
                finess: "130004567".to_owned(),
                commune_name: "Aix-en-Provence".to_owned(),
                commune_code: "13001".to_owned(),
                started_on: date!(2024 - 03 - 04),
                ended_on: Some(date!(2026 - 06 - 30)),
            },
        ],
        ecps_activable_from: Some(date!(2026 - 11 - 28)),
        verification_url: "https://rpps-plus.example.fr/verifier/10001045367".to_owned(),
        statement: None,
        issued_on: date!(2026 - 11 - 26),
    };
    if full {
        card.family_name =
            "De La Rochefoucauld-Montmorency-Laval-Châteaubriand-Villeneuve-Saint-Georges"
                .to_owned();
        card.given_names =
            "Marie-Thérèse Joséphine Bénédicte Éloïse Geneviève Anne-Sophie Héloïse".to_owned();
        let template = card.sites.clone();
        card.sites = (0..40)
            .map(|i| {
                let mut site = template[i % 2].clone();
                site.establishment_name = format!("{} n° {i:02}", site.establishment_name);
                site
            })
            .collect();
    }
    let pdf = render(&card)?;
    std::fs::write(&path, &pdf)?;
    println!("{path}: {} bytes", pdf.len());
    Ok(())
}
