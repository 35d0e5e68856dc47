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

/// Which space a Pro Santé Connect sign-in is for (the `profil` of the sign-in link). Serialised
/// as the French word of the link, which is also how pending sign-ins store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PscSpace {
    /// The managers' space (CPx card): only designated managers (FAQ-R8, R9).
    Gestionnaire,
    /// A professional's own record (e-CPS): only RPPS holders (FAQ-R13).
    Professionnel,
}

impl PscSpace {
    /// From the `profil` of the sign-in link.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "gestionnaire" => Some(PscSpace::Gestionnaire),
            "professionnel" => Some(PscSpace::Professionnel),
            _ => None,
        }
    }
}

/// Why a Pro Santé Connect sign-in gets no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PscRefusal {
    /// Not a designated manager of any establishment (FAQ-R8).
    NotAManager,
    /// Asked for a professional's own record without an RPPS number (FAQ-R13).
    NoRpps,
}

impl PscRefusal {
    /// Stable machine code (audit entries).
    pub fn code(self) -> &'static str {
        match self {
            PscRefusal::NotAManager => "not_a_manager",
            PscRefusal::NoRpps => "no_rpps",
        }
    }
}

impl Role {
    /// The role a verified Pro Santé Connect identity signs in with (FAQ-R8, R9, R13, R18):
    /// `managed` are the establishments the person is designated manager of, `rpps` the number
    /// their national identifier carries (`8` + RPPS), if any.
    ///
    /// - the managers' space: a manager, or refused when designated nowhere;
    /// - a professional's own record: a professional, or refused without an RPPS number;
    /// - no space named: a manager if designated somewhere, else a professional if an RPPS
    ///   holder, else refused as not a manager.
    pub fn from_psc(
        space: Option<PscSpace>,
        managed: Vec<Finess>,
        rpps: Option<RppsNumber>,
    ) -> Result<Role, PscRefusal> {
        match (space, managed.is_empty(), rpps) {
            (Some(PscSpace::Gestionnaire) | None, false, _) => Ok(Role::Manager {
                establishments: managed,
            }),
            (Some(PscSpace::Gestionnaire), true, _) => Err(PscRefusal::NotAManager),
            (_, _, Some(rpps)) => Ok(Role::Professional { rpps }),
            (Some(PscSpace::Professionnel), _, None) => Err(PscRefusal::NoRpps),
            (None, true, None) => Err(PscRefusal::NotAManager),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r8_r13_the_psc_role_follows_the_space_asked_for() {
        let a = || vec![finess("010000024")];
        let rpps = || Some(RppsNumber::parse("10001045367").expect("valid"));
        let manager = Role::Manager {
            establishments: a(),
        };
        let professional = Role::Professional {
            rpps: RppsNumber::parse("10001045367").expect("valid"),
        };
        let gestion = Some(PscSpace::Gestionnaire);
        let dossier = Some(PscSpace::Professionnel);
        // The managers' space.
        assert_eq!(Role::from_psc(gestion, a(), rpps()), Ok(manager.clone()));
        assert_eq!(Role::from_psc(gestion, a(), None), Ok(manager.clone()));
        assert_eq!(
            Role::from_psc(gestion, vec![], rpps()),
            Err(PscRefusal::NotAManager)
        );
        // A professional's own record, even for someone who is also a manager.
        assert_eq!(
            Role::from_psc(dossier, a(), rpps()),
            Ok(professional.clone())
        );
        assert_eq!(
            Role::from_psc(dossier, vec![], None),
            Err(PscRefusal::NoRpps)
        );
        assert_eq!(Role::from_psc(dossier, a(), None), Err(PscRefusal::NoRpps));
        // No space named: manager first, then professional.
        assert_eq!(Role::from_psc(None, a(), rpps()), Ok(manager));
        assert_eq!(Role::from_psc(None, vec![], rpps()), Ok(professional));
        assert_eq!(
            Role::from_psc(None, vec![], None),
            Err(PscRefusal::NotAManager)
        );
        assert_eq!(PscSpace::from_code("gestionnaire"), gestion);
        assert_eq!(PscSpace::from_code("admin"), None);
        assert_eq!(
            serde_json::to_string(&PscSpace::Professionnel).expect("ser"),
            r#""professionnel""#
        );
    }

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
        assert_eq!(Actor::anonymous().role.code(), "anonymous");
    }
}
