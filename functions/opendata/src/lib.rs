//! The public directory's daily open-data files (issue 16), written by a scheduled function to
//! the site's bucket under `donnees/`, served by CloudFront at `/donnees/` (locally by the
//! runner; `POST /_local/extract` runs it now):
//!
//! - the full extract in the layout of the reference's `PS_LibreAcces_Personne_activite`
//!   ([`layout`]), gzip, `PS_LibreAcces_Personne_activite_<YYYYMMDDhhmmss>.txt.gz`;
//! - the delta against the previous run's full file ([`delta`]: lines added, changed, removed,
//!   with an action column), `…_delta_<stamp>.txt.gz`, so that a copy stays current without
//!   reloading the full file;
//! - a manifest per run (`manifeste_<stamp>.json`: date, row counts, sizes, SHA-256 of each
//!   file, licence Licence Ouverte 2.0, the previous run's manifest), and stable "latest" names
//!   (`manifeste_latest.json`, `…_latest.txt.gz`, `…_delta_latest.txt.gz`).
//!
//! Streamed: the directory is read a page at a time by RPPS number (the listing of
//! `rpps_store::listing`), the previous full file is read as it downloads, and both files are
//! compressed and uploaded in parts of 8 MiB: memory stays bounded whatever the register's size.
//! The Practitioner ids of the FHIR API are the `Identifiant PP` of these lines.

pub mod delta;
pub mod layout;
pub mod s3;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use rpps_store::{Listing, ListingError, ListingOrder, Store, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use delta::{Counts, Step};
use layout::Action;
use s3::{GzipLines, GzipUpload, S3Error, WrittenFile};

/// Where the files are, in the bucket and on the site.
pub const PREFIX: &str = "donnees/";
pub const DATASET: &str = "PS_LibreAcces_Personne_activite";
pub const MANIFEST_LATEST: &str = "donnees/manifeste_latest.json";
pub const FULL_LATEST: &str = "donnees/PS_LibreAcces_Personne_activite_latest.txt.gz";
pub const DELTA_LATEST: &str = "donnees/PS_LibreAcces_Personne_activite_delta_latest.txt.gz";
/// A run's own files never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The latest names change every day.
pub const LATEST: &str = "no-cache";
pub const LICENCE_NAME: &str = "Licence Ouverte / Open Licence version 2.0";
pub const LICENCE_URL: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence";
/// Entries read per page of the listing.
const PAGE: i32 = 1000;

#[derive(Clone)]
pub struct OpendataState {
    pub store: Store,
    pub s3: Client,
    pub bucket: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub name: String,
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeltaFile {
    #[serde(flatten)]
    pub file: WrittenFile,
    /// The full file it brings up to date (the previous run's); None on the first run, when
    /// the delta adds every line.
    pub since: Option<String>,
    pub counts: Counts,
}

/// One run's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub dataset: String,
    pub publisher: String,
    /// The lines' layout: a delta is only made against a full file of the same one.
    pub layout: String,
    pub columns: usize,
    pub separator: String,
    pub encoding: String,
    /// The run's day and instant, in Paris.
    pub date: String,
    pub generated_at: String,
    pub licence: Licence,
    /// Professionals with at least one line.
    pub professionals: u64,
    pub full: WrittenFile,
    /// None when the previous full file has another layout (no delta can be made).
    pub delta: Option<DeltaFile>,
    pub manifest: String,
    pub previous_manifest: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error(transparent)]
    S3(#[from] S3Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the directory listing failed: {0}")]
    Listing(String),
    #[error("{0}")]
    Content(String),
}

impl From<ListingError> for ExtractError {
    fn from(e: ListingError) -> Self {
        match e {
            ListingError::Store(e) => Self::Store(e),
            other => Self::Listing(other.to_string()),
        }
    }
}

/// A run's timestamp in its file names: Paris time, to the second.
pub fn stamp(at: OffsetDateTime) -> String {
    let paris = at.to_offset(rpps_domain::paris::paris_offset(at));
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        paris.year(),
        u8::from(paris.month()),
        paris.day(),
        paris.hour(),
        paris.minute(),
        paris.second()
    )
}

async fn read_manifest(state: &OpendataState, key: &str) -> Result<Option<Manifest>, ExtractError> {
    let out = match state
        .s3
        .get_object()
        .bucket(&state.bucket)
        .key(key)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(aws_sdk_s3::operation::get_object::GetObjectError::is_no_such_key) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(s3::call("GetObject", key)(e).into()),
    };
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| ExtractError::Content(format!("{key}: {e}")))?
        .into_bytes();
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ExtractError::Content(format!("{key}: {e}")))
}

