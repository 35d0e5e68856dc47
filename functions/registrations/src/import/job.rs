//! The import's job (issue 19): the confirmation marks the import running, its ready lines to
//! be created; then the requests are created step by step, each
//! step a few lines under a lease on the job (whoever holds it: the manager's page, which asks
//! for the next step while it is open, or the scheduled sweep every 5 minutes, which finishes
//! what a closed page left). Each request is the employer's request the form would make —
//! filled, confirmed, submitted for validation — created in one transaction with its
//! open-request claim and audit entry.
//!
//! Nothing is created twice: a line's request id follows from the import and the line
//! ([`request_id`]), so a step done again (a lost answer, a lease run out, the page and the
//! sweep) finds the request it already created; the same person as someone the register knows (another line, another
//! import, a request since) is refused by the same checks as the form. Confirming again, or a
//! second upload of the same file, creates nothing more.

use std::time::Duration;

use rpps_api::ApiError;
use rpps_contract::import::{ImportCounts, ImportLine, ImportStatus, ImportView, LineState};
use rpps_domain::paris::date_in_paris;
use rpps_domain::{Actor, DraftUpdate, Finess, RegistrationRequest, Role};
use rpps_places::EmbeddedPlaces;
use rpps_store::imports::LINES_PER_CHUNK;
use rpps_store::{ImportStoreError, RegistrationStoreError, Store, StoredImport};
use time::OffsetDateTime;

use super::line::{self, Context};
use super::preview;
use crate::identity;

/// Lines one step creates at most: about 3 DynamoDB calls each, well within a request's time.
pub const STEP_LINES: usize = 25;
/// How long a step holds the job: longer than a step takes, short enough that a step cut off
/// (a function stopped) holds nothing back for long.
pub const LEASE: Duration = Duration::from_secs(30);

/// The import as the store keeps it, read into its view.
pub fn view_of(stored: &StoredImport) -> Result<ImportView, ApiError> {
    let mut view: ImportView =
        serde_json::from_str(&stored.job.summary).map_err(|e| ApiError::internal(&e))?;
    view.status = ImportStatus::from_code(&stored.job.status)
        .ok_or_else(|| ApiError::internal(&"an import in an unknown state"))?;
    for (_, lines) in &stored.chunks {
        let lines: Vec<ImportLine> =
            serde_json::from_str(lines).map_err(|e| ApiError::internal(&e))?;
        view.lines.extend(lines);
    }
    Ok(view)
}

/// The view without its lines: what the job item keeps.
pub fn summary(view: &ImportView) -> Result<String, ApiError> {
    serde_json::to_string(&ImportView {
        lines: Vec::new(),
        ..view.clone()
    })
    .map_err(|e| ApiError::internal(&e))
}

/// The chunks of `view` that differ from what `stored` has.
pub fn changed_chunks(
    stored: &StoredImport,
    view: &ImportView,
) -> Result<Vec<(u32, String)>, ApiError> {
    let chunks: Vec<(u32, String)> = view
        .lines
        .chunks(LINES_PER_CHUNK)
        .enumerate()
        .map(|(i, c)| serde_json::to_string(c).map(|text| (i as u32, text)))
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::internal(&e))?;
    Ok(chunks
        .into_iter()
        .filter(|(i, text)| {
            stored
                .chunks
                .iter()
                .find(|(j, _)| j == i)
                .is_none_or(|(_, before)| before != text)
        })
        .collect())
}

pub fn changed_error(e: ImportStoreError) -> ApiError {
    match e {
        ImportStoreError::Changed => ApiError::conflict(
            "import.changed",
            "L'import a été modifié entre-temps (dans un autre onglet ?). Rechargez la page pour voir sa dernière version.",
        ),
        ImportStoreError::Store(e) => e.into(),
    }
}

/// The id of the request of line `line` of import `import`: chosen by nothing but the two, so
/// a step done again (a lost answer, two steps at once) finds the request it created.
pub fn request_id(import: &str, line: u32) -> String {
    format!("{import}-L{line}")
}

