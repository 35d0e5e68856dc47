//! What a person reads of a request: the contract's views, built explicitly from the domain so
//! that internal fields (the FranceConnect subject, who created or decided, the attestation's
//! manager) never reach the wire.

use rpps_api::views::{civil_status, contact, eligibility, origin, profession};
use rpps_contract::error::MissingItem;
use rpps_contract::registration as wire;
use rpps_domain::paris::rfc3339;
use rpps_domain::{ClosureReason, RegistrationStatus, Validation, ecps_activable_from};
use rpps_store::StoredRegistration;

pub fn closure(reason: ClosureReason) -> wire::ClosureReason {
    match reason {
        ClosureReason::Withdrawn => wire::ClosureReason::Withdrawn,
        ClosureReason::Deleted => wire::ClosureReason::Deleted,
        ClosureReason::Expired => wire::ClosureReason::Expired,
    }
}

fn status(status: &RegistrationStatus) -> wire::StatusView {
    match status {
        RegistrationStatus::Draft => wire::StatusView::Draft,
        RegistrationStatus::Submitted => wire::StatusView::Submitted,
        RegistrationStatus::Validated { rpps, .. } => wire::StatusView::Validated {
            rpps: rpps.to_string(),
        },
        RegistrationStatus::Rejected { reason, .. } => wire::StatusView::Rejected {
            reason: reason.to_string(),
        },
        RegistrationStatus::Closed { reason, .. } => wire::StatusView::Closed {
            reason: closure(*reason),
        },
    }
}

/// The steps so far: created, submitted, then the decision and what followed it.
fn timeline(stored: &StoredRegistration) -> Vec<wire::TimelineStep> {
    use wire::TimelineStep as Step;
    let request = &stored.request;
    let mut steps = vec![Step::Created {
        at: rfc3339(request.created_at()),
    }];
    if let Some(at) = request.submitted_at() {
        steps.push(Step::Submitted { at: rfc3339(at) });
    }
    match request.status() {
        RegistrationStatus::Validated { rpps, at, .. } => {
            steps.push(Step::Validated {
                at: rfc3339(*at),
                rpps: rpps.to_string(),
            });
            // A delay comes before the sending it held up; a refusal or a bounce after it.
            if let Some(delayed) = stored.milestones.number_delayed_at {
                steps.push(Step::NumberDelayed {
                    at: rfc3339(delayed),
                });
            }
            if let Some(sent) = stored.milestones.number_sent_at {
                steps.push(Step::NumberSent { at: rfc3339(sent) });
            }
            if let (Some(at), Some(reason)) = (
                stored.milestones.number_undelivered_at,
                stored.milestones.number_undelivered_reason,
            ) {
                steps.push(Step::NumberUndelivered {
                    at: rfc3339(at),
                    reason: match reason {
                        rpps_store::Undelivered::Refused => wire::UndeliveredReason::Refused,
                        rpps_store::Undelivered::Bounced => wire::UndeliveredReason::Bounced,
                    },
                });
            }
            if let Some(published) = stored.milestones.published_at {
                steps.push(Step::Published {
                    at: rfc3339(published),
                });
            }
            steps.push(Step::EcpsActivable {
                from: rfc3339(ecps_activable_from(*at)),
            });
        }
        RegistrationStatus::Rejected { reason, at, .. } => steps.push(Step::Rejected {
            at: rfc3339(*at),
            reason: reason.to_string(),
        }),
        RegistrationStatus::Closed { reason, at, .. } => steps.push(Step::Closed {
            at: rfc3339(*at),
            reason: closure(*reason),
        }),
        RegistrationStatus::Draft | RegistrationStatus::Submitted => {}
    }
    steps
}

/// A request with what it still lacks and its timeline.
pub fn registration(stored: &StoredRegistration) -> wire::RegistrationView {
    let request = &stored.request;
    wire::RegistrationView {
        id: request.id().to_owned(),
        origin: origin(request.origin()),
        status: status(request.status()),
        status_label: status(request.status()).label().to_owned(),
        civil_status: civil_status(request.civil_status()),
        contact: request.contact().map(contact),
        profession: profession(request.profession()),
        establishment: request.establishment().map(ToString::to_string),
        start_date: request.start_date().map(|d| d.to_string()),
        eligibility: request.eligibility().map(eligibility),
        accuracy_confirmed: request.accuracy_confirmed(),
        created_at: rfc3339(request.created_at()),
        updated_at: rfc3339(request.updated_at()),
        submitted_at: request.submitted_at().map(rfc3339),
        queue_position: rpps_store::registrations::queue_position(request),
        decided_at: request.decided_at().map(rfc3339),
        expires_at: request.expires_at().map(rfc3339),
        missing: request
            .missing_for_submission()
            .into_iter()
            .map(|m| MissingItem {
                field: m.code().to_owned(),
                label: m.label().to_owned(),
            })
            .collect(),
        timeline: timeline(stored),
        identity_matches: Vec::new(),
    }
}

pub fn validation(v: &Validation) -> wire::ValidationView {
    wire::ValidationView {
        request_id: v.request_id.clone(),
        rpps: v.rpps.to_string(),
        validated_at: rfc3339(v.validated_at),
        ecps_activable_from: rfc3339(ecps_activable_from(v.validated_at)),
        newly_validated: v.newly_validated,
    }
}
