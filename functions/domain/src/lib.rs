//! The RPPS+ domain: rules and types, no I/O.
//!
//! Every value type here is built only by parsing (`parse`/`new`), so code that holds one never
//! sees an unchecked value. Errors carry a stable `code()` and a French message (their `Display`)
//! that the user interface shows as it is.
//!
//! No function reads the clock: wherever "today" or "now" matters it is a parameter, so every
//! rule is deterministic and testable. The rules, their sources and the choices made where the
//! sources are silent are described in `docs/DOMAIN.md`.

pub mod birth;
pub mod ecps;
pub mod email;
pub mod finess;
pub mod french;
pub mod identity;
pub mod insee;
pub mod luhn;
pub mod name;
pub mod paris;
pub mod phone;
pub mod refusal;
pub mod registration;
pub mod role;
pub mod rpps;
pub mod sex;
pub mod siret;
pub mod site;
pub mod start_date;
pub mod text;

mod compact;
mod dates;

pub use birth::{BirthDate, BirthDateError, BirthDatePrecision};
pub use ecps::{ECPS_DELAY, ecps_activable_from};
pub use email::{Email, EmailError};
pub use finess::{Finess, FinessError, finess_file_departement_to_insee};
pub use identity::{
    IdentityMatch, IdentityTrait, IdentityTraits, MatchReason, PlaceCanon, Verdict, candidate_key,
    canonical_name, compare,
};
pub use insee::{InseeCommuneCode, InseeCommuneError, InseeCountryCode, InseeCountryError};
pub use name::{PersonName, PersonNameError};
pub use phone::{MobilePhone, MobilePhoneError, MobileTerritory};
pub use refusal::Refusal;
pub use registration::{
    Attestation, BirthPlace, BirthPlaceError, BirthPlaceField, CivilStatus, ClosureReason, Contact,
    DRAFT_LIFETIME, DraftUpdate, EXPIRY_NOTICE, EligibilityBasis, EligibilityError, KnownPlaces,
    MissingField, Origin, Profession, RegistrationRequest, RegistrationStatus, RejectionReason,
    RejectionReasonError, TransitionError, TypedBirthPlaceError, Validation, ValidationCheck,
};
pub use role::{Actor, PscRefusal, PscSpace, Role};
pub use rpps::{RppsError, RppsNumber, SequenceRange, SequenceRangeError};
pub use sex::{Sex, SexError};
pub use siret::{Siren, SirenError, Siret, SiretError, SiretKind, looks_like_siren_or_siret};
pub use site::{PracticeSite, SiteError};
pub use start_date::{StartDateError, parse_start_date};
pub use text::fold;
