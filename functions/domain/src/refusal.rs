//! What every error of the domain is to the outside: a stable machine code and a French
//! message (its `Display`) that a person reads as it is.

/// An error of the domain: [`Refusal::code`] is stable (tests, the web app, the logs rely on
/// it), the `Display` is the French message shown to the person.
pub trait Refusal: std::error::Error {
    fn code(&self) -> &'static str;
}

macro_rules! refusals {
    ($($error:ty),* $(,)?) => {
        $(impl Refusal for $error {
            fn code(&self) -> &'static str {
                <$error>::code(self)
            }
        })*
    };
}

refusals!(
    crate::BirthDateError,
    crate::EmailError,
    crate::FinessError,
    crate::InseeCommuneError,
    crate::InseeCountryError,
    crate::PersonNameError,
    crate::MobilePhoneError,
    crate::BirthPlaceError,
    crate::RejectionReasonError,
    crate::TypedBirthPlaceError,
    crate::TransitionError,
    crate::EligibilityError,
    crate::RppsError,
    crate::SirenError,
    crate::SiretError,
    crate::SiteError,
);

impl Refusal for crate::StartDateError {
    fn code(&self) -> &'static str {
        crate::StartDateError::code(*self)
    }
}
