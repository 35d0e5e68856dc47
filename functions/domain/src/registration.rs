//! The registration request (*demande de pré-enregistrement*) and its state machine.
//!
//! ```text
//!   Draft ──submit──▶ Submitted ──validate (attestation, RPPS)──▶ Validated { rpps }   (final)
//!                         └──────reject (reason)───────────────▶ Rejected { reason } (final)
//! ```
//!
//! Who may do what:
//! - **Self-service** (FAQ-R11): the applicant signed in with FranceConnect creates the draft;
//!   the civil status comes from FranceConnect and is read-only; only that applicant (same
//!   FranceConnect `sub`) edits and submits it.
//! - **Employer** (FAQ-R1): a manager of the chosen establishment creates the request as a
//!   *draft* too, types the civil status (editable while in draft), completes it and submits it.
//!   Choice: a draft rather than a request created directly as submitted, so that the manager's
//!   entry is saved step by step like the applicant's (FAQ-R16) and both paths share one state
//!   machine; the interface may chain submit and validate in one action.
//! - Only a manager of the request's establishment validates or rejects a submitted request
//!   (FAQ-R2, FAQ-R9). Validation needs an [`Attestation`]: the manager's declaration that the
//!   diploma or professional-experience conditions were checked, recorded with who and when.
//!   Rejection needs a reason (1–1000 characters).
//! - Validated and rejected requests are final. Validating an already-validated request again
//!   succeeds and returns the number already allocated (idempotent retries).
//!
//! Everyone else (professionals, operator, scheduler, anonymous) gets `NotAllowedForRole`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::birth::BirthDate;
use crate::dates::{iso_date, timestamp};
use crate::email::Email;
use crate::finess::Finess;
use crate::identity::{IdentityMatch, IdentityTraits, PlaceCanon, Verdict, compare};
use crate::insee::{InseeCommuneCode, InseeCommuneError, InseeCountryCode, InseeCountryError};
use crate::name::PersonName;
use crate::phone::MobilePhone;
use crate::role::{Actor, Role};
use crate::rpps::RppsNumber;

const MAX_REASON_CHARS: usize = 1000;

/// The profession the request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profession {
    /// Qualified home-care aide (décret n° 2024-1246 du 30 décembre 2024).
    AideADomicileQualifiee,
}

impl Profession {
    /// Every profession, in display order.
    pub const ALL: [Profession; 1] = [Profession::AideADomicileQualifiee];

    /// Stable machine code (also the serialised form).
    pub fn code(self) -> &'static str {
        match self {
            Profession::AideADomicileQualifiee => "aide_a_domicile_qualifiee",
        }
    }

    /// The mention printed on the professional card.
    pub fn card_mention(self) -> &'static str {
        match self {
            Profession::AideADomicileQualifiee => "professionnel qualifié de l'aide à domicile",
        }
    }
}

/// On what basis the professional is eligible (FAQ-R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityBasis {
    /// A diploma, title or certification listed by the décret.
    Certification,
    /// The professional-experience conditions of the décret.
    ProfessionalExperience,
}

/// An eligibility basis that is not one of the décret's two (FAQ-R2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Choisissez un diplôme, titre ou certification reconnu, ou trois ans d'expérience professionnelle (au moins à mi-temps) sur les cinq dernières années."
)]
pub struct EligibilityError;

impl EligibilityError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        "eligibility.unknown"
    }
}

impl EligibilityBasis {
    /// Every basis, in display order.
    pub const ALL: [EligibilityBasis; 2] = [
        EligibilityBasis::Certification,
        EligibilityBasis::ProfessionalExperience,
    ];

    /// From its code (`certification`, `professional_experience`).
    pub fn parse(code: &str) -> Result<Self, EligibilityError> {
        Self::ALL
            .into_iter()
            .find(|basis| basis.code() == code.trim())
            .ok_or(EligibilityError)
    }

    pub fn code(self) -> &'static str {
        match self {
            EligibilityBasis::Certification => "certification",
            EligibilityBasis::ProfessionalExperience => "professional_experience",
        }
    }
}

/// Who started the request (FAQ-R1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The professional, signed in with FranceConnect.
    SelfService,
    /// A manager of the employer establishment.
    Employer,
}

/// Contact data of the professional (the mobile may be added later, FAQ-R14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub email: Email,
    #[serde(default)]
    pub mobile: Option<MobilePhone>,
}

/// Place of birth: a commune of France, or a country abroad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BirthPlace {
    France { commune: InseeCommuneCode },
    Abroad { country: InseeCountryCode },
}

/// Why FranceConnect's birth place claims cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BirthPlaceError {
    #[error(transparent)]
    Commune(#[from] InseeCommuneError),
    #[error(transparent)]
    Country(#[from] InseeCountryError),
}

impl BirthPlaceError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            BirthPlaceError::Commune(e) => e.code(),
            BirthPlaceError::Country(e) => e.code(),
        }
    }
}

impl BirthPlace {
    /// From FranceConnect's `birthplace` and `birthcountry` claims: born in France (99100) the
    /// commune code is required; born abroad `birthplace` is empty and ignored.
    pub fn from_franceconnect(
        birthplace: &str,
        birthcountry: &str,
    ) -> Result<Self, BirthPlaceError> {
        let country = InseeCountryCode::parse(birthcountry)?;
        if country.is_france() {
            Ok(BirthPlace::France {
                commune: InseeCommuneCode::parse(birthplace)?,
            })
        } else {
            Ok(BirthPlace::Abroad { country })
        }
    }

    /// The country of birth (France for a commune).
    pub fn country(&self) -> InseeCountryCode {
        match self {
            BirthPlace::France { .. } => InseeCountryCode::france(),
            BirthPlace::Abroad { country } => country.clone(),
        }
    }
}

/// A form field with something in it.
fn given(field: Option<&str>) -> Option<&str> {
    field.map(str::trim).filter(|f| !f.is_empty())
}

/// The communes and countries of birth the register knows (the embedded lists of
/// `rpps-places`): a typed code must name one (FAQ-R17).
pub trait KnownPlaces {
    fn has_commune(&self, code: &InseeCommuneCode) -> bool;
    fn has_country(&self, code: &InseeCountryCode) -> bool;
}

/// Which field of a typed birth place an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthPlaceField {
    Commune,
    Country,
}

/// Why a typed birth place is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypedBirthPlaceError {
    #[error(transparent)]
    Commune(InseeCommuneError),
    #[error(
        "Aucune commune n'a le code INSEE {0}. Choisissez la commune dans la liste (le code postal n'est pas le code INSEE)."
    )]
    UnknownCommune(InseeCommuneCode),
    #[error(transparent)]
    Country(InseeCountryError),
    #[error("Aucun pays n'a le code INSEE {0}.")]
    UnknownCountry(InseeCountryCode),
    #[error("Née ou né en France : indiquez la commune de naissance.")]
    CommuneNeeded,
    #[error(
        "Indiquez soit une commune de naissance en France, soit un pays de naissance à l'étranger."
    )]
    Both,
    #[error(
        "Indiquez la commune de naissance, ou le pays de naissance pour une naissance à l'étranger."
    )]
    Missing,
}

impl TypedBirthPlaceError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            TypedBirthPlaceError::Commune(e) => e.code(),
            TypedBirthPlaceError::UnknownCommune(_) => "birth_commune.unknown",
            TypedBirthPlaceError::Country(e) => e.code(),
            TypedBirthPlaceError::UnknownCountry(_) => "birth_country.unknown",
            TypedBirthPlaceError::CommuneNeeded => "birth_commune.missing",
            TypedBirthPlaceError::Both => "birth_place.both",
            TypedBirthPlaceError::Missing => "birth_place.missing",
        }
    }

    /// The field the person must correct.
    pub fn field(&self) -> BirthPlaceField {
        match self {
            TypedBirthPlaceError::Country(_)
            | TypedBirthPlaceError::UnknownCountry(_)
            | TypedBirthPlaceError::Both => BirthPlaceField::Country,
            TypedBirthPlaceError::Commune(_)
            | TypedBirthPlaceError::UnknownCommune(_)
            | TypedBirthPlaceError::CommuneNeeded
            | TypedBirthPlaceError::Missing => BirthPlaceField::Commune,
        }
    }
}

