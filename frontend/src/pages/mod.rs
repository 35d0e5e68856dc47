//! One module per journey.

pub mod account;
pub mod applicant;
pub mod directory;
pub mod errors;
pub mod help;
pub mod home;
pub mod import;
pub mod manager;
pub mod pickers;
pub mod professional;
pub mod verifier;
