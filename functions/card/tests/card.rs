//! Reads the rendered card back as a person's tools would: the text through its ToUnicode maps,
//! the QR code decoded from the image in the PDF (FAQ-R4, R5, R7).

use lopdf::{Document, Object};
use rpps_card::{Card, CardError, CardSite, render};
use rpps_domain::{Profession, RppsNumber};
use time::Date;
use time::macros::date;

const URL: &str = "https://rpps-plus.example.fr/verifier/10001045367";

fn site(
    name: &str,
    finess: &str,
    commune: &str,
    code: &str,
    start: Date,
    end: Option<Date>,
) -> CardSite {
    CardSite {
        establishment_name: name.to_owned(),
        finess: finess.to_owned(),
        commune_name: commune.to_owned(),
        commune_code: code.to_owned(),
        started_on: start,
        ended_on: end,
    }
}

fn card() -> Card {
    Card {
        rpps: RppsNumber::parse("10001045367").expect("valid RPPS"),
        family_name: "Lefèvre-Després".to_owned(),
        given_names: "Anaïs Éléonore Françoise".to_owned(),
        profession: Profession::AideADomicileQualifiee,
        sites: vec![
            site(
                "Service d'aide à domicile Les Châtaigniers",
                "750012345",
                "Paris 15e Arrondissement",
                "75115",
                date!(2026 - 09 - 01),
                None,
            ),
            site(
                "EHPAD Résidence Saint-Exupéry",
                "130004567",
                "Aix-en-Provence",
                "13001",
                date!(2024 - 03 - 04),
                Some(date!(2026 - 06 - 30)),
            ),
        ],
        ecps_activable_from: Some(date!(2026 - 11 - 28)),
        verification_url: URL.to_owned(),
        issued_on: date!(2026 - 11 - 26),
        statement: None,
    }
}

fn pages(pdf: &[u8]) -> usize {
    Document::load_mem(pdf)
        .expect("the PDF parses")
        .get_pages()
        .len()
}

/// The text of the first page, whitespace collapsed to single spaces.
fn text(pdf: &[u8]) -> String {
    let doc = Document::load_mem(pdf).expect("the PDF parses");
    let raw = doc.extract_text(&[1]).expect("text extracts");
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes every image XObject of the PDF as an 8-bit grey bitmap and returns the QR contents found.
fn qr_codes(pdf: &[u8]) -> Vec<String> {
    let doc = Document::load_mem(pdf).expect("the PDF parses");
    let mut found = Vec::new();
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let is_image = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Image");
        if !is_image {
            continue;
        }
        let int = |key: &[u8]| {
            stream
                .dict
                .get(key)
                .and_then(Object::as_i64)
                .expect("image dimension") as usize
        };
        let (w, h) = (int(b"Width"), int(b"Height"));
        assert_eq!(int(b"BitsPerComponent"), 8, "8-bit grey image");
        let pixels = stream.decompressed_content().expect("image data inflates");
        assert_eq!(pixels.len(), w * h, "one grey byte per pixel");
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        for grid in prepared.detect_grids() {
            let (_, content) = grid.decode().expect("the QR code decodes");
            found.push(content);
        }
    }
    found
}

#[test]
fn faq_r4_the_card_reads_back_names_mention_rpps_sites_and_accents() {
    let pdf = render(&card()).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pages(&pdf), 1);
    let text = text(&pdf);
    for expected in [
        "Carte professionnelle — RPPS+",
        "Lefèvre-Després",
        "Anaïs Éléonore Françoise",
        "Professionnel qualifié de l'aide à domicile",
        "100 010 453 67",
        "Service d'aide à domicile Les Châtaigniers",
        "FINESS 750012345 · Paris 15e Arrondissement (INSEE 75115)",
        "Depuis le 1er septembre 2026",
        "EHPAD Résidence Saint-Exupéry",
        "FINESS 130004567 · Aix-en-Provence (INSEE 13001)",
        "fin d'exercice le 30 juin 2026",
        "26 novembre 2026",
        "Seule la page de vérification",
        "valide aujourd'hui",
        "décidées par chaque commune",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The URL is printed under the QR code, possibly over several lines.
    assert!(
        text.replace(' ', "").contains(URL),
        "URL missing in:\n{text}"
    );
}

#[test]
fn faq_r5_the_ecps_activation_date_is_shown_when_known() {
    let pdf = render(&card()).expect("renders");
    assert!(text(&pdf).contains("Activable à partir du 28 novembre 2026"));
    let without = Card {
        ecps_activable_from: None,
        ..card()
    };
    assert!(!text(&render(&without).expect("renders")).contains("Activable"));
}

