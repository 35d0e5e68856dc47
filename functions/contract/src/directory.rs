//! The public directory (FAQ-R4): search results and a professional's public page. Public data
//! only: no birth date or place, no contact data.

use serde::{Deserialize, Serialize};

use crate::registration::Profession;
use crate::{Day, Instant};

/// A profession with its French label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfessionView {
    pub code: Profession,
    pub label: String,
}

impl From<Profession> for ProfessionView {
    fn from(code: Profession) -> Self {
        Self {
            code,
            label: code.label().to_owned(),
        }
    }
}

/// Where a search result practises now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSiteView {
    pub establishment_name: String,
    pub finess: String,
    pub commune_code: String,
    pub commune_name: String,
}

/// A search result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectorySummary {
    pub rpps: String,
    pub family_name: String,
    pub given_names: String,
    pub profession: ProfessionView,
    pub active_sites: Vec<ActiveSiteView>,
}

/// `GET /api/directory?…`: one page of results, and the cursor of the next one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectorySearchView {
    pub results: Vec<DirectorySummary>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A practice site on a professional's public page, current or ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectorySiteView {
    pub finess: String,
    pub establishment_name: String,
    pub commune_code: String,
    pub commune_name: String,
    pub departement: String,
    pub started_on: Day,
    /// The last day, once the site has ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<Day>,
    pub active: bool,
}

/// `GET /api/directory/{rpps}`: a professional's public page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfessionalPageView {
    pub rpps: String,
    pub family_name: String,
    pub given_names: String,
    pub profession: ProfessionView,
    pub sites: Vec<DirectorySiteView>,
    /// A card is valid today: at least one practice site is current (FAQ-R4, R6).
    pub valid_today: bool,
    #[serde(default)]
    pub ecps_activable_from: Option<Instant>,
    pub published_at: Instant,
    pub updated_at: Instant,
    /// The PDF card (`/api/directory/{rpps}/card.pdf`).
    pub card_url: String,
    /// What the card's QR code opens.
    pub verification_url: String,
}
