//! Who is signed in (`GET /api/session`), and the sign-out's answer.

use serde::{Deserialize, Serialize};

use crate::registration::CivilStatusView;

/// The role a person is signed in with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleCode {
    /// Not signed in.
    #[default]
    Anonymous,
    /// FranceConnect, no RPPS number yet (FAQ-R11).
    Applicant,
    /// e-CPS through Pro Santé Connect (FAQ-R13).
    Professional,
    /// An RPPS+ manager, CPx card through Pro Santé Connect (FAQ-R9).
    Manager,
    Scheduler,
    Operator,
}

impl RoleCode {
    pub fn code(self) -> &'static str {
        match self {
            RoleCode::Anonymous => "anonymous",
            RoleCode::Applicant => "applicant",
            RoleCode::Professional => "professional",
            RoleCode::Manager => "manager",
            RoleCode::Scheduler => "scheduler",
            RoleCode::Operator => "operator",
        }
    }

    /// French name of the role.
    pub fn label(self) -> &'static str {
        match self {
            RoleCode::Anonymous => "Visiteur",
            RoleCode::Applicant => "Demandeur",
            RoleCode::Professional => "Professionnel",
            RoleCode::Manager => "Gestionnaire RPPS+",
            RoleCode::Scheduler => "Traitement automatique",
            RoleCode::Operator => "Exploitant",
        }
    }
}

/// `GET /api/session`: who is signed in, and the CSRF token the pages send back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub authenticated: bool,
    pub role: RoleCode,
    /// `franceconnect` or `psc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Managers: the FINESS numbers of the establishments they manage (FAQ-R9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub establishments: Option<Vec<String>>,
    /// Professionals: always the 11 digits (FAQ-R18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpps: Option<String>,
    /// Applicants: the civil status FranceConnect certified, read-only (FAQ-R11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civil_status: Option<CivilStatusView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// `POST /api/auth/logout`: where the browser goes next (the provider's logout, or `/`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutView {
    pub redirect_to: String,
}
