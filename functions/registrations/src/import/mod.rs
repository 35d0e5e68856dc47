//! Registering a whole team from a file (issue 19): [`file`] reads the upload (encodings,
//! separators, quotes, the header's columns), [`line`] reads each line by the form's rules.
//! The register's look, the preview, the corrections and the job that creates the requests are
//! the handlers' and the store's.

pub mod file;
pub mod job;
pub mod line;
pub mod preview;
pub mod routes;
