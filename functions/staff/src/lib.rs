//! The managers' staff (FAQ-R6): the professionals practising at their establishments, and the
//! departures they record (today or later), move or cancel before the date. The scheduled
//! purge (`functions/purge`) then removes the site from the directory once the date has passed.
//!
//! Contact data (FAQ-R13, R14): a professional signed in with their e-CPS updates their email and
//! mobile (`/api/me…`); a manager updates those of a professional practising at one of their
//! establishments. Each change is audited and confirmed by email (the mailer). Other roles are
//! told whom to ask.
//!
//! Every route checks the signed-in manager's establishments first: a manager can never see or
//! change another establishment's staff.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rpps_api::{ApiError, rpps_param};
use rpps_domain::paris::date_in_paris;
use rpps_domain::{Contact, Email, Finess, MobilePhone, Role, RppsNumber, SiteError};
use rpps_session::{SessionContext, SignedIn};
use rpps_store::{SiteRecord, SiteStoreError, Store, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

/// Every route this function serves (checked against `router` and `infra/template.yaml`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/manager/staff"),
    ("PUT", "/api/manager/staff/{rpps}/sites/{finess}/departure"),
    (
        "DELETE",
        "/api/manager/staff/{rpps}/sites/{finess}/departure",
    ),
    ("PATCH", "/api/manager/staff/{rpps}/contact"),
    ("GET", "/api/me"),
    ("PATCH", "/api/me/contact"),
];

#[derive(Clone)]
pub struct StaffState {
    pub store: Store,
    pub public_origin: String,
}

impl SessionContext for StaffState {
    fn store(&self) -> &Store {
        &self.store
    }
    fn public_origin(&self) -> &str {
        &self.public_origin
    }
}

fn store_error(e: StoreError) -> ApiError {
    if e.is_unavailable() {
        tracing::warn!(error = %e, "registry unavailable");
        ApiError::unavailable("Le registre")
    } else {
        ApiError::internal(&e)
    }
}

fn managed(signed_in: &SignedIn) -> Result<&[Finess], ApiError> {
    match &signed_in.data.role {
        Role::Manager { establishments } => Ok(establishments),
        _ => Err(ApiError::forbidden(
            "staff.not_manager",
            "Seuls les gestionnaires RPPS+ d'un établissement gèrent son personnel. Connectez-vous avec Pro Santé Connect en tant que gestionnaire.",
        )),
    }
}

fn view(site: &SiteRecord, today: Date) -> Value {
    json!({
        "rpps": site.rpps,
        "family_name": site.family_name,
        "given_names": site.given_names,
        "profession": site.profession,
        "finess": site.site.establishment(),
        "started_on": site.site.start().to_string(),
        "departure_on": site.site.end().map(|d| d.to_string()),
        "published": site.is_published(),
        "active_today": site.is_published() && site.site.is_active_on(today),
        "departure_cancellable": site.site.end().is_some_and(|end| today < end) && site.is_published(),
    })
}

