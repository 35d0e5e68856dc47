//! The mailer: consumes the outbox events that DynamoDB Streams delivers (in AWS) or that the
//! local runner replays (locally), and sends each event's email once (FAQ-R3, R5).
//!
//! - `registration.submitted` → the managers of the chosen establishment who have an address
//!   on their designation: a request waits for them, with the link to it (FAQ-R11);
//! - `rpps.allocated` → the professional: their RPPS number and the e-CPS date;
//! - `registration.rejected` → the applicant: the manager's reason;
//! - `professional.contact_changed` → the professional, at the new address and the previous
//!   one: what their contact data now is, and who changed it (FAQ-R13, R14);
//! - `purge.completed` → the managers of the establishment: the departures the purge removed
//!   from the directory (FAQ-R6);
//! - other events: nothing to send.
//!
//! Each email is sent at most once per event, whatever the redeliveries: a delivery marker is
//! claimed before sending and completed after (`rpps_store::deliveries`). A failure leaves the
//! event to be retried (the stream retries it, then its dead-letter queue keeps it).

use rpps_domain::{CivilStatus, RegistrationRequest, Validation, french};
use rpps_mail::{Mailer, templates};
use rpps_store::{DeliveryClaim, Milestone, OutboxEvent, Store};
use serde::Deserialize;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

pub const CONSUMER: &str = "mailer";
const LEASE: Duration = Duration::minutes(5);

#[derive(Clone)]
pub struct MailerState {
    pub store: Store,
    pub mailer: Mailer,
    /// The site's origin (`https://…`, no trailing slash), for the links in the emails.
    pub public_origin: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent { to: Vec<String>, message_id: String },
    AlreadySent,
    NothingToSend,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("another delivery of this event is in progress")]
    InProgress,
    #[error("the event cannot be read: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] rpps_store::StoreError),
    #[error(transparent)]
    Mail(#[from] rpps_mail::MailError),
}

#[derive(Deserialize)]
struct Submitted {
    request_id: String,
}

#[derive(Deserialize)]
struct ContactChanged {
    rpps: rpps_domain::RppsNumber,
    previous_email: Option<String>,
    changed_by: String,
}

#[derive(Deserialize)]
struct PurgeCompleted {
    finess: rpps_domain::Finess,
    purged: Vec<rpps_store::PurgedSite>,
}

#[derive(Deserialize)]
struct Rejected {
    request_id: String,
    reason: String,
}

/// The email of `rpps.allocated`: the professional's RPPS number (FAQ-R3) and the time from
/// which their e-CPS can be activated (FAQ-R5).
fn number_email(civil: &CivilStatus, validation: &Validation) -> templates::Content {
    templates::rpps_allocated(
        civil.given_names.as_str(),
        civil.family_name.as_str(),
        validation.rpps.as_str(),
        &french::numeric_datetime(validation.validated_at + Duration::hours(48)),
    )
}

async fn request(store: &Store, id: &str) -> Result<RegistrationRequest, MailerError> {
    store
        .registration(id)
        .await?
        .map(|s| s.request)
        .ok_or_else(|| MailerError::Malformed(format!("no request {id}")))
}

/// The addresses of the managers of an establishment (those designated with one).
async fn manager_addresses(
    store: &Store,
    finess: &rpps_domain::Finess,
) -> Result<Vec<String>, MailerError> {
    let managers: Vec<String> = store
        .managers_of(finess)
        .await?
        .into_iter()
        .filter_map(|m| m.email.map(|e| e.as_str().to_owned()))
        .collect();
    if managers.is_empty() {
        tracing::warn!(
            finess = %finess,
            "no manager of this establishment has an email address: nobody told"
        );
    }
    Ok(managers)
}

/// "SAAD PARIS 15 (750012346)", or the FINESS number alone for an unknown establishment.
async fn establishment_label(
    store: &Store,
    finess: &rpps_domain::Finess,
) -> Result<String, MailerError> {
    Ok(store.establishment(finess).await?.map_or_else(
        || finess.to_string(),
        |e| format!("{} ({finess})", e.long_name),
    ))
}

