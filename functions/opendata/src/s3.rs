//! Gzip files streamed to and from S3 with bounded memory: lines are compressed as they come and
//! sent as multipart-upload parts of [`PART_SIZE`]; a file is read back chunk by chunk and
//! decompressed line by line.

use std::io::Write;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use flate2::Compression;
use flate2::write::{GzEncoder, MultiGzDecoder};
use sha2::{Digest, Sha256};

/// Compressed bytes sent per part (S3's minimum is 5 MiB, except for the last part).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("S3 {operation} of {key}: {message}")]
    Call {
        operation: &'static str,
        key: String,
        message: String,
    },
    #[error("{key}: {message}")]
    Content { key: String, message: String },
}

/// The error of an S3 call on `key` (for `map_err`).
pub(crate) fn call<E: std::error::Error>(
    operation: &'static str,
    key: &str,
) -> impl FnOnce(E) -> S3Error {
    let key = key.to_owned();
    move |e| S3Error::Call {
        operation,
        key,
        message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
    }
}

/// What a written file is, for the manifest.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WrittenFile {
    /// The object's key (`donnees/…`).
    pub key: String,
    /// Lines, header included.
    pub lines: u64,
    /// Size of the compressed file.
    pub bytes: u64,
    /// SHA-256 of the compressed file, as served (hex).
    pub sha256: String,
}

/// A gzip file being written to S3, a part at a time.
pub struct GzipUpload {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    encoder: GzEncoder<Vec<u8>>,
    parts: Vec<CompletedPart>,
    hasher: Sha256,
    bytes: u64,
    lines: u64,
}

impl GzipUpload {
    pub async fn start(
        client: &Client,
        bucket: &str,
        key: &str,
        cache_control: &str,
    ) -> Result<Self, S3Error> {
        let out = client
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type("application/gzip")
            .cache_control(cache_control)
            .send()
            .await
            .map_err(call("CreateMultipartUpload", key))?;
        let upload_id = out.upload_id.ok_or_else(|| S3Error::Content {
            key: key.to_owned(),
            message: "no upload id".into(),
        })?;
        Ok(Self {
            client: client.clone(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            upload_id,
            encoder: GzEncoder::new(Vec::with_capacity(PART_SIZE), Compression::default()),
            parts: Vec::new(),
            hasher: Sha256::new(),
            bytes: 0,
            lines: 0,
        })
    }

    /// One line (a `\n` is added).
    pub async fn write_line(&mut self, line: &str) -> Result<(), S3Error> {
        let compress = |e: std::io::Error| S3Error::Content {
            key: self.key.clone(),
            message: e.to_string(),
        };
        self.encoder
            .write_all(line.as_bytes())
            .and_then(|()| self.encoder.write_all(b"\n"))
            .map_err(compress)?;
        self.lines += 1;
        if self.encoder.get_ref().len() >= PART_SIZE {
            let part = std::mem::take(self.encoder.get_mut());
            self.send_part(part).await?;
        }
        Ok(())
    }

    async fn send_part(&mut self, part: Vec<u8>) -> Result<(), S3Error> {
        let number = i32::try_from(self.parts.len() + 1).unwrap_or(i32::MAX);
        self.hasher.update(&part);
        self.bytes += part.len() as u64;
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .part_number(number)
            .body(ByteStream::from(part))
            .send()
            .await
            .map_err(call("UploadPart", &self.key))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag)
                .build(),
        );
        Ok(())
    }

    /// The last part, then the upload completed: the object appears whole, or not at all (on
    /// an error the upload is aborted).
    pub async fn finish(mut self) -> Result<WrittenFile, S3Error> {
        match self.complete().await {
            Ok(file) => Ok(file),
            Err(e) => {
                self.abort().await;
                Err(e)
            }
        }
    }

    async fn complete(&mut self) -> Result<WrittenFile, S3Error> {
        let encoder = std::mem::replace(
            &mut self.encoder,
            GzEncoder::new(Vec::new(), Compression::default()),
        );
        let last = encoder.finish().map_err(|e| S3Error::Content {
            key: self.key.clone(),
            message: e.to_string(),
        })?;
        if !last.is_empty() || self.parts.is_empty() {
            self.send_part(last).await?;
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(std::mem::take(&mut self.parts)))
                    .build(),
            )
            .send()
            .await
            .map_err(call("CompleteMultipartUpload", &self.key))?;
        let digest = std::mem::take(&mut self.hasher).finalize();
        Ok(WrittenFile {
            key: self.key.clone(),
            lines: self.lines,
            bytes: self.bytes,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    /// Gives the upload up (its parts are deleted; the bucket's lifecycle rule catches any
    /// abort that fails).
    pub async fn abort(self) {
        if let Err(e) = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
            .send()
            .await
        {
            tracing::warn!(key = %self.key, error = %aws_sdk_s3::error::DisplayErrorContext(e), "multipart upload not aborted");
        }
    }
}

/// The lines of a gzip object, read as it downloads.
pub struct GzipLines {
    key: String,
    body: ByteStream,
    decoder: MultiGzDecoder<Vec<u8>>,
    buffer: Vec<u8>,
    position: usize,
    ended: bool,
}

impl GzipLines {
    /// None when there is no such object.
    pub async fn open(client: &Client, bucket: &str, key: &str) -> Result<Option<Self>, S3Error> {
        match client.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => Ok(Some(Self {
                key: key.to_owned(),
                body: out.body,
                decoder: MultiGzDecoder::new(Vec::new()),
                buffer: Vec::new(),
                position: 0,
                ended: false,
            })),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_s3::operation::get_object::GetObjectError::is_no_such_key,
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(call("GetObject", key)(e)),
        }
    }

    fn content(&self, message: impl std::fmt::Display) -> S3Error {
        S3Error::Content {
            key: self.key.clone(),
            message: message.to_string(),
        }
    }

    /// The next line, without its `\n`.
    pub async fn next_line(&mut self) -> Result<Option<String>, S3Error> {
        loop {
            if let Some(end) = self.buffer[self.position..]
                .iter()
                .position(|&b| b == b'\n')
            {
                let line = &self.buffer[self.position..self.position + end];
                let line = String::from_utf8(line.to_vec()).map_err(|e| self.content(e))?;
                self.position += end + 1;
                return Ok(Some(line));
            }
            if self.ended {
                if self.position < self.buffer.len() {
                    let rest = String::from_utf8(self.buffer[self.position..].to_vec())
                        .map_err(|e| self.content(e))?;
                    self.position = self.buffer.len();
                    return Ok(Some(rest));
                }
                return Ok(None);
            }
            self.buffer.drain(..self.position);
            self.position = 0;
            match self.body.next().await {
                Some(chunk) => {
                    let chunk = chunk.map_err(|e| self.content(e))?;
                    self.decoder
                        .write_all(&chunk)
                        .map_err(|e| self.content(e))?;
                }
                None => {
                    self.decoder.try_finish().map_err(|e| self.content(e))?;
                    self.ended = true;
                }
            }
            let decoded = std::mem::take(self.decoder.get_mut());
            self.buffer.extend_from_slice(&decoded);
        }
    }
}