impl BirthPlace {
    /// A birth place typed by a manager (FAQ-R1, R17): the INSEE code of a commune of France,
    /// or the INSEE code (99xxx) of a country abroad, one of the two, and one `places` knows.
    /// Blank fields count as absent; France (99100) as the country asks for the commune.
    pub fn from_typed(
        commune: Option<&str>,
        country: Option<&str>,
        places: &impl KnownPlaces,
    ) -> Result<Self, TypedBirthPlaceError> {
        match (given(commune), given(country)) {
            (Some(commune), None | Some("99100")) => {
                let code =
                    InseeCommuneCode::parse(commune).map_err(TypedBirthPlaceError::Commune)?;
                if places.has_commune(&code) {
                    Ok(BirthPlace::France { commune: code })
                } else {
                    Err(TypedBirthPlaceError::UnknownCommune(code))
                }
            }
            (None, Some(country)) => {
                let code =
                    InseeCountryCode::parse(country).map_err(TypedBirthPlaceError::Country)?;
                if code.is_france() {
                    Err(TypedBirthPlaceError::CommuneNeeded)
                } else if places.has_country(&code) {
                    Ok(BirthPlace::Abroad { country: code })
                } else {
                    Err(TypedBirthPlaceError::UnknownCountry(code))
                }
            }
            (Some(_), Some(_)) => Err(TypedBirthPlaceError::Both),
            (None, None) => Err(TypedBirthPlaceError::Missing),
        }
    }
}

/// Civil status. From FranceConnect for a self-service request (read-only), typed by the
/// manager for an employer request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CivilStatus {
    pub family_name: PersonName,
    /// All given names, space-separated (FranceConnect's `given_name`).
    pub given_names: PersonName,
    pub birth_date: BirthDate,
    pub birth_place: BirthPlace,
}

impl CivilStatus {
    /// A stable key of the civil-status identity, for duplicate detection (FAQ-R12): the SHA-256
    /// (hex) of the folded family name, folded given names, birth date and birth place code.
    /// Folding makes `Élodie` and `ELODIE` the same person; the hash keeps the key free of
    /// personal data where it is used as a database key.
    pub fn identity_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let place = match &self.birth_place {
            BirthPlace::France { commune } => commune.to_string(),
            BirthPlace::Abroad { country } => country.to_string(),
        };
        let material = format!(
            "{}|{}|{}|{}",
            self.family_name.folded(),
            self.given_names.folded(),
            self.birth_date.as_iso(),
            place
        );
        Sha256::digest(material.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The reason given by a manager who rejects a request: 1 to 1000 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RejectionReason(String);

/// Why a rejection reason is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectionReasonError {
    #[error("Veuillez indiquer le motif du refus : il sera communiqué au demandeur.")]
    Empty,
    #[error("Le motif du refus ne peut pas dépasser 1000 caractères.")]
    TooLong,
}

impl RejectionReasonError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            RejectionReasonError::Empty => "rejection_reason.empty",
            RejectionReasonError::TooLong => "rejection_reason.too_long",
        }
    }
}

impl RejectionReason {
    pub fn parse(input: &str) -> Result<Self, RejectionReasonError> {
        let reason = input.trim();
        if reason.is_empty() {
            return Err(RejectionReasonError::Empty);
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(RejectionReasonError::TooLong);
        }
        Ok(Self(reason.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RejectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RejectionReason {
    type Error = RejectionReasonError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RejectionReason> for String {
    fn from(value: RejectionReason) -> Self {
        value.0
    }
}

/// The manager's declaration that the eligibility conditions were checked (FAQ-R2): no diploma
/// is uploaded, the manager declares having checked it. Recorded with who and when; the request
/// it belongs to is the one it is stored in (and [`Validation::request_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// The manager's national identifier ([`Actor::id`]).
    pub manager_id: String,
    pub basis: EligibilityBasis,
    /// The box "I declare I have checked the conditions": must be true to validate.
    pub conditions_checked: bool,
    #[serde(with = "timestamp")]
    pub at: OffsetDateTime,
    /// The records the identity match found probably the same person, which the manager
    /// declared to be someone else (« ce n'est pas la même personne », FAQ-R3): request ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_the_same_as: Vec<String>,
}

impl Attestation {
    pub fn new(
        manager: &Actor,
        basis: EligibilityBasis,
        conditions_checked: bool,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            manager_id: manager.id.clone(),
            basis,
            conditions_checked,
            at,
            not_the_same_as: Vec::new(),
        }
    }

    /// The same declaration, with the manager's word that these records are someone else.
    pub fn not_the_same_as(mut self, requests: Vec<String>) -> Self {
        self.not_the_same_as = requests;
        self
    }
}

/// Where the request stands. A decision carries who made it and when; a validation carries
/// the number and the manager's declaration (FAQ-R2, R3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegistrationStatus {
    Draft,
    Submitted,
    Validated {
        rpps: RppsNumber,
        attestation: Attestation,
        /// The manager who validated ([`Actor::id`]).
        by: String,
        #[serde(with = "timestamp")]
        at: OffsetDateTime,
    },
    Rejected {
        reason: RejectionReason,
        /// The manager who rejected ([`Actor::id`]).
        by: String,
        #[serde(with = "timestamp")]
        at: OffsetDateTime,
    },
    /// Ended without a decision: withdrawn by its applicant, a draft deleted by its manager or
    /// expired unsent. The person may apply again.
    Closed {
        reason: ClosureReason,
        /// Who closed it ([`Actor::id`]; the scheduled function for an expiry).
        by: String,
        #[serde(with = "timestamp")]
        at: OffsetDateTime,
    },
}

/// Why a request ended without a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureReason {
    /// Its applicant withdrew it before a decision.
    Withdrawn,
    /// A manager deleted the employer draft they had started.
    Deleted,
    /// A draft left unsent for [`DRAFT_LIFETIME`].
    Expired,
}

impl ClosureReason {
    pub fn code(self) -> &'static str {
        match self {
            ClosureReason::Withdrawn => "withdrawn",
            ClosureReason::Deleted => "deleted",
            ClosureReason::Expired => "expired",
        }
    }
}

/// How long a draft may stay unsent after its last change before it expires (its claim on the
/// person released); the applicant is told [`EXPIRY_NOTICE`] before.
pub const DRAFT_LIFETIME: time::Duration = time::Duration::days(30);
/// How long before its expiry the applicant of a draft is told.
pub const EXPIRY_NOTICE: time::Duration = time::Duration::days(7);

impl RegistrationStatus {
    pub fn code(&self) -> &'static str {
        match self {
            RegistrationStatus::Draft => "draft",
            RegistrationStatus::Submitted => "submitted",
            RegistrationStatus::Validated { .. } => "validated",
            RegistrationStatus::Rejected { .. } => "rejected",
            RegistrationStatus::Closed { .. } => "closed",
        }
    }

    /// Whether no further transition is possible.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            RegistrationStatus::Validated { .. }
                | RegistrationStatus::Rejected { .. }
                | RegistrationStatus::Closed { .. }
        )
    }

    /// Whether the request still stands for its person: open (draft, submitted) or validated.
    /// A rejected or closed one does not (the person may apply again).
    pub fn stands(&self) -> bool {
        matches!(
            self,
            RegistrationStatus::Draft
                | RegistrationStatus::Submitted
                | RegistrationStatus::Validated { .. }
        )
    }

    /// The RPPS number, once validated.
    pub fn rpps(&self) -> Option<&RppsNumber> {
        match self {
            RegistrationStatus::Validated { rpps, .. } => Some(rpps),
            _ => None,
        }
    }
}

/// What a draft still lacks before it can be submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingField {
    Contact,
    Establishment,
    StartDate,
    Eligibility,
    AccuracyConfirmation,
}

impl MissingField {
    pub fn code(self) -> &'static str {
        match self {
            MissingField::Contact => "contact",
            MissingField::Establishment => "establishment",
            MissingField::StartDate => "start_date",
            MissingField::Eligibility => "eligibility",
            MissingField::AccuracyConfirmation => "accuracy_confirmation",
        }
    }

    /// French phrase, with its article, to list in a message.
    pub fn label(self) -> &'static str {
        match self {
            MissingField::Contact => "l'adresse e-mail",
            MissingField::Establishment => "l'établissement d'exercice",
            MissingField::StartDate => "la date de début d'exercice",
            MissingField::Eligibility => {
                "la condition d'éligibilité (diplôme ou expérience professionnelle)"
            }
            MissingField::AccuracyConfirmation => {
                "la confirmation de l'exactitude des informations"
            }
        }
    }
}