async fn put(
    state: &OpendataState,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
    cache_control: &str,
) -> Result<(), ExtractError> {
    state
        .s3
        .put_object()
        .bucket(&state.bucket)
        .key(key)
        .content_type(content_type)
        .cache_control(cache_control)
        .body(ByteStream::from(body))
        .send()
        .await
        .map_err(s3::call("PutObject", key))?;
    Ok(())
}

async fn copy(state: &OpendataState, from: &str, to: &str) -> Result<(), ExtractError> {
    state
        .s3
        .copy_object()
        .bucket(&state.bucket)
        .copy_source(format!("{}/{from}", state.bucket))
        .key(to)
        .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
        .content_type("application/gzip")
        .cache_control(LATEST)
        .send()
        .await
        .map_err(s3::call("CopyObject", to))?;
    Ok(())
}

/// The two files being written, and the previous full file being read.
struct Writing {
    full: GzipUpload,
    delta: Option<GzipUpload>,
    previous: Option<GzipLines>,
    /// The previous file's next line.
    head: Option<String>,
    counts: Counts,
    last_key: Option<(String, String)>,
}

impl Writing {
    async fn next_previous(&mut self) -> Result<(), ExtractError> {
        self.head = match &mut self.previous {
            Some(lines) => lines.next_line().await?,
            None => None,
        };
        Ok(())
    }

    async fn write_delta(&mut self, action: Action, line: &str) -> Result<(), ExtractError> {
        if let Some(delta) = &mut self.delta {
            delta.write_line(&layout::delta_line(action, line)).await?;
            self.counts.count(action);
        }
        Ok(())
    }

    /// Today's next line, in key order: into the full file, and into the delta as the merge
    /// with the previous file says.
    async fn line(&mut self, line: &str) -> Result<(), ExtractError> {
        let key = layout::key(line)
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .ok_or_else(|| ExtractError::Content(format!("a line without key: {line}")))?;
        if self.last_key.as_ref().is_some_and(|last| *last >= key) {
            return Err(ExtractError::Content(format!(
                "lines out of key order at {key:?}"
            )));
        }
        self.last_key = Some(key);
        loop {
            match delta::step(self.head.as_deref(), line) {
                Step::Removed => {
                    let gone = self.head.take().unwrap_or_default();
                    self.write_delta(Action::Removed, &gone).await?;
                    self.next_previous().await?;
                }
                Step::Unchanged => {
                    self.next_previous().await?;
                    break;
                }
                Step::Changed => {
                    self.write_delta(Action::Changed, line).await?;
                    self.next_previous().await?;
                    break;
                }
                Step::Added => {
                    self.write_delta(Action::Added, line).await?;
                    break;
                }
            }
        }
        self.full.write_line(line).await?;
        Ok(())
    }

    /// The previous file's lines left: removed.
    async fn drain(&mut self) -> Result<(), ExtractError> {
        while let Some(gone) = self.head.take() {
            self.write_delta(Action::Removed, &gone).await?;
            self.next_previous().await?;
        }
        Ok(())
    }

    async fn abort(self) {
        self.full.abort().await;
        if let Some(delta) = self.delta {
            delta.abort().await;
        }
    }
}