/// Confirms an import in preview: the import runs, its ready lines to be created (one write of
/// the job alone, whatever the file's size). An import already confirmed is answered as it is
/// (a retry creates nothing more).
pub async fn confirm(store: &Store, stored: StoredImport) -> Result<ImportView, ApiError> {
    let mut view = view_of(&stored)?;
    if view.status != ImportStatus::Preview {
        return Ok(view);
    }
    view.counts = ImportCounts::of(&view.lines);
    if view.counts.ready == 0 {
        return Err(ApiError::conflict(
            "import.nothing_ready",
            "Aucune ligne n'est prête : corrigez les lignes en erreur, ou reprenez celles que vous avez écartées, avant de confirmer.",
        ));
    }
    view.status = ImportStatus::Running;
    view.confirmed_ready = view.counts.ready;
    store
        .save_import(
            &stored.job,
            ImportStatus::Running.code(),
            &summary(&view)?,
            &[],
        )
        .await
        .map_err(changed_error)?;
    Ok(view)
}

/// The outcome of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Lines were created (or found created); how many are left.
    Advanced { done: usize, left: usize },
    /// Someone else holds the job (another step under way), or it is not running.
    Busy,
    /// Not running any more, or gone.
    Idle,
}

/// Advances the running import `id` by up to [`STEP_LINES`] lines, under its lease (a token of
/// this step's: only this step releases it, and its save is refused once another step took
/// over). The lines are created on behalf of the manager who uploaded the file, with the
/// establishments they manage now (a manager no longer designated creates nothing more).
pub async fn step(store: &Store, id: &str, now: OffsetDateTime) -> Result<Step, ApiError> {
    let now_ms = now.unix_timestamp_nanos() / 1_000_000;
    let until = now_ms + LEASE.as_millis() as i128;
    let token = uuid::Uuid::now_v7().to_string();
    if !store.lease_import(id, &token, now_ms, until).await? {
        return Ok(Step::Busy);
    }
    let outcome = advance(store, id, &token, now).await;
    // The lease goes back whatever happened (if it is still this step's): the next step may
    // come at once.
    store.release_import(id, &token).await?;
    outcome
}

async fn advance(
    store: &Store,
    id: &str,
    token: &str,
    now: OffsetDateTime,
) -> Result<Step, ApiError> {
    let Some(stored) = store.import(id).await? else {
        return Ok(Step::Idle);
    };
    let mut view = view_of(&stored)?;
    if view.status != ImportStatus::Running {
        return Ok(Step::Idle);
    }
    let managed = rpps_session::rights::managed_now(store, &stored.job.owner).await?;
    let actor = Actor::new(
        stored.job.owner.clone(),
        Role::Manager {
            establishments: managed.clone(),
        },
    );
    let default = view
        .establishment
        .as_deref()
        .and_then(|f| Finess::parse(f).ok());
    let context = Context {
        today: date_in_paris(now),
        managed: &managed,
        default_establishment: default.as_ref(),
        places: &EmbeddedPlaces,
    };
    let todo: Vec<usize> = view
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.state == LineState::Ready)
        .map(|(i, _)| i)
        .take(STEP_LINES)
        .collect();
    for &i in &todo {
        let request = request_id(id, view.lines[i].line);
        let (state, message) = create(store, &actor, &view.lines[i], &request, &context).await?;
        let line = &mut view.lines[i];
        line.state = state;
        if state == LineState::Created {
            line.request_id = Some(request);
        }
        if let Some(message) = message {
            line.message = Some(message);
        }
    }
    let left = view
        .lines
        .iter()
        .filter(|l| l.state == LineState::Ready)
        .count();
    if left == 0 {
        view.status = ImportStatus::Done;
    }
    view.counts = ImportCounts::of(&view.lines);
    let changed = changed_chunks(&stored, &view)?;
    // Saved only while the lease is still this step's: one that ran past its lease leaves its
    // lines to the step that took over, which finds their requests created.
    store
        .save_import_leased(
            &stored.job,
            token,
            view.status.code(),
            &summary(&view)?,
            &changed,
        )
        .await
        .map_err(changed_error)?;
    Ok(Step::Advanced {
        done: todo.len(),
        left,
    })
}

