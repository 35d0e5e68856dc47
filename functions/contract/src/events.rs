//! The outbox events: what one function's change tells the others (the mailer, the directory's
//! publisher), written in the same transaction as the change and delivered by the table's
//! stream (docs/ARCHITECTURE.md). One enum, so that a producer can only write a kind that
//! exists and a consumer must say, kind by kind, what it does with each: a new kind is a compile
//! error in every consumer, and a kind this version does not know is an error that reaches the
//! dead-letter path, never a silent skip.
//!
//! Stored as `kind` (the tag, e.g. `rpps.allocated`) and `payload` (the variant's fields as JSON
//! text): [`Event`] is adjacently tagged on those two names, and the field names are those the
//! earlier string-typed events wrote, so events written before this enum read back.

use serde::{Deserialize, Serialize};

use crate::{Day, Instant};

/// One outbox event: its identity, what it is about, when, and what happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// Unique and time-ordered (UUID v7): consumers act once per event.
    pub id: String,
    /// The key of what it is about (`REQ#…`, `PRO#…`, `EST#…`).
    pub subject: String,
    pub at: Instant,
    #[serde(flatten)]
    pub event: Event,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Event {
    /// A request was sent to the managers of its establishment (FAQ-R11).
    #[serde(rename = "registration.submitted")]
    RegistrationSubmitted(RegistrationSubmitted),
    /// A manager rejected a request (its applicant is told why).
    #[serde(rename = "registration.rejected")]
    RegistrationRejected(RegistrationRejected),
    /// A request was validated and its RPPS number allocated (FAQ-R2, R3, R4).
    #[serde(rename = "rpps.allocated")]
    RppsAllocated(RppsAllocated),
    /// A practice site changed: a departure recorded or cancelled (FAQ-R6).
    #[serde(rename = "practice_site.changed")]
    PracticeSiteChanged(PracticeSiteChanged),
    /// A professional's contact data changed (FAQ-R13, R14).
    #[serde(rename = "professional.contact_changed")]
    ContactChanged(ContactChanged),
    /// The daily purge removed an establishment's departed staff from the directory (FAQ-R6).
    #[serde(rename = "purge.completed")]
    PurgeCompleted(PurgeCompleted),
    /// A request ended without a decision: withdrawn, deleted or expired (issue 14).
    #[serde(rename = "registration.closed")]
    RegistrationClosed(RegistrationClosed),
    /// A draft expires in a week if left unsent: its applicant is told (issue 14).
    #[serde(rename = "registration.draft_expiring")]
    DraftExpiring(DraftExpiring),
}

impl Event {
    /// The stored `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::RegistrationSubmitted(_) => "registration.submitted",
            Event::RegistrationRejected(_) => "registration.rejected",
            Event::RppsAllocated(_) => "rpps.allocated",
            Event::PracticeSiteChanged(_) => "practice_site.changed",
            Event::ContactChanged(_) => "professional.contact_changed",
            Event::PurgeCompleted(_) => "purge.completed",
            Event::RegistrationClosed(_) => "registration.closed",
            Event::DraftExpiring(_) => "registration.draft_expiring",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationSubmitted {
    pub request_id: String,
    /// FINESS number.
    pub establishment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRejected {
    pub request_id: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationClosed {
    pub request_id: String,
    pub reason: crate::registration::ClosureReason,
    /// Whether it had been sent to the managers (they are told of a withdrawal).
    pub was_submitted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftExpiring {
    pub request_id: String,
    /// When it expires if still unsent.
    pub expires_at: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RppsAllocated {
    pub request_id: String,
    pub rpps: String,
    pub validated_at: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSiteChanged {
    pub rpps: String,
    /// FINESS number.
    pub finess: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChanged {
    pub rpps: String,
    /// The address before the change: told too, when it changed.
    #[serde(default)]
    pub previous_email: Option<String>,
    /// The audited action: `contact.update_by_professional` or `contact.update_by_manager`.
    pub changed_by: String,
}

/// A practice site the purge removed from the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgedSite {
    pub rpps: String,
    pub finess: String,
    pub family_name: String,
    pub given_names: String,
    /// The last day at the establishment.
    pub departure: Day,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeCompleted {
    pub finess: String,
    pub ran_at: Instant,
    pub purged: Vec<PurgedSite>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_its_kind_and_payload_beside_its_identity() {
        let event = OutboxEvent {
            id: "0193a".into(),
            subject: "REQ#r1".into(),
            at: "2026-11-26T10:00:00+01:00".into(),
            event: Event::RegistrationRejected(RegistrationRejected {
                request_id: "r1".into(),
                reason: "Diplôme non reconnu".into(),
            }),
        };
        let json = serde_json::to_value(&event).expect("ser");
        assert_eq!(json["kind"], "registration.rejected");
        assert_eq!(json["payload"]["reason"], "Diplôme non reconnu");
        assert_eq!(json["subject"], "REQ#r1");
        let back: OutboxEvent = serde_json::from_value(json).expect("de");
        assert_eq!(back, event);
        assert_eq!(back.event.kind(), "registration.rejected");
    }

    /// The payload of `rpps.allocated` as the string-typed events wrote it (the domain's whole
    /// `Validation`): what the enum needs is read, the rest ignored.
    #[test]
    fn events_written_before_the_enum_read_back() {
        let json = serde_json::json!({
            "id": "e1", "subject": "REQ#r1", "at": "2026-11-26T09:00:00Z",
            "kind": "rpps.allocated",
            "payload": {"request_id": "r1", "rpps": "10000000421",
                "attestation": {"manager_id": "3010000024/GEST1", "basis": "certification",
                    "conditions_checked": true, "at": "2026-11-26T09:00:00Z"},
                "validated_at": "2026-11-26T09:00:00Z", "newly_validated": true}
        });
        let event: OutboxEvent = serde_json::from_value(json).expect("de");
        assert_eq!(
            event.event,
            Event::RppsAllocated(RppsAllocated {
                request_id: "r1".into(),
                rpps: "10000000421".into(),
                validated_at: "2026-11-26T09:00:00Z".into(),
            })
        );
    }

    #[test]
    fn an_unknown_kind_is_an_error_not_a_skip() {
        let json = serde_json::json!({
            "id": "e1", "subject": "X", "at": "2026-11-26T09:00:00Z",
            "kind": "professional.changed", "payload": {"rpps": "10000000421"}
        });
        let err = serde_json::from_value::<OutboxEvent>(json).expect_err("unknown kind");
        assert!(err.to_string().contains("professional.changed"), "{err}");
    }
}
