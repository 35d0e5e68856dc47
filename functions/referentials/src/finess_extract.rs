//! Reader for the official FINESS establishment extraction ("FINESS Extraction du Fichier des
//! établissements", `etalab-cs1100507-stock-YYYYMMDD-HHMM.csv`, data.gouv.fr).
//!
//! No header row; `;`-separated; Latin-1 in older editions, UTF-8 in recent ones (detected).
//! Line 1 is `finess;etalab;<number>;<date>`; then one `structureet` line per establishment,
//! then `geolocalisation` lines (ignored here). Column layout: see `shared/domain/README.md`
//! and the constants below.

use rpps_domain::Finess;
use rpps_store::Establishment;

const NOFINESSET: usize = 1;
const NOFINESSEJ: usize = 2;
const RS: usize = 3;
const RSLONGUE: usize = 4;
const NUMVOIE: usize = 7;
const TYPVOIE: usize = 8;
const VOIE: usize = 9;
const COMPVOIE: usize = 10;
const LIEUDITBP: usize = 11;
const COMMUNE: usize = 12;
const DEPARTEMENT: usize = 13;
const LIGNEACHEMINEMENT: usize = 15;
const TELEPHONE: usize = 16;
const CATEGETAB: usize = 18;
const LIBCATEGETAB: usize = 19;
const SIRET: usize = 22;
const DATEMAJ: usize = 30;
/// A `structureet` line has 31 fields (32 with the trailing empty one).
const MIN_FIELDS: usize = 31;

/// The extraction's first line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractHeader {
    pub edition: String,
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Latin1,
}

#[derive(Clone, Debug)]
pub struct Extract {
    pub header: ExtractHeader,
    pub encoding: Encoding,
    pub establishments: Vec<Establishment>,
    /// Lines that could not be read; the rest of the file is still imported.
    pub rejected: Vec<LineError>,
    pub geolocation_lines: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    #[error("the file is empty")]
    Empty,
    #[error("line 1 is not a FINESS extraction header (`finess;etalab;…`): {0:?}")]
    NotAFinessExtract(String),
}

/// Decodes the file: UTF-8 when it is valid UTF-8, Windows-1252 (a superset of Latin-1 as these
/// files use it) otherwise.
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), Encoding::Latin1)
        }
    }
}

/// Parses a whole extraction.
pub fn parse(bytes: &[u8]) -> Result<Extract, ExtractError> {
    let (text, encoding) = decode(bytes);
    let mut lines = text.lines().enumerate();
    let (_, first) = lines.next().ok_or(ExtractError::Empty)?;
    let head: Vec<&str> = first.split(';').collect();
    if head.first().map(|s| s.trim()) != Some("finess")
        || head.get(1).map(|s| s.trim()) != Some("etalab")
    {
        return Err(ExtractError::NotAFinessExtract(
            first.chars().take(80).collect(),
        ));
    }
    let header = ExtractHeader {
        edition: head.get(2).unwrap_or(&"").trim().to_owned(),
        date: head.get(3).unwrap_or(&"").trim().to_owned(),
    };
    let mut establishments = Vec::new();
    let mut rejected = Vec::new();
    let mut geolocation_lines = 0;
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(';').map(str::trim).collect();
        match fields[0] {
            "structureet" => match establishment(&fields) {
                Ok(e) => establishments.push(e),
                Err(reason) => rejected.push(LineError {
                    line: number,
                    reason,
                }),
            },
            "geolocalisation" => geolocation_lines += 1,
            other => rejected.push(LineError {
                line: number,
                reason: format!("unknown record type {other:?}"),
            }),
        }
    }
    Ok(Extract {
        header,
        encoding,
        establishments,
        rejected,
        geolocation_lines,
    })
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// INSEE commune code of the site: département + commune number; overseas, FINESS writes the
/// département `9A`…`9F` and the commune as the last three digits of the INSEE code (`9A` +
/// `105` → 97105 Basse-Terre).
pub fn commune_insee(departement: &str, commune: &str) -> Option<String> {
    if commune.len() != 3 || !commune.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let dep = departement.to_ascii_uppercase();
    match dep.as_bytes() {
        [b'9', b'A'..=b'F'] => Some(format!("97{commune}")),
        [a, b]
            if a.is_ascii_digit()
                && (b.is_ascii_digit() || (*a == b'2' && matches!(b, b'A' | b'B'))) =>
        {
            Some(format!("{dep}{commune}"))
        }
        _ => None,
    }
}

/// `01440 VIRIAT` → (`01440`, `VIRIAT`); a CEDEX line keeps its words in the town.
fn split_delivery_line(line: &str) -> (String, String) {
    match line.split_once(' ') {
        Some((code, town)) if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) => {
            (code.to_owned(), town.trim().to_owned())
        }
        _ => (String::new(), line.to_owned()),
    }
}

