//! The domain's shared values as the contract writes them, for every function that answers
//! them: explicit, field by field, so that a domain change cannot reach the wire unnoticed. A
//! function's own views (a request's, a staff list's) are in the function.

use rpps_contract::registration as wire;
use rpps_contract::session::RoleCode;
use rpps_domain::{BirthPlace, CivilStatus, Contact, EligibilityBasis, Origin, Profession, Role};

pub fn origin(origin: Origin) -> wire::Origin {
    match origin {
        Origin::SelfService => wire::Origin::SelfService,
        Origin::Employer => wire::Origin::Employer,
    }
}

pub fn profession(profession: Profession) -> wire::Profession {
    match profession {
        Profession::AideADomicileQualifiee => wire::Profession::AideADomicileQualifiee,
    }
}

pub fn eligibility(basis: EligibilityBasis) -> wire::EligibilityBasis {
    match basis {
        EligibilityBasis::Certification => wire::EligibilityBasis::Certification,
        EligibilityBasis::ProfessionalExperience => wire::EligibilityBasis::ProfessionalExperience,
    }
}

pub fn civil_status(civil: &CivilStatus) -> wire::CivilStatusView {
    wire::CivilStatusView {
        family_name: civil.family_name.as_str().to_owned(),
        given_names: civil.given_names.as_str().to_owned(),
        birth_date: civil.birth_date.stored(),
        birth_place: match &civil.birth_place {
            BirthPlace::France { commune } => wire::BirthPlaceView::France {
                commune: commune.to_string(),
            },
            BirthPlace::Abroad { country } => wire::BirthPlaceView::Abroad {
                country: country.to_string(),
            },
        },
    }
}

pub fn contact(contact: &Contact) -> wire::ContactView {
    wire::ContactView {
        email: contact.email.as_str().to_owned(),
        mobile: contact.mobile.as_ref().map(|m| m.as_e164().to_owned()),
    }
}

/// The role as the contract names it.
pub fn role(role: &Role) -> RoleCode {
    match role {
        Role::Anonymous => RoleCode::Anonymous,
        Role::Applicant => RoleCode::Applicant,
        Role::Professional { .. } => RoleCode::Professional,
        Role::Manager { .. } => RoleCode::Manager,
        Role::Scheduler => RoleCode::Scheduler,
        Role::Operator => RoleCode::Operator,
    }
}
