//! The registration function (FAQ-R1, R2, R3, R5, R11, R16): an applicant's draft, saved as it
//! is typed and submitted once complete; the managers' queue; validation with the RPPS number;
//! rejection with a reason.
//!
//! - [`applicant`]: `POST /api/registrations` (start the draft), `GET /api/registrations/mine`,
//!   and, for an applicant's draft and a manager's alike, `PATCH /api/registrations/{id}` and
//!   `POST /api/registrations/{id}/submit`; `POST /api/registrations/{id}/withdraw` (before a
//!   decision).
//! - [`manager`]: `POST /api/manager/registrations` (register an aide, FAQ-R1),
//!   `GET /api/manager/registrations` (pending for their establishments),
//!   `GET /api/manager/registrations/{id}`, `DELETE …/{id}` (an employer draft),
//!   `POST …/{id}/validate`, `POST …/{id}/reject`, `POST …/validations` (many at once, issue 19).
//! - [`import`]: a team from a CSV file (issue 19): `GET /api/manager/imports/template`,
//!   `POST /api/manager/imports` (read, checked, kept as a preview), `GET …/{id}`,
//!   `PATCH …/{id}/lines/{line}` (a correction, or the line dropped), `GET …/{id}/result`,
//!   `POST …/{id}/confirm` (the requests created, step by step: `POST …/{id}/run`, or the
//!   scheduled sweep, [`import::job`]).
//! - [`parse`] reads the forms, [`views`] writes the answers (the contract's types),
//!   [`validation`] is the validation's application service.

pub mod applicant;
pub mod identity;
pub mod import;
pub mod manager;
pub mod parse;
pub mod validation;
pub mod views;

use axum::Router;
use axum::routing::{get, patch, post};
use rpps_api::ApiError;
use rpps_domain::{Actor, Role, SequenceRange, TransitionError};
use rpps_session::{SessionContext, SignedIn};
use rpps_store::{RegistrationStoreError, Store, StoredRegistration};

#[derive(Clone)]
pub struct RegistrationsState {
    pub store: Store,
    pub public_origin: String,
    /// The part of the RPPS sequence this instance allocates (FAQ-R3; docs/DEPLOY.md).
    pub numbers: SequenceRange,
}

/// The RPPS sequence range of this instance: `RPPS_SEQUENCE_FIRST` and `RPPS_SEQUENCE_LAST`
/// (the template's `RppsSequenceFirst` and `RppsSequenceLast`), the whole sequence when neither
/// is set (the local run and the tests); one without the other, or a range that is not one,
/// stops the start.
pub fn sequence_range_from_env() -> anyhow::Result<SequenceRange> {
    let read = |name: &str| -> anyhow::Result<Option<u64>> {
        match std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{name}={v}: {e}")),
        }
    };
    match (read("RPPS_SEQUENCE_FIRST")?, read("RPPS_SEQUENCE_LAST")?) {
        (None, None) => Ok(SequenceRange::FULL),
        (Some(first), Some(last)) => Ok(SequenceRange::new(first, last)?),
        _ => anyhow::bail!("set both RPPS_SEQUENCE_FIRST and RPPS_SEQUENCE_LAST, or neither"),
    }
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

/// The store's refusals of a request's write, in words for the person.
pub(crate) fn save_error(e: RegistrationStoreError) -> ApiError {
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
        // Only a validation meets it, and it tries again first (validation.rs).
        RegistrationStoreError::Contended => ApiError::conflict(
            "registration.changed",
            "D'autres validations sont en cours au même moment. Rien n'a été enregistré : réessayez dans un instant.",
        ),
        RegistrationStoreError::Store(e) => e.into(),
    }
}

/// Writes `changed` over `read` (on its version), audited as `action`, with the event that
/// tells the other parts, if any, in one transaction.
pub(crate) async fn save(
    state: &RegistrationsState,
    read: &StoredRegistration,
    changed: &rpps_domain::RegistrationRequest,
    actor: &str,
    action: &str,
    event: Option<rpps_contract::events::Event>,
) -> Result<StoredRegistration, ApiError> {
    let event = event.map(|event| {
        rpps_store::new_event(
            rpps_store::keys::registration(changed.id()),
            changed.updated_at(),
            event,
        )
    });
    state
        .store
        .save_registration(read, changed, actor, action, event.as_ref())
        .await
        .map_err(save_error)
}

