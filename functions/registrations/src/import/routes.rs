//! The import's routes (issue 19): the template, the upload and its preview, a line's
//! correction, the import as it stands, its outcome as CSV. Only its manager sees an import
//! (anyone else: 404, no oracle).

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use rpps_api::ApiError;
use rpps_contract::import::{
    ImportCounts, ImportLine, ImportLineBody, ImportStatus, ImportUpload, ImportView,
};
use rpps_domain::paris::{date_in_paris, rfc3339};
use rpps_domain::{Actor, Finess, Role};
use rpps_places::EmbeddedPlaces;
use rpps_session::SignedIn;
use rpps_store::imports::LINES_PER_CHUNK;
use rpps_store::{ImportJob, StoredImport};
use time::OffsetDateTime;

use super::file::{self, Column};
use super::line::Context;
use super::{job, preview};
use crate::{RegistrationsState, actor};

/// The largest body `POST /api/manager/imports` reads: a 2 MB file in base64 and its JSON.
const MAX_BODY: usize = file::MAX_BYTES / 3 * 4 + 64 * 1024;

fn managed(signed_in: &SignedIn) -> Result<&[Finess], ApiError> {
    match &signed_in.data.role {
        Role::Manager { establishments } => Ok(establishments),
        _ => Err(ApiError::forbidden(
            "import.role_not_allowed",
            "L'import d'un fichier est réservé aux gestionnaires RPPS+ d'un établissement.",
        )),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "import.not_found",
        "Cet import n'existe pas, ou plus (un import est gardé 30 jours), ou vous n'y avez pas accès.",
    )
}