#[test]
fn faq_r4_the_qr_code_decodes_to_the_verification_url() {
    let pdf = render(&card()).expect("renders");
    assert_eq!(qr_codes(&pdf), vec![URL.to_owned()]);

    let long = Card {
        verification_url: format!("{URL}?jeton={}", "a1b2c3d4".repeat(20)),
        ..card()
    };
    let pdf = render(&long).expect("renders");
    assert_eq!(qr_codes(&pdf), vec![long.verification_url.clone()]);
    assert!(text(&pdf).replace(' ', "").contains(&long.verification_url));
}

#[test]
fn ended_sites_are_marked_and_active_ones_come_first() {
    let text = text(&render(&card()).expect("renders"));
    let active = text.find("Les Châtaigniers").expect("active site");
    let ended = text.find("Saint-Exupéry").expect("ended site");
    assert!(active < ended, "sites in progress come first:\n{text}");
    assert!(text.contains("Exercice terminé (1 lieu)"));
    assert!(text.contains("Du 4 mars 2024 — fin d'exercice le 30 juin 2026"));
}

#[test]
fn faq_r6_a_departure_recorded_ahead_is_shown_on_a_site_in_progress() {
    let mut card = card();
    card.sites.truncate(1);
    card.sites[0].ended_on = Some(date!(2026 - 12 - 31));
    let text = text(&render(&card).expect("renders"));
    assert!(text.contains("Depuis le 1er septembre 2026 — fin d'exercice le 31 décembre 2026"));
    assert!(!text.contains("Exercice terminé"));
    assert!(!text.contains("Aucun lieu d'exercice en cours"));
}

#[test]
fn a_card_without_sites_says_so() {
    let card = Card {
        sites: Vec::new(),
        ..card()
    };
    let pdf = render(&card).expect("renders");
    assert_eq!(pages(&pdf), 1);
    let text = text(&pdf);
    assert!(text.contains("Aucun lieu d'exercice en cours."));
    assert!(text.contains("Lefèvre-Després"));
    assert_eq!(qr_codes(&pdf), vec![URL.to_owned()]);
}

#[test]
fn only_ended_sites_means_no_site_in_progress() {
    let mut card = card();
    card.sites.remove(0);
    let text = text(&render(&card).expect("renders"));
    assert!(text.contains("Aucun lieu d'exercice en cours."));
    assert!(text.contains("fin d'exercice le 30 juin 2026"));
}

#[test]
fn many_sites_stay_on_one_page_and_the_rest_is_counted() {
    let mut card = card();
    card.sites = (0..40)
        .map(|i| {
            site(
                &format!("Établissement n° {i:02} — service de soins et d'aide à domicile"),
                &format!("75{i:07}"),
                "Paris 15e Arrondissement",
                "75115",
                date!(2020 - 01 - 01),
                (i % 4 == 3).then_some(date!(2025 - 01 - 31)),
            )
        })
        .collect();
    let pdf = render(&card).expect("renders");
    assert_eq!(pages(&pdf), 1, "the card is a single page");
    let text = text(&pdf);
    let shown = (0..40)
        .filter(|i| text.contains(&format!("Établissement n° {i:02} ")))
        .count();
    assert!(shown >= 5, "at least a few sites are shown, got {shown}");
    assert!(shown < 40);
    let hidden = 40 - shown;
    assert!(
        text.contains(&format!(
            "… et {hidden} autres lieux d'exercice : la liste complète figure sur la page de vérification."
        )),
        "{hidden} hidden sites are counted in:\n{text}"
    );
    // Sites in progress are placed before the ended ones.
    assert!(
        !text.contains("Exercice terminé"),
        "no room left for ended sites:\n{text}"
    );
    // The footer and the QR code are still there.
    assert!(text.contains("valide aujourd'hui"));
    assert_eq!(qr_codes(&pdf), vec![URL.to_owned()]);
}

#[test]
fn long_names_are_wrapped_and_kept_whole() {
    let family = "De La Rochefoucauld-Montmorency-Laval-Châteaubriand-Villeneuve-Saint-Georges";
    let given = "Marie-Thérèse Joséphine Bénédicte Éloïse Geneviève Anne-Sophie Héloïse";
    let card = Card {
        family_name: family.to_owned(),
        given_names: given.to_owned(),
        ..card()
    };
    let pdf = render(&card).expect("renders");
    assert_eq!(pages(&pdf), 1);
    let text = text(&pdf);
    // Wrapped at spaces or inside the long hyphenated name: the characters are all there.
    let squeezed = text.replace(' ', "");
    assert!(squeezed.contains(&family.replace(' ', "")), "{text}");
    assert!(squeezed.contains(&given.replace(' ', "")), "{text}");
    assert_eq!(qr_codes(&pdf), vec![URL.to_owned()]);
}

