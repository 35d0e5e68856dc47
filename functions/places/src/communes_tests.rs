//! Commune search tests (FAQ-R17) on the embedded data.

use super::*;
use crate::communes;

fn codes<'a>(results: &[CommuneMatch<'a>]) -> Vec<&'a str> {
    results.iter().map(|m| m.insee).collect()
}

fn first(query: &str) -> CommuneMatch<'static> {
    match communes().search(query, 10).into_iter().next() {
        Some(m) => m,
        None => panic!("no result for {query:?}"),
    }
}

#[test]
fn embedded_data_has_every_entry_of_the_pinned_package() {
    let c = communes();
    assert_eq!(c.len(), 37_590);
    let count = |kind| c.all().filter(|e| e.kind == kind).count();
    assert_eq!(count(CommuneKind::Commune), 34_969);
    assert_eq!(count(CommuneKind::ArrondissementMunicipal), 45);
    assert_eq!(count(CommuneKind::CommuneDeleguee), 2_105);
    assert_eq!(count(CommuneKind::CommuneAssociee), 471);
}

#[test]
fn paris_lyon_and_marseille_have_20_9_and_16_arrondissements() {
    let c = communes();
    let arr = |city| -> Vec<&str> { c.arrondissements(city).iter().map(|a| a.insee).collect() };
    let expected =
        |from: u32, to: u32| -> Vec<String> { (from..=to).map(|n| n.to_string()).collect() };
    assert_eq!(arr("75056"), expected(75101, 75120));
    assert_eq!(arr("69123"), expected(69381, 69389));
    assert_eq!(arr("13055"), expected(13201, 13216));
    assert!(arr("42218").is_empty());
    assert!(arr("nope").is_empty());
}

#[test]
fn fields_are_read_from_the_data() {
    let c = communes();
    let paris15 = c.get("75115").expect("75115");
    assert_eq!(paris15.name, "Paris 15e Arrondissement");
    assert_eq!(paris15.kind, CommuneKind::ArrondissementMunicipal);
    assert_eq!(paris15.departement, "75");
    assert_eq!(paris15.postal_codes, ["75015"]);
    assert_eq!(paris15.parent, Some("75056"));
    assert!(paris15.population.is_some_and(|p| p > 100_000));
    assert_eq!(c.get("2a004").map(|a| a.departement), Some("2A"));
    assert_eq!(c.get("97411").map(|a| a.departement), Some("974"));
    // A commune associée attached to a commune of another département keeps that département.
    let escaufourt = c.get("02285").expect("02285");
    assert_eq!(
        (escaufourt.kind, escaufourt.departement),
        (CommuneKind::CommuneAssociee, "59")
    );
    assert_eq!(escaufourt.parent, Some("59545"));
    assert_eq!(escaufourt.population, None);
    assert!(c.get("99999").is_none());
    assert!(c.get("").is_none());
    assert!(c.get("é2004").is_none());
}

#[test]
fn a_commune_nouvelle_and_its_chef_lieu_share_a_code_commune_first() {
    let all = communes().get_all("10003");
    let names: Vec<_> = all.iter().map(|c| (c.name, c.kind)).collect();
    assert_eq!(
        names,
        [
            ("Aix-Villemaur-Pâlis", CommuneKind::Commune),
            ("Aix-en-Othe", CommuneKind::CommuneDeleguee)
        ]
    );
    assert_eq!(
        communes().get("10003").map(|c| c.name),
        Some("Aix-Villemaur-Pâlis")
    );
}

#[test]
fn faq_r17_saint_etienne_is_found_however_it_is_typed() {
    for query in [
        "saint etienne",
        "Saint-Étienne",
        "St-Étienne",
        "st etienne",
        "ST ETIENNE",
        "saint-etienne",
        "  Saint   Étienne ",
        "St. Etienne",
    ] {
        let m = first(query);
        assert_eq!((m.insee, m.name), ("42218", "Saint-Étienne"), "{query:?}");
        assert_eq!(m.label, "Saint-Étienne (42218)");
        assert_eq!(m.matched, MatchedOn::Name);
    }
    // The first letters are enough, and `ste` is read as `sainte`.
    assert_eq!(first("saint eti").insee, "42218");
    assert_eq!(
        first("Ste-Geneviève-des-B").name,
        "Sainte-Geneviève-des-Bois"
    );
}

