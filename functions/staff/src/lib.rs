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
use axum::routing::get;
use axum::{Json, Router};
use rpps_api::{ApiError, ApiJson, FieldErrors, rpps_param};
use rpps_contract::registration::Profession;
use rpps_contract::staff::{
    ContactBody, ContactChangeView, DepartureBody, EstablishmentStaff, MeView, PracticeSiteView,
    StaffList,
};
use rpps_domain::paris::{date_in_paris, rfc3339};
use rpps_domain::{
    Contact, Email, Finess, MobilePhone, Role, RppsNumber, SiteError, ecps_activable_from,
};
use rpps_session::{SessionContext, SignedIn};
use rpps_store::{SiteRecord, SiteStoreError, Store};
use time::{Date, OffsetDateTime};

/// Every route this function serves (checked against `router` and `infra/template.yaml`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/manager/staff"),
    ("GET", "/api/manager/staff/export"),
    ("GET", "/api/manager/establishments"),
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

fn managed(signed_in: &SignedIn) -> Result<&[Finess], ApiError> {
    match &signed_in.data.role {
        Role::Manager { establishments } => Ok(establishments),
        _ => Err(ApiError::forbidden(
            "staff.not_manager",
            "Seuls les gestionnaires RPPS+ d'un établissement gèrent son personnel. Connectez-vous avec Pro Santé Connect en tant que gestionnaire.",
        )),
    }
}

fn view(site: &SiteRecord, today: Date) -> PracticeSiteView {
    PracticeSiteView {
        rpps: site.rpps.to_string(),
        family_name: site.family_name.clone(),
        given_names: site.given_names.clone(),
        profession: Profession::from_code(&site.profession).unwrap_or_default(),
        finess: site.site.establishment().to_string(),
        started_on: site.site.start().to_string(),
        departure_on: site.site.end().map(|d| d.to_string()),
        published: site.is_published(),
        active_today: site.is_published() && site.site.is_active_on(today),
        departure_cancellable: site.site.end().is_some_and(|end| today < end)
            && site.is_published(),
    }
}

async fn staff(
    State(state): State<StaffState>,
    signed_in: SignedIn,
) -> Result<Json<StaffList>, ApiError> {
    let establishments = managed(&signed_in)?;
    let today = date_in_paris(OffsetDateTime::now_utc());
    let mut results = Vec::new();
    for finess in establishments {
        let name = state
            .store
            .establishment(finess)
            .await?
            .map(|e| e.long_name);
        let sites = state.store.staff_of(finess).await?;
        results.push(EstablishmentStaff {
            finess: finess.to_string(),
            name,
            staff: sites.iter().map(|s| view(s, today)).collect(),
        });
    }
    Ok(Json(StaffList {
        establishments: results,
    }))
}

/// The columns of the staff export, in order.
pub const EXPORT_COLUMNS: [&str; 9] = [
    "Nom",
    "Prénoms",
    "Numéro RPPS",
    "Profession",
    "FINESS",
    "Établissement",
    "Début d'exercice",
    "Départ",
    "Dans l'annuaire",
];

/// The staff of the manager's establishments as a CSV file (issue 19), to reconcile with the
/// payroll: one line per practice site, the establishments in the session's order and each
/// one's staff by name; dates as `JJ/MM/AAAA`. Names are typed by people: a formula-looking
/// one is written as text (`rpps_api::csv`).
async fn staff_export(
    State(state): State<StaffState>,
    signed_in: SignedIn,
) -> Result<axum::response::Response, ApiError> {
    use rpps_domain::french::numeric_date;
    let establishments = managed(&signed_in)?;
    let today = date_in_paris(OffsetDateTime::now_utc());
    let mut csv = rpps_api::csv::CsvWriter::new();
    csv.line(EXPORT_COLUMNS);
    for finess in establishments {
        let name = state
            .store
            .establishment(finess)
            .await?
            .map(|e| e.long_name)
            .unwrap_or_default();
        let mut sites = state.store.staff_of(finess).await?;
        sites.sort_by(|a, b| {
            (&a.family_name, &a.given_names, a.site.start()).cmp(&(
                &b.family_name,
                &b.given_names,
                b.site.start(),
            ))
        });
        for site in &sites {
            let profession = Profession::from_code(&site.profession).unwrap_or_default();
            csv.line([
                site.family_name.as_str(),
                site.given_names.as_str(),
                site.rpps.as_str(),
                profession.label(),
                finess.as_str(),
                name.as_str(),
                &numeric_date(site.site.start()),
                &site.site.end().map(numeric_date).unwrap_or_default(),
                if site.is_published() { "oui" } else { "non" },
            ]);
        }
    }
    Ok(csv.into_download(&format!("personnel-rpps-{today}.csv")))
}

/// The establishments the manager manages, with their names (issue 19: a manager sees names,
/// not FINESS numbers alone), in the session's order. One not in the FINESS file has no name.
async fn my_establishments(
    State(state): State<StaffState>,
    signed_in: SignedIn,
) -> Result<Json<rpps_contract::staff::ManagedEstablishments>, ApiError> {
    let establishments = managed(&signed_in)?;
    let mut results = Vec::with_capacity(establishments.len());
    for finess in establishments {
        let found = state.store.establishment(finess).await?;
        results.push(rpps_contract::staff::ManagedEstablishment {
            finess: finess.to_string(),
            name: found.as_ref().map(|e| e.long_name.clone()),
            town: found.map(|e| e.town),
        });
    }
    Ok(Json(rpps_contract::staff::ManagedEstablishments {
        establishments: results,
    }))
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
        .await?
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
        SiteStoreError::Store(e) => e.into(),
    }
}

