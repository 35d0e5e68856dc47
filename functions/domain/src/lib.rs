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
pub mod email;
pub mod finess;
pub mod identity;
pub mod insee;
pub mod luhn;
pub mod name;
pub mod paris;
pub mod phone;
pub mod registration;
pub mod role;
pub mod rpps;
pub mod sex;
pub mod siret;
pub mod site;
pub mod text;

mod compact;
mod dates;

pub use birth::{BirthDate, BirthDateError, BirthDatePrecision};
pub use email::{Email, EmailError};
pub use finess::{Finess, FinessError, finess_file_departement_to_insee};
pub use identity::{
    IdentityMatch, IdentityTraits, MatchReason, PlaceCanon, Verdict, candidate_key, canonical_name,
    compare,
};
pub use insee::{InseeCommuneCode, InseeCommuneError, InseeCountryCode, InseeCountryError};
pub use name::{PersonName, PersonNameError};
pub use phone::{MobilePhone, MobilePhoneError, MobileTerritory};
pub use registration::{
    Attestation, BirthPlace, BirthPlaceError, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    MissingField, Origin, Profession, RegistrationRequest, RegistrationStatus, RejectionReason,
    RejectionReasonError, TransitionError, Validation,
};
pub use role::{Actor, Role};
pub use rpps::{RppsError, RppsNumber};
pub use sex::{Sex, SexError};
pub use siret::{Siren, SirenError, Siret, SiretError, SiretKind, looks_like_siren_or_siret};
pub use site::{PracticeSite, SiteError};
pub use text::fold;