#[test]
fn names_beyond_the_domain_limit_are_cut_not_overflowing() {
    let card = Card {
        family_name: "Abcdéfghij ".repeat(40),
        ..card()
    };
    let pdf = render(&card).expect("renders");
    assert_eq!(pages(&pdf), 1);
    let text = text(&pdf);
    assert!(text.contains('…'));
    assert!(text.contains("Professionnel qualifié de l'aide à domicile"));
}

#[test]
fn rendering_is_deterministic() {
    let a = render(&card()).expect("renders");
    let b = render(&card()).expect("renders");
    assert_eq!(a, b);
}

#[test]
fn the_card_is_small() {
    let pdf = render(&card()).expect("renders");
    assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
}

#[test]
fn a_bad_verification_url_is_refused() {
    for url in [
        "",
        "ftp://example.fr/x",
        "https://exa mple.fr",
        "javascript:alert(1)",
    ] {
        let card = Card {
            verification_url: url.to_owned(),
            ..card()
        };
        assert!(
            matches!(render(&card), Err(CardError::VerificationUrl(_))),
            "{url:?} must be refused"
        );
    }
    let card = Card {
        verification_url: format!("https://example.fr/{}", "x".repeat(300)),
        ..card()
    };
    assert!(matches!(render(&card), Err(CardError::VerificationUrl(_))));
}

#[test]
fn no_private_data_can_reach_the_card() {
    // The Card type has no field for a birth date or place, an email or a mobile number; the
    // rendered text holds only what the card was given plus fixed wording.
    let text = text(&render(&card()).expect("renders"));
    assert!(!text.contains('@'));
    assert!(!text.to_lowercase().contains("naissance"));
}

#[test]
fn names_of_every_latin_alphabet_print_and_extract() {
    let card = Card {
        family_name: "Nguyễn-Łukasiewicz Ştefănescu".to_owned(),
        given_names: "Đorđe Çağla Ærøskøbing Œdipe Zoë".to_owned(),
        ..card()
    };
    let text = text(&render(&card).expect("renders"));
    assert!(text.contains("Nguyễn-Łukasiewicz Ştefănescu"), "{text}");
    assert!(text.contains("Đorđe Çağla Ærøskøbing Œdipe Zoë"), "{text}");
}

#[test]
fn a_letter_outside_the_font_does_not_break_the_card() {
    // French civil status is written in Latin letters; the domain accepts any script, so a
    // Cyrillic or Greek name must still give a card (its letters print as boxes).
    let card = Card {
        given_names: "Ольга Σοφία".to_owned(),
        ..card()
    };
    let pdf = render(&card).expect("renders");
    assert_eq!(pages(&pdf), 1);
    let text = text(&pdf);
    assert!(text.contains("Lefèvre-Després"), "{text}");
    assert!(
        text.contains("Professionnel qualifié de l'aide à domicile"),
        "{text}"
    );
    assert_eq!(qr_codes(&pdf), vec![URL.to_owned()]);
}

#[test]
fn empty_texts_do_not_panic() {
    let card = Card {
        family_name: String::new(),
        given_names: "   ".to_owned(),
        sites: vec![site("", "", "", "", date!(2026 - 12 - 01), None)],
        ecps_activable_from: None,
        ..card()
    };
    let pdf = render(&card).expect("renders");
    assert_eq!(pages(&pdf), 1);
    assert!(text(&pdf).contains("À partir du 1er décembre 2026"));
}

/// A card signed as the card function signs it (a file key here, KMS in AWS).
async fn signed(card: Card) -> (Card, rpps_contract::card::CardKeys) {
    let ring = rpps_cardsign::CardKeyRing::new(
        rpps_cardsign::SigningKey::File(rpps_cardsign::FileKey::generate().expect("a key")),
        vec![],
        vec![],
    )
    .expect("a ring");
    let claims = rpps_card::statement_claims(&card).expect("a site in progress");
    let statement = ring.sign(&claims).await.expect("signed");
    (
        Card {
            statement: Some(statement),
            ..card
        },
        ring.document(),
    )
}