#[test]
fn faq_r17_hyphens_and_apostrophes_are_ignored() {
    assert_eq!(first("l hay les roses").insee, "94038");
    assert_eq!(first("L'Haÿ-les-Roses").insee, "94038");
    // Typed with no apostrophe at all.
    assert_eq!(first("lhay").insee, "94038");
    assert_eq!(first("lhay les roses").insee, "94038");
    assert_eq!(first("villeneuve dascq").insee, "59009");
    assert_eq!(first("Villeneuve-d'Ascq").insee, "59009");
    // A name starting with an elided article is listed once for `l`.
    let l = communes().search("l", 50);
    for m in &l {
        assert_eq!(
            l.iter()
                .filter(|o| o.insee == m.insee && o.kind == m.kind)
                .count(),
            1
        );
    }
}

#[test]
fn faq_r17_exact_name_first_then_prefixes_by_population() {
    let c = communes();
    for query in [
        "sa", "saint", "mar", "bourg", "le", "val", "mont", "ch", "vill", "sainte m",
    ] {
        let results = c.search(query, 10);
        assert_eq!(results.len(), 10, "{query:?}");
        let q = fold_name_query(query);
        let populations: Vec<u32> = results
            .iter()
            .filter(|m| rpps_domain::text::fold(m.name) != q)
            .map(|m| c.get(m.insee).and_then(|e| e.population).unwrap_or(0))
            .collect();
        assert!(
            populations.windows(2).all(|w| w[0] >= w[1]),
            "{query:?}: {populations:?}"
        );
    }
    // `marseille` exactly: the city first although other names start with it.
    assert_eq!(first("marseille").insee, "13055");
    // The most populous prefix matches lead, after the communes named exactly Mars.
    let mars = communes().search("mars", 10);
    let exact = mars.iter().take_while(|m| m.name == "Mars").count();
    assert!(exact >= 1);
    assert_eq!(mars[exact].insee, "13055");
    assert_eq!(first("marse").insee, "13055");
    assert_eq!(first("bord").insee, "33063");
    assert_eq!(codes(&communes().search("toul", 2)), ["54528", "31555"]);
    assert_eq!(first("toulo").insee, "31555");
}

#[test]
fn faq_r17_a_commune_comes_before_its_deleguee_homonym() {
    // Béon: a commune of the Yonne (89037) and a commune déléguée of the Ain (01039).
    let results = communes().search("beon", 10);
    assert_eq!(codes(&results)[..2], ["89037", "01039"]);
    assert_eq!(results[0].kind, CommuneKind::Commune);
    assert_eq!(results[1].kind, CommuneKind::CommuneDeleguee);
}

#[test]
fn faq_r17_a_commune_deleguee_says_what_it_belongs_to() {
    let m = first("annecy le vieux");
    assert_eq!(m.insee, "74011");
    assert_eq!(m.kind, CommuneKind::CommuneDeleguee);
    assert_eq!(
        m.label,
        "Annecy-le-Vieux (74011) — commune déléguée d'Annecy"
    );
    assert!(m.postal_codes.is_empty());
    let m = first("escaufourt");
    assert_eq!(
        m.label,
        "Escaufourt (02285) — commune associée de Saint-Souplet"
    );
    assert_eq!(m.kind, CommuneKind::CommuneAssociee);
    let json = serde_json::to_value(first("annecy le vieux")).expect("json");
    assert_eq!(json["kind"], "commune_deleguee");
    let c = communes();
    let deleguee = c.get("74011").expect("74011");
    assert_eq!(
        c.label(&deleguee),
        "Annecy-le-Vieux (74011) — commune déléguée d'Annecy"
    );
}

#[test]
fn faq_r17_a_deleguee_repeating_its_commune_is_listed_once() {
    // Annecy (74010) is also the name and code of one of its communes déléguées.
    let results = communes().search("annecy", 10);
    assert_eq!(results.iter().filter(|m| m.insee == "74010").count(), 1);
    assert_eq!(results[0].kind, CommuneKind::Commune);
    assert_eq!(communes().get_all("74010").len(), 2);
}