/// What an event asks to send, if anything: (recipients, content).
async fn compose(
    state: &MailerState,
    event: &OutboxEvent,
) -> Result<Option<(Vec<String>, templates::Content)>, MailerError> {
    let store = &state.store;
    match event.kind.as_str() {
        "registration.submitted" => {
            let submitted: Submitted = serde_json::from_str(&event.payload)
                .map_err(|e| MailerError::Malformed(e.to_string()))?;
            let request = request(store, &submitted.request_id).await?;
            let Some(finess) = request.establishment() else {
                return Err(MailerError::Malformed(format!(
                    "request {} was submitted without an establishment",
                    submitted.request_id
                )));
            };
            let managers = manager_addresses(store, finess).await?;
            if managers.is_empty() {
                return Ok(None);
            }
            let establishment = establishment_label(store, finess).await?;
            let civil = request.civil_status();
            let content = templates::new_request(
                &establishment,
                &format!(
                    "{} {}",
                    civil.given_names.as_str(),
                    civil.family_name.as_str()
                ),
                &format!(
                    "{}/gestionnaire/demandes/{}",
                    state.public_origin,
                    request.id()
                ),
            );
            Ok(Some((managers, content)))
        }
        "professional.contact_changed" => {
            let changed: ContactChanged = serde_json::from_str(&event.payload)
                .map_err(|e| MailerError::Malformed(e.to_string()))?;
            let Some(file) = store.professional_file(&changed.rpps).await? else {
                return Err(MailerError::Malformed(format!(
                    "no professional {}",
                    changed.rpps
                )));
            };
            let Some(contact) = file.profile.contact else {
                return Ok(None);
            };
            let mut to = vec![contact.email.as_str().to_owned()];
            if let Some(previous) = changed.previous_email
                && !previous.eq_ignore_ascii_case(contact.email.as_str())
            {
                to.push(previous);
            }
            let mobile = contact.mobile.as_ref().map(|m| m.national_display());
            let content = templates::contact_changed(
                &file.profile.record.given_names,
                &file.profile.record.family_name,
                changed.changed_by.ends_with("by_manager"),
                contact.email.as_str(),
                mobile.as_deref(),
            );
            Ok(Some((to, content)))
        }
        "purge.completed" => {
            let completed: PurgeCompleted = serde_json::from_str(&event.payload)
                .map_err(|e| MailerError::Malformed(e.to_string()))?;
            if completed.purged.is_empty() {
                return Ok(None);
            }
            let managers = manager_addresses(store, &completed.finess).await?;
            if managers.is_empty() {
                return Ok(None);
            }
            let establishment = establishment_label(store, &completed.finess).await?;
            let lines: Vec<String> = completed
                .purged
                .iter()
                .map(|p| {
                    format!(
                        "{} {} (RPPS {}), départ le {}",
                        p.given_names,
                        p.family_name,
                        p.rpps,
                        french::numeric_date(p.departure)
                    )
                })
                .collect();
            let content = templates::departures_purged(
                &establishment,
                &lines,
                &format!("{}/gestionnaire/personnel", state.public_origin),
            );
            Ok(Some((managers, content)))
        }
        "rpps.allocated" => {
            let validation: Validation = serde_json::from_str(&event.payload)
                .map_err(|e| MailerError::Malformed(e.to_string()))?;
            let request = request(store, &validation.request_id).await?;
            let Some(contact) = request.contact() else {
                return Ok(None);
            };
            let content = number_email(request.civil_status(), &validation);
            Ok(Some((vec![contact.email.as_str().to_owned()], content)))
        }
        "registration.rejected" => {
            let rejected: Rejected = serde_json::from_str(&event.payload)
                .map_err(|e| MailerError::Malformed(e.to_string()))?;
            let request = request(store, &rejected.request_id).await?;
            let Some(contact) = request.contact() else {
                return Ok(None);
            };
            let civil = request.civil_status();
            let content = templates::request_rejected(
                civil.given_names.as_str(),
                civil.family_name.as_str(),
                &rejected.reason,
            );
            Ok(Some((vec![contact.email.as_str().to_owned()], content)))
        }
        _ => Ok(None),
    }
}

/// The request whose RPPS number an event's email carries.
fn number_sent_for(event: &OutboxEvent) -> Option<String> {
    (event.kind == "rpps.allocated")
        .then(|| serde_json::from_str::<Validation>(&event.payload).ok())
        .flatten()
        .map(|v| v.request_id)
}

/// Sends the email of one event, once.
pub async fn deliver(
    state: &MailerState,
    event: &OutboxEvent,
    now: OffsetDateTime,
) -> Result<Outcome, MailerError> {
    let Some((to, content)) = compose(state, event).await? else {
        return Ok(Outcome::NothingToSend);
    };
    match state
        .store
        .claim_delivery(CONSUMER, &event.id, now, LEASE)
        .await?
    {
        DeliveryClaim::Done => return Ok(Outcome::AlreadySent),
        DeliveryClaim::InProgress => return Err(MailerError::InProgress),
        DeliveryClaim::Acquired => {}
    }
    match state.mailer.send(&to, &content).await {
        Ok(message_id) => {
            state.store.complete_delivery(CONSUMER, &event.id).await?;
            if let Some(request_id) = number_sent_for(event) {
                // The timeline's "number sent" step; the email itself is out, so a failure
                // here is only logged (the step is informative, the email is what matters).
                if let Err(e) = state
                    .store
                    .record_milestone(&request_id, Milestone::NumberSent, now)
                    .await
                {
                    tracing::warn!(error = %e, request = %request_id, "number-sent step not recorded");
                }
            }
            tracing::info!(event = %event.id, kind = %event.kind, "email sent");
            Ok(Outcome::Sent { to, message_id })
        }
        Err(e) => {
            if let Err(release) = state.store.release_delivery(CONSUMER, &event.id).await {
                tracing::warn!(error = %release, "delivery lease not released");
            }
            Err(e.into())
        }
    }
}

