//! The applicant's side (FAQ-R11, R16): start the draft from the civil status FranceConnect
//! certified, read it back, save it field by field, send it. `PATCH` and `submit` serve a
//! manager's employer draft too: the domain decides who may edit which request.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rpps_api::{ApiError, ApiJson};
use rpps_contract::events::{Event, RegistrationClosed, RegistrationSubmitted};
use rpps_contract::registration::{DraftBody, RegistrationView};
use rpps_domain::paris::date_in_paris;
use rpps_domain::{RegistrationRequest, Role, TransitionError};
use rpps_session::SignedIn;
use time::OffsetDateTime;

use crate::parse::{self, DRAFT_FIELDS_MESSAGE, INVALID_FIELDS};
use crate::{RegistrationsState, actor, identity, read_visible, save, save_error, views};

type Answer = Result<Json<RegistrationView>, ApiError>;

pub async fn start_draft(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
) -> Result<(StatusCode, Json<RegistrationView>), ApiError> {
    let actor = actor(&signed_in);
    if actor.role != Role::Applicant {
        return Err(TransitionError::NotAllowedForRole.into());
    }
    // The civil status FranceConnect certified at sign-in, read-only (FAQ-R11).
    let civil = signed_in
        .data
        .civil_status
        .map(|certified| certified.civil_status)
        .ok_or_else(|| ApiError::internal(&"applicant session without civil status"))?;
    // One person, one request, one number (FAQ-R3, R12): one look at who may be this person.
    let key = identity::key(&civil);
    let candidates = state.store.identity_candidates(&key).await?;
    identity::check_new_request(&identity::matches(&civil, &candidates, None), &actor)?;
    let now = OffsetDateTime::now_utc();
    let id = uuid::Uuid::now_v7().to_string();
    let draft = RegistrationRequest::new_self_service(id, &actor, civil, now)?;
    let stored = state
        .store
        .create_registration(&draft, &actor.id, &key)
        .await
        .map_err(save_error)?;
    Ok((StatusCode::CREATED, Json(views::registration(&stored))))
}

/// The applicant's request: the one their employer started for them, which the sign-in found
/// (they follow it, read-only), else their latest own one.
pub async fn mine(State(state): State<RegistrationsState>, signed_in: SignedIn) -> Answer {
    let actor = actor(&signed_in);
    if actor.role != Role::Applicant {
        return Err(TransitionError::NotAllowedForRole.into());
    }
    if let Some(id) = &signed_in.data.followed_request
        && let Some(followed) = state.store.registration(id).await?
    {
        return Ok(Json(views::registration(&followed)));
    }
    let mine = state.store.registrations_of_applicant(&actor.id).await?;
    let latest = mine.last().ok_or_else(|| {
        ApiError::not_found(
            "registration.none",
            "Vous n'avez pas encore commencé de demande d'enregistrement.",
        )
    })?;
    Ok(Json(views::registration(latest)))
}

/// Saves the fields sent (FAQ-R16): all the errors at once, nothing saved if one is wrong.
pub async fn update_draft(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<DraftBody>,
) -> Answer {
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let stored = read_visible(&state.store, &id, &actor).await?;
    let (update, mut errors) = parse::draft_update(body, &stored.request, date_in_paris(now));
    if let Some(finess) = &update.establishment
        && state.store.establishment(finess).await?.is_none()
    {
        errors.add(
            "establishment",
            "establishment.unknown",
            format!("Aucun établissement ne porte le numéro FINESS {finess}. Recherchez-le par son nom ou son numéro FINESS."),
        );
    }
    errors.into_result(INVALID_FIELDS, DRAFT_FIELDS_MESSAGE)?;
    let mut request = stored.request.clone();
    request.update_draft(&actor, update, now)?;
    let saved = save(
        &state,
        &stored,
        &request,
        &actor.id,
        "registration.update",
        None,
    )
    .await?;
    Ok(Json(views::registration(&saved)))
}

/// Sends the complete draft; the managers of the establishment are told (the mailer, through
/// the outbox).
pub async fn submit(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Answer {
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let stored = read_visible(&state.store, &id, &actor).await?;
    let mut request = stored.request.clone();
    request.submit(&actor, now)?;
    let event = Event::RegistrationSubmitted(RegistrationSubmitted {
        request_id: request.id().to_owned(),
        establishment: request.establishment().map(ToString::to_string),
    });
    let saved = save(
        &state,
        &stored,
        &request,
        &actor.id,
        "registration.submit",
        Some(event),
    )
    .await?;
    Ok(Json(views::registration(&saved)))
}

/// The applicant withdraws their request before a decision (draft or submitted): it closes, the
/// managers are told if it was in their queue, and they may apply again.
pub async fn withdraw(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Answer {
    let actor = actor(&signed_in);
    let now = OffsetDateTime::now_utc();
    let stored = read_visible(&state.store, &id, &actor).await?;
    let was_submitted = stored.request.status() == &rpps_domain::RegistrationStatus::Submitted;
    let mut request = stored.request.clone();
    request.withdraw(&actor, now)?;
    let saved = close(&state, &stored, &request, &actor.id, was_submitted).await?;
    Ok(Json(views::registration(&saved)))
}

/// Saves a closed request (withdrawn, deleted) with its `registration.closed` event.
pub(crate) async fn close(
    state: &RegistrationsState,
    read: &rpps_store::StoredRegistration,
    closed: &RegistrationRequest,
    actor: &str,
    was_submitted: bool,
) -> Result<rpps_store::StoredRegistration, ApiError> {
    let rpps_domain::RegistrationStatus::Closed { reason, .. } = closed.status() else {
        return Err(ApiError::internal(&"close: the request is not closed"));
    };
    let event = Event::RegistrationClosed(RegistrationClosed {
        request_id: closed.id().to_owned(),
        reason: views::closure(*reason),
        was_submitted,
    });
    let action = format!("registration.{}", reason.code());
    save(state, read, closed, actor, &action, Some(event)).await
}