/// Creates the request `id` of a line, or finds it created: the line's new state, and why when
/// it is not created. A failure of the store stops the step (it is done again later); a
/// refusal is the line's outcome.
async fn create(
    store: &Store,
    actor: &Actor,
    line: &ImportLine,
    id: &str,
    context: &Context<'_, EmbeddedPlaces>,
) -> Result<(LineState, Option<String>), ApiError> {
    // Its own time: the queue's order (a bulk validation's `until`) is the order of creation.
    let now = OffsetDateTime::now_utc();
    if store.registration(id).await?.is_some() {
        return Ok((LineState::Created, None));
    }
    let person = match line::check(&preview::cells_of(line), context) {
        Ok(person) => person,
        Err(errors) => {
            let first = errors
                .into_map()
                .into_values()
                .next()
                .map(|e| e.message)
                .unwrap_or_default();
            return Ok((
                LineState::Failed,
                Some(format!("La ligne ne peut plus être enregistrée : {first}")),
            ));
        }
    };
    let key = identity::key(&person.civil);
    let candidates = store.identity_candidates(&key).await?;
    // The line's own request (another step's, written since the read above) is not someone
    // else.
    if let Err(refusal) = identity::check_new_request(
        &identity::matches(&person.civil, &candidates, Some(id)),
        actor,
    ) {
        return Ok((LineState::Known, Some(refusal.message)));
    }
    let built = (|| {
        let mut request = RegistrationRequest::new_by_employer(
            id,
            actor,
            person.civil,
            person.establishment,
            now,
        )?;
        request.update_draft(
            actor,
            DraftUpdate {
                contact: Some(person.contact),
                start_date: Some(person.start_date),
                eligibility: Some(person.eligibility),
                accuracy_confirmed: Some(true),
                ..DraftUpdate::default()
            },
            now,
        )?;
        request.submit(actor, now)?;
        Ok::<_, rpps_domain::TransitionError>(request)
    })();
    let request = match built {
        Ok(request) => request,
        Err(e) => return Ok((LineState::Failed, Some(ApiError::from(e).message))),
    };
    match store.create_registration(&request, &actor.id, &key).await {
        Ok(_) => Ok((LineState::Created, None)),
        Err(RegistrationStoreError::Store(e)) => Err(e.into()),
        // Refused because another step created this very request meanwhile: created.
        Err(_) if store.registration(id).await?.is_some() => Ok((LineState::Created, None)),
        Err(e) => Ok((LineState::Known, Some(crate::save_error(e).message))),
    }
}

/// Advances every running import a step at a time until none is left or `budget` has passed
/// (the scheduled sweep): how many lines were created or settled. One import failing holds
/// none of the others back: its error is logged (`import.step_failed`) and the next sweep tries
/// it again.
pub async fn advance_running(
    store: &Store,
    budget: Duration,
    now: impl Fn() -> OffsetDateTime,
) -> Result<usize, ApiError> {
    let start = std::time::Instant::now();
    let mut done = 0;
    for id in store.running_imports(100).await? {
        while start.elapsed() < budget {
            match step(store, &id, now()).await {
                Ok(Step::Advanced { done: n, left }) => {
                    done += n;
                    if left == 0 {
                        break;
                    }
                }
                Ok(Step::Busy | Step::Idle) => break,
                Err(e) => {
                    tracing::error!(
                        event = "import.step_failed",
                        import = %id,
                        code = %e.code,
                        error = %e.message,
                        "an import's step failed: the next sweep tries it again"
                    );
                    break;
                }
            }
        }
    }
    Ok(done)
}
