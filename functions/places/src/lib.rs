//! Places of birth for RPPS+, no I/O at run time: the communes of France and the countries of
//! birth, embedded in the binary and searched in memory (FAQ-R17).
//!
//! - [`communes()`]: the 37,590 entries of `@etalab/decoupage-administratif` 6.0.0 (communes,
//!   municipal arrondissements, communes déléguées and associées), searched by name prefix
//!   (case-, accent-, hyphen- and apostrophe-insensitive), by INSEE code and — **beyond** the
//!   FAQ — by postal code ([`Communes::search`]).
//! - [`countries()`]: the 255 INSEE COG country and territory codes (`99xxx`), ended ones included
//!   ([`Countries::search`]).
//! - [`EmbeddedPlaces`]: both as a typed birth place must name one (FAQ-R17), and as the
//!   identity match compares birth places (FAQ-R12): an
//!   arrondissement is its city, a commune déléguée or associée the chef-lieu of its commune, a
//!   territory depends on its country ([`canonical_commune`], [`parent_country`]).
//!
//! The commune index is built at build time: `build.rs` parses `data/communes.tsv` and builds the
//! search index with the code [`Communes::from_tsv`] runs, and writes it as little-endian columns
//! embedded with `include_bytes!`. [`communes()`] is a view over those static bytes: nothing to
//! parse, sort or allocate at start-up; an entry's fields are read from its line of
//! [`COMMUNES_TSV`] when it is returned. The countries file (255 lines) is parsed on first use
//! ([`std::sync::OnceLock`], microseconds). Both are checked by this crate's tests, so
//! [`communes()`] and [`countries()`] cannot fail in a built binary; [`try_communes()`] and
//! [`try_countries()`] return the error instead of panicking.

mod canon;
mod communes;
mod countries;
mod index;

use std::fmt;
use std::sync::OnceLock;

pub use canon::{EmbeddedPlaces, canonical_commune, parent_country};
pub use communes::{Commune, CommuneKind, CommuneMatch, Communes, MatchedOn};
pub use countries::{Countries, Country, CountryMatch, CountryMatchedOn};

/// The communes file embedded at build time (see `data/README.md`).
pub const COMMUNES_TSV: &str = include_str!("../data/communes.tsv");
/// The INSEE COG countries file embedded at build time (see `data/README.md`).
pub const COUNTRIES_CSV: &str = include_str!("../data/insee-countries.csv");

/// An embedded data file that does not parse: the line (1-based) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

impl DataError {
    pub(crate) fn new(file: &'static str, line: usize, message: impl Into<String>) -> Self {
        Self {
            file,
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for DataError {}

static COMMUNES_CHECKED: OnceLock<Result<(), DataError>> = OnceLock::new();
static COUNTRIES: OnceLock<Result<Countries, DataError>> = OnceLock::new();

/// The embedded communes, after a constant-time check that the index columns fit together (their
/// lengths; no parsing). The index was built and checked by `build.rs`, so this does not fail in a
/// built binary.
pub fn try_communes() -> Result<&'static Communes, &'static DataError> {
    COMMUNES_CHECKED
        .get_or_init(|| communes::EMBEDDED.check())
        .as_ref()
        .map(|()| &communes::EMBEDDED)
}

/// The embedded communes: a static built at build time, ready without any work. The
/// `embedded_index_is_the_one_from_tsv_builds` test checks it equals the index
/// [`Communes::from_tsv`] builds from [`COMMUNES_TSV`].
pub fn communes() -> &'static Communes {
    &communes::EMBEDDED
}

/// The embedded commune with this INSEE code (`2a004` is read as `2A004`), as
/// `communes().get(insee)` finds it, without the search index: for functions that only look codes
/// up, whose binaries then leave the index out (docs/PERFORMANCE.md, "Function sizes").
pub fn commune_by_code(insee: &str) -> Option<Commune> {
    communes::by_code(insee)
}

/// The embedded countries of birth, parsed on first call, then shared.
pub fn try_countries() -> Result<&'static Countries, &'static DataError> {
    COUNTRIES
        .get_or_init(|| Countries::from_csv(COUNTRIES_CSV))
        .as_ref()
}

/// The embedded countries of birth. The embedded file is valid: the `embedded_countries_load` test
/// parses it, so this `expect` cannot fire in a binary built from a tested tree.
pub fn countries() -> &'static Countries {
    try_countries().expect(
        "embedded insee-countries.csv is valid (checked by the embedded_countries_load test)",
    )
}

/// A typed birth place must name an embedded commune or country
/// ([`rpps_domain::BirthPlace::from_typed`], FAQ-R17). Looks codes up without the search index.
impl rpps_domain::KnownPlaces for EmbeddedPlaces {
    fn has_commune(&self, code: &rpps_domain::InseeCommuneCode) -> bool {
        commune_by_code(code.as_str()).is_some()
    }

    fn has_country(&self, code: &rpps_domain::InseeCountryCode) -> bool {
        try_countries().is_ok_and(|countries| countries.get(code.as_str()).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r17_embedded_places_know_communes_and_countries_by_code() {
        use rpps_domain::{InseeCommuneCode, InseeCountryCode, KnownPlaces};
        let commune = |c| InseeCommuneCode::parse(c).expect("code");
        let country = |c| InseeCountryCode::parse(c).expect("code");
        assert!(EmbeddedPlaces.has_commune(&commune("69383")));
        assert!(EmbeddedPlaces.has_commune(&commune("2A004")));
        assert!(!EmbeddedPlaces.has_commune(&commune("75999")));
        assert!(EmbeddedPlaces.has_country(&country("99141")));
        assert!(!EmbeddedPlaces.has_country(&country("99999")));
    }

    #[test]
    fn embedded_communes_load() {
        assert!(try_communes().is_ok(), "{:?}", try_communes().err());
    }

    #[test]
    fn embedded_countries_load() {
        assert!(try_countries().is_ok(), "{:?}", try_countries().err());
    }
}
