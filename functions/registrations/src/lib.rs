//! The registration function (FAQ-R1, R2, R3, R5, R11, R16): an applicant's draft, saved as it
//! is typed and submitted once complete; the managers' queue; validation with the RPPS number;
//! rejection with a reason.
//!
//! Applicant (FranceConnect session): `POST /api/registrations` (start the draft),
//! `GET /api/registrations/mine`, `PATCH /api/registrations/{id}`, `POST /api/registrations/{id}/submit`.
//! Manager (PSC session): `POST /api/manager/registrations` (register an aide: FAQ-R1; then the
//! same `PATCH` and `submit` as an applicant), `GET /api/manager/registrations` (pending for their establishments),
//! `GET /api/manager/registrations/{id}`, `POST /api/manager/registrations/{id}/validate`,
//! `POST /api/manager/registrations/{id}/reject`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rpps_api::ApiError;
use rpps_api::timestamp::timestamp;
use rpps_domain::paris::date_in_paris;
use rpps_domain::{
    Actor, Attestation, CivilStatus, Contact, DraftUpdate, EligibilityBasis, Email, Finess,
    MobilePhone, RegistrationRequest, RegistrationStatus, RejectionReason, Role, TransitionError,
};
use rpps_session::{SessionContext, SignedIn};
use rpps_store::{
    OutboxEvent, RegistrationStoreError, Store, StoreError, StoredRegistration, ValidateError,
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};

/// From allocation, the e-CPS can be activated 48 hours later (FAQ-R5).
pub const ECPS_DELAY: Duration = Duration::hours(48);

#[derive(Clone)]
pub struct RegistrationsState {
    pub store: Store,
    pub public_origin: String,
}

impl SessionContext for RegistrationsState {
    fn store(&self) -> &Store {
        &self.store
    }
    fn public_origin(&self) -> &str {
        &self.public_origin
    }
}

fn actor(signed_in: &SignedIn) -> Actor {
    Actor::new(signed_in.data.actor_id.clone(), signed_in.data.role.clone())
}

fn store_error(e: StoreError) -> ApiError {
    if e.is_unavailable() {
        tracing::warn!(error = %e, "registry unavailable");
        ApiError::unavailable("Le registre")
    } else {
        ApiError::internal(&e)
    }
}

fn save_error(e: RegistrationStoreError) -> ApiError {
    match e {
        RegistrationStoreError::AlreadyOpen => ApiError::conflict(
            "registration.already_open",
            "Une demande d'enregistrement est déjà en cours pour cette personne : reprenez-la plutôt que d'en créer une autre.",
        ),
        RegistrationStoreError::AlreadyRegistered => ApiError::conflict(
            "registration.already_registered",
            "Cette personne a déjà un numéro RPPS : une nouvelle demande n'est pas possible. Elle se connecte avec son e-CPS.",
        ),
        RegistrationStoreError::Changed => ApiError::conflict(
            "registration.changed",
            "La demande a été modifiée entre-temps. Rechargez-la pour voir sa dernière version.",
        ),
        RegistrationStoreError::Store(e) => store_error(e),
    }
}

/// The domain's refusals, with the status that says what kind of problem it is.
fn transition_error(e: TransitionError) -> ApiError {
    let status = match &e {
        TransitionError::NotAllowedForRole
        | TransitionError::NotOwner
        | TransitionError::NotYourEstablishment
        | TransitionError::CivilStatusReadOnly => StatusCode::FORBIDDEN,
        TransitionError::AlreadySubmitted
        | TransitionError::NotSubmitted
        | TransitionError::AlreadyValidated
        | TransitionError::AlreadyRejected => StatusCode::CONFLICT,
        TransitionError::MissingAttestation
        | TransitionError::AttestationMismatch
        | TransitionError::DraftIncomplete { .. } => StatusCode::BAD_REQUEST,
    };
    let error = ApiError::new(status, e.code(), e.to_string());
    match &e {
        TransitionError::DraftIncomplete { missing } => error.with_detail(
            "missing",
            Value::Array(
                missing
                    .iter()
                    .map(|m| json!({ "field": m.code(), "label": m.label() }))
                    .collect(),
            ),
        ),
        _ => error,
    }
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "registration.not_found",
        "Cette demande d'enregistrement n'existe pas, ou vous n'y avez pas accès.",
    )
}

