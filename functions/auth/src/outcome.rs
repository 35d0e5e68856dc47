//! What a verified identity becomes: a session, or a refusal page. The rules are the domain's
//! (the civil status FranceConnect certifies, the PSC role decision); this module reads the
//! registry they need.

use rpps_api::ApiError;
use rpps_domain::paris::date_in_paris;
use rpps_domain::{
    BirthDate, BirthPlace, CivilStatus, IdentityTraits, PersonName, PscRefusal, PscSpace,
    RegistrationRequest, Role, RppsNumber, Sex, Verdict, candidate_key,
};
use rpps_identity::{FranceConnectIdentity, Provider, PscIdentity};
use rpps_places::EmbeddedPlaces;
use rpps_session::{CertifiedIdentity, SessionData};
use rpps_store::Store;
use time::OffsetDateTime;

use crate::pages::Problem;

/// What a successful sign-in becomes: a session, or a refusal page (with its audit code).
pub enum Outcome {
    Session(Box<SessionData>),
    Refused(Problem, &'static str),
    /// FranceConnect is for a first pre-registration only: this person holds this number
    /// (FAQ-R12); the page shows it.
    AlreadyNumbered(RppsNumber),
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

/// Who the applicant is for the register, besides themselves.
#[derive(Default)]
struct Known {
    /// The request their employer (or another of their accounts) already started.
    followed_request: Option<String>,
}

fn session(
    role: Role,
    provider: Provider,
    actor_id: String,
    names: (String, String),
    (civil_status, known): (Option<CertifiedIdentity>, Known),
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
        followed_request: known.followed_request,
        id_token,
        csrf_token: rpps_session::random_token(),
        created_at: now,
        absolute_expiry: now + rpps_session::ABSOLUTE_TIMEOUT,
    }))
}

/// An applicant's sign-in (FAQ-R11); someone who already holds an RPPS number is told to use
/// their e-CPS, with their number (FAQ-R12); someone whose employer already started their
/// request follows that request.
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
    // FAQ-R12: FranceConnect is for a first pre-registration only. The subject already linked
    // to a number, the exact civil status of a numbered professional, or — one query of the
    // identity-match partition — the same person written otherwise (FAQ-R3).
    if let Some(rpps) = store
        .rpps_of_franceconnect_subject(&identity.sub)
        .await
        .map_err(unavailable)?
    {
        return Ok(Outcome::AlreadyNumbered(rpps));
    }
    if let Some(rpps) = store
        .rpps_of_civil_identity(&civil.identity_key())
        .await
        .map_err(unavailable)?
    {
        return Ok(Outcome::AlreadyNumbered(rpps));
    }
    let sex = Sex::from_franceconnect(&identity.gender).ok();
    let traits = IdentityTraits::from(&civil).with_sex(sex);
    let candidates = store
        .identity_candidates(&candidate_key(&traits, &EmbeddedPlaces))
        .await
        .map_err(unavailable)?;
    let same: Vec<&RegistrationRequest> = candidates
        .requests
        .iter()
        .map(|stored| &stored.request)
        .filter(|request| {
            request
                .identity_match(&traits, &EmbeddedPlaces)
                .is_some_and(|m| m.verdict == Verdict::Same)
        })
        .collect();
    if let Some(rpps) = same.iter().find_map(|r| r.status().rpps()) {
        return Ok(Outcome::AlreadyNumbered(rpps.clone()));
    }
    // A request already open for this person, not theirs (their employer's): they follow it.
    let known = Known {
        followed_request: same
            .iter()
            .find(|r| r.applicant_id() != Some(identity.sub.as_str()))
            .map(|r| r.id().to_owned()),
    };
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
        (Some(certified), known),
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
        (None, Known::default()),
        identity.id_token,
        now,
    ))
}