fn file_error(e: file::FileError) -> ApiError {
    let status = match e {
        file::FileError::TooLarge(_) | file::FileError::TooManyLines(_) => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// The import `id` if it is `actor`'s, as the view with its lines.
async fn read_own(
    state: &RegistrationsState,
    id: &str,
    actor: &Actor,
) -> Result<(StoredImport, ImportView), ApiError> {
    if id.len() > 64 {
        return Err(not_found());
    }
    let stored = state.store.import(id).await?.ok_or_else(not_found)?;
    if stored.job.owner != actor.id {
        return Err(not_found());
    }
    let view = job::view_of(&stored)?;
    Ok((stored, view))
}

/// The establishment of the lines without a FINESS cell: the one asked, else the manager's
/// only one.
fn default_establishment(
    asked: Option<&str>,
    managed: &[Finess],
) -> Result<Option<Finess>, ApiError> {
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        Some(raw) => {
            let finess = Finess::parse(raw).map_err(|e| {
                ApiError::bad_request(
                    "import.establishment",
                    format!("Numéro FINESS invalide : {e}"),
                )
            })?;
            if managed.contains(&finess) {
                Ok(Some(finess))
            } else {
                Err(rpps_domain::TransitionError::NotYourEstablishment.into())
            }
        }
        None => Ok((managed.len() == 1).then(|| managed[0].clone())),
    }
}

/// `GET /api/manager/imports/template`: the columns and one example line.
pub async fn template(signed_in: SignedIn) -> Result<Response, ApiError> {
    managed(&signed_in)?;
    let mut csv = rpps_api::csv::CsvWriter::new();
    for line in file::template() {
        csv.line(line);
    }
    Ok(csv.into_download("modele-import-rpps.csv"))
}

/// `POST /api/manager/imports`: reads the file, checks every line by the form's rules and
/// against the register, and keeps it as an import to preview. Nothing is created.
pub async fn upload(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
    request: Request,
) -> Result<(StatusCode, Json<ImportView>), ApiError> {
    let establishments = managed(&signed_in)?.to_vec();
    let actor = actor(&signed_in);
    let body = axum::body::to_bytes(request.into_body(), MAX_BODY)
        .await
        .map_err(|_| file_error(file::FileError::TooLarge(MAX_BODY.div_ceil(1024 * 1024))))?;
    let upload: ImportUpload = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "request.malformed",
            format!("Le fichier envoyé n'est pas lisible ({e})."),
        )
    })?;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(upload.content.trim())
        .map_err(|_| {
            ApiError::bad_request(
                "import.content",
                "Le contenu du fichier n'a pas été transmis correctement : choisissez-le de nouveau.",
            )
        })?;
    let default = default_establishment(upload.establishment.as_deref(), &establishments)?;
    let now = OffsetDateTime::now_utc();
    let context = Context {
        today: date_in_paris(now),
        managed: &establishments,
        default_establishment: default.as_ref(),
        places: &EmbeddedPlaces,
    };
    let mut read = preview::read(&bytes, &context).map_err(file_error)?;
    let all: Vec<usize> = (0..read.lines.len()).collect();
    preview::look_up(&state.store, &actor, &mut read.lines, &all, &context).await?;
    let filename: String = upload.filename.chars().take(200).collect();
    let view = ImportView {
        id: uuid::Uuid::now_v7().to_string(),
        status: ImportStatus::Preview,
        filename,
        created_at: rfc3339(now),
        read_as: read.read_as,
        ignored_columns: read.ignored_columns,
        establishment: default.map(|f| f.to_string()),
        counts: ImportCounts::of(&read.lines),
        confirmed_ready: 0,
        lines: read.lines,
    };
    let chunks = view
        .lines
        .chunks(LINES_PER_CHUNK)
        .map(|c| serde_json::to_string(c).map_err(|e| ApiError::internal(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let job = ImportJob {
        id: view.id.clone(),
        owner: actor.id.clone(),
        status: ImportStatus::Preview.code().to_owned(),
        version: 1,
        created_at: now,
        summary: job::summary(&view)?,
    };
    state.store.create_import(&job, &chunks).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /api/manager/imports`: the manager's 20 latest imports (to come back to one).
pub async fn list(
    State(state): State<RegistrationsState>,
    signed_in: SignedIn,
) -> Result<Json<rpps_contract::import::ImportList>, ApiError> {
    managed(&signed_in)?;
    let actor = actor(&signed_in);
    let mut imports = Vec::new();
    for job in state.store.imports_of(&actor.id, 20).await? {
        imports.push(job::view_of(&StoredImport {
            job,
            chunks: Vec::new(),
        })?);
    }
    Ok(Json(rpps_contract::import::ImportList { imports }))
}

/// `GET /api/manager/imports/{id}`.
pub async fn show(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Json<ImportView>, ApiError> {
    managed(&signed_in)?;
    let (_, view) = read_own(&state, &id, &actor(&signed_in)).await?;
    Ok(Json(view))
}

/// `PATCH /api/manager/imports/{id}/lines/{line}`: corrects cells of a line, or drops it (or
/// takes it back), while the import is in preview; the line is checked again (the form's rules,
/// the other lines, the register).
pub async fn correct(
    State(state): State<RegistrationsState>,
    Path((id, number)): Path<(String, u32)>,
    signed_in: SignedIn,
    rpps_api::ApiJson(body): rpps_api::ApiJson<ImportLineBody>,
) -> Result<Json<ImportView>, ApiError> {
    let establishments = managed(&signed_in)?.to_vec();
    let actor = actor(&signed_in);
    let (stored, mut view) = read_own(&state, &id, &actor).await?;
    if view.status != ImportStatus::Preview {
        return Err(ApiError::conflict(
            "import.confirmed",
            "Cet import est déjà confirmé : ses lignes ne peuvent plus être modifiées.",
        ));
    }
    if let Some(field) = body.cells.keys().find(|f| Column::from_field(f).is_none()) {
        return Err(ApiError::bad_request(
            "import.unknown_field",
            format!("« {field} » n'est pas une colonne de l'import."),
        ));
    }
    if let Some((field, _)) = body
        .cells
        .iter()
        .find(|(_, v)| v.chars().count() > file::MAX_CELL || v.chars().any(|c| c.is_control()))
    {
        let mut errors = rpps_api::FieldErrors::default();
        errors.add(
            field,
            "import.cell",
            format!(
                "Saisissez au plus {} caractères, sans retour à la ligne ni caractère de contrôle.",
                file::MAX_CELL
            ),
        );
        return Err(ApiError::bad_request(
            "import.cell",
            "Une valeur corrigée n'est pas lisible : voyez le message sous la cellule.",
        )
        .with_fields(errors));
    }
    let index = view
        .lines
        .iter()
        .position(|l| l.line == number)
        .ok_or_else(|| {
            ApiError::not_found(
                "import.line_not_found",
                format!("L'import n'a pas de ligne {number}."),
            )
        })?;
    let default = view
        .establishment
        .as_deref()
        .and_then(|f| Finess::parse(f).ok());
    let context = Context {
        today: date_in_paris(OffsetDateTime::now_utc()),
        managed: &establishments,
        default_establishment: default.as_ref(),
        places: &EmbeddedPlaces,
    };
    let current = &view.lines[index];
    let mut cells = preview::cells_of(current);
    for (field, value) in &body.cells {
        cells.insert(field.clone(), value.trim().to_owned());
    }
    let dropped = body.dropped.unwrap_or(current.dropped);
    view.lines[index] = ImportLine {
        dropped,
        ..preview::line_of(number, cells, &context)
    };
    // The repeats of every line again (a correction may end or make one), the register's look
    // for this line.
    preview::mark_repeats(&mut view.lines, &context);
    preview::look_up(&state.store, &actor, &mut view.lines, &[index], &context).await?;
    view.counts = ImportCounts::of(&view.lines);
    let changed = job::changed_chunks(&stored, &view)?;
    state
        .store
        .save_import(
            &stored.job,
            ImportStatus::Preview.code(),
            &job::summary(&view)?,
            &changed,
        )
        .await
        .map_err(job::changed_error)?;
    Ok(Json(view))
}

/// `POST /api/manager/imports/{id}/confirm`: the ready lines' requests are created (a first
/// step at once, then `…/run` or the scheduled sweep). Confirming again changes nothing.
pub async fn confirm(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Json<ImportView>, ApiError> {
    managed(&signed_in)?;
    let (stored, _) = read_own(&state, &id, &actor(&signed_in)).await?;
    job::confirm(&state.store, stored).await?;
    job::step(&state.store, &id, OffsetDateTime::now_utc()).await?;
    let (_, view) = read_own(&state, &id, &actor(&signed_in)).await?;
    Ok(Json(view))
}

/// `POST /api/manager/imports/{id}/run`: the next step of a running import (the page asks for
/// it while it is open); the import as it then stands.
pub async fn run(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Json<ImportView>, ApiError> {
    managed(&signed_in)?;
    let (stored, view) = read_own(&state, &id, &actor(&signed_in)).await?;
    if view.status != ImportStatus::Running {
        return Ok(Json(view));
    }
    match job::step(&state.store, &stored.job.id, OffsetDateTime::now_utc()).await? {
        // Someone else's step under way: the import as read (the page waits, then asks again).
        job::Step::Busy => Ok(Json(view)),
        _ => {
            let (_, view) = read_own(&state, &id, &actor(&signed_in)).await?;
            Ok(Json(view))
        }
    }
}

/// `GET /api/manager/imports/{id}/result`: each line's outcome as CSV (line, names, outcome,
/// message, request), to keep or to correct the file.
pub async fn result(
    State(state): State<RegistrationsState>,
    Path(id): Path<String>,
    signed_in: SignedIn,
) -> Result<Response, ApiError> {
    managed(&signed_in)?;
    let (_, view) = read_own(&state, &id, &actor(&signed_in)).await?;
    let mut csv = rpps_api::csv::CsvWriter::new();
    csv.line(["Ligne", "Nom", "Prénoms", "Résultat", "Message", "Demande"]);
    for line in &view.lines {
        let cell = |field: &str| {
            line.cells
                .iter()
                .find(|c| c.field == field)
                .map_or("", |c| c.value.as_str())
        };
        let errors: Vec<String> = line
            .cells
            .iter()
            .filter_map(|c| {
                Some(format!(
                    "{} : {}",
                    Column::from_field(&c.field)?.header(),
                    c.error.as_ref()?.message
                ))
            })
            .collect();
        let message = line
            .message
            .iter()
            .chain(errors.iter())
            .chain(line.warning.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ; ");
        csv.line([
            line.line.to_string().as_str(),
            cell("family_name"),
            cell("given_names"),
            line.state.label(),
            &message,
            line.request_id.as_deref().unwrap_or_default(),
        ]);
    }
    Ok(csv.into_download(&format!("import-rpps-{}.csv", &id[..id.len().min(13)])))
}