fn establishment(f: &[&str]) -> Result<Establishment, String> {
    if f.len() < MIN_FIELDS {
        return Err(format!("{} fields, {MIN_FIELDS} expected", f.len()));
    }
    let finess =
        Finess::parse(f[NOFINESSET]).map_err(|e| format!("nofinesset {:?}: {e}", f[NOFINESSET]))?;
    let legal_entity_finess = match f[NOFINESSEJ] {
        "" => None,
        raw => Some(Finess::parse(raw).map_err(|e| format!("nofinessej {raw:?}: {e}"))?),
    };
    let name = f[RS].to_owned();
    if name.is_empty() {
        return Err("no name (rs)".into());
    }
    let commune_insee = commune_insee(f[DEPARTEMENT], f[COMMUNE]).ok_or_else(|| {
        format!(
            "commune {:?}/{:?} is not a commune code",
            f[DEPARTEMENT], f[COMMUNE]
        )
    })?;
    let street = [f[NUMVOIE], f[TYPVOIE], f[VOIE], f[COMPVOIE]]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let address = [street.as_str(), f[LIEUDITBP]]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let (postal_code, town) = split_delivery_line(f[LIGNEACHEMINEMENT]);
    Ok(Establishment {
        finess,
        legal_entity_finess,
        long_name: optional(f[RSLONGUE]).unwrap_or_else(|| name.clone()),
        name,
        siret: optional(f[SIRET]),
        category_code: f[CATEGETAB].to_owned(),
        category_label: f[LIBCATEGETAB].to_owned(),
        address,
        postal_code,
        town,
        commune_insee,
        phone: optional(f[TELEPHONE]),
        updated_on: optional(f[DATEMAJ]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example line published with the format (shared/domain/README.md).
    const FLEYRIAT: &str = "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1979-02-13;1979-02-13;2020-02-04;";

    fn file(lines: &[&str]) -> String {
        let mut s = String::from("finess;etalab;106;2024-10-01\n");
        for l in lines {
            s.push_str(l);
            s.push('\n');
        }
        s
    }

    #[test]
    fn the_published_example_line_is_read_field_by_field() {
        let x = parse(file(&[FLEYRIAT, "geolocalisation;010000024;870215.4;6571590.3;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2024-09-30"]).as_bytes()).unwrap();
        assert_eq!(
            x.header,
            ExtractHeader {
                edition: "106".into(),
                date: "2024-10-01".into()
            }
        );
        assert_eq!(x.encoding, Encoding::Utf8);
        assert_eq!(x.rejected, []);
        assert_eq!(x.geolocation_lines, 1);
        let e = &x.establishments[0];
        assert_eq!(e.finess.as_str(), "010000024");
        assert_eq!(
            e.legal_entity_finess.as_ref().map(|f| f.as_str()),
            Some("010780054")
        );
        assert_eq!(e.name, "CH DE FLEYRIAT");
        assert_eq!(
            e.long_name,
            "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
        );
        assert_eq!(e.address, "900 RTE DE PARIS");
        assert_eq!(
            (e.postal_code.as_str(), e.town.as_str()),
            ("01440", "VIRIAT")
        );
        assert_eq!(e.commune_insee, "01451");
        assert_eq!(e.category_code, "355");
        assert_eq!(e.siret.as_deref(), Some("26010004500012"));
        assert_eq!(e.updated_on.as_deref(), Some("2020-02-04"));
    }

    #[test]
    fn latin1_editions_are_detected_and_decoded() {
        let utf8 = file(&[FLEYRIAT]);
        let (latin1, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&utf8);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&latin1).is_err());
        let x = parse(&latin1).unwrap();
        assert_eq!(x.encoding, Encoding::Latin1);
        assert_eq!(x.establishments.len(), 1);
        assert_eq!(x.establishments[0].name, "CH DE FLEYRIAT");
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_is_kept() {
        let bad_key = FLEYRIAT.replace("010000024", "010000025");
        let x = parse(file(&[&bad_key, "structureet;too;short", FLEYRIAT, "autre;x"]).as_bytes())
            .unwrap();
        assert_eq!(x.establishments.len(), 1);
        let lines: Vec<usize> = x.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 5]);
    }

    #[test]
    fn a_file_that_is_not_an_extraction_is_refused() {
        assert_eq!(parse(b"").unwrap_err(), ExtractError::Empty);
        assert!(matches!(
            parse(b"nofinesset;rs\n").unwrap_err(),
            ExtractError::NotAFinessExtract(_)
        ));
    }

    #[test]
    fn overseas_and_corsican_communes_map_to_insee_codes() {
        assert_eq!(commune_insee("9A", "105").as_deref(), Some("97105"));
        assert_eq!(commune_insee("9D", "411").as_deref(), Some("97411"));
        assert_eq!(commune_insee("2A", "004").as_deref(), Some("2A004"));
        assert_eq!(commune_insee("01", "451").as_deref(), Some("01451"));
        assert_eq!(commune_insee("01", "45"), None);
        assert_eq!(commune_insee("XX", "451"), None);
    }

    #[test]
    fn the_demo_seed_is_a_valid_extraction() {
        let x = parse(crate::DEMO_ESTABLISHMENTS.as_bytes()).unwrap();
        assert_eq!(x.rejected, []);
        assert!(x.establishments.len() >= 12);
        for e in &x.establishments {
            let commune = rpps_places::communes().get(&e.commune_insee);
            assert!(
                commune.is_some(),
                "{} is in commune {} which does not exist",
                e.finess,
                e.commune_insee
            );
        }
    }
}