/// Writes today's files; `now` is the run's instant (its names and the manifest's date).
pub async fn extract(state: &OpendataState, now: OffsetDateTime) -> Result<Manifest, ExtractError> {
    let previous = read_manifest(state, MANIFEST_LATEST).await?;
    let stamp = stamp(now);
    let full_key = format!("{PREFIX}{DATASET}_{stamp}.txt.gz");
    let delta_key = format!("{PREFIX}{DATASET}_delta_{stamp}.txt.gz");
    let manifest_key = format!("{PREFIX}manifeste_{stamp}.json");
    let same_layout = previous.as_ref().is_none_or(|m| m.layout == layout::LAYOUT);
    let mut previous_lines = match &previous {
        Some(m) if same_layout => {
            let mut lines = GzipLines::open(&state.s3, &state.bucket, &m.full.key)
                .await?
                .ok_or_else(|| {
                    ExtractError::Content(format!("{}: named by the manifest, missing", m.full.key))
                })?;
            let header = lines.next_line().await?;
            if header.as_deref() != Some(layout::header().as_str()) {
                return Err(ExtractError::Content(format!(
                    "{}: not the expected header",
                    m.full.key
                )));
            }
            Some(lines)
        }
        _ => None,
    };
    // The previous file's first line, before any upload starts (nothing to abort if it fails).
    let head = match &mut previous_lines {
        Some(lines) => lines.next_line().await?,
        None => None,
    };
    let full = GzipUpload::start(&state.s3, &state.bucket, &full_key, IMMUTABLE).await?;
    let delta = if same_layout {
        match GzipUpload::start(&state.s3, &state.bucket, &delta_key, IMMUTABLE).await {
            Ok(d) => Some(d),
            Err(e) => {
                full.abort().await;
                return Err(e.into());
            }
        }
    } else {
        None
    };
    let mut writing = Writing {
        full,
        delta,
        previous: previous_lines,
        head,
        counts: Counts::default(),
        last_key: None,
    };
    let professionals = match write_all(state, &mut writing, now).await {
        Ok(n) => n,
        Err(e) => {
            writing.abort().await;
            return Err(e);
        }
    };
    let Writing {
        full,
        delta,
        counts,
        ..
    } = writing;
    let delta_upload = delta;
    let full = match full.finish().await {
        Ok(f) => f,
        Err(e) => {
            if let Some(d) = delta_upload {
                d.abort().await;
            }
            return Err(e.into());
        }
    };
    let delta = match delta_upload {
        Some(d) => Some(DeltaFile {
            file: d.finish().await?,
            since: previous.as_ref().map(|m| m.full.key.clone()),
            counts,
        }),
        None => None,
    };
    let manifest = Manifest {
        dataset: DATASET.into(),
        publisher: "RPPS+".into(),
        layout: layout::LAYOUT.into(),
        columns: layout::COLUMNS.len(),
        separator: "|".into(),
        encoding: "UTF-8".into(),
        date: rpps_domain::paris::date_in_paris(now).to_string(),
        generated_at: rpps_domain::paris::rfc3339(now),
        licence: Licence {
            name: LICENCE_NAME.into(),
            url: LICENCE_URL.into(),
        },
        professionals,
        full,
        delta,
        manifest: manifest_key.clone(),
        previous_manifest: previous.map(|m| m.manifest),
    };
    // The latest names last, the latest manifest at the very end: it only ever names files
    // that are there.
    copy(state, &manifest.full.key, FULL_LATEST).await?;
    if let Some(delta) = &manifest.delta {
        copy(state, &delta.file.key, DELTA_LATEST).await?;
    }
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ExtractError::Content(e.to_string()))?;
    put(
        state,
        &manifest_key,
        json.clone(),
        "application/json",
        IMMUTABLE,
    )
    .await?;
    put(state, MANIFEST_LATEST, json, "application/json", LATEST).await?;
    tracing::info!(
        full = %manifest.full.key,
        lines = manifest.full.lines,
        bytes = manifest.full.bytes,
        added = counts.added,
        changed = counts.changed,
        removed = counts.removed,
        "open-data files written"
    );
    Ok(manifest)
}

/// Every entry, by number, through the merge; the number of professionals with a line.
async fn write_all(
    state: &OpendataState,
    writing: &mut Writing,
    now: OffsetDateTime,
) -> Result<u64, ExtractError> {
    writing.full.write_line(&layout::header()).await?;
    if let Some(delta) = &mut writing.delta {
        delta.write_line(&layout::delta_header()).await?;
    }
    let listing = Listing {
        order: ListingOrder::ByNumber,
        active: None,
    };
    let mut professionals = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = state
            .store
            .list_directory(&listing, PAGE, cursor.as_deref(), now)
            .await?;
        for entry in &page.results {
            let lines = layout::lines(entry);
            if !lines.is_empty() {
                professionals += 1;
            }
            for line in &lines {
                writing.line(line).await?;
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    writing.drain().await?;
    Ok(professionals)
}

/// The lines of a gzip file in memory (tests, and a consumer's reference).
pub fn gunzip_lines(bytes: &[u8]) -> Result<Vec<String>, std::io::Error> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut text)?;
    Ok(text.lines().map(str::to_owned).collect())
}

/// The S3 client of a function: path-style addressing when an endpoint is set (the local
/// emulator), virtual-hosted in AWS.
pub fn s3_client(sdk: &rpps_runtime::aws::SdkConfig) -> Client {
    let mut config = aws_sdk_s3::config::Builder::from(sdk);
    if sdk.endpoint_url().is_some() {
        config = config.force_path_style(true);
    }
    Client::from_conf(config.build())
}

/// Builds the state once, from the environment (`RPPS_SITE_BUCKET`).
pub fn state_from_env() -> anyhow::Result<OpendataState> {
    let config = rpps_runtime::Config::from_env()?;
    let sdk = rpps_runtime::aws::from_env();
    let bucket = std::env::var("RPPS_SITE_BUCKET")
        .map_err(|_| anyhow::anyhow!("environment variable RPPS_SITE_BUCKET is not set"))?;
    Ok(state_from_sdk(&config, &sdk, &bucket))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    bucket: &str,
) -> OpendataState {
    OpendataState {
        store: Store::from_config(config, sdk),
        s3: s3_client(sdk),
        bucket: bucket.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn file_names_carry_the_paris_time_of_the_run() {
        assert_eq!(stamp(datetime!(2026-12-05 03:00:07 UTC)), "20261205040007");
        assert_eq!(stamp(datetime!(2026-07-14 22:30 UTC)), "20260715003000");
    }
}
