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
//! - `registration.draft_expiring` → whoever started the draft (the applicant if they gave an
//!   address, else nobody; the establishment's managers for an employer draft): it expires in a
//!   week if left unsent;
//! - `registration.closed` → for a submitted request its applicant withdrew, the managers;
//! - `practice_site.changed`: nothing to send (the directory's business).
//!
//! Each email is sent at most once per event, whatever the redeliveries: a delivery marker is
//! claimed before sending and completed after (`rpps_store::deliveries`). A failure leaves the
//! event to be retried (the stream retries it, then its dead-letter queue keeps it).

use rpps_contract::events::{Event, OutboxEvent};
use rpps_contract::pages;
use rpps_contract::registration::ClosureReason;
use rpps_domain::{
    CivilStatus, Finess, Origin, RegistrationRequest, RppsNumber, ecps_activable_from, french,
};
use rpps_mail::{Mailer, templates};
use rpps_store::{DeliveryClaim, Milestone, Store, Undelivered};
use serde_json::Value;
use time::{Date, Duration, OffsetDateTime};

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub const CONSUMER: &str = "mailer";
/// How long an attempt holds an event's delivery: far above one SES call, well under the
/// sweeper's first re-drive (5 minutes after the event).
pub const LEASE: Duration = Duration::minutes(2);
/// A number email still not taken by SES this long after its validation is shown on the
/// request as delayed (the sweeper keeps retrying it).
pub const DELAY_SHOWN_AFTER: Duration = Duration::minutes(30);

/// The tags of each email (SES hands them back in its bounce and rejection events): the
/// outbox event, its kind, and for a number email its request.
pub const TAG_EVENT: &str = "event";
pub const TAG_KIND: &str = "kind";
pub const TAG_REQUEST: &str = "request";

#[derive(Clone)]
pub struct MailerState {
    pub store: Store,
    pub mailer: Mailer,
    /// The site's origin (`https://…`, no trailing slash), for the links in the emails.
    pub public_origin: String,
    /// [`LEASE`] (shorter in tests that stop a delivery half-way).
    pub lease: Duration,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        to: Vec<String>,
        message_id: String,
    },
    AlreadySent,
    NothingToSend,
    /// An earlier attempt handed the email to SES and lost the answer: it may have been sent,
    /// so it is not sent again (`mail.outcome_unknown`, alarmed).
    OutcomeUnknown,
    /// SES refused the message for good: not tried again, shown on the request for a number
    /// email (« e-mail non remis »), `mail.undeliverable` (alarmed).
    Refused,
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

/// A value of an event, read by the domain's rules.
fn read<T, E: std::fmt::Display>(what: &str, parsed: Result<T, E>) -> Result<T, MailerError> {
    parsed.map_err(|e| MailerError::Malformed(format!("{what}: {e}")))
}

fn instant(text: &str) -> Result<OffsetDateTime, MailerError> {
    read(
        "instant",
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339),
    )
}