#[test]
fn faq_r17_a_later_word_of_the_name_matches_at_a_lower_rank() {
    assert_eq!(first("havre").insee, "76351");
    let results = communes().search("rouvray", 10);
    let rouvray = results
        .iter()
        .position(|m| m.insee == "76575")
        .expect("Saint-Étienne-du-Rouvray");
    assert!(
        results[..rouvray]
            .iter()
            .all(|m| rpps_domain::text::fold(m.name).starts_with("rouvray"))
    );
}

#[test]
fn faq_r17_paris_lists_the_city_then_its_20_arrondissements_beyond_the_limit() {
    let mut expected = vec!["75056".to_string()];
    expected.extend((75101..=75120).map(|n| n.to_string()));
    for query in ["paris", "Paris", "PARIS", " paris "] {
        assert_eq!(codes(&communes().search(query, 10)), expected, "{query:?}");
    }
    // With room left, other names follow the arrondissements.
    let more = communes().search("paris", 30);
    assert_eq!(codes(&more)[..21], expected);
    assert!(more.len() > 21);
    assert!(
        more[21..]
            .iter()
            .all(|m| m.kind != CommuneKind::ArrondissementMunicipal)
    );
    assert!(communes().search("paris", 0).is_empty());
}

#[test]
fn faq_r17_lyon_and_marseille_list_all_their_arrondissements() {
    let lyon = communes().search("lyon", 5);
    let mut expected = vec!["69123".to_string()];
    expected.extend((69381..=69389).map(|n| n.to_string()));
    assert_eq!(codes(&lyon), expected);
    let marseille = communes().search("Marseille", 10);
    let mut expected = vec!["13055".to_string()];
    expected.extend((13201..=13216).map(|n| n.to_string()));
    assert_eq!(codes(&marseille), expected);
    assert_eq!(marseille[13].label, "Marseille 13e Arrondissement (13213)");
}

#[test]
fn faq_r17_postal_code_returns_communes_it_serves() {
    let results = communes().search("75015", 10);
    assert_eq!(codes(&results), ["75115", "75056"]);
    assert_eq!(results[0].name, "Paris 15e Arrondissement");
    assert!(results.iter().all(|m| m.matched == MatchedOn::PostalCode));

    // 01640 serves four communes, by population.
    let results = communes().search("01640", 10);
    assert_eq!(codes(&results), ["01199", "01363", "01056", "01002"]);
    // Spaces typed inside are ignored.
    assert_eq!(codes(&communes().search("01 640", 10)), codes(&results));
}

#[test]
fn faq_r17_postal_code_then_the_former_communes_of_the_communes_it_serves() {
    let results = communes().search("74940", 10);
    assert_eq!(results[0].insee, "74010");
    assert!(
        results[1..]
            .iter()
            .all(|m| m.kind == CommuneKind::CommuneDeleguee)
    );
    assert!(codes(&results).contains(&"74011"));
}

#[test]
fn faq_r17_insee_code_returns_that_commune() {
    for query in ["2a004", "2A004", "2A 004"] {
        let results = communes().search(query, 10);
        assert_eq!(codes(&results), ["2A004"], "{query:?}");
        assert_eq!(results[0].name, "Ajaccio");
        assert_eq!(results[0].matched, MatchedOn::InseeCode);
    }
    assert_eq!(codes(&communes().search("75115", 10)), ["75115"]);
    // A shared code gives the commune nouvelle, then its chef-lieu déléguée of another name.
    assert_eq!(codes(&communes().search("10003", 10)), ["10003", "10003"]);
}

#[test]
fn faq_r17_a_code_that_is_both_is_answered_as_both_insee_first() {
    // 01400 is the INSEE code of Seillonnaz and the postal code of Châtillon-sur-Chalaronne…
    let results = communes().search("01400", 20);
    assert_eq!(
        (results[0].insee, results[0].matched),
        ("01400", MatchedOn::InseeCode)
    );
    assert!(results.len() > 5);
    assert!(
        results[1..]
            .iter()
            .all(|m| m.matched == MatchedOn::PostalCode)
    );
    assert!(
        results[1..]
            .iter()
            .all(|m| m.postal_codes.contains(&"01400"))
    );
    assert_eq!(communes().search("01400", 3).len(), 3);
}