pub(crate) fn not_found() -> ApiError {
    ApiError::not_found(
        "registration.not_found",
        "Cette demande d'enregistrement n'existe pas, ou vous n'y avez pas accès.",
    )
}

/// The request `id`, if `actor` may read it: another establishment's is a 403 for a manager,
/// anything else not theirs a 404 (no oracle).
async fn read_visible(
    store: &Store,
    id: &str,
    actor: &Actor,
) -> Result<StoredRegistration, ApiError> {
    if id.len() > 64 {
        return Err(not_found());
    }
    let stored = store.registration(id).await?.ok_or_else(not_found)?;
    if stored.request.is_visible_to(actor) {
        Ok(stored)
    } else if matches!(actor.role, Role::Manager { .. }) {
        Err(TransitionError::NotYourEstablishment.into())
    } else {
        Err(not_found())
    }
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/e2e/template.rs`).
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/registrations"),
    ("GET", "/api/registrations/mine"),
    ("PATCH", "/api/registrations/{id}"),
    ("POST", "/api/registrations/{id}/submit"),
    ("POST", "/api/registrations/{id}/withdraw"),
    ("GET", "/api/manager/registrations"),
    ("POST", "/api/manager/registrations"),
    ("POST", "/api/manager/registrations/validations"),
    ("GET", "/api/manager/registrations/{id}"),
    ("DELETE", "/api/manager/registrations/{id}"),
    ("POST", "/api/manager/registrations/{id}/validate"),
    ("POST", "/api/manager/registrations/{id}/reject"),
    ("GET", "/api/manager/imports/template"),
    ("POST", "/api/manager/imports"),
    ("GET", "/api/manager/imports"),
    ("GET", "/api/manager/imports/{id}"),
    ("PATCH", "/api/manager/imports/{id}/lines/{line}"),
    ("GET", "/api/manager/imports/{id}/result"),
    ("POST", "/api/manager/imports/{id}/confirm"),
    ("POST", "/api/manager/imports/{id}/run"),
];

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: RegistrationsState) -> Router {
    Router::new()
        .route("/api/registrations", post(applicant::start_draft))
        .route("/api/registrations/mine", get(applicant::mine))
        .route("/api/registrations/{id}", patch(applicant::update_draft))
        .route("/api/registrations/{id}/submit", post(applicant::submit))
        .route(
            "/api/registrations/{id}/withdraw",
            post(applicant::withdraw),
        )
        .route(
            "/api/manager/registrations",
            get(manager::pending).post(manager::employer_draft),
        )
        .route(
            "/api/manager/registrations/validations",
            post(manager::bulk_validate),
        )
        .route(
            "/api/manager/registrations/{id}",
            get(manager::detail).delete(manager::delete_draft),
        )
        .route(
            "/api/manager/registrations/{id}/validate",
            post(manager::validate),
        )
        .route(
            "/api/manager/registrations/{id}/reject",
            post(manager::reject),
        )
        .route(
            "/api/manager/imports/template",
            get(import::routes::template),
        )
        .route(
            "/api/manager/imports",
            post(import::routes::upload).get(import::routes::list),
        )
        .route("/api/manager/imports/{id}", get(import::routes::show))
        .route(
            "/api/manager/imports/{id}/lines/{line}",
            patch(import::routes::correct),
        )
        .route(
            "/api/manager/imports/{id}/result",
            get(import::routes::result),
        )
        .route(
            "/api/manager/imports/{id}/confirm",
            post(import::routes::confirm),
        )
        .route("/api/manager/imports/{id}/run", post(import::routes::run))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<RegistrationsState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(RegistrationsState {
        numbers: sequence_range_from_env()?,
        ..state_from_sdk(&config, &sdk, public_origin)
    })
}

/// A state on `sdk`, allocating from the whole sequence.
pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: String,
) -> RegistrationsState {
    RegistrationsState {
        store: Store::from_config(config, sdk),
        public_origin,
        numbers: SequenceRange::FULL,
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