/// What the person sees of a request: its data, what is missing, and its timeline.
pub fn view(stored: &StoredRegistration) -> Value {
    let request = &stored.request;
    let milestones = &stored.milestones;
    let mut value = serde_json::to_value(request).unwrap_or(Value::Null);
    let mut timeline = vec![json!({ "step": "created", "at": timestamp(request.created_at()) })];
    if let Some(at) = request.submitted_at() {
        timeline.push(json!({ "step": "submitted", "at": timestamp(at) }));
    }
    match (request.status(), request.decided_at()) {
        (RegistrationStatus::Validated { rpps }, Some(at)) => {
            timeline.push(json!({ "step": "validated", "at": timestamp(at), "rpps": rpps }));
            if let Some(at) = milestones.number_sent_at {
                timeline.push(json!({ "step": "number_sent", "at": timestamp(at) }));
            }
            if let Some(at) = milestones.published_at {
                timeline.push(json!({ "step": "published", "at": timestamp(at) }));
            }
            // FAQ-R5: the e-CPS can be activated 48 hours after allocation.
            timeline.push(json!({ "step": "ecps_activable", "from": timestamp(at + ECPS_DELAY) }));
        }
        (RegistrationStatus::Rejected { reason }, Some(at)) => {
            timeline.push(json!({ "step": "rejected", "at": timestamp(at), "reason": reason }));
        }
        _ => {}
    }
    if let Value::Object(map) = &mut value {
        map.insert(
            "missing".into(),
            Value::Array(
                request
                    .missing_for_submission()
                    .iter()
                    .map(|m| json!({ "field": m.code(), "label": m.label() }))
                    .collect(),
            ),
        );
        map.insert("timeline".into(), Value::Array(timeline));
        map.insert(
            "status_label".into(),
            Value::String(request.status().label().to_owned()),
        );
    }
    value
}

async fn start_draft(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    let actor = actor(&signed_in);
    if actor.role != Role::Applicant {
        return Err(transition_error(TransitionError::NotAllowedForRole));
    }
    // The civil status FranceConnect certified at sign-in, read-only (FAQ-R11).
    let civil: CivilStatus = signed_in
        .data
        .civil_status
        .as_ref()
        .and_then(|c| c.get("civil_status"))
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .ok_or_else(|| ApiError::internal(&"applicant session without civil status"))?;
    let now = OffsetDateTime::now_utc();
    let id = uuid::Uuid::now_v7().to_string();
    let draft =
        RegistrationRequest::new_self_service(id, &actor, civil, now).map_err(transition_error)?;
    let stored = state
        .store
        .create_registration(&draft, &actor.id)
        .await
        .map_err(save_error)?;
    Ok((StatusCode::CREATED, Json(view(&stored))).into_response())
}

async fn my_registration(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    let actor = actor(&signed_in);
    if actor.role != Role::Applicant {
        return Err(transition_error(TransitionError::NotAllowedForRole));
    }
    let mine = state
        .store
        .registrations_of_applicant(&actor.id)
        .await
        .map_err(store_error)?;
    let latest = mine.last().ok_or_else(|| {
        ApiError::not_found(
            "registration.none",
            "Vous n'avez pas encore commencé de demande d'enregistrement.",
        )
    })?;
    Ok(Json(view(latest)).into_response())
}

/// The draft fields a form sends; every field is optional (a partial save).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub establishment: Option<String>,
    pub start_date: Option<String>,
    pub eligibility: Option<String>,
    pub accuracy_confirmed: Option<bool>,
}

