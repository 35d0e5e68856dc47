//! The managers' side (FAQ-R1, R2, R9): their establishments' queue, a request's detail, an
//! aide registered by the employer, validation with the declaration, rejection with a reason.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rpps_api::{ApiError, ApiJson};
use rpps_contract::events::{Event, RegistrationRejected};
use rpps_contract::registration::{
    EmployerDraftBody, RegistrationList, RegistrationView, RejectBody, ValidateBody, ValidationView,
};
use rpps_domain::paris::date_in_paris;
use rpps_domain::{Attestation, Finess, RegistrationRequest, Role};
use rpps_session::SignedIn;
use time::OffsetDateTime;

use crate::{
    RegistrationsState, actor, identity, parse, read_visible, save, save_error, validation, views,
};

/// A manager's establishments; anyone else is refused (FAQ-R8).
fn managed(signed_in: &SignedIn) -> Result<&[Finess], ApiError> {
    match &signed_in.data.role {
        Role::Manager { establishments } => Ok(establishments),
        _ => Err(ApiError::forbidden(
            "registration.role_not_allowed",
            "Cet espace est réservé aux gestionnaires RPPS+ désignés pour un établissement.",
        )),
    }
}

/// The requests waiting for the manager's establishments, oldest first.
pub async fn pending(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
) -> Result<Json<RegistrationList>, ApiError> {
    let mut results = Vec::new();
    for finess in managed(&signed_in)? {
        let pending = state
            .store
            .pending_registrations(finess.as_str(), 100)
            .await?;
        results.extend(pending.iter().map(views::registration));
    }
    Ok(Json(RegistrationList { results }))
}

/// A request with, for its managers, whoever in the register is or may be the same person
/// (FAQ-R3, R12).
pub async fn detail(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Json<RegistrationView>, ApiError> {
    managed(&signed_in)?;
    let actor = actor(&signed_in);
    let stored = read_visible(&state.store, &id, &actor).await?;
    let mut view = views::registration(&stored);
    if !stored.request.status().is_final() {
        let civil = stored.request.civil_status();
        let key = stored
            .candidate_key
            .clone()
            .unwrap_or_else(|| identity::key(civil));
        let candidates = state.store.identity_candidates(&key).await?;
        view.identity_matches = identity::matches(civil, &candidates, Some(stored.request.id()))
            .iter()
            .map(|found| identity::view(found, civil, &actor))
            .collect();
    }
    Ok(Json(view))
}

/// An aide registered by their employer (FAQ-R1): the civil status the manager typed, as a
/// draft the manager completes and sends like an applicant's.
pub async fn employer_draft(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<EmployerDraftBody>,
) -> Result<(StatusCode, Json<RegistrationView>), ApiError> {
    managed(&signed_in)?;
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let (civil, establishment) =
        parse::employer_draft(&body, date_in_paris(now), &rpps_places::EmbeddedPlaces)?;
    let id = uuid::Uuid::now_v7().to_string();
    let draft = RegistrationRequest::new_by_employer(id, &actor, civil, establishment, now)?;
    // One person, one request, one number (FAQ-R3, R12): one look at who may be this person.
    let key = identity::key(draft.civil_status());
    let candidates = state.store.identity_candidates(&key).await?;
    identity::check_new_request(
        &identity::matches(draft.civil_status(), &candidates, None),
        &actor,
    )?;
    let stored = state
        .store
        .create_registration(&draft, &actor.id, &key)
        .await
        .map_err(save_error)?;
    Ok((StatusCode::CREATED, Json(views::registration(&stored))))
}

/// Validates with the manager's declaration (FAQ-R2) and allocates the RPPS number (FAQ-R3).
pub async fn validate(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<ValidateBody>,
) -> Result<Json<ValidationView>, ApiError> {
    managed(&signed_in)?;
    let actor = actor(&signed_in);
    let basis = parse::validation_basis(&body)?;
    // Visibility first: another establishment's request is a 403, an unknown one a 404. This
    // read is the validation's first (one GetItem, not two).
    let stored = read_visible(&state.store, &id, &actor).await?;
    let now = OffsetDateTime::now_utc();
    let ask = validation::Ask {
        attestation: Attestation::new(&actor, basis, body.conditions_checked, now),
        not_the_same_person: body.not_the_same_person,
        at: now,
    };
    let done = validation::validate(&state.store, state.numbers, stored, &actor, ask).await?;
    Ok(Json(views::validation(&done)))
}

/// Rejects with a reason the applicant is sent.
pub async fn reject(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<RejectBody>,
) -> Result<Json<RegistrationView>, ApiError> {
    managed(&signed_in)?;
    let actor = actor(&signed_in);
    let reason = parse::rejection_reason(&body.reason)?;
    let stored = read_visible(&state.store, &id, &actor).await?;
    let now = OffsetDateTime::now_utc();
    let mut request = stored.request.clone();
    request.reject(&actor, reason.clone(), now)?;
    let event = Event::RegistrationRejected(RegistrationRejected {
        request_id: request.id().to_owned(),
        reason: reason.to_string(),
    });
    let saved = save(
        &state,
        &stored,
        &request,
        &actor.id,
        "registration.reject",
        Some(event),
    )
    .await?;
    Ok(Json(views::registration(&saved)))
}

/// A manager deletes an employer draft of their establishment that is no longer needed (the
/// person may then be registered again).
pub async fn delete_draft(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Json<RegistrationView>, ApiError> {
    managed(&signed_in)?;
    let actor = actor(&signed_in);
    let stored = read_visible(&state.store, &id, &actor).await?;
    let now = OffsetDateTime::now_utc();
    let mut request = stored.request.clone();
    request.delete_draft(&actor, now)?;
    let saved = crate::applicant::close(&state, &stored, &request, &actor.id, false).await?;
    Ok(Json(views::registration(&saved)))
}
