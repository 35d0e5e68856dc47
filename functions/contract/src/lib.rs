//! The typed contract between the parts of RPPS+: what the functions answer and accept over
//! HTTP, and the events they leave in the outbox for each other.
//!
//! - The functions build these views from the domain **explicitly** (`view_of(…)`): what is not
//!   here never leaves a function (the FranceConnect subject, who created or decided a
//!   request, the manager's identifier…), and a renamed domain field cannot change the wire.
//! - The web app reads the same types (it is built for wasm32 with this crate), so a change of
//!   shape is a compile error on both sides, not a silent break.
//! - Serde only: no domain, no clock, no I/O. Values stay plain (identifiers as strings); the
//!   functions parse what they receive with the domain's rules.
//!
//! Wire conventions: field names in `snake_case`; instants as RFC 3339 strings **with the Paris
//! offset** (`2026-07-15T11:15:00+02:00`, see [`Instant`]); days as `YYYY-MM-DD` ([`Day`]);
//! optional values as `null` or absent.

pub mod card;
pub mod directory;
pub mod error;
pub mod events;
pub mod import;
pub mod pages;
pub mod places;
pub mod registration;
pub mod session;
pub mod staff;

/// An instant, as RFC 3339 text with the offset of Paris at that instant (`+01:00` in winter,
/// `+02:00` in summer): the same instant as its UTC form, and its local part is what a person
/// in France reads (`rpps_domain::paris` writes it; the web app shows the local part).
pub type Instant = String;

/// A calendar day, `YYYY-MM-DD` (a day in Paris when it is "today").
pub type Day = String;