async fn staff(State(state): State<StaffState>, signed_in: SignedIn) -> Result<Response, ApiError> {
    let establishments = managed(&signed_in)?;
    let today = date_in_paris(OffsetDateTime::now_utc());
    let mut results = Vec::new();
    for finess in establishments {
        let name = state
            .store
            .establishment(finess)
            .await
            .map_err(store_error)?
            .map(|e| e.long_name);
        let sites = state.store.staff_of(finess).await.map_err(store_error)?;
        results.push(json!({
            "finess": finess,
            "name": name,
            "staff": sites.iter().map(|s| view(s, today)).collect::<Vec<_>>(),
        }));
    }
    Ok(Json(json!({ "establishments": results })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartureBody {
    /// The last day at the establishment, `YYYY-MM-DD`.
    pub date: String,
}

/// The current (not purged) site of `rpps` at `finess`, once the manager is known to manage it.
async fn site_of(
    state: &StaffState,
    signed_in: &SignedIn,
    rpps: &str,
    finess: &str,
) -> Result<SiteRecord, ApiError> {
    let establishments = managed(signed_in)?;
    let finess = Finess::parse(finess).map_err(|e| {
        ApiError::bad_request("staff.finess", format!("Numéro FINESS invalide : {e}"))
    })?;
    if !establishments.contains(&finess) {
        return Err(ApiError::forbidden(
            "staff.not_your_establishment",
            "Vous n'êtes pas gestionnaire de cet établissement : seul l'un de ses gestionnaires RPPS+ peut enregistrer ce départ.",
        ));
    }
    let rpps = rpps_param(rpps)?;
    let not_found = || {
        ApiError::not_found(
            "staff.site_not_found",
            "Ce professionnel n'exerce pas dans cet établissement (ou son lieu d'exercice a déjà été retiré).",
        )
    };
    let file = state
        .store
        .professional_file(&rpps)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    file.sites
        .into_iter()
        .filter(|s| s.site.establishment() == &finess && s.is_published())
        .max_by_key(|s| s.site.start())
        .ok_or_else(not_found)
}

fn site_error(e: SiteError) -> ApiError {
    let status = match e {
        SiteError::AlreadyLeft | SiteError::TooLateToCancel => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.code(), e.to_string())
}

fn save_error(e: SiteStoreError) -> ApiError {
    match e {
        SiteStoreError::Changed => ApiError::conflict(
            "staff.changed",
            "Ce lieu d'exercice a été modifié entre-temps. Rechargez la liste du personnel.",
        ),
        SiteStoreError::Store(e) => store_error(e),
    }
}

async fn record_departure(
    State(state): State<StaffState>,
    Path((rpps, finess)): Path<(String, String)>,
    signed_in: SignedIn,
    body: Result<Json<DepartureBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let read = site_of(&state, &signed_in, &rpps, &finess).await?;
    let Json(body) = body.map_err(|e| {
        ApiError::bad_request(
            "staff.body",
            format!("Indiquez la date de départ : {{\"date\": \"AAAA-MM-JJ\"}} ({e})."),
        )
    })?;
    let date = Date::parse(
        body.date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        ApiError::bad_request(
            "staff.date",
            "La date de départ doit être une date au format AAAA-MM-JJ (par exemple 2026-12-31).",
        )
        .with_detail(
            "fields",
            json!({ "date": { "code": "date.malformed", "message": "Date invalide : utilisez le format AAAA-MM-JJ." } }),
        )
    })?;
    let now = OffsetDateTime::now_utc();
    let today = date_in_paris(now);
    let mut site = read.site.clone();
    site.end_on(date, today).map_err(|e| {
        let code = e.code();
        let message = e.to_string();
        site_error(e).with_detail(
            "fields",
            json!({ "date": { "code": code, "message": message } }),
        )
    })?;
    let saved = state
        .store
        .save_site(
            &read,
            &site,
            &signed_in.data.actor_id,
            "practice_site.departure",
            now,
        )
        .await
        .map_err(save_error)?;
    Ok(Json(view(&saved, today)).into_response())
}

async fn cancel_departure(
    State(state): State<StaffState>,
    Path((rpps, finess)): Path<(String, String)>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    let read = site_of(&state, &signed_in, &rpps, &finess).await?;
    let now = OffsetDateTime::now_utc();
    let today = date_in_paris(now);
    let mut site = read.site.clone();
    site.cancel_departure(today).map_err(site_error)?;
    let saved = state
        .store
        .save_site(
            &read,
            &site,
            &signed_in.data.actor_id,
            "practice_site.departure_cancelled",
            now,
        )
        .await
        .map_err(save_error)?;
    Ok(Json(view(&saved, today)).into_response())
}

/// FAQ-R13, R14: who may not change contact data, and whom to ask instead.
fn contact_not_allowed() -> ApiError {
    ApiError::forbidden(
        "contact.not_allowed",
        "Seuls le professionnel lui-même (connecté avec sa carte e-CPS) et les gestionnaires RPPS+ de son établissement peuvent modifier ces coordonnées. Pour toute autre modification, contactez votre ordre professionnel ou votre autorité d'enregistrement.",
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub email: Option<String>,
    /// An empty string removes the mobile number.
    pub mobile: Option<String>,
}

/// The new contact data: the fields given replace the current ones; every field error at once.
fn contact_of(current: Option<&Contact>, body: &ContactBody) -> Result<Contact, ApiError> {
    let mut fields = serde_json::Map::new();
    let email = match (&body.email, current) {
        (Some(raw), _) => match Email::parse(raw) {
            Ok(e) => Some(e),
            Err(e) => {
                fields.insert(
                    "email".into(),
                    json!({ "code": "email.invalid", "message": e.to_string() }),
                );
                None
            }
        },
        (None, Some(c)) => Some(c.email.clone()),
        (None, None) => {
            fields.insert(
                "email".into(),
                json!({ "code": "email.missing", "message": "Indiquez une adresse e-mail." }),
            );
            None
        }
    };
    let mobile = match (&body.mobile, current) {
        (Some(raw), _) if raw.trim().is_empty() => None,
        (Some(raw), _) => match MobilePhone::parse(raw) {
            Ok(m) => Some(m),
            Err(e) => {
                fields.insert(
                    "mobile".into(),
                    json!({ "code": "mobile.invalid", "message": e.to_string() }),
                );
                None
            }
        },
        (None, current) => current.and_then(|c| c.mobile.clone()),
    };
    match email {
        Some(email) if fields.is_empty() => Ok(Contact { email, mobile }),
        _ => Err(ApiError::bad_request(
            "contact.invalid_fields",
            "Certaines coordonnées sont à corriger : voyez le message sous chaque champ.",
        )
        .with_detail("fields", Value::Object(fields))),
    }
}

fn contact_json(contact: Option<&Contact>) -> Value {
    contact.map_or(
        Value::Null,
        |c| json!({ "email": c.email, "mobile": c.mobile }),
    )
}

fn body_error(e: axum::extract::rejection::JsonRejection) -> ApiError {
    ApiError::bad_request(
        "contact.body",
        format!("Envoyez les coordonnées en JSON : {{\"email\": …, \"mobile\": …}} ({e})."),
    )
}

/// Applies a contact change, audited; answers the new contact data.
async fn change_contact(
    state: &StaffState,
    rpps: &RppsNumber,
    current: Option<&Contact>,
    body: &ContactBody,
    actor: &str,
    action: &str,
) -> Result<Response, ApiError> {
    let after = contact_of(current, body)?;
    state
        .store
        .update_contact(rpps, current, &after, actor, action, OffsetDateTime::now_utc())
        .await
        .map_err(|e| match e {
            SiteStoreError::Changed => ApiError::conflict(
                "contact.changed",
                "Les coordonnées ont été modifiées entre-temps. Rechargez la page pour voir les dernières.",
            ),
            SiteStoreError::Store(e) => store_error(e),
        })?;
    Ok(Json(json!({ "rpps": rpps, "contact": contact_json(Some(&after)) })).into_response())
}

async fn file_or_404(
    state: &StaffState,
    rpps: &RppsNumber,
) -> Result<rpps_store::ProfessionalFile, ApiError> {
    state
        .store
        .professional_file(rpps)
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            ApiError::not_found(
                "professional.not_found",
                "Aucun professionnel n'a ce numéro RPPS dans le registre.",
            )
        })
}

/// The professional's own record (e-CPS sign-in): names, number, contact data, practice sites.
async fn me(State(state): State<StaffState>, signed_in: SignedIn) -> Result<Response, ApiError> {
    let Role::Professional { rpps } = &signed_in.data.role else {
        return Err(contact_not_allowed());
    };
    let file = file_or_404(&state, rpps).await?;
    let today = date_in_paris(OffsetDateTime::now_utc());
    Ok(Json(json!({
        "rpps": rpps,
        "family_name": file.profile.record.family_name,
        "given_names": file.profile.record.given_names,
        "contact": contact_json(file.profile.contact.as_ref()),
        "ecps_activable_from": rpps_api::timestamp::timestamp_opt(
            file.profile.allocated_at.map(|at| at + time::Duration::hours(48))
        ),
        "sites": file.sites.iter().map(|s| view(s, today)).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn my_contact(
    State(state): State<StaffState>,
    signed_in: SignedIn,
    body: Result<Json<ContactBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Role::Professional { rpps } = &signed_in.data.role else {
        return Err(contact_not_allowed());
    };
    let Json(body) = body.map_err(body_error)?;
    let file = file_or_404(&state, rpps).await?;
    change_contact(
        &state,
        rpps,
        file.profile.contact.as_ref(),
        &body,
        &signed_in.data.actor_id,
        "professional.contact.by_self",
    )
    .await
}

async fn staff_contact(
    State(state): State<StaffState>,
    Path(rpps): Path<String>,
    signed_in: SignedIn,
    body: Result<Json<ContactBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let establishments = match &signed_in.data.role {
        Role::Manager { establishments } => establishments,
        _ => return Err(contact_not_allowed()),
    };
    let rpps = rpps_param(&rpps)?;
    let file = file_or_404(&state, &rpps).await?;
    // Only a manager of an establishment where the person practises (a published site).
    if !file
        .sites
        .iter()
        .any(|s| s.is_published() && establishments.contains(s.site.establishment()))
    {
        return Err(ApiError::forbidden(
            "contact.not_your_staff",
            "Ce professionnel n'exerce dans aucun des établissements dont vous êtes gestionnaire : vous ne pouvez pas modifier ses coordonnées. Il peut le faire lui-même avec sa carte e-CPS.",
        ));
    }
    let Json(body) = body.map_err(body_error)?;
    change_contact(
        &state,
        &rpps,
        file.profile.contact.as_ref(),
        &body,
        &signed_in.data.actor_id,
        "professional.contact.by_manager",
    )
    .await
}

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: StaffState) -> Router {
    Router::new()
        .route("/api/manager/staff", get(staff))
        .route(
            "/api/manager/staff/{rpps}/sites/{finess}/departure",
            axum::routing::put(record_departure).delete(cancel_departure),
        )
        .route(
            "/api/manager/staff/{rpps}/contact",
            axum::routing::patch(staff_contact),
        )
        .route("/api/me", get(me))
        .route("/api/me/contact", axum::routing::patch(my_contact))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<StaffState> {
    let config = rpps_api::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_api::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, public_origin))
}

pub fn state_from_sdk(
    config: &rpps_api::Config,
    sdk: &rpps_api::aws::SdkConfig,
    public_origin: String,
) -> StaffState {
    StaffState {
        store: Store::from_config(config, sdk),
        public_origin,
    }
}

#[cfg(test)]
mod routes {
    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let state = super::state_from_sdk(&config, &sdk, "http://127.0.0.1:1".into());
        let unserved = rpps_api::routes::unserved(super::router(state), super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
