//! The end-to-end tests: one test binary, so the whole local stack is linked once (zero2prod's
//! `tests/api/main.rs`). Each module was a test binary of its own; their tests now run as threads
//! of this one process, so none of them sets anything process-wide:
//!
//! - every test starts its own application ([`rpps_e2e::spawn_app`]: a port of its own, tables
//!   under a prefix of its own), creates secrets under names of its own, and finds its emails in
//!   the shared moto by what is its own (a request id, a mailbox under its prefix);
//! - no test sets an environment variable: `lambda_binaries` gives the Lambda binaries theirs on
//!   the child process only (a cleared environment), and `template` and `lambda_binaries` run
//!   cargo as a child process whose environment is changed, not this one's;
//! - what is process-wide is set once and the same for every test: the logs (`spawn_app`'s
//!   `Once`, only with `RUST_LOG`) and rustls' default provider (ring, installed by
//!   `rpps_identity::http` if none is, never `unwrap`ped);
//! - `lambda_binaries` builds the functions' binaries only if they are out of date, which they are
//!   not under `make test` (infra/local/stack.sh builds every target first): a build would take
//!   the cores of the tests running beside it;
//! - as many tests run at once as before (the test harness's threads, one per core by default):
//!   moto's transactions are not safe under more concurrency than the tests already had.

mod api;
mod auth;
mod authorization;
mod certified_provider;
mod directory;
mod employers;
mod faults;
mod fhir;
mod iam_gate;
mod identity;
mod lambda_binaries;
mod openapi;
mod opendata;
mod registration;
mod secrets;
mod support;
mod template;
