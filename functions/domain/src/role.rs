//! Who is acting: the roles of the actors table in REQUIREMENTS.md, and the [`Actor`] recorded
//! in audit items and attestations.

use serde::{Deserialize, Serialize};

use crate::finess::Finess;
use crate::rpps::RppsNumber;

/// What a signed-in (or not) person or process may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Role {
    /// Not signed in: public directory only.
    Anonymous,
    /// Signed in with FranceConnect, no RPPS number yet (first pre-registration, FAQ-R11/R12).
    Applicant,
    /// Signed in with an e-CPS through Pro Santé Connect (FAQ-R13).
    Professional { rpps: RppsNumber },
    /// RPPS+ manager of these establishments, signed in with a CPx card through PSC and
    /// designated by the operator (FAQ-R9).
    Manager { establishments: Vec<Finess> },
    /// A scheduled function (the purge of departed staff, FAQ-R6).
    Scheduler,
    /// The operator (console / CLI): designates managers, imports reference data.
    Operator,
}

impl Role {
    /// Whether this role is a manager of `establishment`.
    pub fn manages(&self, establishment: &Finess) -> bool {
        match self {
            Role::Manager { establishments } => establishments.contains(establishment),
            _ => false,
        }
    }

    /// Stable machine name of the role.
    pub fn code(&self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::Applicant => "applicant",
            Role::Professional { .. } => "professional",
            Role::Manager { .. } => "manager",
            Role::Scheduler => "scheduler",
            Role::Operator => "operator",
        }
    }

    /// French name of the role, for the interface.
    pub fn label(&self) -> &'static str {
        match self {
            Role::Anonymous => "Visiteur",
            Role::Applicant => "Demandeur",
            Role::Professional { .. } => "Professionnel",
            Role::Manager { .. } => "Gestionnaire RPPS+",
            Role::Scheduler => "Traitement automatique",
            Role::Operator => "Exploitant",
        }
    }
}

/// Who did something: a stable identifier and the role they acted in.
///
/// `id` is the FranceConnect `sub` of an applicant, the PSC national identifier (`idNat_PS`) of
/// a professional or manager, the name of a scheduled function, or the operator's principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub role: Role,
}

impl Actor {
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Self {
            id: id.into(),
            role,
        }
    }

    /// An anonymous visitor.
    pub fn anonymous() -> Self {
        Self::new("anonymous", Role::Anonymous)
    }

    /// A scheduled function, named by `name` (e.g. `"purge"`).
    pub fn scheduler(name: impl Into<String>) -> Self {
        Self::new(name, Role::Scheduler)
    }

    /// Whether this actor is a manager of `establishment`.
    pub fn manages(&self, establishment: &Finess) -> bool {
        self.role.manages(establishment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finess(s: &str) -> Finess {
        Finess::parse(s).expect("valid FINESS")
    }

    #[test]
    fn faq_r9_a_manager_manages_only_their_establishments() {
        let manager = Role::Manager {
            establishments: vec![finess("010000024")],
        };
        assert!(manager.manages(&finess("010000024")));
        assert!(!manager.manages(&finess("010780054")));
        assert!(!Role::Operator.manages(&finess("010000024")));
        assert!(!Role::Applicant.manages(&finess("010000024")));
    }

    #[test]
    fn roles_serialise_with_a_kind_tag() {
        let role = Role::Professional {
            rpps: RppsNumber::parse("10001045367").expect("valid"),
        };
        let json = serde_json::to_string(&role).expect("ser");
        assert_eq!(json, r#"{"kind":"professional","rpps":"10001045367"}"#);
        assert_eq!(serde_json::from_str::<Role>(&json).ok(), Some(role));
        let actor = Actor::new("fc-sub-123", Role::Applicant);
        let json = serde_json::to_string(&actor).expect("ser");
        assert_eq!(json, r#"{"id":"fc-sub-123","role":{"kind":"applicant"}}"#);
        assert_eq!(serde_json::from_str::<Actor>(&json).ok(), Some(actor));
        assert_eq!(Actor::scheduler("purge").role.code(), "scheduler");
        assert_eq!(Actor::anonymous().role.label(), "Visiteur");
    }
}