/// Parses every field, and returns all the errors at once, per field (French messages).
pub async fn parse_draft(
    store: &Store,
    body: DraftBody,
    current: &RegistrationRequest,
    today: Date,
) -> Result<DraftUpdate, ApiError> {
    let mut errors: BTreeMap<&str, Value> = BTreeMap::new();
    let mut update = DraftUpdate {
        accuracy_confirmed: body.accuracy_confirmed,
        ..DraftUpdate::default()
    };
    let err = |code: &str, message: String| json!({ "code": code, "message": message });
    let email = match body.email.as_deref() {
        None => current.contact().map(|c| c.email.clone()),
        Some(raw) => match Email::parse(raw) {
            Ok(email) => Some(email),
            Err(e) => {
                errors.insert("email", err(e.code(), e.to_string()));
                None
            }
        },
    };
    let mobile = match body.mobile.as_deref().map(str::trim) {
        None => current.contact().and_then(|c| c.mobile.clone()),
        Some("") => None,
        Some(raw) => match MobilePhone::parse(raw) {
            Ok(mobile) => Some(mobile),
            Err(e) => {
                errors.insert("mobile", err(e.code(), e.to_string()));
                None
            }
        },
    };
    if body.email.is_some() || body.mobile.is_some() {
        match email {
            Some(email) => update.contact = Some(Contact { email, mobile }),
            None if !errors.contains_key("email") => {
                errors.insert(
                    "email",
                    err(
                        "email.empty",
                        "Indiquez d'abord votre adresse e-mail.".into(),
                    ),
                );
            }
            None => {}
        }
    }
    if let Some(raw) = body.establishment.as_deref() {
        match Finess::parse(raw) {
            Err(e) => {
                errors.insert("establishment", err(e.code(), e.to_string()));
            }
            Ok(finess) => match store.establishment(&finess).await.map_err(store_error)? {
                Some(_) => update.establishment = Some(finess),
                None => {
                    errors.insert(
                        "establishment",
                        err(
                            "establishment.unknown",
                            format!("Aucun établissement ne porte le numéro FINESS {finess}. Recherchez-le par son nom ou son numéro FINESS."),
                        ),
                    );
                }
            },
        }
    }
    if let Some(raw) = body.start_date.as_deref() {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match Date::parse(raw.trim(), &format) {
            Ok(date) if date > today + Duration::days(366) => {
                errors.insert(
                    "start_date",
                    err(
                        "start_date.too_far",
                        "La date de début d'exercice ne peut pas dépasser d'un an la date du jour."
                            .into(),
                    ),
                );
            }
            Ok(date) if date.year() < 1950 => {
                errors.insert(
                    "start_date",
                    err(
                        "start_date.too_old",
                        "La date de début d'exercice semble erronée.".into(),
                    ),
                );
            }
            Ok(date) => update.start_date = Some(date),
            Err(_) => {
                errors.insert(
                    "start_date",
                    err(
                        "start_date.format",
                        "Indiquez la date de début d'exercice au format AAAA-MM-JJ.".into(),
                    ),
                );
            }
        }
    }
    if let Some(raw) = body.eligibility.as_deref() {
        match raw {
            "certification" => update.eligibility = Some(EligibilityBasis::Certification),
            "professional_experience" => {
                update.eligibility = Some(EligibilityBasis::ProfessionalExperience)
            }
            _ => {
                errors.insert(
                    "eligibility",
                    err(
                        "eligibility.unknown",
                        "Choisissez un diplôme ou titre reconnu, ou trois ans d'expérience professionnelle (au moins à mi-temps) sur les cinq dernières années.".into(),
                    ),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(update)
    } else {
        Err(ApiError::bad_request(
            "registration.invalid_fields",
            "Certaines informations sont à corriger : voyez le message sous chaque champ. Le reste est conservé.",
        )
        .with_detail("fields", serde_json::to_value(errors).unwrap_or(Value::Null)))
    }
}

async fn read_visible(
    store: &Store,
    id: &str,
    actor: &Actor,
) -> Result<StoredRegistration, ApiError> {
    if id.len() > 64 {
        return Err(not_found());
    }
    let stored = store
        .registration(id)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    if stored.request.is_visible_to(actor) {
        Ok(stored)
    } else if matches!(actor.role, Role::Manager { .. }) {
        Err(transition_error(TransitionError::NotYourEstablishment))
    } else {
        Err(not_found())
    }
}

async fn update_draft(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
    body: Result<Json<DraftBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| {
        ApiError::bad_request(
            "registration.malformed",
            format!(
                "Le formulaire envoyé n'est pas lisible ({}).",
                e.body_text()
            ),
        )
    })?;
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let stored = read_visible(&state.store, &id, &actor).await?;
    let update = parse_draft(&state.store, body, &stored.request, date_in_paris(now)).await?;
    let mut request = stored.request.clone();
    request
        .update_draft(&actor, update, now)
        .map_err(transition_error)?;
    let saved = state
        .store
        .save_registration(&stored, &request, &actor.id, "registration.update", None)
        .await
        .map_err(save_error)?;
    Ok(Json(view(&saved)).into_response())
}

async fn submit(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let stored = read_visible(&state.store, &id, &actor).await?;
    let mut request = stored.request.clone();
    request.submit(&actor, now).map_err(transition_error)?;
    // The managers of the establishment are told (mailer, through the outbox).
    let event = OutboxEvent::new(
        "registration.submitted",
        format!("REQ#{}", request.id()),
        &json!({ "request_id": request.id(), "establishment": request.establishment() }),
        now,
    );
    let saved = state
        .store
        .save_registration(
            &stored,
            &request,
            &actor.id,
            "registration.submit",
            Some(&event),
        )
        .await
        .map_err(save_error)?;
    Ok(Json(view(&saved)).into_response())
}

fn manager_establishments(signed_in: &SignedIn) -> Result<Vec<Finess>, ApiError> {
    match &signed_in.data.role {
        Role::Manager { establishments } => Ok(establishments.clone()),
        _ => Err(ApiError::forbidden(
            "registration.role_not_allowed",
            "Cet espace est réservé aux gestionnaires RPPS+ désignés pour un établissement.",
        )),
    }
}

async fn pending(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    let mut results = Vec::new();
    for finess in manager_establishments(&signed_in)? {
        for stored in state
            .store
            .pending_registrations(finess.as_str(), 100)
            .await
            .map_err(store_error)?
        {
            results.push(view(&stored));
        }
    }
    Ok(Json(json!({ "results": results })).into_response())
}

async fn manager_detail(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    manager_establishments(&signed_in)?;
    let stored = read_visible(&state.store, &id, &actor(&signed_in)).await?;
    Ok(Json(view(&stored)).into_response())
}

/// The civil status a manager types for an aide (FAQ-R1): names, birth date, and either the
/// commune of birth (INSEE code) or the country of birth (INSEE 99xxx).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerDraftBody {
    pub establishment: String,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: String,
    pub birth_commune: Option<String>,
    pub birth_country: Option<String>,
}

/// Parses the typed civil status, every error at once and per field.
pub fn parse_civil_status(
    body: &EmployerDraftBody,
    today: Date,
) -> Result<(CivilStatus, Finess), ApiError> {
    use rpps_domain::{BirthDate, BirthPlace, InseeCommuneCode, InseeCountryCode, PersonName};
    let mut errors: BTreeMap<&str, Value> = BTreeMap::new();
    let err = |code: &str, message: String| json!({ "code": code, "message": message });
    let establishment = Finess::parse(&body.establishment)
        .map_err(|e| errors.insert("establishment", err(e.code(), e.to_string())))
        .ok();
    let family_name = PersonName::parse(&body.family_name)
        .map_err(|e| errors.insert("family_name", err(e.code(), e.to_string())))
        .ok();
    let given_names = PersonName::parse(&body.given_names)
        .map_err(|e| errors.insert("given_names", err(e.code(), e.to_string())))
        .ok();
    let birth_date = BirthDate::parse(&body.birth_date, today)
        .map_err(|e| errors.insert("birth_date", err(e.code(), e.to_string())))
        .ok();
    let commune = body
        .birth_commune
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let country = body
        .birth_country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let birth_place = match (commune, country) {
        (Some(commune), None | Some("99100")) => match InseeCommuneCode::parse(commune) {
            Err(e) => {
                errors.insert("birth_commune", err(e.code(), e.to_string()));
                None
            }
            // FAQ-R17: an INSEE code, not a postal code; it must be a commune we know.
            Ok(code) if rpps_places::commune_by_code(code.as_str()).is_none() => {
                errors.insert(
                    "birth_commune",
                    err(
                        "birth_commune.unknown",
                        format!("Aucune commune n'a le code INSEE {code}. Choisissez la commune dans la liste (le code postal n'est pas le code INSEE)."),
                    ),
                );
                None
            }
            Ok(code) => Some(BirthPlace::France { commune: code }),
        },
        (None, Some(country)) => match InseeCountryCode::parse(country) {
            Err(e) => {
                errors.insert("birth_country", err(e.code(), e.to_string()));
                None
            }
            Ok(code) if code.is_france() => {
                errors.insert(
                    "birth_commune",
                    err(
                        "birth_commune.missing",
                        "Née ou né en France : indiquez la commune de naissance.".into(),
                    ),
                );
                None
            }
            Ok(code) if rpps_places::countries().get(code.as_str()).is_none() => {
                errors.insert(
                    "birth_country",
                    err(
                        "birth_country.unknown",
                        format!("Aucun pays n'a le code INSEE {code}."),
                    ),
                );
                None
            }
            Ok(code) => Some(BirthPlace::Abroad { country: code }),
        },
        (Some(_), Some(_)) => {
            errors.insert(
                "birth_country",
                err("birth_place.both", "Indiquez soit une commune de naissance en France, soit un pays de naissance à l'étranger.".into()),
            );
            None
        }
        (None, None) => {
            errors.insert(
                "birth_commune",
                err("birth_place.missing", "Indiquez la commune de naissance, ou le pays de naissance pour une naissance à l'étranger.".into()),
            );
            None
        }
    };
    match (
        establishment,
        family_name,
        given_names,
        birth_date,
        birth_place,
    ) {
        (
            Some(establishment),
            Some(family_name),
            Some(given_names),
            Some(birth_date),
            Some(birth_place),
        ) if errors.is_empty() => Ok((
            CivilStatus {
                family_name,
                given_names,
                birth_date,
                birth_place,
            },
            establishment,
        )),
        _ => Err(ApiError::bad_request(
            "registration.invalid_fields",
            "Certaines informations sont à corriger : voyez le message sous chaque champ.",
        )
        .with_detail(
            "fields",
            serde_json::to_value(errors).unwrap_or(Value::Null),
        )),
    }
}

async fn employer_draft(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
    body: Result<Json<EmployerDraftBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    manager_establishments(&signed_in)?;
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let (civil, establishment) = parse_civil_status(&body, date_in_paris(now))?;
    let id = uuid::Uuid::now_v7().to_string();
    let draft = RegistrationRequest::new_by_employer(id, &actor, civil, establishment, now)
        .map_err(transition_error)?;
    let stored = state
        .store
        .create_registration(&draft, &actor.id)
        .await
        .map_err(save_error)?;
    Ok((StatusCode::CREATED, Json(view(&stored))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateBody {
    /// The basis the manager checked: `certification` or `professional_experience`.
    basis: String,
    /// The declaration "I have checked the diploma or experience conditions" (FAQ-R2).
    conditions_checked: bool,
}

fn json_body<T>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        ApiError::bad_request(
            "registration.malformed",
            format!(
                "Le formulaire envoyé n'est pas lisible ({}).",
                e.body_text()
            ),
        )
    })
}

async fn validate(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
    body: Result<Json<ValidateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    manager_establishments(&signed_in)?;
    let actor = actor(&signed_in);
    let basis = match body.basis.as_str() {
        "certification" => EligibilityBasis::Certification,
        "professional_experience" => EligibilityBasis::ProfessionalExperience,
        _ => {
            return Err(ApiError::bad_request(
                "registration.invalid_fields",
                "Indiquez sur quelle base vous avez vérifié l'éligibilité.",
            )
            .with_detail(
                "fields",
                json!({ "basis": { "code": "basis.unknown", "message": "Choisissez « diplôme ou certification » ou « expérience professionnelle »." } }),
            ));
        }
    };
    // Visibility first: another establishment's request is a 403, an unknown one a 404. The
    // request read here is the validation's first read (one GetItem, not two); if it is stale
    // by the time of the transaction, the version check cancels it and the store reads again.
    let stored = read_visible(&state.store, &id, &actor).await?;
    let now = OffsetDateTime::now_utc();
    let attestation = Attestation::new(&actor, basis, body.conditions_checked, now);
    let validation = match state
        .store
        .validate_read_registration(stored, &actor, attestation, now)
        .await
    {
        Ok(v) => v,
        Err(ValidateError::NotFound) => return Err(not_found()),
        Err(ValidateError::Refused(e)) => return Err(transition_error(e)),
        Err(ValidateError::Store(e)) => return Err(save_error(e)),
    };
    Ok(Json(json!({
        "request_id": validation.request_id,
        "rpps": validation.rpps,
        "validated_at": timestamp(validation.validated_at),
        "ecps_activable_from": timestamp(validation.validated_at + ECPS_DELAY),
        "newly_validated": validation.newly_validated,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

async fn reject(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
    body: Result<Json<RejectBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body)?;
    manager_establishments(&signed_in)?;
    let actor = actor(&signed_in);
    let reason = RejectionReason::parse(&body.reason).map_err(|e| {
        ApiError::bad_request("registration.invalid_fields", e.to_string()).with_detail(
            "fields",
            json!({ "reason": { "code": e.code(), "message": e.to_string() } }),
        )
    })?;
    let stored = read_visible(&state.store, &id, &actor).await?;
    let now = OffsetDateTime::now_utc();
    let mut request = stored.request.clone();
    request
        .reject(&actor, reason.clone(), now)
        .map_err(transition_error)?;
    let event = OutboxEvent::new(
        "registration.rejected",
        format!("REQ#{}", request.id()),
        &json!({ "request_id": request.id(), "reason": reason }),
        now,
    );
    let saved = state
        .store
        .save_registration(
            &stored,
            &request,
            &actor.id,
            "registration.reject",
            Some(&event),
        )
        .await
        .map_err(save_error)?;
    Ok(Json(view(&saved)).into_response())
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/template.rs`).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/registrations"),
    ("GET", "/api/registrations/mine"),
    ("PATCH", "/api/registrations/{id}"),
    ("POST", "/api/registrations/{id}/submit"),
    ("GET", "/api/manager/registrations"),
    ("POST", "/api/manager/registrations"),
    ("GET", "/api/manager/registrations/{id}"),
    ("POST", "/api/manager/registrations/{id}/validate"),
    ("POST", "/api/manager/registrations/{id}/reject"),
];

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: RegistrationsState) -> Router {
    Router::new()
        .route("/api/registrations", post(start_draft))
        .route("/api/registrations/mine", get(my_registration))
        .route(
            "/api/registrations/{id}",
            axum::routing::patch(update_draft),
        )
        .route("/api/registrations/{id}/submit", post(submit))
        .route(
            "/api/manager/registrations",
            get(pending).post(employer_draft),
        )
        .route("/api/manager/registrations/{id}", get(manager_detail))
        .route("/api/manager/registrations/{id}/validate", post(validate))
        .route("/api/manager/registrations/{id}/reject", post(reject))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<RegistrationsState> {
    let config = rpps_api::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_api::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, public_origin))
}

pub fn state_from_sdk(
    config: &rpps_api::Config,
    sdk: &rpps_api::aws::SdkConfig,
    public_origin: String,
) -> RegistrationsState {
    RegistrationsState {
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