fn french_list(fields: &[MissingField]) -> String {
    let labels: Vec<&str> = fields.iter().map(|f| f.label()).collect();
    match labels.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("Votre profil ne permet pas cette action sur une demande d'enregistrement.")]
    NotAllowedForRole,
    #[error("Cette demande a été créée par une autre personne : vous ne pouvez pas la modifier.")]
    NotOwner,
    #[error("Vous n'êtes pas gestionnaire de l'établissement choisi dans cette demande.")]
    NotYourEstablishment,
    #[error(
        "L'état civil transmis par FranceConnect ne peut pas être modifié. En cas d'erreur, adressez-vous au service qui gère votre identité (impots.gouv.fr, ameli.fr…)."
    )]
    CivilStatusReadOnly,
    #[error("Cette demande a déjà été envoyée : elle ne peut plus être modifiée.")]
    AlreadySubmitted,
    #[error("Cette demande n'a pas encore été envoyée : elle ne peut pas encore être traitée.")]
    NotSubmitted,
    #[error("Cette demande a déjà été validée : elle ne peut plus être modifiée.")]
    AlreadyValidated,
    #[error("Cette demande a déjà été refusée : elle ne peut plus être modifiée.")]
    AlreadyRejected,
    #[error(
        "Cette demande a été close (retirée, supprimée ou expirée) : elle ne peut plus être modifiée."
    )]
    AlreadyClosed,
    #[error(
        "Seul un brouillon commencé par l'établissement peut être supprimé par ses gestionnaires."
    )]
    NotAnEmployerDraft,
    #[error("Ce brouillon n'a pas encore atteint sa date d'expiration.")]
    NotExpired,
    #[error(
        "Pour valider, vous devez déclarer avoir vérifié les conditions de diplôme ou d'expérience professionnelle."
    )]
    MissingAttestation,
    #[error(
        "La déclaration de vérification doit être faite par le gestionnaire qui valide la demande."
    )]
    AttestationMismatch,
    #[error("La demande ne peut pas encore être envoyée : il manque {}.", french_list(.missing))]
    DraftIncomplete { missing: Vec<MissingField> },
}

impl TransitionError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::NotAllowedForRole => "registration.role_not_allowed",
            TransitionError::NotOwner => "registration.not_owner",
            TransitionError::NotYourEstablishment => "registration.not_your_establishment",
            TransitionError::CivilStatusReadOnly => "registration.civil_status_read_only",
            TransitionError::AlreadySubmitted => "registration.already_submitted",
            TransitionError::NotSubmitted => "registration.not_submitted",
            TransitionError::AlreadyValidated => "registration.already_validated",
            TransitionError::AlreadyRejected => "registration.already_rejected",
            TransitionError::AlreadyClosed => "registration.already_closed",
            TransitionError::NotAnEmployerDraft => "registration.not_an_employer_draft",
            TransitionError::NotExpired => "registration.not_expired",
            TransitionError::MissingAttestation => "registration.missing_attestation",
            TransitionError::AttestationMismatch => "registration.attestation_mismatch",
            TransitionError::DraftIncomplete { .. } => "registration.draft_incomplete",
        }
    }
}

/// The result of a validation: what the allocation, the email (FAQ-R3) and the directory
/// (FAQ-R4) need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub request_id: String,
    pub rpps: RppsNumber,
    pub attestation: Attestation,
    #[serde(with = "timestamp")]
    pub validated_at: OffsetDateTime,
    /// False when the request was already validated: the number returned is the one allocated
    /// then, and the `rpps` passed to this call was not used.
    pub newly_validated: bool,
}

/// A partial change of a draft: each `Some` field replaces the current value. Changing any data
/// clears the accuracy confirmation unless the same update confirms it again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftUpdate {
    pub contact: Option<Contact>,
    pub profession: Option<Profession>,
    pub establishment: Option<Finess>,
    pub start_date: Option<Date>,
    pub eligibility: Option<EligibilityBasis>,
    pub accuracy_confirmed: Option<bool>,
}

/// A registration request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "stored::RequestRecord")]
pub struct RegistrationRequest {
    id: String,
    origin: Origin,
    /// FranceConnect `sub` of the applicant, for a self-service request.
    applicant_id: Option<String>,
    /// Who created the request ([`Actor::id`]).
    created_by: String,
    civil_status: CivilStatus,
    contact: Option<Contact>,
    profession: Profession,
    establishment: Option<Finess>,
    #[serde(with = "iso_date::option")]
    start_date: Option<Date>,
    eligibility: Option<EligibilityBasis>,
    accuracy_confirmed: bool,
    status: RegistrationStatus,
    #[serde(with = "timestamp")]
    created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    updated_at: OffsetDateTime,
    #[serde(with = "timestamp::option")]
    submitted_at: Option<OffsetDateTime>,
}

/// What may happen when `actor` validates a request (FAQ-R2): checked before a number is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationCheck {
    /// The request may be validated: allocate a number, then [`RegistrationRequest::validate`].
    Allowed,
    /// Already validated: the validation recorded then (no number to allocate).
    AlreadyValidated(Validation),
}

impl RegistrationRequest {
    /// A draft started by the applicant signed in with FranceConnect (FAQ-R11); the civil
    /// status comes from FranceConnect and stays read-only.
    pub fn new_self_service(
        id: impl Into<String>,
        applicant: &Actor,
        civil_status: CivilStatus,
        at: OffsetDateTime,
    ) -> Result<Self, TransitionError> {
        if applicant.role != Role::Applicant {
            return Err(TransitionError::NotAllowedForRole);
        }
        Ok(Self::draft(
            id.into(),
            Origin::SelfService,
            Some(applicant.id.clone()),
            applicant,
            civil_status,
            None,
            at,
        ))
    }

    /// A draft started by a manager for an aide of `establishment` (FAQ-R1).
    pub fn new_by_employer(
        id: impl Into<String>,
        manager: &Actor,
        civil_status: CivilStatus,
        establishment: Finess,
        at: OffsetDateTime,
    ) -> Result<Self, TransitionError> {
        if !matches!(manager.role, Role::Manager { .. }) {
            return Err(TransitionError::NotAllowedForRole);
        }
        if !manager.manages(&establishment) {
            return Err(TransitionError::NotYourEstablishment);
        }
        Ok(Self::draft(
            id.into(),
            Origin::Employer,
            None,
            manager,
            civil_status,
            Some(establishment),
            at,
        ))
    }