pub use rpps_store::outbox::outbox_events;

/// Handles a stream batch; returns the response Lambda expects with `ReportBatchItemFailures`.
pub async fn handle_batch(state: &MailerState, batch: &Value) -> Value {
    let mut failures = Vec::new();
    for (sequence, event) in outbox_events(batch) {
        let Some(event) = event else { continue };
        if let Err(e) = deliver(state, &event, OffsetDateTime::now_utc()).await {
            tracing::warn!(error = %e, event = %event.id, "email not sent; the record will be retried");
            failures.push(serde_json::json!({ "itemIdentifier": sequence }));
            // Records after a failure are retried too (ordering within a shard).
            break;
        }
    }
    serde_json::json!({ "batchItemFailures": failures })
}

pub fn state_from_env() -> anyhow::Result<MailerState> {
    let config = rpps_api::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_api::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, &public_origin))
}

pub fn state_from_sdk(
    config: &rpps_api::Config,
    sdk: &rpps_api::aws::SdkConfig,
    public_origin: &str,
) -> MailerState {
    MailerState {
        public_origin: public_origin.trim_end_matches('/').to_owned(),
        store: Store::from_config(config, sdk),
        mailer: Mailer::new(
            aws_sdk_sesv2::Client::new(sdk),
            config.mail_from.clone(),
            config.mail_identity.clone(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_inserts_are_read_from_a_stream_batch_and_the_rest_ignored() {
        let batch = serde_json::json!({ "Records": [
            { "eventName": "INSERT", "dynamodb": { "SequenceNumber": "1", "NewImage": {
                "PK": { "S": "OUTBOX#e1" }, "SK": { "S": "EVENT" }, "id": { "S": "e1" }, "kind": { "S": "rpps.allocated" },
                "subject": { "S": "REQ#r1" }, "payload": { "S": "{}" }, "at": { "S": "2026-11-26T09:00:00Z" },
                "expires_at": { "N": "1795683600" } } } },
            { "eventName": "INSERT", "dynamodb": { "SequenceNumber": "2", "NewImage": { "PK": { "S": "REQ#r1" } } } },
            { "eventName": "REMOVE", "dynamodb": { "SequenceNumber": "3", "OldImage": { "PK": { "S": "OUTBOX#e0" } } } }
        ]});
        let events = outbox_events(&batch);
        assert_eq!(events.len(), 3);
        let first = events[0].1.as_ref().expect("the outbox insert");
        assert_eq!(
            (first.id.as_str(), first.kind.as_str()),
            ("e1", "rpps.allocated")
        );
        assert!(events[1].1.is_none() && events[2].1.is_none());
        assert_eq!(events[2].0, "3");
    }

    /// The civil status of the number email's tests.
    fn civil_status() -> CivilStatus {
        CivilStatus {
            family_name: rpps_domain::PersonName::parse("N'Diaye").expect("a name"),
            given_names: rpps_domain::PersonName::parse("Awa").expect("a name"),
            birth_date: rpps_domain::BirthDate::parse(
                "1985-04-12",
                time::macros::date!(2026 - 01 - 01),
            )
            .expect("a birth date"),
            birth_place: rpps_domain::BirthPlace::from_franceconnect("75115", "99100")
                .expect("a birth place"),
        }
    }

    /// A validation at `at`, as the `rpps.allocated` event carries it.
    fn validation_at(at: OffsetDateTime) -> Validation {
        Validation {
            request_id: "r1".to_owned(),
            rpps: rpps_domain::RppsNumber::parse("10001045367").expect("an RPPS number"),
            attestation: rpps_domain::Attestation {
                manager_id: "899700000001".to_owned(),
                basis: rpps_domain::EligibilityBasis::Certification,
                conditions_checked: true,
                at,
            },
            validated_at: at,
            newly_validated: true,
        }
    }

    #[test]
    fn faq_r5_the_ecps_time_in_the_number_email_is_paris_time_in_summer_and_winter() {
        // Validated at 09:15 UTC, activable two days later: 11 h 15 in Paris in July (UTC+2),
        // 10 h 15 in January (UTC+1).
        let cases = [
            (
                time::macros::datetime!(2026-07-13 09:15 UTC),
                "à partir du 15/07/2026 à 11 h 15.",
            ),
            (
                time::macros::datetime!(2026-01-13 09:15 UTC),
                "à partir du 15/01/2026 à 10 h 15.",
            ),
        ];
        for (validated_at, expected) in cases {
            let email = number_email(&civil_status(), &validation_at(validated_at));
            assert!(email.text.contains(expected), "{}", email.text);
            assert!(email.html.contains(expected), "{}", email.html);
        }
    }
}
