//! The managers' side (FAQ-R1, R2, R9): their establishments' queue, a request's detail, an
//! aide registered by the employer, validation with the declaration, rejection with a reason.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rpps_api::{ApiError, ApiJson};
use rpps_contract::events::{Event, RegistrationRejected};
use rpps_contract::registration::{
    BulkValidateBody, BulkValidationOutcome, BulkValidationView, EmployerDraftBody,
    RegistrationList, RegistrationView, RejectBody, ValidateBody, ValidationView,
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

/// The requests one bulk validation call validates at most (ids given, or a page of an
/// establishment's queue): about a second on DynamoDB, well within the function's 10 s.
pub const BULK_MAX: usize = 50;
/// The validations of one call run this many at a time (each its own transaction and number).
const BULK_CONCURRENCY: usize = 4;
/// No validation of a call starts after this much time (the function's timeout is 10 s; a
/// validation retries its partition's lock for up to about 2 s): what is left is for the next
/// call (`pending` ids, or the `next` position).
pub const BULK_BUDGET: std::time::Duration = std::time::Duration::from_secs(6);

/// Validates many requests with one declaration (issue 19, FAQ-R2): each request is read,
/// checked and validated on its own (its own transaction, number, audit entry recording the
/// declaration, event), exactly as [`validate`] does one; a refusal of one (a probable identity
/// match to look at, another establishment, no longer waiting) is reported against it and
/// stops nothing else. Never declares « not the same person »: a request with probable
/// matches is refused here and validated on its own page.
pub async fn bulk_validate(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<BulkValidateBody>,
) -> Result<Json<BulkValidationView>, ApiError> {
    use rpps_api::FieldErrors;
    let establishments = managed(&signed_in)?;
    let actor = actor(&signed_in);
    let mut errors = FieldErrors::default();
    let basis = match body.basis.as_deref() {
        Some(raw) => errors.check("basis", rpps_domain::EligibilityBasis::parse(raw)),
        None => None,
    };
    if !body.conditions_checked {
        errors.add(
            "conditions_checked",
            "registration.missing_attestation",
            "Cochez la déclaration : vous avez vérifié, pour chaque personne, le diplôme ou l'expérience professionnelle qui la rend éligible.",
        );
    }
    let establishment = match (&body.establishment, body.ids.is_empty()) {
        (None, false) if body.ids.len() <= BULK_MAX && body.after.is_none() => None,
        (None, false) if body.after.is_none() => {
            return Err(ApiError::bad_request(
                "registration.bulk_too_many",
                format!(
                    "Validez au plus {BULK_MAX} demandes à la fois : l'application envoie les suivantes ensuite."
                ),
            ));
        }
        (Some(raw), true) => errors.check("establishment", Finess::parse(raw)),
        _ => {
            return Err(ApiError::bad_request(
                "registration.bulk_selection",
                "Choisissez les demandes à valider, ou un établissement dont valider toutes les demandes en attente.",
            ));
        }
    };
    errors.into_result(
        parse::INVALID_FIELDS,
        "Certaines informations sont à corriger : voyez le message sous chaque champ.",
    )?;
    enum Selected {
        Ids(Vec<String>),
        Page(Vec<(String, rpps_store::StoredRegistration)>, bool),
    }
    let selected = match establishment {
        None => {
            // Each request once: the same id twice would be validated twice at once.
            let mut ids = Vec::with_capacity(body.ids.len());
            for id in &body.ids {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
            Selected::Ids(ids)
        }
        Some(finess) => {
            if !establishments.contains(&finess) {
                return Err(rpps_domain::TransitionError::NotYourEstablishment.into());
            }
            if [&body.after, &body.until]
                .iter()
                .any(|p| p.as_ref().is_some_and(|p| p.len() > 200))
            {
                return Err(ApiError::bad_request(
                    "registration.bulk_after",
                    "La position de reprise de la validation est illisible : recommencez depuis la liste des demandes.",
                ));
            }
            let mut page = state
                .store
                .pending_registrations_after(
                    finess.as_str(),
                    body.after.as_deref(),
                    BULK_MAX as i32,
                )
                .await?;
            // Only the requests the manager saw (up to the last one listed): not one submitted
            // since, which the declaration is not about.
            let full = page.len() == BULK_MAX;
            if let Some(until) = &body.until {
                page.retain(|(position, _)| position <= until);
            }
            let more = full
                && body.until.as_ref().is_none_or(|u| {
                    page.len() == BULK_MAX && page.last().is_some_and(|(p, _)| p < u)
                });
            Selected::Page(page, more)
        }
    };
    let (page, more) = match selected {
        Selected::Ids(ids) => (
            ids.into_iter().map(|id| (None, id)).collect::<Vec<_>>(),
            false,
        ),
        Selected::Page(page, more) => (
            page.into_iter()
                .map(|(position, r)| (Some(position), r.request.id().to_owned()))
                .collect(),
            more,
        ),
    };
    let ids: Vec<String> = page.iter().map(|(_, id)| id.clone()).collect();
    let outcomes = validate_many(
        &state,
        &actor,
        ids,
        basis,
        std::time::Instant::now() + BULK_BUDGET,
    )
    .await;
    // What the time allowed: the outcomes in order, then what was not started.
    let done = outcomes.iter().take_while(|o| o.is_some()).count();
    let results: Vec<BulkValidationOutcome> = outcomes.into_iter().flatten().collect();
    let mut view = BulkValidationView {
        results,
        ..BulkValidationView::default()
    };
    if done < page.len() {
        match &page[done.saturating_sub(1)] {
            (Some(position), _) if done > 0 => view.next = Some(position.clone()),
            (Some(_), _) => view.next = body.after.clone(),
            (None, _) => view.pending = page[done..].iter().map(|(_, id)| id.clone()).collect(),
        }
    } else if more {
        view.next = page.last().and_then(|(position, _)| position.clone());
    }
    Ok(Json(view))
}

/// Validates `ids` (a bulk call's), [`BULK_CONCURRENCY`] at a time, each on its own as
/// [`validate`] does it: one outcome per id, in their order, `None` for one not started by
/// `deadline`. The declaration is `actor`'s, made now, on `basis` or each request's own
/// declared basis.
pub async fn validate_many(
    state: &RegistrationsState,
    actor: &rpps_domain::Actor,
    ids: Vec<String>,
    basis: Option<rpps_domain::EligibilityBasis>,
    deadline: std::time::Instant,
) -> Vec<Option<BulkValidationOutcome>> {
    use futures_util::StreamExt;
    futures_util::stream::iter(ids)
        .map(|id| async move {
            // One not started by the deadline is left for the next call (`None`).
            if std::time::Instant::now() >= deadline {
                None
            } else {
                Some(validate_one(state, actor, id, basis).await)
            }
        })
        .buffered(BULK_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
}

/// One request of a bulk validation, its outcome whatever happens.
async fn validate_one(
    state: &RegistrationsState,
    actor: &rpps_domain::Actor,
    id: String,
    basis: Option<rpps_domain::EligibilityBasis>,
) -> BulkValidationOutcome {
    let mut outcome = BulkValidationOutcome {
        request_id: id.clone(),
        ..BulkValidationOutcome::default()
    };
    let done = async {
        let stored = read_visible(&state.store, &id, actor).await?;
        let civil = stored.request.civil_status();
        outcome.name = Some(format!(
            "{} {}",
            civil.given_names.as_str(),
            civil.family_name.as_str()
        ));
        let basis = basis
            .or(stored.request.eligibility())
            .unwrap_or(rpps_domain::EligibilityBasis::Certification);
        let now = OffsetDateTime::now_utc();
        let ask = validation::Ask {
            attestation: Attestation::new(actor, basis, true, now),
            not_the_same_person: false,
            at: now,
        };
        let done = validation::validate(&state.store, state.numbers, stored, actor, ask).await?;
        Ok::<_, ApiError>(views::validation(&done))
    }
    .await;
    match done {
        Ok(view) => outcome.validated = Some(view),
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(request = %id, code = %e.code, "bulk validation: one request failed");
            }
            outcome.error = Some(e.body());
        }
    }
    outcome
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