    fn draft(
        id: String,
        origin: Origin,
        applicant_id: Option<String>,
        creator: &Actor,
        civil_status: CivilStatus,
        establishment: Option<Finess>,
        at: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            origin,
            applicant_id,
            created_by: creator.id.clone(),
            civil_status,
            contact: None,
            profession: Profession::AideADomicileQualifiee,
            establishment,
            start_date: None,
            eligibility: None,
            accuracy_confirmed: false,
            status: RegistrationStatus::Draft,
            created_at: at,
            updated_at: at,
            submitted_at: None,
        }
    }

    /// Changes a draft (see [`DraftUpdate`]).
    pub fn update_draft(
        &mut self,
        actor: &Actor,
        update: DraftUpdate,
        at: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        self.check_editor(actor)?;
        self.check_draft()?;
        if let Some(establishment) = &update.establishment
            && self.origin == Origin::Employer
            && !actor.manages(establishment)
        {
            return Err(TransitionError::NotYourEstablishment);
        }
        let DraftUpdate {
            contact,
            profession,
            establishment,
            start_date,
            eligibility,
            accuracy_confirmed,
        } = update;
        let data_changed = contact.is_some()
            || profession.is_some()
            || establishment.is_some()
            || start_date.is_some()
            || eligibility.is_some();
        if let Some(contact) = contact {
            self.contact = Some(contact);
        }
        if let Some(profession) = profession {
            self.profession = profession;
        }
        if let Some(establishment) = establishment {
            self.establishment = Some(establishment);
        }
        if let Some(start_date) = start_date {
            self.start_date = Some(start_date);
        }
        if let Some(eligibility) = eligibility {
            self.eligibility = Some(eligibility);
        }
        if data_changed {
            self.accuracy_confirmed = false;
        }
        if let Some(confirmed) = accuracy_confirmed {
            self.accuracy_confirmed = confirmed;
        }
        self.updated_at = at;
        Ok(())
    }

    /// Replaces the civil status of an employer draft (typed by the manager). The civil status
    /// of a self-service request comes from FranceConnect and cannot be changed (FAQ-R11).
    pub fn correct_civil_status(
        &mut self,
        actor: &Actor,
        civil_status: CivilStatus,
        at: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        self.check_editor(actor)?;
        self.check_draft()?;
        if self.origin == Origin::SelfService {
            return Err(TransitionError::CivilStatusReadOnly);
        }
        self.civil_status = civil_status;
        self.accuracy_confirmed = false;
        self.updated_at = at;
        Ok(())
    }

    /// What the draft still lacks before it can be submitted (empty when complete).
    pub fn missing_for_submission(&self) -> Vec<MissingField> {
        let mut missing = Vec::new();
        if self.contact.is_none() {
            missing.push(MissingField::Contact);
        }
        if self.establishment.is_none() {
            missing.push(MissingField::Establishment);
        }
        if self.start_date.is_none() {
            missing.push(MissingField::StartDate);
        }
        if self.eligibility.is_none() {
            missing.push(MissingField::Eligibility);
        }
        if !self.accuracy_confirmed {
            missing.push(MissingField::AccuracyConfirmation);
        }
        missing
    }

    /// Sends the complete draft to the managers of its establishment (FAQ-R11).
    pub fn submit(&mut self, actor: &Actor, at: OffsetDateTime) -> Result<(), TransitionError> {
        self.check_editor(actor)?;
        self.check_draft()?;
        let missing = self.missing_for_submission();
        if !missing.is_empty() {
            return Err(TransitionError::DraftIncomplete { missing });
        }
        self.status = RegistrationStatus::Submitted;
        self.submitted_at = Some(at);
        self.updated_at = at;
        Ok(())
    }

    /// Whether `actor` may validate this request with `attestation` (FAQ-R2, R9), without a
    /// number: the check to make before one is allocated, so that a refusal burns none.
    pub fn check_validation(
        &self,
        actor: &Actor,
        attestation: &Attestation,
    ) -> Result<ValidationCheck, TransitionError> {
        self.check_decider(actor)?;
        match &self.status {
            RegistrationStatus::Draft => Err(TransitionError::NotSubmitted),
            RegistrationStatus::Rejected { .. } => Err(TransitionError::AlreadyRejected),
            RegistrationStatus::Closed { .. } => Err(TransitionError::AlreadyClosed),
            RegistrationStatus::Validated {
                rpps,
                attestation,
                at,
                ..
            } => Ok(ValidationCheck::AlreadyValidated(Validation {
                request_id: self.id.clone(),
                rpps: rpps.clone(),
                attestation: attestation.clone(),
                validated_at: *at,
                newly_validated: false,
            })),
            RegistrationStatus::Submitted if !attestation.conditions_checked => {
                Err(TransitionError::MissingAttestation)
            }
            RegistrationStatus::Submitted if attestation.manager_id != actor.id => {
                Err(TransitionError::AttestationMismatch)
            }
            RegistrationStatus::Submitted => Ok(ValidationCheck::Allowed),
        }
    }

    /// Validates a submitted request with the RPPS number allocated for it (FAQ-R2, FAQ-R3).
    /// Validating an already-validated request returns the number allocated then.
    pub fn validate(
        &mut self,
        actor: &Actor,
        attestation: Attestation,
        rpps: RppsNumber,
        at: OffsetDateTime,
    ) -> Result<Validation, TransitionError> {
        if let ValidationCheck::AlreadyValidated(done) =
            self.check_validation(actor, &attestation)?
        {
            return Ok(done);
        }
        self.status = RegistrationStatus::Validated {
            rpps: rpps.clone(),
            attestation: attestation.clone(),
            by: actor.id.clone(),
            at,
        };
        self.updated_at = at;
        Ok(Validation {
            request_id: self.id.clone(),
            rpps,
            attestation,
            validated_at: at,
            newly_validated: true,
        })
    }

    /// Rejects a submitted request with a reason shown to the applicant.
    pub fn reject(
        &mut self,
        actor: &Actor,
        reason: RejectionReason,
        at: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        self.check_decider(actor)?;
        match self.status {
            RegistrationStatus::Draft => return Err(TransitionError::NotSubmitted),
            RegistrationStatus::Validated { .. } => return Err(TransitionError::AlreadyValidated),
            RegistrationStatus::Rejected { .. } => return Err(TransitionError::AlreadyRejected),
            RegistrationStatus::Closed { .. } => return Err(TransitionError::AlreadyClosed),
            RegistrationStatus::Submitted => {}
        }
        self.status = RegistrationStatus::Rejected {
            reason,
            by: actor.id.clone(),
            at,
        };
        self.updated_at = at;
        Ok(())
    }

    /// The applicant withdraws their request before a decision (draft or submitted): it closes,
    /// and they may apply again (issue 14: no request blocks a person for ever).
    pub fn withdraw(&mut self, actor: &Actor, at: OffsetDateTime) -> Result<(), TransitionError> {
        if actor.role != Role::Applicant {
            return Err(TransitionError::NotAllowedForRole);
        }
        if !self.is_owned_by(actor) {
            return Err(TransitionError::NotOwner);
        }
        self.check_open()?;
        self.close(ClosureReason::Withdrawn, actor, at);
        Ok(())
    }

    /// A manager of its establishment deletes an employer draft they no longer need (a request
    /// the person started themself is theirs to withdraw).
    pub fn delete_draft(
        &mut self,
        actor: &Actor,
        at: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        self.check_decider(actor)?;
        if self.origin != Origin::Employer {
            return Err(TransitionError::NotAnEmployerDraft);
        }
        self.check_draft()?;
        self.close(ClosureReason::Deleted, actor, at);
        Ok(())
    }

    /// When this draft expires if it stays unchanged: [`DRAFT_LIFETIME`] after its last change.
    /// `None` for a request that is not a draft.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        (self.status == RegistrationStatus::Draft).then(|| self.updated_at + DRAFT_LIFETIME)
    }

    /// The scheduled function closes a draft left unsent for [`DRAFT_LIFETIME`]; refused for
    /// anything else (not a draft, changed since, not a scheduled function).
    pub fn expire(&mut self, actor: &Actor, now: OffsetDateTime) -> Result<(), TransitionError> {
        if actor.role != Role::Scheduler {
            return Err(TransitionError::NotAllowedForRole);
        }
        self.check_draft()?;
        if self.expires_at().is_none_or(|expiry| now < expiry) {
            return Err(TransitionError::NotExpired);
        }
        self.close(ClosureReason::Expired, actor, now);
        Ok(())
    }

    fn close(&mut self, reason: ClosureReason, actor: &Actor, at: OffsetDateTime) {
        self.status = RegistrationStatus::Closed {
            reason,
            by: actor.id.clone(),
            at,
        };
        self.updated_at = at;
    }

    /// Draft or submitted: not decided, not closed.
    fn check_open(&self) -> Result<(), TransitionError> {
        match self.status {
            RegistrationStatus::Draft | RegistrationStatus::Submitted => Ok(()),
            RegistrationStatus::Validated { .. } => Err(TransitionError::AlreadyValidated),
            RegistrationStatus::Rejected { .. } => Err(TransitionError::AlreadyRejected),
            RegistrationStatus::Closed { .. } => Err(TransitionError::AlreadyClosed),
        }
    }

    /// Whether `actor` may read this request: its applicant, a manager of its establishment
    /// (once submitted, or at any time for an employer request), the operator.
    pub fn is_visible_to(&self, actor: &Actor) -> bool {
        match &actor.role {
            Role::Applicant => self.is_owned_by(actor),
            Role::Manager { .. } => {
                self.establishment
                    .as_ref()
                    .is_some_and(|f| actor.manages(f))
                    && (self.origin == Origin::Employer || self.status != RegistrationStatus::Draft)
            }
            Role::Operator => true,
            Role::Anonymous | Role::Professional { .. } | Role::Scheduler => false,
        }
    }

    /// Whether the person of this request is, or may be, the person of `traits` (FAQ-R3, R12):
    /// `None` when they are two people, or when this request no longer counts (rejected or
    /// closed: the person may apply again).
    pub fn identity_match(
        &self,
        traits: &IdentityTraits<'_>,
        places: &impl PlaceCanon,
    ) -> Option<IdentityMatch> {
        if !self.status.stands() {
            return None;
        }
        let found = compare(traits, &IdentityTraits::from(&self.civil_status), places);
        (found.verdict != Verdict::Different).then_some(found)
    }

    fn is_owned_by(&self, actor: &Actor) -> bool {
        actor.role == Role::Applicant && self.applicant_id.as_deref() == Some(actor.id.as_str())
    }

    /// May `actor` edit and submit this draft?
    fn check_editor(&self, actor: &Actor) -> Result<(), TransitionError> {
        match (self.origin, &actor.role) {
            (Origin::SelfService, Role::Applicant) => {
                if self.is_owned_by(actor) {
                    Ok(())
                } else {
                    Err(TransitionError::NotOwner)
                }
            }
            (Origin::Employer, Role::Manager { .. }) => {
                if self
                    .establishment
                    .as_ref()
                    .is_some_and(|f| actor.manages(f))
                {
                    Ok(())
                } else {
                    Err(TransitionError::NotYourEstablishment)
                }
            }
            _ => Err(TransitionError::NotAllowedForRole),
        }
    }

    /// May `actor` validate or reject this request?
    fn check_decider(&self, actor: &Actor) -> Result<(), TransitionError> {
        match &actor.role {
            Role::Manager { .. } => {
                if self
                    .establishment
                    .as_ref()
                    .is_some_and(|f| actor.manages(f))
                {
                    Ok(())
                } else {
                    Err(TransitionError::NotYourEstablishment)
                }
            }
            _ => Err(TransitionError::NotAllowedForRole),
        }
    }

    fn check_draft(&self) -> Result<(), TransitionError> {
        match self.status {
            RegistrationStatus::Draft => Ok(()),
            RegistrationStatus::Submitted => Err(TransitionError::AlreadySubmitted),
            RegistrationStatus::Validated { .. } => Err(TransitionError::AlreadyValidated),
            RegistrationStatus::Rejected { .. } => Err(TransitionError::AlreadyRejected),
            RegistrationStatus::Closed { .. } => Err(TransitionError::AlreadyClosed),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// FranceConnect `sub` of the applicant (self-service requests).
    pub fn applicant_id(&self) -> Option<&str> {
        self.applicant_id.as_deref()
    }

    pub fn created_by(&self) -> &str {
        &self.created_by
    }

    pub fn civil_status(&self) -> &CivilStatus {
        &self.civil_status
    }

    pub fn contact(&self) -> Option<&Contact> {
        self.contact.as_ref()
    }

    pub fn profession(&self) -> Profession {
        self.profession
    }

    pub fn establishment(&self) -> Option<&Finess> {
        self.establishment.as_ref()
    }

    pub fn start_date(&self) -> Option<Date> {
        self.start_date
    }

    pub fn eligibility(&self) -> Option<EligibilityBasis> {
        self.eligibility
    }

    pub fn accuracy_confirmed(&self) -> bool {
        self.accuracy_confirmed
    }

    pub fn status(&self) -> &RegistrationStatus {
        &self.status
    }

    /// The manager's attestation, once validated.
    pub fn attestation(&self) -> Option<&Attestation> {
        match &self.status {
            RegistrationStatus::Validated { attestation, .. } => Some(attestation),
            _ => None,
        }
    }

    /// Who validated or rejected the request.
    pub fn decided_by(&self) -> Option<&str> {
        match &self.status {
            RegistrationStatus::Validated { by, .. }
            | RegistrationStatus::Rejected { by, .. }
            | RegistrationStatus::Closed { by, .. } => Some(by),
            _ => None,
        }
    }

    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    pub fn updated_at(&self) -> OffsetDateTime {
        self.updated_at
    }

    pub fn submitted_at(&self) -> Option<OffsetDateTime> {
        self.submitted_at
    }

    /// When the request was validated or rejected.
    pub fn decided_at(&self) -> Option<OffsetDateTime> {
        match &self.status {
            RegistrationStatus::Validated { at, .. }
            | RegistrationStatus::Rejected { at, .. }
            | RegistrationStatus::Closed { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// The stored form of a request, as read back: today's form, and the form written before the
/// decision moved into the status (issue 17), where a validated request kept its number in the
/// status and its attestation, `decided_by` and `decided_at` beside it. Both read into one
/// [`RegistrationRequest`]; only today's form is written.
mod stored {
    use super::*;

    #[derive(Deserialize)]
    #[serde(tag = "state", rename_all = "snake_case")]
    enum StatusRecord {
        Draft,
        Submitted,
        Validated {
            rpps: RppsNumber,
            #[serde(default)]
            attestation: Option<Attestation>,
            #[serde(default)]
            by: Option<String>,
            #[serde(with = "timestamp::option", default)]
            at: Option<OffsetDateTime>,
        },
        Rejected {
            reason: RejectionReason,
            #[serde(default)]
            by: Option<String>,
            #[serde(with = "timestamp::option", default)]
            at: Option<OffsetDateTime>,
        },
        Closed {
            reason: ClosureReason,
            by: String,
            #[serde(with = "timestamp")]
            at: OffsetDateTime,
        },
    }

    #[derive(Deserialize)]
    pub(super) struct RequestRecord {
        id: String,
        origin: Origin,
        #[serde(default)]
        applicant_id: Option<String>,
        created_by: String,
        civil_status: CivilStatus,
        #[serde(default)]
        contact: Option<Contact>,
        profession: Profession,
        #[serde(default)]
        establishment: Option<Finess>,
        #[serde(with = "iso_date::option", default)]
        start_date: Option<Date>,
        #[serde(default)]
        eligibility: Option<EligibilityBasis>,
        accuracy_confirmed: bool,
        status: StatusRecord,
        #[serde(with = "timestamp")]
        created_at: OffsetDateTime,
        #[serde(with = "timestamp")]
        updated_at: OffsetDateTime,
        #[serde(with = "timestamp::option", default)]
        submitted_at: Option<OffsetDateTime>,
        // The earlier form's decision, beside the status.
        #[serde(default)]
        attestation: Option<Attestation>,
        #[serde(default)]
        decided_by: Option<String>,
        #[serde(with = "timestamp::option", default)]
        decided_at: Option<OffsetDateTime>,
    }

    /// A stored request whose decision cannot be read back whole.
    #[derive(Debug, thiserror::Error)]
    #[error("stored registration request {id}: {what}")]
    pub(super) struct StoredFormError {
        id: String,
        what: &'static str,
    }

    impl TryFrom<RequestRecord> for RegistrationRequest {
        type Error = StoredFormError;

        fn try_from(r: RequestRecord) -> Result<Self, Self::Error> {
            let missing = |what| StoredFormError {
                id: r.id.clone(),
                what,
            };
            let status = match r.status {
                StatusRecord::Draft => RegistrationStatus::Draft,
                StatusRecord::Submitted => RegistrationStatus::Submitted,
                StatusRecord::Validated {
                    rpps,
                    attestation,
                    by,
                    at,
                } => {
                    let attestation = attestation
                        .or(r.attestation.clone())
                        .ok_or_else(|| missing("validated without an attestation"))?;
                    RegistrationStatus::Validated {
                        rpps,
                        by: by
                            .or(r.decided_by.clone())
                            .unwrap_or_else(|| attestation.manager_id.clone()),
                        at: at.or(r.decided_at).unwrap_or(attestation.at),
                        attestation,
                    }
                }
                StatusRecord::Rejected { reason, by, at } => RegistrationStatus::Rejected {
                    reason,
                    by: by
                        .or(r.decided_by.clone())
                        .ok_or_else(|| missing("rejected without who rejected it"))?,
                    at: at
                        .or(r.decided_at)
                        .ok_or_else(|| missing("rejected without when"))?,
                },
                StatusRecord::Closed { reason, by, at } => {
                    RegistrationStatus::Closed { reason, by, at }
                }
            };
            Ok(RegistrationRequest {
                id: r.id,
                origin: r.origin,
                applicant_id: r.applicant_id,
                created_by: r.created_by,
                civil_status: r.civil_status,
                contact: r.contact,
                profession: r.profession,
                establishment: r.establishment,
                start_date: r.start_date,
                eligibility: r.eligibility,
                accuracy_confirmed: r.accuracy_confirmed,
                status,
                created_at: r.created_at,
                updated_at: r.updated_at,
                submitted_at: r.submitted_at,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const T0: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);
    const T1: OffsetDateTime = datetime!(2026-03-01 09:10 UTC);
    const T2: OffsetDateTime = datetime!(2026-03-02 14:00 UTC);
    const TODAY: Date = date!(2026 - 03 - 01);

    fn finess(s: &str) -> Finess {
        Finess::parse(s).expect("valid FINESS")
    }

    fn applicant() -> Actor {
        Actor::new("fc-sub-aide", Role::Applicant)
    }

    fn manager() -> Actor {
        Actor::new(
            "3010000024/GEST1",
            Role::Manager {
                establishments: vec![finess("010000024")],
            },
        )
    }

    fn other_manager() -> Actor {
        Actor::new(
            "3010780054/GEST2",
            Role::Manager {
                establishments: vec![finess("010780054")],
            },
        )
    }

    fn civil_status() -> CivilStatus {
        CivilStatus {
            family_name: PersonName::parse("Martin").expect("name"),
            given_names: PersonName::parse("Aïcha Marie").expect("names"),
            birth_date: BirthDate::from_franceconnect("1985-04-12", TODAY).expect("date"),
            birth_place: BirthPlace::from_franceconnect("2A004", "99100").expect("place"),
        }
    }

    fn complete() -> DraftUpdate {
        DraftUpdate {
            contact: Some(Contact {
                email: Email::parse("aicha.martin@exemple.fr").expect("email"),
                mobile: Some(MobilePhone::parse("06 12 34 56 78").expect("mobile")),
            }),
            profession: Some(Profession::AideADomicileQualifiee),
            establishment: Some(finess("010000024")),
            start_date: Some(date!(2026 - 03 - 15)),
            eligibility: Some(EligibilityBasis::Certification),
            accuracy_confirmed: Some(true),
        }
    }

    fn submitted() -> RegistrationRequest {
        let mut r =
            RegistrationRequest::new_self_service("req-1", &applicant(), civil_status(), T0)
                .expect("created");
        r.update_draft(&applicant(), complete(), T0)
            .expect("completed");
        r.submit(&applicant(), T1).expect("submitted");
        r
    }

    fn rpps() -> RppsNumber {
        RppsNumber::from_sequence(42).expect("allocated")
    }

    fn attestation(by: &Actor) -> Attestation {
        Attestation::new(by, EligibilityBasis::Certification, true, T2)
    }

    #[test]
    fn faq_r11_self_service_flow_from_draft_to_submitted() {
        let mut r =
            RegistrationRequest::new_self_service("req-1", &applicant(), civil_status(), T0)
                .expect("created");
        assert_eq!(r.status(), &RegistrationStatus::Draft);
        assert_eq!(r.origin(), Origin::SelfService);
        assert_eq!(r.applicant_id(), Some("fc-sub-aide"));
        assert_eq!(r.profession().code(), "aide_a_domicile_qualifiee");
        assert_eq!(r.missing_for_submission().len(), 5);
        r.update_draft(&applicant(), complete(), T1)
            .expect("completed");
        assert!(r.missing_for_submission().is_empty());
        r.submit(&applicant(), T1).expect("submitted");
        assert_eq!(r.status(), &RegistrationStatus::Submitted);
        assert_eq!(r.submitted_at(), Some(T1));
        assert_eq!(
            r.update_draft(&applicant(), DraftUpdate::default(), T2),
            Err(TransitionError::AlreadySubmitted)
        );
    }

    #[test]
    fn faq_r11_incomplete_draft_lists_what_is_missing() {
        let mut r =
            RegistrationRequest::new_self_service("req-1", &applicant(), civil_status(), T0)
                .expect("created");
        let update = DraftUpdate {
            contact: complete().contact,
            ..DraftUpdate::default()
        };
        r.update_draft(&applicant(), update, T0).expect("partial");
        let err = r.submit(&applicant(), T1).expect_err("incomplete");
        assert_eq!(
            err,
            TransitionError::DraftIncomplete {
                missing: vec![
                    MissingField::Establishment,
                    MissingField::StartDate,
                    MissingField::Eligibility,
                    MissingField::AccuracyConfirmation,
                ]
            }
        );
        assert_eq!(err.code(), "registration.draft_incomplete");
        assert_eq!(
            err.to_string(),
            "La demande ne peut pas encore être envoyée : il manque l'établissement d'exercice, \
             la date de début d'exercice, la condition d'éligibilité (diplôme ou expérience \
             professionnelle) et la confirmation de l'exactitude des informations."
        );
    }

    #[test]
    fn faq_r11_changing_data_clears_the_accuracy_confirmation() {
        let mut r =
            RegistrationRequest::new_self_service("req-1", &applicant(), civil_status(), T0)
                .expect("created");
        r.update_draft(&applicant(), complete(), T0)
            .expect("completed");
        assert!(r.accuracy_confirmed());
        let change = DraftUpdate {
            start_date: Some(date!(2026 - 04 - 01)),
            ..DraftUpdate::default()
        };
        r.update_draft(&applicant(), change, T1).expect("changed");
        assert!(!r.accuracy_confirmed());
        assert_eq!(
            r.missing_for_submission(),
            vec![MissingField::AccuracyConfirmation]
        );
    }

    #[test]
    fn faq_r11_civil_status_from_franceconnect_is_read_only() {
        let mut r =
            RegistrationRequest::new_self_service("req-1", &applicant(), civil_status(), T0)
                .expect("created");
        let err = r
            .correct_civil_status(&applicant(), civil_status(), T1)
            .expect_err("read-only");
        assert_eq!(err, TransitionError::CivilStatusReadOnly);
        assert!(err.to_string().contains("FranceConnect"));
    }

    #[test]
    fn only_the_owner_edits_a_self_service_draft() {
        let mut r =
            RegistrationRequest::new_self_service("req-1", &applicant(), civil_status(), T0)
                .expect("created");
        let stranger = Actor::new("fc-sub-other", Role::Applicant);
        assert_eq!(
            r.update_draft(&stranger, complete(), T1),
            Err(TransitionError::NotOwner)
        );
        assert_eq!(
            r.update_draft(&manager(), complete(), T1),
            Err(TransitionError::NotAllowedForRole)
        );
        assert_eq!(r.submit(&stranger, T1), Err(TransitionError::NotOwner));
        assert!(r.is_visible_to(&applicant()));
        assert!(!r.is_visible_to(&stranger));
        // A draft is not yet visible to the managers.
        assert!(!r.is_visible_to(&manager()));
    }

    #[test]
    fn only_an_applicant_starts_a_self_service_request() {
        for actor in [
            manager(),
            Actor::anonymous(),
            Actor::scheduler("purge"),
            Actor::new("ops", Role::Operator),
            Actor::new("810001045367", Role::Professional { rpps: rpps() }),
        ] {
            assert_eq!(
                RegistrationRequest::new_self_service("r", &actor, civil_status(), T0).err(),
                Some(TransitionError::NotAllowedForRole)
            );
        }
    }

    #[test]
    fn faq_r2_manager_validates_with_an_attestation_and_an_rpps_number() {
        let mut r = submitted();
        assert!(r.is_visible_to(&manager()));
        let validation = r
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        assert_eq!(validation.request_id, "req-1");
        assert_eq!(validation.rpps, rpps());
        assert!(validation.newly_validated);
        assert_eq!(validation.attestation.manager_id, "3010000024/GEST1");
        assert_eq!(
            r.status(),
            &RegistrationStatus::Validated {
                rpps: rpps(),
                attestation: attestation(&manager()),
                by: "3010000024/GEST1".into(),
                at: T2
            }
        );
        assert_eq!(r.attestation(), Some(&attestation(&manager())));
        assert_eq!(r.decided_by(), Some("3010000024/GEST1"));
        assert_eq!(r.decided_at(), Some(T2));
        assert!(r.status().is_final());
    }

    #[test]
    fn faq_r2_validation_without_the_declaration_is_refused() {
        let mut r = submitted();
        let unchecked = Attestation::new(&manager(), EligibilityBasis::Certification, false, T2);
        let err = r
            .validate(&manager(), unchecked, rpps(), T2)
            .expect_err("no declaration");
        assert_eq!(err, TransitionError::MissingAttestation);
        assert_eq!(err.code(), "registration.missing_attestation");
        assert_eq!(
            r.validate(&manager(), attestation(&other_manager()), rpps(), T2),
            Err(TransitionError::AttestationMismatch)
        );
        assert_eq!(r.status(), &RegistrationStatus::Submitted);
    }

    #[test]
    fn faq_r9_only_a_manager_of_the_establishment_decides() {
        let mut r = submitted();
        assert_eq!(
            r.validate(&other_manager(), attestation(&other_manager()), rpps(), T2),
            Err(TransitionError::NotYourEstablishment)
        );
        assert!(!r.is_visible_to(&other_manager()));
        for actor in [
            applicant(),
            Actor::anonymous(),
            Actor::scheduler("purge"),
            Actor::new("ops", Role::Operator),
            Actor::new("810001045367", Role::Professional { rpps: rpps() }),
        ] {
            assert_eq!(
                r.validate(&actor, attestation(&actor), rpps(), T2),
                Err(TransitionError::NotAllowedForRole)
            );
            assert_eq!(
                r.reject(&actor, RejectionReason::parse("non").expect("reason"), T2),
                Err(TransitionError::NotAllowedForRole)
            );
        }
    }

    #[test]
    fn a_draft_cannot_be_decided() {
        let mut r = RegistrationRequest::new_by_employer(
            "req-2",
            &manager(),
            civil_status(),
            finess("010000024"),
            T0,
        )
        .expect("created");
        assert_eq!(
            r.validate(&manager(), attestation(&manager()), rpps(), T2),
            Err(TransitionError::NotSubmitted)
        );
        assert_eq!(
            r.reject(
                &manager(),
                RejectionReason::parse("non").expect("reason"),
                T2
            ),
            Err(TransitionError::NotSubmitted)
        );
    }

    #[test]
    fn validating_twice_returns_the_same_rpps_number() {
        let mut r = submitted();
        let first = r
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        let other_number = RppsNumber::from_sequence(43).expect("allocated");
        let again = r
            .validate(&manager(), attestation(&manager()), other_number, T2)
            .expect("idempotent");
        assert_eq!(again.rpps, first.rpps);
        assert!(!again.newly_validated);
        assert_eq!(again.validated_at, first.validated_at);
        assert_eq!(r.status().rpps(), Some(&rpps()));
    }

    #[test]
    fn validated_and_rejected_requests_are_final() {
        let mut validated = submitted();
        validated
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        let reason = RejectionReason::parse("Diplôme non reconnu").expect("reason");
        assert_eq!(
            validated.reject(&manager(), reason.clone(), T2),
            Err(TransitionError::AlreadyValidated)
        );
        assert_eq!(
            validated.submit(&applicant(), T2),
            Err(TransitionError::AlreadyValidated)
        );

        let mut rejected = submitted();
        rejected
            .reject(&manager(), reason.clone(), T2)
            .expect("rejected");
        assert_eq!(
            rejected.status(),
            &RegistrationStatus::Rejected {
                reason: reason.clone(),
                by: "3010000024/GEST1".into(),
                at: T2
            }
        );
        assert_eq!(
            rejected.validate(&manager(), attestation(&manager()), rpps(), T2),
            Err(TransitionError::AlreadyRejected)
        );
        assert_eq!(
            rejected.reject(&manager(), reason, T2),
            Err(TransitionError::AlreadyRejected)
        );
        assert_eq!(
            rejected.update_draft(&applicant(), complete(), T2),
            Err(TransitionError::AlreadyRejected)
        );
    }

    #[test]
    fn rejection_reason_is_1_to_1000_characters() {
        assert_eq!(
            RejectionReason::parse("  "),
            Err(RejectionReasonError::Empty)
        );
        assert_eq!(
            RejectionReason::parse(&"é".repeat(1001)),
            Err(RejectionReasonError::TooLong)
        );
        assert!(RejectionReason::parse(&"é".repeat(1000)).is_ok());
        assert_eq!(
            RejectionReason::parse("  Expérience insuffisante ").map(|r| r.to_string()),
            Ok("Expérience insuffisante".to_owned())
        );
    }

    #[test]
    fn faq_r1_employer_registers_an_aide() {
        let mut r = RegistrationRequest::new_by_employer(
            "req-2",
            &manager(),
            civil_status(),
            finess("010000024"),
            T0,
        )
        .expect("created");
        assert_eq!(r.origin(), Origin::Employer);
        assert_eq!(r.applicant_id(), None);
        assert_eq!(r.created_by(), "3010000024/GEST1");
        assert_eq!(r.establishment(), Some(&finess("010000024")));
        assert!(r.is_visible_to(&manager()));
        // The manager typed the civil status: it may be corrected while in draft.
        r.correct_civil_status(&manager(), civil_status(), T0)
            .expect("corrected");
        r.update_draft(&manager(), complete(), T1)
            .expect("completed");
        r.submit(&manager(), T1).expect("submitted");
        let v = r
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        assert!(v.newly_validated);
    }

    #[test]
    fn faq_r1_employer_request_only_for_a_managed_establishment() {
        assert_eq!(
            RegistrationRequest::new_by_employer(
                "r",
                &manager(),
                civil_status(),
                finess("010780054"),
                T0
            )
            .err(),
            Some(TransitionError::NotYourEstablishment)
        );
        assert_eq!(
            RegistrationRequest::new_by_employer(
                "r",
                &applicant(),
                civil_status(),
                finess("010000024"),
                T0
            )
            .err(),
            Some(TransitionError::NotAllowedForRole)
        );
        let mut r = RegistrationRequest::new_by_employer(
            "r",
            &manager(),
            civil_status(),
            finess("010000024"),
            T0,
        )
        .expect("created");
        let elsewhere = DraftUpdate {
            establishment: Some(finess("010780054")),
            ..DraftUpdate::default()
        };
        assert_eq!(
            r.update_draft(&manager(), elsewhere, T1),
            Err(TransitionError::NotYourEstablishment)
        );
        assert_eq!(
            r.submit(&other_manager(), T1),
            Err(TransitionError::NotYourEstablishment)
        );
        assert_eq!(
            r.update_draft(&applicant(), complete(), T1),
            Err(TransitionError::NotAllowedForRole)
        );
    }

    #[test]
    fn birth_place_from_franceconnect_claims() {
        assert_eq!(
            BirthPlace::from_franceconnect("75113", "99100"),
            Ok(BirthPlace::France {
                commune: InseeCommuneCode::parse("75113").expect("Paris 13e")
            })
        );
        let abroad = BirthPlace::from_franceconnect("", "99352").expect("Algérie");
        assert_eq!(abroad.country().as_str(), "99352");
        let err = BirthPlace::from_franceconnect("", "99100").expect_err("commune needed");
        assert_eq!(err.code(), "insee_commune.empty");
        assert_eq!(
            err.to_string(),
            "Veuillez indiquer la commune de naissance."
        );
    }

    struct Known;

    impl KnownPlaces for Known {
        fn has_commune(&self, code: &InseeCommuneCode) -> bool {
            code.as_str() != "75999"
        }
        fn has_country(&self, code: &InseeCountryCode) -> bool {
            code.as_str() != "99999"
        }
    }

    #[test]
    fn faq_r17_a_typed_birth_place_is_a_known_commune_or_country() {
        assert_eq!(
            BirthPlace::from_typed(Some(" 69383 "), None, &Known),
            BirthPlace::from_franceconnect("69383", "99100")
                .map_err(|_| TypedBirthPlaceError::Missing)
        );
        assert_eq!(
            BirthPlace::from_typed(Some("69383"), Some("99100"), &Known)
                .map(|p| p.country().is_france()),
            Ok(true)
        );
        assert_eq!(
            BirthPlace::from_typed(Some(""), Some("99352"), &Known)
                .map(|p| p.country().as_str().to_owned()),
            Ok("99352".to_owned())
        );
        let refused = |commune, country| {
            BirthPlace::from_typed(commune, country, &Known).expect_err("refused")
        };
        let e = refused(Some("75999"), None);
        assert_eq!(
            (e.code(), e.field()),
            ("birth_commune.unknown", BirthPlaceField::Commune)
        );
        assert!(e.to_string().contains("75999"));
        let e = refused(Some("75015 Paris"), None);
        assert_eq!(e.field(), BirthPlaceField::Commune);
        let e = refused(None, Some("99999"));
        assert_eq!(
            (e.code(), e.field()),
            ("birth_country.unknown", BirthPlaceField::Country)
        );
        let e = refused(None, Some("99100"));
        assert_eq!(e.code(), "birth_commune.missing");
        let e = refused(Some("69383"), Some("99352"));
        assert_eq!(
            (e.code(), e.field()),
            ("birth_place.both", BirthPlaceField::Country)
        );
        let e = refused(Some("  "), None);
        assert_eq!(
            (e.code(), e.field()),
            ("birth_place.missing", BirthPlaceField::Commune)
        );
    }

    #[test]
    fn no_request_blocks_a_person_for_ever_withdrawn_deleted_expired() {
        // The applicant withdraws, draft or submitted; nobody else does.
        let mut sent = submitted();
        assert_eq!(
            sent.withdraw(&manager(), T2),
            Err(TransitionError::NotAllowedForRole)
        );
        let stranger = Actor::new("fc-sub-other", Role::Applicant);
        assert_eq!(sent.withdraw(&stranger, T2), Err(TransitionError::NotOwner));
        sent.withdraw(&applicant(), T2).expect("withdrawn");
        assert_eq!(
            sent.status(),
            &RegistrationStatus::Closed {
                reason: ClosureReason::Withdrawn,
                by: "fc-sub-aide".into(),
                at: T2
            }
        );
        assert!(sent.status().is_final() && !sent.status().stands());
        assert_eq!(
            sent.withdraw(&applicant(), T2),
            Err(TransitionError::AlreadyClosed)
        );
        assert_eq!(
            sent.validate(&manager(), attestation(&manager()), rpps(), T2),
            Err(TransitionError::AlreadyClosed)
        );
        // A decided request is not withdrawn.
        let mut decided = submitted();
        decided
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        assert_eq!(
            decided.withdraw(&applicant(), T2),
            Err(TransitionError::AlreadyValidated)
        );

        // A manager deletes an employer draft of their establishment, not an applicant's request.
        let mut draft = RegistrationRequest::new_by_employer(
            "req-2",
            &manager(),
            civil_status(),
            finess("010000024"),
            T0,
        )
        .expect("created");
        assert_eq!(
            draft.delete_draft(&other_manager(), T1),
            Err(TransitionError::NotYourEstablishment)
        );
        draft.delete_draft(&manager(), T1).expect("deleted");
        assert_eq!(draft.status().code(), "closed");
        assert_eq!(
            submitted().delete_draft(&manager(), T1),
            Err(TransitionError::NotAnEmployerDraft)
        );

        // A draft expires 30 days after its last change, by the scheduled function only.
        let mut idle =
            RegistrationRequest::new_self_service("req-3", &applicant(), civil_status(), T0)
                .expect("created");
        let expiry = T0 + DRAFT_LIFETIME;
        assert_eq!(idle.expires_at(), Some(expiry));
        let purge = Actor::scheduler("purge");
        assert_eq!(
            idle.expire(&purge, expiry - time::Duration::seconds(1)),
            Err(TransitionError::NotExpired)
        );
        assert_eq!(
            idle.expire(&applicant(), expiry),
            Err(TransitionError::NotAllowedForRole)
        );
        // A change moves the expiry on.
        idle.update_draft(&applicant(), complete(), T1)
            .expect("changed");
        assert_eq!(idle.expires_at(), Some(T1 + DRAFT_LIFETIME));
        idle.expire(&purge, T1 + DRAFT_LIFETIME).expect("expired");
        assert_eq!(idle.decided_by(), Some("purge"));
        assert_eq!(idle.expires_at(), None);
        assert_eq!(
            submitted().expire(&purge, T2 + DRAFT_LIFETIME),
            Err(TransitionError::AlreadySubmitted)
        );
        // Closed requests read back.
        let json = serde_json::to_string(&idle).expect("ser");
        assert_eq!(
            serde_json::from_str::<RegistrationRequest>(&json).expect("de"),
            idle
        );
    }

    #[test]
    fn profession_codes_and_card_mention() {
        let p = Profession::AideADomicileQualifiee;
        assert_eq!(
            p.card_mention(),
            "professionnel qualifié de l'aide à domicile"
        );
        assert_eq!(
            serde_json::to_string(&p).expect("ser"),
            "\"aide_a_domicile_qualifiee\""
        );
        assert_eq!(p.code(), "aide_a_domicile_qualifiee");
    }

    #[test]
    fn faq_r2_the_validation_is_checked_before_a_number_is_taken() {
        let r = submitted();
        assert_eq!(
            r.check_validation(&manager(), &attestation(&manager())),
            Ok(ValidationCheck::Allowed)
        );
        let unchecked = Attestation::new(&manager(), EligibilityBasis::Certification, false, T2);
        assert_eq!(
            r.check_validation(&manager(), &unchecked),
            Err(TransitionError::MissingAttestation)
        );
        assert_eq!(
            r.check_validation(&other_manager(), &attestation(&other_manager())),
            Err(TransitionError::NotYourEstablishment)
        );
        let mut done = submitted();
        let first = done
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        assert_eq!(
            done.check_validation(&manager(), &attestation(&manager())),
            Ok(ValidationCheck::AlreadyValidated(Validation {
                newly_validated: false,
                ..first
            }))
        );
    }

    #[test]
    fn faq_r2_eligibility_bases_are_read_from_their_codes() {
        assert_eq!(
            EligibilityBasis::parse("certification"),
            Ok(EligibilityBasis::Certification)
        );
        assert_eq!(
            EligibilityBasis::parse(" professional_experience "),
            Ok(EligibilityBasis::ProfessionalExperience)
        );
        let err = EligibilityBasis::parse("diplome").expect_err("unknown");
        assert_eq!(err.code(), "eligibility.unknown");
        assert!(err.to_string().contains("expérience professionnelle"));
    }

    /// Items written before the decision moved into the status (as the code of 1f32fab wrote
    /// them) read back into today's form.
    #[test]
    fn requests_stored_in_the_earlier_form_read_back() {
        const VALIDATED: &str = r#"{"id":"req-1","origin":"self_service","applicant_id":"fc-sub-aide","created_by":"fc-sub-aide","civil_status":{"family_name":"Martin","given_names":"Aïcha Marie","birth_date":"1985-04-12","birth_place":{"kind":"france","commune":"2A004"}},"contact":{"email":"aicha.martin@exemple.fr","mobile":"+33612345678"},"profession":"aide_a_domicile_qualifiee","establishment":"010000024","start_date":"2026-03-15","eligibility":"certification","accuracy_confirmed":true,"status":{"state":"validated","rpps":"10000000421"},"attestation":{"manager_id":"3010000024/GEST1","basis":"certification","conditions_checked":true,"at":"2026-03-02T14:00:00Z"},"decided_by":"3010000024/GEST1","created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-02T14:00:00Z","submitted_at":"2026-03-01T09:10:00Z","decided_at":"2026-03-02T14:00:00Z"}"#;
        const REJECTED: &str = r#"{"id":"req-1","origin":"self_service","applicant_id":"fc-sub-aide","created_by":"fc-sub-aide","civil_status":{"family_name":"Martin","given_names":"Aïcha Marie","birth_date":"1985-04-12","birth_place":{"kind":"france","commune":"2A004"}},"contact":{"email":"aicha.martin@exemple.fr","mobile":"+33612345678"},"profession":"aide_a_domicile_qualifiee","establishment":"010000024","start_date":"2026-03-15","eligibility":"certification","accuracy_confirmed":true,"status":{"state":"rejected","reason":"Diplôme non reconnu"},"attestation":null,"decided_by":"3010000024/GEST1","created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-02T14:00:00Z","submitted_at":"2026-03-01T09:10:00Z","decided_at":"2026-03-02T14:00:00Z"}"#;
        const EMPLOYER_DRAFT: &str = r#"{"id":"req-2","origin":"employer","applicant_id":null,"created_by":"3010000024/GEST1","civil_status":{"family_name":"Martin","given_names":"Aïcha Marie","birth_date":"1985-04-12","birth_place":{"kind":"france","commune":"2A004"}},"contact":null,"profession":"aide_a_domicile_qualifiee","establishment":"010000024","start_date":null,"eligibility":null,"accuracy_confirmed":false,"status":{"state":"draft"},"attestation":null,"decided_by":null,"created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-01T09:00:00Z","submitted_at":null,"decided_at":null}"#;

        let mut validated = submitted();
        validated
            .validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        let read: RegistrationRequest = serde_json::from_str(VALIDATED).expect("validated");
        assert_eq!(read, validated);

        let mut rejected = submitted();
        rejected
            .reject(
                &manager(),
                RejectionReason::parse("Diplôme non reconnu").expect("reason"),
                T2,
            )
            .expect("rejected");
        let read: RegistrationRequest = serde_json::from_str(REJECTED).expect("rejected");
        assert_eq!(read, rejected);

        let draft = RegistrationRequest::new_by_employer(
            "req-2",
            &manager(),
            civil_status(),
            finess("010000024"),
            T0,
        )
        .expect("created");
        let read: RegistrationRequest = serde_json::from_str(EMPLOYER_DRAFT).expect("draft");
        assert_eq!(read, draft);

        // Today's form has the decision in the status and nothing beside it.
        let json = serde_json::to_value(&validated).expect("ser");
        assert_eq!(json["status"]["by"], "3010000024/GEST1");
        assert_eq!(json["status"]["attestation"]["basis"], "certification");
        assert!(json.get("decided_by").is_none() && json.get("attestation").is_none());

        // A validated request without its declaration is not a request we wrote.
        let broken = VALIDATED.replace(
            r#""attestation":{"manager_id":"3010000024/GEST1","basis":"certification","conditions_checked":true,"at":"2026-03-02T14:00:00Z"}"#,
            r#""attestation":null"#,
        );
        let err = serde_json::from_str::<RegistrationRequest>(&broken).expect_err("broken");
        assert!(err.to_string().contains("without an attestation"), "{err}");
    }

    #[test]
    fn request_round_trips_through_json() {
        let mut r = submitted();
        r.validate(&manager(), attestation(&manager()), rpps(), T2)
            .expect("validated");
        let json = serde_json::to_value(&r).expect("ser");
        assert_eq!(json["status"]["state"], "validated");
        assert_eq!(json["status"]["rpps"], rpps().as_str());
        assert_eq!(json["status"]["at"], "2026-03-02T14:00:00Z");
        assert_eq!(json["start_date"], "2026-03-15");
        assert_eq!(json["submitted_at"], "2026-03-01T09:10:00Z");
        assert_eq!(json["civil_status"]["birth_place"]["kind"], "france");
        assert_eq!(json["contact"]["mobile"], "+33612345678");
        let back: RegistrationRequest = serde_json::from_value(json).expect("de");
        assert_eq!(back, r);
    }
}

#[cfg(test)]
mod identity_key_tests {
    use super::*;
    use time::macros::date;

    fn civil(family: &str, given: &str, born: &str, place: &str, country: &str) -> CivilStatus {
        CivilStatus {
            family_name: PersonName::parse(family).unwrap(),
            given_names: PersonName::parse(given).unwrap(),
            birth_date: BirthDate::parse(born, date!(2026 - 11 - 26)).unwrap(),
            birth_place: BirthPlace::from_franceconnect(place, country).unwrap(),
        }
    }

    #[test]
    fn faq_r12_the_identity_key_ignores_case_and_accents_but_not_the_facts() {
        let a = civil("Lefèvre", "Élodie Marie", "1985-04-12", "69383", "99100");
        let b = civil("LEFEVRE", "elodie marie", "1985-04-12", "69383", "99100");
        assert_eq!(a.identity_key(), b.identity_key());
        assert_eq!(a.identity_key().len(), 64);
        assert_ne!(
            a.identity_key(),
            civil("Lefèvre", "Élodie Marie", "1985-04-13", "69383", "99100").identity_key()
        );
        assert_ne!(
            a.identity_key(),
            civil("Lefèvre", "Élodie Marie", "1985-04-12", "69381", "99100").identity_key()
        );
        assert_ne!(
            a.identity_key(),
            civil("Lefèvre", "Élodie Marie", "1985-04-12", "", "99350").identity_key()
        );
    }
}
