//! The end-to-end tests: one test binary, so the whole local stack is linked once (zero2prod's
//! `tests/api/main.rs`). Each module was a test binary of its own; their tests now run as threads
//! of this one process, so none of them sets anything process-wide:
//!
//! - every test starts its own application ([`rpps_e2e::spawn_app`]: a port of its own, tables
//!   under a prefix of its own) and names its own secrets, mailboxes and SES identity;
//! - no test sets an environment variable: `lambda_binaries` gives the Lambda binaries theirs
//!   on the child process only (a cleared environment), `template` and `lambda_binaries` run
//!   cargo in a child process whose environment is changed, not this one's;
//! - what is process-wide is set once and the same for every test: the logs (`spawn_app`'s
//!   `Once`, only with `RUST_LOG`) and rustls' default provider (ring, installed by
//!   `rpps_identity::http` if none is, never `unwrap`ped);
//! - as many tests as before run at once (the test harness's threads, one per core by default):
//!   moto's transactions are not safe under more concurrency than the tests already had.

mod api;
mod auth;
mod directory;
mod lambda_binaries;
mod openapi;
mod registration;
mod secrets;
mod support;
mod template;
