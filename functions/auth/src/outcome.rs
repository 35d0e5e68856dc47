//! What a verified identity becomes: a session, or a refusal page. The rules are the domain's
//! (the civil status FranceConnect certifies, the PSC role decision); this module reads the
//! registry they need.

use rpps_api::ApiError;
use rpps_domain::paris::date_in_paris;
use rpps_domain::{
    BirthDate, BirthPlace, CivilStatus, PersonName, PscRefusal, PscSpace, Role, RppsNumber,
};
use rpps_identity::{FranceConnectIdentity, Provider, PscIdentity};
use rpps_session::{CertifiedIdentity, SessionData};
use rpps_store::Store;
use time::OffsetDateTime;

use crate::pages::Problem;

/// What a successful sign-in becomes: a session, or a refusal page (with its audit code).
pub enum Outcome {
    Session(Box<SessionData>),
    Refused(Problem, &'static str),
}

/// The civil status FranceConnect certifies, parsed by the domain's rules (FAQ-R11); the error
/// is the code of the first claim that does not parse.
pub fn civil_status(
    family_name: &str,
    given_name: &str,
    birthdate: &str,
    birthplace: Option<&str>,
    birthcountry: &str,
    today: time::Date,
) -> Result<CivilStatus, &'static str> {
    Ok(CivilStatus {
        family_name: PersonName::parse(family_name).map_err(|e| e.code())?,
        given_names: PersonName::parse(given_name).map_err(|e| e.code())?,
        birth_date: BirthDate::from_franceconnect(birthdate, today).map_err(|e| e.code())?,
        birth_place: BirthPlace::from_franceconnect(birthplace.unwrap_or(""), birthcountry)
            .map_err(|e| e.code())?,
    })
}

fn unavailable(e: rpps_store::StoreError) -> ApiError {
    ApiError::from_store(e, "La connexion")
}

fn session(
    role: Role,
    provider: Provider,
    actor_id: String,
    names: (String, String),
    civil_status: Option<CertifiedIdentity>,
    id_token: String,
    now: OffsetDateTime,
) -> Outcome {
    let (given_name, family_name) = names;
    Outcome::Session(Box::new(SessionData {
        role,
        actor_id,
        provider: provider.code().to_owned(),
        given_name,
        family_name,
        civil_status,
        id_token,
        csrf_token: rpps_session::random_token(),
        created_at: now,
        absolute_expiry: now + rpps_session::ABSOLUTE_TIMEOUT,
        refreshed_at: now,
    }))
}

/// An applicant's sign-in (FAQ-R11); someone who already holds an RPPS number is told to use
/// their e-CPS (FAQ-R12).
pub async fn franceconnect(
    store: &Store,
    identity: FranceConnectIdentity,
    now: OffsetDateTime,
) -> Result<Outcome, ApiError> {
    let civil = match civil_status(
        &identity.family_name,
        &identity.given_name,
        &identity.birthdate,
        identity.birthplace.as_deref(),
        &identity.birthcountry,
        date_in_paris(now),
    ) {
        Ok(civil) => civil,
        Err(code) => {
            tracing::warn!(code, "FranceConnect civil status unreadable");
            return Ok(Outcome::Refused(
                Problem::IdentityUnreadable,
                "civil_status_unreadable",
            ));
        }
    };
    if store
        .rpps_of_franceconnect_subject(&identity.sub)
        .await
        .map_err(unavailable)?
        .is_some()
        || store
            .rpps_of_civil_identity(&civil.identity_key())
            .await
            .map_err(unavailable)?
            .is_some()
    {
        return Ok(Outcome::Refused(Problem::AlreadyRpps, "already_rpps"));
    }
    let certified = CertifiedIdentity {
        civil_status: civil,
        usage_name: identity.preferred_username,
        gender: Some(identity.gender),
        email: identity.email,
    };
    Ok(session(
        Role::Applicant,
        Provider::FranceConnect,
        identity.sub,
        (identity.given_name, identity.family_name),
        Some(certified),
        identity.id_token,
        now,
    ))
}

/// A Pro Santé Connect sign-in: the role is the domain's decision from the space asked for, the
/// establishments the person manages and the RPPS number their identifier carries (FAQ-R18:
/// `8` + RPPS; the token is verified, so its format suffices).
pub async fn psc(
    store: &Store,
    identity: PscIdentity,
    space: Option<PscSpace>,
    now: OffsetDateTime,
) -> Result<Outcome, ApiError> {
    let managed = store
        .establishments_managed_by(&identity.national_id)
        .await
        .map_err(unavailable)?;
    let rpps = RppsNumber::from_psc_identifier(&identity.national_id).ok();
    let role = match Role::from_psc(space, managed, rpps) {
        Ok(role) => role,
        Err(refusal @ PscRefusal::NotAManager) => {
            return Ok(Outcome::Refused(Problem::NotAuthorised, refusal.code()));
        }
        Err(refusal @ PscRefusal::NoRpps) => {
            return Ok(Outcome::Refused(Problem::NotEligible, refusal.code()));
        }
    };
    Ok(session(
        role,
        Provider::ProSanteConnect,
        identity.national_id,
        (identity.given_name, identity.family_name),
        None,
        identity.id_token,
        now,
    ))
}