#[test]
fn faq_r17_partial_codes_return_prefix_matches_by_population() {
    let results = communes().search("750", 10);
    assert_eq!(results[0].insee, "75056");
    for m in &results {
        assert!(
            m.insee.starts_with("750") || m.postal_codes.iter().any(|p| p.starts_with("750")),
            "{m:?}"
        );
    }
    assert_eq!(first("2a").insee, "2A004");
    assert_eq!(first("13").insee, "13055");
    assert_eq!(first("69").insee, "69123");
    assert_eq!(first("3306").insee, "33063");
    assert!(communes().search("7", 10).len() == 10);
}

#[test]
fn odd_input_never_panics() {
    let c = communes();
    let long_a = "a".repeat(1000);
    let long_e = "é".repeat(1000);
    let long_digits = "1".repeat(1000);
    let mixed = "Saint-🙂-Étienne'\u{0}\t\n".repeat(100);
    let odd = [
        "",
        " ",
        "   \t\n",
        "🙂",
        "🙂🙂🙂",
        "-",
        "'",
        "-'-",
        "st",
        "st-",
        "ste ",
        "2",
        "2a",
        "2b",
        "2c",
        "2A0045",
        "99999",
        "00000",
        "0",
        "a",
        "\u{0}",
        "\u{301}",
        "ǅ",
        "ß",
        "İstanbul",
        "東京",
        "Ωmega",
        "75 0 1 5",
        "2 A",
        long_a.as_str(),
        long_e.as_str(),
        long_digits.as_str(),
        mixed.as_str(),
    ];
    for query in odd {
        for limit in [0, 1, 10, 1000] {
            let results = c.search(query, limit);
            assert!(results.len() <= limit.max(21), "{query:?}");
        }
    }
    assert!(c.search("", 10).is_empty());
    assert!(c.search("   ", 10).is_empty());
    assert!(c.search("🙂", 10).is_empty());
    assert!(c.search(&long_a, 10).is_empty());
    // Every prefix of an odd string, cut at each character.
    for (i, _) in mixed.char_indices().take(200) {
        let _ = c.search(&mixed[..i], 10);
    }
    assert_eq!(
        c.search("paris", usize::MAX).first().map(|m| m.insee),
        Some("75056")
    );
}

#[test]
fn a_result_serialises_to_the_api_json() {
    let m = first("75015");
    let json = serde_json::to_value(&m).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "insee": "75115",
            "name": "Paris 15e Arrondissement",
            "label": "Paris 15e Arrondissement (75115)",
            "kind": "arrondissement_municipal",
            "departement": "75",
            "postal_codes": ["75015"],
            "matched": "postal_code",
        })
    );
}

#[test]
fn ten_results_stay_under_4_kb() {
    for query in [
        "sa", "saint", "le", "mont", "1", "750", "ch", "74940", "01400",
    ] {
        let results = communes().search(query, 10);
        let body = serde_json::to_vec(&serde_json::json!({ "results": results })).expect("json");
        assert!(body.len() < 4096, "{query:?}: {} bytes", body.len());
    }
}

#[test]
fn tsv_parsing_rejects_bad_lines() {
    let bad = [
        "75056\tCOM\tParis\n",
        "7505\tCOM\tParis\t\t\t\t\n",
        "75056\tXXX\tParis\t\t\t\t\n",
        "75056\tCOM\t \t\t\t\t\n",
        "75056\tCOM\tParis\t7501\t\t\t\n",
        "75056\tCOM\tParis\t\t-1\t\t\n",
        "75056\tCOM\tParis\t\t\t75056\t\n",
        "75101\tARM\tParis 1er\t\t\t\t\n",
        "75101\tARM\tParis 1er\t\t\t75056\t\n",
        "75056\tCOM\tParis\t\t\t\t\n75056\tCOM\tParis\t\t\t\t\n",
    ];
    for text in bad {
        assert!(Communes::from_tsv(text).is_err(), "{text:?}");
    }
    let ok = Communes::from_tsv(
        "# comment\n75101\tARM\tParis 1er Arrondissement\t75001\t15000\t75056\t\r\n75056\tCOM\tParis\t75001\t2100000\t\t\n",
    )
    .expect("valid");
    assert_eq!(ok.len(), 2);
    assert_eq!(codes(&ok.search("paris", 1)), ["75056", "75101"]);
    assert!(Communes::from_tsv("").is_ok_and(|c| c.is_empty() && c.search("a", 10).is_empty()));
    // The error names the line (1-based, comments counted).
    match Communes::from_tsv("# comment\n75056\tCOM\tParis\t\t\t\t\n7505\tCOM\tX\t\t\t\t\n") {
        Err(err) => assert_eq!((err.file, err.line), ("communes.tsv", 3)),
        Ok(_) => panic!("a bad INSEE code on line 3 is accepted"),
    }
}