/// The QR code of the PDF: the address, and the statement verified from its digits as the
/// verification page does (issue 20).
#[tokio::test]
async fn issue_20_the_qr_code_carries_a_statement_that_verifies_offline() {
    let (card, keys) = signed(card()).await;
    let pdf = render(&card).expect("renders");
    let codes = qr_codes(&pdf);
    assert_eq!(codes.len(), 1);
    let (address, digits) = codes[0].split_once('#').expect("a fragment");
    assert_eq!(address, URL);
    let message = rpps_contract::card::from_digits(digits).expect("digits");
    let ok = rpps_cardsign::verify(&message, &keys, "2026-11-26").expect("authentic");
    assert_eq!(ok.claims.family_name, "Lefèvre-Després");
    assert_eq!(
        ok.claims.establishment,
        "Service d'aide à domicile Les Châtaigniers"
    );
    assert_eq!(ok.claims.finess, "750012345");
    assert_eq!(ok.claims.issued_on, "2026-11-26");
    assert_eq!(ok.claims.valid_until, "2027-11-25");
    // The address alone is printed under the code, not the digits.
    assert!(text(&pdf).replace(' ', "").contains(URL));
    assert!(!text(&pdf).contains(&digits[..20]));
    // One letter of the name changed on a re-signed-looking copy: refused.
    let mut forged = rpps_contract::card::parse(&message).expect("parses").claims;
    forged.family_name = "Lefèvre-Desprès".into();
    let read = rpps_contract::card::parse(&message).expect("parses");
    let forged = rpps_contract::card::assemble(
        &rpps_contract::card::protected_header(&read.kid),
        &rpps_contract::card::encode_claims(&forged).expect("claims"),
        &read.signature,
    );
    assert_eq!(
        rpps_cardsign::verify(&forged, &keys, "2026-11-26"),
        Err(rpps_cardsign::Refusal::BadSignature)
    );
}

/// The statement's establishment and validity: the site in progress that started last, a year,
/// or the departure recorded ahead of time if sooner; none without a site in progress.
#[test]
fn issue_20_the_statement_names_the_current_site_and_ends_with_it() {
    let claims = rpps_card::statement_claims(&card()).expect("claims");
    assert_eq!(claims.valid_until, "2027-11-25");
    let mut leaving = card();
    leaving.sites[0].ended_on = Some(date!(2027 - 01 - 31));
    leaving.sites.push(site(
        "SAAD Nouvelle Aquitaine",
        "330001234",
        "Bordeaux",
        "33063",
        date!(2027 - 02 - 01),
        None,
    ));
    let claims = rpps_card::statement_claims(&leaving).expect("claims");
    assert_eq!(claims.finess, "750012345");
    assert_eq!(claims.valid_until, "2027-01-31");
    let gone = Card {
        sites: vec![site(
            "EHPAD",
            "130004567",
            "Aix-en-Provence",
            "13001",
            date!(2024 - 03 - 04),
            Some(date!(2026 - 06 - 30)),
        )],
        ..card()
    };
    assert_eq!(rpps_card::statement_claims(&gone), None);
}

/// The QR code of a real card with its statement: how big it is (docs/PERFORMANCE.md).
#[tokio::test]
async fn issue_20_the_signed_qr_code_stays_small_enough_for_an_old_phone() {
    // A short-named aide too: the common case.
    let mut short = card();
    short.family_name = "Diallo".into();
    short.given_names = "Awa".into();
    short.sites[0].establishment_name = "SAAD Les Mimosas".into();
    let (short, _) = signed(short).await;
    let code =
        qrcode::QrCode::with_error_correction_level(short.qr_text().as_bytes(), qrcode::EcLevel::M)
            .expect("encodes");
    eprintln!(
        "short names: statement {} bytes, QR text {} characters, {:?} ({} modules)",
        short.statement.as_ref().map_or(0, Vec::len),
        short.qr_text().len(),
        code.version(),
        code.width()
    );
    let (card, _) = signed(card()).await;
    let text = card.qr_text();
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .expect("encodes");
    let qrcode::Version::Normal(version) = code.version() else {
        panic!("a micro QR code");
    };
    eprintln!(
        "statement {} bytes, QR text {} characters, version {version} ({} modules)",
        card.statement.as_ref().map_or(0, Vec::len),
        text.len(),
        code.width()
    );
    // Long names and a long establishment's name (245 bytes signed): version 13, 69 modules
    // in the card's 45 mm, 0.58 mm each (docs/PERFORMANCE.md).
    assert!(version <= 13, "version {version}");
}
