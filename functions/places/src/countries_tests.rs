//! Country-of-birth search tests on the embedded INSEE COG file.

use super::*;
use crate::countries;

fn codes<'a>(results: &[CountryMatch<'a>]) -> Vec<&'a str> {
    results.iter().map(|m| m.code).collect()
}

#[test]
fn embedded_file_has_255_codes_229_current() {
    let c = countries();
    assert_eq!(c.len(), 255);
    assert_eq!(c.all().iter().filter(|c| c.is_current()).count(), 229);
    let france = c.get("99100").expect("France");
    assert_eq!(france.name, "France");
    assert!(france.is_current());
    let rda = c.get("99141").expect("RDA");
    assert_eq!(rda.valid_until, Some("1990-10-03"));
    // A quoted official name holding commas.
    let gibraltar = c.get("99133").expect("99133");
    assert_eq!(gibraltar.official_name, "Gibraltar, Akrotiri et Dhekelia");
    assert_eq!(gibraltar.parent, Some("99132"));
    assert!(c.get("99999").is_none());
    assert!(c.get("").is_none());
}

#[test]
fn name_prefix_current_before_ended() {
    let results = countries().search("allemagne", 10);
    assert_eq!(codes(&results), ["99109", "99141", "99142"]);
    assert_eq!(results[0].label, "Allemagne (99109)");
    assert_eq!(
        results[1].label,
        "Allemagne de l’Est (99141) — jusqu'en 1990"
    );
    assert!(!results[1].current);
    let chypre = countries().search("Chypre", 10);
    assert_eq!(codes(&chypre), ["99254", "99143"]);
    assert_eq!(
        codes(&countries().search("allemagne de l'est", 10)),
        ["99141"]
    );
    assert_eq!(codes(&countries().search("ALLEM", 1)), ["99109"]);
}

#[test]
fn official_names_match_at_a_lower_rank() {
    let results = countries().search("royaume", 30);
    assert_eq!(results[0].code, "99132");
    assert_eq!(results[0].matched, CountryMatchedOn::Name);
    assert!(
        results[1..]
            .iter()
            .all(|m| m.matched == CountryMatchedOn::OfficialName)
    );
    assert!(codes(&results).contains(&"99131"));
    // A territory found by a place its official name lists.
    assert_eq!(codes(&countries().search("gibraltar", 10)), ["99133"]);
}

#[test]
fn codes_match_by_prefix() {
    assert_eq!(codes(&countries().search("99109", 10)), ["99109"]);
    let results = countries().search("991", 100);
    assert!(results.iter().all(|m| m.code.starts_with("991")));
    assert!(results.iter().all(|m| m.matched == CountryMatchedOn::Code));
    assert_eq!(countries().search("99", 10).len(), 10);
    assert_eq!(countries().search("99", 10)[0].code, "99100");
}

#[test]
fn a_result_serialises_to_the_api_json() {
    let results = countries().search("allemagne", 1);
    let json = serde_json::to_value(&results[0]).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "code": "99109",
            "name": "Allemagne",
            "label": "Allemagne (99109)",
            "current": true,
            "valid_until": null,
            "matched": "name",
        })
    );
}

#[test]
fn odd_input_never_panics() {
    let long = "x".repeat(1000);
    for query in [
        "",
        " ",
        "🙂",
        "-",
        "9",
        "999999",
        "99 1",
        "ß",
        long.as_str(),
    ] {
        for limit in [0, 1, 10, usize::MAX] {
            let _ = countries().search(query, limit);
        }
    }
    assert!(countries().search("", 10).is_empty());
    assert!(countries().search("🙂", 10).is_empty());
    assert!(countries().search("allemagne", 0).is_empty());
}

#[test]
fn csv_parsing_rejects_bad_lines() {
    let bad = [
        "",
        "cog,name\n99100,France\n",
        "cog,parent_cog,name,official_name,valid_from,valid_until\n99100,,France\n",
        "cog,parent_cog,name,official_name,valid_from,valid_until\n12345,,France,Rép,1943-01-01,\n",
        "cog,parent_cog,name,official_name,valid_from,valid_until\n99100,,France,\"Rép,1943-01-01,\n",
        "cog,parent_cog,name,official_name,valid_from,valid_until\n99100,,France,Rép,1943,\n",
    ];
    for text in bad {
        assert!(Countries::from_csv(text).is_err(), "{text:?}");
    }
    let ok = Countries::from_csv(
        "cog,parent_cog,name,official_name,valid_from,valid_until\r\n99100,,France,\"République, française\",1943-01-01,\r\n",
    )
    .expect("valid");
    assert_eq!(
        ok.get("99100").map(|c| c.official_name),
        Some("République, française")
    );
}