#[test]
fn embedded_index_is_the_one_from_tsv_builds() {
    // The index build.rs embedded and the one built at run time from the same text, column by
    // column: the two can never drift apart.
    let built = Communes::from_tsv(crate::COMMUNES_TSV).expect("embedded communes.tsv is valid");
    let embedded = communes();
    assert_eq!(built.len(), embedded.len());
    for ((name, at_build, _), (built_name, at_run, _)) in
        embedded.columns().into_iter().zip(built.columns())
    {
        assert_eq!(name, built_name);
        assert!(at_build == at_run, "column {name} differs");
    }
    assert!(embedded.check().is_ok());
    assert!(embedded.all().eq(built.all()));
}

#[test]
fn the_embedded_index_is_ready_without_building() {
    // Every column is borrowed from the binary: `communes()` parses, sorts and allocates nothing.
    for (name, bytes, borrowed) in communes().columns() {
        assert!(borrowed, "column {name} is not borrowed");
        assert!(!bytes.is_empty(), "column {name} is empty");
    }
    assert!(std::ptr::eq(
        communes(),
        crate::try_communes().expect("valid")
    ));
    // The same code at run time owns its columns.
    let built = Communes::from_tsv("75056\tCOM\tParis\t75001\t2100000\t\t\n").expect("valid");
    assert!(built.columns().iter().all(|(_, _, borrowed)| !borrowed));
}

#[test]
fn check_rejects_columns_that_do_not_fit_together() {
    let mut c = Communes::from_tsv(
        "75101\tARM\tParis 1er Arrondissement\t75001\t15000\t75056\t\n75056\tCOM\tParis\t75001\t2100000\t\t\n",
    )
    .expect("valid");
    assert!(c.check().is_ok());
    c.rank = U32s(Cow::Owned(vec![0; 4]));
    assert!(c.check().is_err());
    // Reading a broken index gives wrong answers, never a panic.
    c.lines = U32s(Cow::Owned(vec![0xff; 8]));
    let _ = c.search("paris", 10);
    let _ = c.search("75", 10);
    let _ = c.search("75001", 10);
    assert!(c.get("75056").is_none());
    assert_eq!(c.all().count(), 0);
}

#[test]
fn a_line_is_read_back_from_the_text_whatever_its_line_break() {
    let c = Communes::from_tsv(
        "# comment\r\n75101\tARM\tParis 1er Arrondissement\t75001,75002\t15000\t75056\t\r\n\n75056\tCOM\tParis\t75001\t2100000\t\t",
    )
    .expect("valid");
    let paris1 = c.get("75101").expect("75101");
    assert_eq!(paris1.postal_codes, ["75001", "75002"]);
    assert_eq!(paris1.departement, "75");
    assert_eq!(c.get("75056").map(|p| p.population), Some(Some(2_100_000)));
    assert_eq!(c.all().count(), 2);
}

#[test]
fn faq_r17_a_code_lookup_without_the_index_finds_what_get_finds() {
    let c = communes();
    for commune in c.all().step_by(97) {
        assert_eq!(crate::commune_by_code(commune.insee), c.get(commune.insee));
    }
    // A commune nouvelle and its chef-lieu déléguée share 10003: the commune, as `get` gives.
    assert_eq!(crate::commune_by_code("10003"), c.get("10003"));
    assert_eq!(crate::commune_by_code("2a004"), c.get("2A004"));
    assert!(crate::commune_by_code("2A004").is_some());
    for unknown in ["99999", "7505", "750560", "", "é7505"] {
        assert_eq!(crate::commune_by_code(unknown), None, "{unknown:?}");
    }
}
