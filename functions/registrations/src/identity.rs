//! One person, one number (FAQ-R3, R12): who in the register is, or may be, the person of a
//! request, and what that allows. The match itself is the domain's
//! (`RegistrationRequest::identity_match`); the candidates are one `Query` of the store (the
//! request's identity-match partition: canonical birth place and birth year).
//!
//! - Creating a request for someone who is the same person as a numbered professional, or as an
//!   open request, is refused. The refusal says more only to whom it concerns: the number to a
//!   manager of the establishment the professional was registered at, the request to follow to a
//!   manager of its establishment; anyone else gets one neutral message (no oracle: a manager
//!   elsewhere learns nothing of other establishments' requests).
//! - A validation looks again, and never allocates a second number to the same person; a probable
//!   match must be declared someone else by the manager (audited in the attestation).

use rpps_api::ApiError;
use rpps_contract::pages;
use rpps_contract::registration::{
    IdentityMatchView, MatchReasonView, MatchVerdict, MatchedRecord, TraitComparison,
};
use rpps_domain::{
    Actor, BirthPlace, CivilStatus, IdentityMatch, IdentityTrait, IdentityTraits, MatchReason,
    RegistrationStatus, Role, Verdict, candidate_key,
};
use rpps_places::EmbeddedPlaces;
use rpps_store::{IdentityCandidates, StoredRegistration};

/// The identity-match partition of a civil status.
pub fn key(civil: &CivilStatus) -> String {
    candidate_key(&IdentityTraits::from(civil), &EmbeddedPlaces)
}

/// A record of the register that is, or may be, the person.
pub struct Found<'a> {
    pub stored: &'a StoredRegistration,
    pub matched: IdentityMatch,
}

impl Found<'_> {
    fn rpps(&self) -> Option<String> {
        self.stored.request.status().rpps().map(ToString::to_string)
    }

    fn is_same(&self) -> bool {
        self.matched.verdict == Verdict::Same
    }
}

/// The candidates that are, or may be, the person of `civil`, but the request `except` (the one
/// being validated or shown).
pub fn matches<'a>(
    civil: &CivilStatus,
    candidates: &'a IdentityCandidates,
    except: Option<&str>,
) -> Vec<Found<'a>> {
    let traits = IdentityTraits::from(civil);
    candidates
        .requests
        .iter()
        .filter(|stored| Some(stored.request.id()) != except)
        .filter_map(|stored| {
            let matched = stored.request.identity_match(&traits, &EmbeddedPlaces)?;
            Some(Found { stored, matched })
        })
        .collect()
}

/// Whether `actor` manages the establishment of `stored`.
fn manages(actor: &Actor, stored: &StoredRegistration) -> bool {
    stored
        .request
        .establishment()
        .is_some_and(|finess| actor.manages(finess))
}

fn neutral() -> ApiError {
    ApiError::conflict(
        "registration.person_known",
        "Cette personne est déjà connue du registre RPPS (une demande en cours ou un numéro déjà attribué) : elle ne peut pas être enregistrée une seconde fois. Invitez-la à se connecter avec FranceConnect pour suivre sa demande, ou avec sa carte e-CPS si elle a déjà un numéro RPPS.",
    )
}

/// Before a new request is created by `actor`: refused if the person is the same as a numbered
/// professional or an open request; a probable match does not stop it (the validation asks).
pub fn check_new_request(found: &[Found<'_>], actor: &Actor) -> Result<(), ApiError> {
    let applicant = actor.role == Role::Applicant;
    if let Some(numbered) = found.iter().find(|f| f.is_same() && f.rpps().is_some()) {
        let rpps = numbered.rpps().unwrap_or_default();
        return Err(if applicant {
            ApiError::conflict(
                "registration.already_registered",
                format!(
                    "Vous avez déjà un numéro RPPS ({rpps}) : une nouvelle demande n'est pas possible. Connectez-vous avec votre carte e-CPS (FranceConnect ne sert qu'à la première inscription)."
                ),
            )
        } else if manages(actor, numbered.stored) {
            ApiError::conflict(
                "registration.already_numbered",
                format!(
                    "Cette personne a déjà le numéro RPPS {rpps} : un second numéro ne peut pas lui être attribué. Son numéro reste valable ; elle se connecte avec sa carte e-CPS."
                ),
            )
        } else {
            neutral()
        });
    }
    if let Some(open) = found.iter().find(|f| f.is_same()) {
        let id = open.stored.request.id();
        return Err(if applicant {
            ApiError::conflict(
                "registration.already_open",
                "Une demande est déjà en cours pour vous : suivez-la plutôt que d'en commencer une autre.",
            )
            .see(pages::APPLICANT_REQUEST)
        } else if manages(actor, open.stored) {
            ApiError::conflict(
                "registration.already_open",
                "Une demande est déjà en cours pour cette personne dans votre établissement : suivez-la plutôt que d'en créer une autre.",
            )
            .see(pages::manager_request(id))
        } else {
            neutral()
        });
    }
    Ok(())
}

/// Why a validation must not happen now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// The same person already holds this number.
    AlreadyNumbered(String),
    /// Probable matches (their request ids) the manager has not declared someone else.
    Probable(Vec<String>),
}