/// The email of `rpps.allocated`: the professional's RPPS number (FAQ-R3) and the time from
/// which their e-CPS can be activated (FAQ-R5).
fn number_email(
    civil: &CivilStatus,
    rpps: &RppsNumber,
    validated_at: OffsetDateTime,
) -> templates::Content {
    templates::rpps_allocated(
        civil.given_names.as_str(),
        civil.family_name.as_str(),
        rpps.as_str(),
        &french::numeric_datetime(ecps_activable_from(validated_at)),
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

/// What an event asks to send, if anything: (recipients, content). Every kind is named: a new
/// kind does not compile until this says what the mailer does with it.
async fn compose(
    state: &MailerState,
    event: &OutboxEvent,
) -> Result<Option<(Vec<String>, templates::Content)>, MailerError> {
    let store = &state.store;
    match &event.event {
        Event::RegistrationSubmitted(submitted) => {
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
                    "{}{}",
                    state.public_origin,
                    pages::manager_request(request.id())
                ),
            );
            Ok(Some((managers, content)))
        }
        Event::ContactChanged(changed) => {
            let rpps = read("rpps", RppsNumber::try_from(changed.rpps.clone()))?;
            let Some(file) = store.professional_file(&rpps).await? else {
                return Err(MailerError::Malformed(format!("no professional {rpps}")));
            };
            let Some(contact) = file.profile.contact else {
                return Ok(None);
            };
            let mut to = vec![contact.email.as_str().to_owned()];
            if let Some(previous) = &changed.previous_email
                && !previous.eq_ignore_ascii_case(contact.email.as_str())
            {
                to.push(previous.clone());
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
        Event::PurgeCompleted(completed) => {
            if completed.purged.is_empty() {
                return Ok(None);
            }
            let finess = read("finess", Finess::parse(&completed.finess))?;
            let managers = manager_addresses(store, &finess).await?;
            if managers.is_empty() {
                return Ok(None);
            }
            let establishment = establishment_label(store, &finess).await?;
            let lines = completed
                .purged
                .iter()
                .map(|p| {
                    let departure = read("departure", Date::parse(&p.departure, ISO_DATE))?;
                    Ok(format!(
                        "{} {} (RPPS {}), départ le {}",
                        p.given_names,
                        p.family_name,
                        p.rpps,
                        french::numeric_date(departure)
                    ))
                })
                .collect::<Result<Vec<String>, MailerError>>()?;
            let content = templates::departures_purged(
                &establishment,
                &lines,
                &format!("{}{}", state.public_origin, pages::MANAGER_STAFF),
            );
            Ok(Some((managers, content)))
        }
        Event::RppsAllocated(allocated) => {
            let rpps = read("rpps", RppsNumber::try_from(allocated.rpps.clone()))?;
            let validated_at = instant(&allocated.validated_at)?;
            let request = request(store, &allocated.request_id).await?;
            let Some(contact) = request.contact() else {
                return Ok(None);
            };
            let content = number_email(request.civil_status(), &rpps, validated_at);
            Ok(Some((vec![contact.email.as_str().to_owned()], content)))
        }
        Event::RegistrationRejected(rejected) => {
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
        Event::DraftExpiring(expiring) => {
            let request = request(store, &expiring.request_id).await?;
            let expires_at = instant(&expiring.expires_at)?;
            let civil = request.civil_status();
            let person = format!(
                "{} {}",
                civil.given_names.as_str(),
                civil.family_name.as_str()
            );
            let (to, page) = match request.origin() {
                // The applicant, if they gave an address already.
                Origin::SelfService => match request.contact() {
                    Some(contact) => (
                        vec![contact.email.as_str().to_owned()],
                        pages::APPLICANT_REQUEST.to_owned(),
                    ),
                    None => {
                        tracing::info!(request = %request.id(), "draft expiring: no address to tell");
                        return Ok(None);
                    }
                },
                Origin::Employer => {
                    let Some(finess) = request.establishment() else {
                        return Ok(None);
                    };
                    (
                        manager_addresses(store, finess).await?,
                        pages::manager_request(request.id()),
                    )
                }
            };
            if to.is_empty() {
                return Ok(None);
            }
            let content = templates::draft_expiring(
                &person,
                &french::numeric_datetime(expires_at),
                &format!("{}{page}", state.public_origin),
            );
            Ok(Some((to, content)))
        }
        Event::RegistrationClosed(closed) => {
            // The managers are told of a request they had in their queue and no longer have.
            if closed.reason != ClosureReason::Withdrawn || !closed.was_submitted {
                return Ok(None);
            }
            let request = request(store, &closed.request_id).await?;
            let Some(finess) = request.establishment() else {
                return Ok(None);
            };
            let managers = manager_addresses(store, finess).await?;
            if managers.is_empty() {
                return Ok(None);
            }
            let civil = request.civil_status();
            let content = templates::request_withdrawn(
                &establishment_label(store, finess).await?,
                &format!(
                    "{} {}",
                    civil.given_names.as_str(),
                    civil.family_name.as_str()
                ),
            );
            Ok(Some((managers, content)))
        }
        // The directory's business: no email.
        Event::PracticeSiteChanged(_) => Ok(None),
    }
}

/// The request whose RPPS number an event's email carries.
fn number_sent_for(event: &OutboxEvent) -> Option<&str> {
    match &event.event {
        Event::RppsAllocated(allocated) => Some(&allocated.request_id),
        _ => None,
    }
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
    let lease = match state
        .store
        .claim_delivery(CONSUMER, &event.id, now, state.lease)
        .await?
    {
        DeliveryClaim::Done => return Ok(Outcome::AlreadySent),
        DeliveryClaim::InProgress => return Err(MailerError::InProgress),
        DeliveryClaim::OutcomeUnknown => {
            tracing::error!(
                event = "mail.outcome_unknown",
                id = %event.id,
                kind = event.event.kind(),
                "an earlier attempt handed this email to SES and lost the answer: not sent again; check SES's sending events"
            );
            state
                .store
                .settle_unknown_delivery(CONSUMER, &event.id)
                .await?;
            return Ok(Outcome::OutcomeUnknown);
        }
        DeliveryClaim::Acquired(lease) => lease,
    };
    // From here, a lost lease means the email may be out (issue 18: never sent twice).
    state
        .store
        .mark_sending(CONSUMER, &event.id, now, state.lease, &lease)
        .await?;
    // SES tag values: letters, digits, `_`, `-` (the kind's dots become `_`).
    let kind = event.event.kind().replace('.', "_");
    let mut tags = vec![(TAG_EVENT, event.id.as_str()), (TAG_KIND, kind.as_str())];
    if let Some(request_id) = number_sent_for(event) {
        tags.push((TAG_REQUEST, request_id));
    }
    match state.mailer.send(&to, &content, &tags).await {
        Ok(message_id) => {
            state
                .store
                .complete_delivery(CONSUMER, &event.id, &lease)
                .await?;
            if let Some(request_id) = number_sent_for(event) {
                // The timeline's "number sent" step; the email itself is out, so a failure
                // here is only logged (the step is informative, the email is what matters).
                if let Err(e) = state
                    .store
                    .record_milestone(request_id, Milestone::NumberSent, now)
                    .await
                {
                    tracing::warn!(error = %e, request = %request_id, "number-sent step not recorded");
                }
            }
            tracing::info!(event = %event.id, kind = event.event.kind(), "email sent");
            Ok(Outcome::Sent { to, message_id })
        }
        // The answer was lost: the delivery stays `sending` until its lease runs out, then the
        // next attempt settles it as unknown instead of sending again.
        Err(e @ rpps_mail::MailError::OutcomeUnknown { .. }) => Err(e.into()),
        // Refused for good: recorded so, shown on the request, alarmed; never retried.
        Err(rpps_mail::MailError::Rejected { message, .. }) => {
            tracing::error!(
                event = "mail.undeliverable",
                id = %event.id,
                kind = event.event.kind(),
                reason = "refused",
                error = %message,
                "SES refused this email for good: not sent again"
            );
            state
                .store
                .refuse_delivery(CONSUMER, &event.id, &lease)
                .await?;
            if let Some(request_id) = number_sent_for(event) {
                state
                    .store
                    .record_milestone(
                        request_id,
                        Milestone::NumberUndelivered(Undelivered::Refused),
                        now,
                    )
                    .await?;
            }
            Ok(Outcome::Refused)
        }
        Err(e) => {
            // SES did not take it: give the lease back for the next attempt.
            if let Err(release) = state
                .store
                .release_delivery(CONSUMER, &event.id, &lease)
                .await
            {
                tracing::warn!(error = %release, "delivery lease not released");
            }
            // A number email held up this long is shown on the request (retried meanwhile).
            if let Some(request_id) = number_sent_for(event)
                && instant(&event.at).is_ok_and(|at| now - at >= DELAY_SHOWN_AFTER)
                && let Err(step) = state
                    .store
                    .record_milestone(request_id, Milestone::NumberDelayed, now)
                    .await
            {
                tracing::warn!(error = %step, request = %request_id, "number-delayed step not recorded");
            }
            Err(e.into())
        }
    }
}

/// What SES reports, through EventBridge, of an email it took (its configuration set's event
/// destination): a bounce (the recipient's server refused it, or the address is on the
/// suppression list) or a rejection. For a number email, the request shows « e-mail non
/// remis »; every such event is logged `mail.undeliverable` (alarmed). Other events and other
/// sources are ignored. An event of a request that no longer exists is logged and dropped.
pub async fn handle_ses_event(state: &MailerState, event: &Value) -> Result<(), MailerError> {
    let detail = &event["detail"];
    let reason = match detail["eventType"].as_str() {
        Some("Bounce") => Undelivered::Bounced,
        Some("Reject") => Undelivered::Refused,
        _ => return Ok(()),
    };
    if event["source"].as_str() != Some("aws.ses") {
        return Ok(());
    }
    let tag = |name: &str| {
        detail["mail"]["tags"][name]
            .as_array()
            .and_then(|values| values.first())
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let at = event["time"]
        .as_str()
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(OffsetDateTime::now_utc);
    tracing::error!(
        event = "mail.undeliverable",
        id = tag(TAG_EVENT).as_deref().unwrap_or("-"),
        kind = tag(TAG_KIND).as_deref().unwrap_or("-"),
        reason = match reason {
            Undelivered::Bounced => "bounced",
            Undelivered::Refused => "refused",
        },
        bounce = detail["bounce"]["bounceType"].as_str().unwrap_or("-"),
        "an email SES took did not reach its recipient"
    );
    if let Some(request_id) = tag(TAG_REQUEST)
        && !state
            .store
            .record_milestone(&request_id, Milestone::NumberUndelivered(reason), at)
            .await?
    {
        tracing::warn!(request = %request_id, "undelivered email of an unknown request");
    }
    Ok(())
}

/// [`deliver`], then the event recorded handled in the outbox (issue 18: until then, the sweeper
/// re-drives it).
pub async fn consume(
    state: &MailerState,
    event: &OutboxEvent,
    now: OffsetDateTime,
) -> Result<Outcome, MailerError> {
    let outcome = deliver(state, event, now).await?;
    state.store.outbox_done(&event.id, CONSUMER, now).await?;
    Ok(outcome)
}

/// Handles a stream batch before the invocation's `deadline`; returns the response Lambda
/// expects with `ReportBatchItemFailures`.
/// An event this version cannot read is a failure: retried, then kept by the dead-letter queue.
pub async fn handle_batch(
    state: &MailerState,
    batch: &Value,
    deadline: Option<std::time::SystemTime>,
) -> Value {
    rpps_store::outbox::handle_stream_batch(batch, CONSUMER, deadline, |event| {
        // Boxed: the stream consumer's future nests the whole event handling (store calls, SDK
        // futures); unboxed, its layout overflows the compiler's query depth on a clean build.
        Box::pin(async move {
            consume(state, &event, OffsetDateTime::now_utc())
                .await
                .map(drop)
        })
    })
    .await
}

pub fn state_from_env() -> anyhow::Result<MailerState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, &public_origin))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: &str,
) -> MailerState {
    MailerState {
        public_origin: public_origin.trim_end_matches('/').to_owned(),
        store: Store::from_config(config, sdk),
        // No SDK retry of SendEmail: a retried request whose first answer was lost would send
        // the email twice. Retries go through the delivery marker instead.
        mailer: Mailer::new(
            aws_sdk_sesv2::Client::from_conf(
                aws_sdk_sesv2::config::Builder::from(sdk)
                    .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
                    .build(),
            ),
            config.mail_from.clone(),
            config.mail_identity.clone(),
        ),
        lease: LEASE,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_consumer_is_one_the_outbox_waits_for() {
        assert!(rpps_store::outbox::CONSUMERS.contains(&super::CONSUMER));
    }

    use super::*;

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
            let rpps = RppsNumber::parse("10001045367").expect("an RPPS number");
            let email = number_email(&civil_status(), &rpps, validated_at);
            assert!(email.text.contains(expected), "{}", email.text);
            assert!(email.html.contains(expected), "{}", email.html);
        }
    }
}