/// A departure's date error, against the form's `date` field.
fn date_error(error: ApiError, code: &str, message: &str) -> ApiError {
    let mut fields = FieldErrors::default();
    fields.add("date", code, message);
    error.with_fields(fields)
}

async fn record_departure(
    State(state): State<StaffState>,
    Path((rpps, finess)): Path<(String, String)>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<DepartureBody>,
) -> Result<Json<PracticeSiteView>, ApiError> {
    let read = site_of(&state, &signed_in, &rpps, &finess).await?;
    let date = Date::parse(
        body.date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        date_error(
            ApiError::bad_request(
                "staff.date",
                "La date de départ doit être une date au format AAAA-MM-JJ (par exemple 2026-12-31).",
            ),
            "date.malformed",
            "Date invalide : utilisez le format AAAA-MM-JJ.",
        )
    })?;
    let now = OffsetDateTime::now_utc();
    let today = date_in_paris(now);
    let mut site = read.site.clone();
    site.end_on(date, today).map_err(|e| {
        let (code, message) = (e.code(), e.to_string());
        date_error(site_error(e), code, &message)
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
    Ok(Json(view(&saved, today)))
}

async fn cancel_departure(
    State(state): State<StaffState>,
    Path((rpps, finess)): Path<(String, String)>,
    signed_in: SignedIn,
) -> Result<Json<PracticeSiteView>, ApiError> {
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
    Ok(Json(view(&saved, today)))
}

/// FAQ-R13, R14: who may not change contact data, and whom to ask instead.
fn contact_not_allowed() -> ApiError {
    ApiError::forbidden(
        "contact.not_allowed",
        "Seuls le professionnel lui-même (connecté avec sa carte e-CPS) et les gestionnaires RPPS+ de son établissement peuvent modifier ces coordonnées. Pour toute autre modification, contactez votre ordre professionnel ou votre autorité d'enregistrement.",
    )
}

/// The new contact data: the fields given replace the current ones; every field error at once.
fn contact_of(current: Option<&Contact>, body: &ContactBody) -> Result<Contact, ApiError> {
    let mut fields = FieldErrors::default();
    let email = match (&body.email, current) {
        (Some(raw), _) => fields.check("email", Email::parse(raw)),
        (None, Some(c)) => Some(c.email.clone()),
        (None, None) => {
            fields.add("email", "email.missing", "Indiquez une adresse e-mail.");
            None
        }
    };
    let mobile = match (&body.mobile, current) {
        (Some(raw), _) if raw.trim().is_empty() => None,
        (Some(raw), _) => fields.check("mobile", MobilePhone::parse(raw)),
        (None, current) => current.and_then(|c| c.mobile.clone()),
    };
    fields.into_result(
        "contact.invalid_fields",
        "Certaines coordonnées sont à corriger : voyez le message sous chaque champ.",
    )?;
    email
        .map(|email| Contact { email, mobile })
        .ok_or_else(|| ApiError::internal(&"contact without an email and no field error"))
}

/// Applies a contact change, audited; answers the new contact data.
async fn change_contact(
    state: &StaffState,
    rpps: &RppsNumber,
    current: Option<&Contact>,
    body: &ContactBody,
    actor: &str,
    action: &str,
) -> Result<Json<ContactChangeView>, ApiError> {
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
            SiteStoreError::Store(e) => e.into(),
        })?;
    Ok(Json(ContactChangeView {
        rpps: rpps.to_string(),
        contact: Some(rpps_api::views::contact(&after)),
    }))
}

async fn file_or_404(
    state: &StaffState,
    rpps: &RppsNumber,
) -> Result<rpps_store::ProfessionalFile, ApiError> {
    state.store.professional_file(rpps).await?.ok_or_else(|| {
        ApiError::not_found(
            "professional.not_found",
            "Aucun professionnel n'a ce numéro RPPS dans le registre.",
        )
    })
}

/// The professional's own record (e-CPS sign-in): names, number, contact data, practice sites.
async fn me(
    State(state): State<StaffState>,
    signed_in: SignedIn,
) -> Result<Json<MeView>, ApiError> {
    let Role::Professional { rpps } = &signed_in.data.role else {
        return Err(contact_not_allowed());
    };
    let file = file_or_404(&state, rpps).await?;
    let today = date_in_paris(OffsetDateTime::now_utc());
    Ok(Json(MeView {
        rpps: rpps.to_string(),
        family_name: file.profile.record.family_name.clone(),
        given_names: file.profile.record.given_names.clone(),
        contact: file.profile.contact.as_ref().map(rpps_api::views::contact),
        ecps_activable_from: file
            .profile
            .allocated_at
            .map(|at| rfc3339(ecps_activable_from(at))),
        sites: file.sites.iter().map(|s| view(s, today)).collect(),
    }))
}

async fn my_contact(
    State(state): State<StaffState>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<Json<ContactChangeView>, ApiError> {
    let Role::Professional { rpps } = &signed_in.data.role else {
        return Err(contact_not_allowed());
    };
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
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<Json<ContactChangeView>, ApiError> {
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
        .route("/api/manager/staff/export", get(staff_export))
        .route("/api/manager/establishments", get(my_establishments))
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
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, public_origin))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
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