/// At validation: never a second number; a probable match needs the manager's declaration.
/// `Ok` gives the probable matches the declaration covers (recorded in the attestation).
pub fn check_validation(found: &[Found<'_>], declared: bool) -> Result<Vec<String>, Blocked> {
    if let Some(rpps) = found.iter().filter(|f| f.is_same()).find_map(Found::rpps) {
        return Err(Blocked::AlreadyNumbered(rpps));
    }
    let probable: Vec<String> = found
        .iter()
        .filter(|f| !f.is_same())
        .map(|f| f.stored.request.id().to_owned())
        .collect();
    if probable.is_empty() || declared {
        Ok(probable)
    } else {
        Err(Blocked::Probable(probable))
    }
}

impl From<Blocked> for ApiError {
    fn from(blocked: Blocked) -> Self {
        match blocked {
            Blocked::AlreadyNumbered(rpps) => ApiError::conflict(
                "registration.already_numbered",
                format!(
                    "Cette personne a déjà le numéro RPPS {rpps} : un second numéro ne peut pas lui être attribué. Refusez cette demande ; son numéro reste valable."
                ),
            ),
            Blocked::Probable(_) => ApiError::conflict(
                "registration.probable_match",
                "Une personne très proche est déjà connue du registre. Comparez les informations affichées sur la demande ; si ce n'est pas la même personne, cochez la déclaration correspondante pour valider.",
            ),
        }
    }
}

fn trait_label(about: IdentityTrait) -> &'static str {
    match about {
        IdentityTrait::FamilyName => "Nom de naissance",
        IdentityTrait::GivenNames => "Prénom(s)",
        IdentityTrait::BirthDate => "Date de naissance",
        IdentityTrait::BirthPlace => "Lieu de naissance",
        IdentityTrait::Sex => "Sexe",
        IdentityTrait::Overall => "Ensemble",
    }
}

/// The labels of the reasons about `about`, joined.
fn note(reasons: &[MatchReason], about: IdentityTrait) -> Option<String> {
    let labels: Vec<&str> = reasons
        .iter()
        .filter(|r| r.about() == about)
        .map(|r| r.label())
        .collect();
    (!labels.is_empty()).then(|| labels.join(" ; "))
}

fn place_label(place: &BirthPlace) -> String {
    match place {
        BirthPlace::France { commune } => rpps_places::commune_by_code(commune.as_str())
            .map_or_else(
                || commune.to_string(),
                |c| format!("{} ({commune})", c.name),
            ),
        BirthPlace::Abroad { country } => rpps_places::try_countries()
            .ok()
            .and_then(|all| all.get(country.as_str()).map(|c| c.name.to_owned()))
            .map_or_else(|| country.to_string(), |name| format!("{name} ({country})")),
    }
}

/// What a manager sees of a match on a request's page: the names side by side, and of the other
/// record's birth date and place only how they compare with this request's.
pub fn view(found: &Found<'_>, civil: &CivilStatus, manager: &Actor) -> IdentityMatchView {
    let other = found.stored.request.civil_status();
    let reasons = &found.matched.reasons;
    let unchanged = |about| note(reasons, about).unwrap_or_else(|| "Identique".to_owned());
    let comparison = vec![
        TraitComparison {
            label: trait_label(IdentityTrait::FamilyName).to_owned(),
            this: civil.family_name.as_str().to_owned(),
            other: other.family_name.as_str().to_owned(),
            note: note(reasons, IdentityTrait::FamilyName),
        },
        TraitComparison {
            label: trait_label(IdentityTrait::GivenNames).to_owned(),
            this: civil.given_names.as_str().to_owned(),
            other: other.given_names.as_str().to_owned(),
            note: note(reasons, IdentityTrait::GivenNames),
        },
        TraitComparison {
            label: trait_label(IdentityTrait::BirthDate).to_owned(),
            this: civil.birth_date.to_string(),
            other: unchanged(IdentityTrait::BirthDate),
            note: note(reasons, IdentityTrait::BirthDate),
        },
        TraitComparison {
            label: trait_label(IdentityTrait::BirthPlace).to_owned(),
            this: place_label(&civil.birth_place),
            other: unchanged(IdentityTrait::BirthPlace),
            note: note(reasons, IdentityTrait::BirthPlace),
        },
    ];
    let record = match found.stored.request.status() {
        RegistrationStatus::Validated { rpps, .. } => MatchedRecord::Professional {
            rpps: rpps.to_string(),
        },
        _ => MatchedRecord::Request {
            id: manages(manager, found.stored).then(|| found.stored.request.id().to_owned()),
        },
    };
    IdentityMatchView {
        verdict: if found.is_same() {
            MatchVerdict::Same
        } else {
            MatchVerdict::Probable
        },
        record,
        reasons: reasons
            .iter()
            .map(|r| MatchReasonView {
                code: r.code().to_owned(),
                label: r.label().to_owned(),
            })
            .collect(),
        comparison,
    }
}
