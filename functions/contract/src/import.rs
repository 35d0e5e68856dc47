//! A manager's import of a team from a CSV file (issue 19): the upload, the preview of every
//! line with its cells' errors, a line's correction, the job's state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Instant;
use crate::error::FieldError;

/// `POST /api/manager/imports`: the file, as the browser read it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportUpload {
    /// The file's name on the manager's computer (shown back, never used as a path).
    pub filename: String,
    /// FINESS number of the establishment of the lines without a FINESS cell (by default the
    /// manager's only establishment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub establishment: Option<String>,
    /// The file's bytes, base64 (standard alphabet, padded).
    pub content: String,
}

/// `PATCH /api/manager/imports/{id}/lines/{line}`: cells corrected (by field name), or the
/// line dropped (or taken back).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportLineBody {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cells: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped: Option<bool>,
}

/// Where an import stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Read and checked: lines may be corrected or dropped; nothing is created yet.
    #[default]
    Preview,
    /// Confirmed: the requests are being created.
    Running,
    /// Every line has its outcome.
    Done,
}

impl ImportStatus {
    pub fn code(self) -> &'static str {
        match self {
            ImportStatus::Preview => "preview",
            ImportStatus::Running => "running",
            ImportStatus::Done => "done",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Preview, Self::Running, Self::Done]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Where a line stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineState {
    /// Correct, and no one the register knows: a request will be created.
    #[default]
    Ready,
    /// Cells to correct (their errors), or the same person as an earlier line.
    Invalid,
    /// The register already has this person (a number, or a request under way): nothing to
    /// create (`message` says what).
    Known,
    /// Left out by the manager.
    Dropped,
    /// Its request was created, sent for validation (`request_id`).
    Created,
    /// Its request could not be created (`message`).
    Failed,
}

impl LineState {
    /// What the manager reads: on the import's page and in the outcome's CSV file.
    pub fn label(self) -> &'static str {
        match self {
            LineState::Ready => "prête",
            LineState::Invalid => "à corriger",
            LineState::Known => "déjà connue du registre",
            LineState::Dropped => "écartée",
            LineState::Created => "demande créée",
            LineState::Failed => "échec",
        }
    }
}

/// One cell of a line: its field (`family_name`…), what the file had (or the correction), its
/// error if any.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCell {
    pub field: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FieldError>,
}

/// One line of the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// Its line number in the file (the header is line 1).
    pub line: u32,
    pub state: LineState,
    pub cells: Vec<ImportCell>,
    /// What the line as a whole is about (already numbered, same as line 12…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the validation will ask to look at (a probable match in the register).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// The request created for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Left out by the manager (its state is then `dropped`; taken back, it is checked again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dropped: bool,
    /// The earlier line of the same person (the line is then `invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_of: Option<u32>,
    /// An earlier line of perhaps the same person (a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similar_to: Option<u32>,
    /// What the register answered for this person, when it already knows them (the line is
    /// then `known`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<String>,
    /// The register has someone who may be this person (a warning).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub register_probable: bool,
}

/// How many lines are in each state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub total: u32,
    pub ready: u32,
    pub invalid: u32,
    pub known: u32,
    pub dropped: u32,
    pub created: u32,
    pub failed: u32,
}

impl ImportCounts {
    /// The counts of `lines`.
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a ImportLine>) -> Self {
        let mut counts = Self::default();
        for line in lines {
            counts.total += 1;
            *match line.state {
                LineState::Ready => &mut counts.ready,
                LineState::Invalid => &mut counts.invalid,
                LineState::Known => &mut counts.known,
                LineState::Dropped => &mut counts.dropped,
                LineState::Created => &mut counts.created,
                LineState::Failed => &mut counts.failed,
            } += 1;
        }
        counts
    }
}

/// An import: what was read, each line's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: String,
    pub status: ImportStatus,
    pub filename: String,
    pub created_at: Instant,
    /// How the file was read, in French (« UTF-8, séparateur « ; » »).
    pub read_as: String,
    /// Columns of the file the import does not read.
    #[serde(default)]
    pub ignored_columns: Vec<String>,
    /// FINESS of the lines without one.
    #[serde(default)]
    pub establishment: Option<String>,
    pub counts: ImportCounts,
    /// Once confirmed: how many lines were ready then (the job's whole; those still `ready`
    /// are left to create).
    #[serde(default)]
    pub confirmed_ready: u32,
    #[serde(default)]
    pub lines: Vec<ImportLine>,
}

/// `GET /api/manager/imports`: the signed-in manager's imports, newest first (without lines).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportList {
    pub imports: Vec<ImportView>,
}
