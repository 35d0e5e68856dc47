//! Reference data for the forms: establishments by FINESS or name (FAQ-R15), communes of birth
//! (FAQ-R17) and countries of birth.

use serde::{Deserialize, Serialize};

/// An establishment a person can choose.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstablishmentOption {
    pub finess: String,
    pub name: String,
    pub long_name: String,
    pub postal_code: String,
    pub town: String,
    pub category_label: String,
}

/// Why a search could not find what was typed (a SIRET instead of a FINESS number…), shown to
/// the person instead of an empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub code: String,
    pub message: String,
}

/// `GET /api/establishments?q=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstablishmentList {
    pub results: Vec<EstablishmentOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// What an entry of the commune list is (INSEE COG types COM, ARM, COMD, COMA).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    #[default]
    Commune,
    ArrondissementMunicipal,
    CommuneDeleguee,
    CommuneAssociee,
}

/// What a commune search result matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneMatchedOn {
    #[default]
    Name,
    InseeCode,
    /// A postal code: not an INSEE code, so the communes it serves are proposed (FAQ-R17).
    PostalCode,
}

/// A commune search result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneOption {
    pub insee: String,
    pub name: String,
    /// `Name (insee)`, and for a former commune what it is now part of.
    pub label: String,
    pub kind: CommuneKind,
    pub departement: String,
    pub postal_codes: Vec<String>,
    pub matched: CommuneMatchedOn,
}

/// `GET /api/communes?q=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneList {
    pub results: Vec<CommuneOption>,
}

/// What a country search result matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryMatchedOn {
    #[default]
    Name,
    OfficialName,
    Code,
}

/// A country (or territory) of birth, INSEE code `99xxx`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryOption {
    pub code: String,
    pub name: String,
    /// `Name (code)`, and for an ended code its last year.
    pub label: String,
    pub current: bool,
    #[serde(default)]
    pub valid_until: Option<String>,
    pub matched: CountryMatchedOn,
}

/// `GET /api/countries?q=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryList {
    pub results: Vec<CountryOption>,
}
