//! Registration requests (FAQ-R1, R2, R3, R5, R11): what an applicant and a manager send, and
//! what they read of a request.

use serde::{Deserialize, Serialize};

use crate::error::MissingItem;
use crate::{Day, Instant};

/// Who started the request (FAQ-R1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The professional, signed in with FranceConnect.
    #[default]
    SelfService,
    /// A manager of the employer establishment.
    Employer,
}

/// The profession a request is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profession {
    /// Qualified home-care aide (décret n° 2024-1246).
    #[default]
    AideADomicileQualifiee,
}

impl Profession {
    pub const ALL: [Profession; 1] = [Profession::AideADomicileQualifiee];

    /// From its code (`aide_a_domicile_qualifiee`).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Profession::AideADomicileQualifiee => "aide_a_domicile_qualifiee",
        }
    }

    /// French label for forms and the directory.
    pub fn label(self) -> &'static str {
        match self {
            Profession::AideADomicileQualifiee => "Aide à domicile qualifiée",
        }
    }
}

/// On what basis the professional is eligible (FAQ-R2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityBasis {
    /// A diploma, title or certification listed by the décret.
    Certification,
    /// The professional-experience conditions of the décret.
    ProfessionalExperience,
}

impl EligibilityBasis {
    /// Every basis, in the order the forms offer them.
    pub const ALL: [EligibilityBasis; 2] = [
        EligibilityBasis::Certification,
        EligibilityBasis::ProfessionalExperience,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EligibilityBasis::Certification => "certification",
            EligibilityBasis::ProfessionalExperience => "professional_experience",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EligibilityBasis::Certification => "Diplôme, titre ou certification",
            EligibilityBasis::ProfessionalExperience => "Expérience professionnelle",
        }
    }
}

/// Place of birth: a commune of France, or a country abroad (INSEE codes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "flat::BirthPlace")]
pub enum BirthPlaceView {
    France { commune: String },
    Abroad { country: String },
}

/// Civil status: certified by FranceConnect (self-service, read-only) or typed by the manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CivilStatusView {
    /// Birth name.
    pub family_name: String,
    /// Every given name, space-separated.
    pub given_names: String,
    /// `YYYY-MM-DD`; a presumed date keeps `00` for what is unknown (`1961-00-00`).
    pub birth_date: Day,
    pub birth_place: BirthPlaceView,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub email: String,
    /// E.164 (`+33612345678`).
    #[serde(default)]
    pub mobile: Option<String>,
}

/// Where the request stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", try_from = "flat::Status")]
pub enum StatusView {
    #[default]
    Draft,
    Submitted,
    Validated {
        rpps: String,
    },
    Rejected {
        reason: String,
    },
    /// Ended without a decision: the person may apply again.
    Closed {
        reason: ClosureReason,
    },
}

/// Why a request ended without a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureReason {
    /// Its applicant withdrew it.
    Withdrawn,
    /// The establishment deleted the draft it had started.
    Deleted,
    /// A draft left unsent for 30 days.
    Expired,
}

impl ClosureReason {
    pub const ALL: [ClosureReason; 3] = [
        ClosureReason::Withdrawn,
        ClosureReason::Deleted,
        ClosureReason::Expired,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ClosureReason::Withdrawn => "withdrawn",
            ClosureReason::Deleted => "deleted",
            ClosureReason::Expired => "expired",
        }
    }

    /// From its code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClosureReason::Withdrawn => "Retirée par la personne",
            ClosureReason::Deleted => "Brouillon supprimé par l'établissement",
            ClosureReason::Expired => "Brouillon expiré (non envoyé pendant 30 jours)",
        }
    }
}

/// Why the number email will not reach the professional (issue 18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndeliveredReason {
    /// The email service refused the message.
    Refused,
    /// The recipient's mail server refused it (unknown address, full mailbox), or the address
    /// is blocked after an earlier refusal.
    Bounced,
}

impl UndeliveredReason {
    pub const ALL: [UndeliveredReason; 2] =
        [UndeliveredReason::Refused, UndeliveredReason::Bounced];

    pub fn code(self) -> &'static str {
        match self {
            UndeliveredReason::Refused => "refused",
            UndeliveredReason::Bounced => "bounced",
        }
    }

    /// From its code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What a manager reads, and what to do.
    pub fn label(self) -> &'static str {
        match self {
            UndeliveredReason::Refused => {
                "le service d'envoi a refusé le message. Communiquez le numéro RPPS à la personne vous-même"
            }
            UndeliveredReason::Bounced => {
                "l'adresse e-mail de la personne a refusé le message (adresse inexistante ou boîte pleine). Vérifiez l'adresse avec elle et communiquez-lui le numéro RPPS vous-même"
            }
        }
    }
}

impl StatusView {
    pub fn code(&self) -> &'static str {
        match self {
            StatusView::Draft => "draft",
            StatusView::Submitted => "submitted",
            StatusView::Validated { .. } => "validated",
            StatusView::Rejected { .. } => "rejected",
            StatusView::Closed { .. } => "closed",
        }
    }

    /// French label for the status page.
    pub fn label(&self) -> &'static str {
        match self {
            StatusView::Draft => "Brouillon",
            StatusView::Submitted => "En attente de validation",
            StatusView::Validated { .. } => "Validée",
            StatusView::Rejected { .. } => "Refusée",
            StatusView::Closed { .. } => "Close",
        }
    }
}

/// One step of a request's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case", try_from = "flat::Step")]
pub enum TimelineStep {
    Created {
        at: Instant,
    },
    Submitted {
        at: Instant,
    },
    Validated {
        at: Instant,
        rpps: String,
    },
    /// The email carrying the number was accepted for delivery (FAQ-R3).
    NumberSent {
        at: Instant,
    },
    /// The number email not taken by the email service half an hour after the validation:
    /// tried again automatically (issue 18).
    NumberDelayed {
        at: Instant,
    },
    /// The number email will not arrive (« e-mail non remis », issue 18).
    NumberUndelivered {
        at: Instant,
        reason: UndeliveredReason,
    },
    /// The professional appeared in the public directory (FAQ-R4).
    Published {
        at: Instant,
    },
    /// From when the e-CPS can be activated (FAQ-R5).
    EcpsActivable {
        from: Instant,
    },
    Rejected {
        at: Instant,
        reason: String,
    },
    /// Withdrawn, deleted or expired.
    Closed {
        at: Instant,
        reason: ClosureReason,
    },
}

/// A request as its applicant and the managers of its establishment read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub id: String,
    pub origin: Origin,
    pub status: StatusView,
    /// The status in French (« En attente de validation »).
    pub status_label: String,
    pub civil_status: CivilStatusView,
    #[serde(default)]
    pub contact: Option<ContactView>,
    pub profession: Profession,
    /// FINESS number of the establishment.
    #[serde(default)]
    pub establishment: Option<String>,
    #[serde(default)]
    pub start_date: Option<Day>,
    #[serde(default)]
    pub eligibility: Option<EligibilityBasis>,
    pub accuracy_confirmed: bool,
    pub created_at: Instant,
    pub updated_at: Instant,
    #[serde(default)]
    pub submitted_at: Option<Instant>,
    /// While submitted: its position in its establishment's queue (a bulk validation's `until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<String>,
    #[serde(default)]
    pub decided_at: Option<Instant>,
    /// What the draft still lacks before it can be sent.
    #[serde(default)]
    pub missing: Vec<MissingItem>,
    /// A draft: when it expires if left unsent (30 days after its last change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Instant>,
    #[serde(default)]
    pub timeline: Vec<TimelineStep>,
    /// Managers only: the records of the register that are, or may be, the same person
    /// (FAQ-R3, R12). A probable one must be declared someone else before validating.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_matches: Vec<IdentityMatchView>,
}

/// How close a record of the register is to the person of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchVerdict {
    /// The same person: no second number.
    Same,
    /// Possibly the same person: a manager must judge.
    Probable,
}

impl MatchVerdict {
    pub fn label(self) -> &'static str {
        match self {
            MatchVerdict::Same => "Même personne",
            MatchVerdict::Probable => "Peut-être la même personne",
        }
    }
}

/// The record a match found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchedRecord {
    /// A professional who already holds this number (public in the directory).
    Professional { rpps: String },
    /// A request in progress: its id when it is one of the manager's establishments (to open
    /// it), none for another establishment's (nothing more is said of it).
    Request { id: Option<String> },
}

/// Why two records are, or may be, one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchReasonView {
    pub code: String,
    pub label: String,
}

/// One trait side by side: this request's value, the other record's, and how they compare.
/// The other record's birth date and place are never shown, only how they compare with this
/// request's (they are private data of someone who may be another person).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraitComparison {
    /// « Nom de naissance », « Prénom(s) », « Date de naissance », « Lieu de naissance ».
    pub label: String,
    pub this: String,
    pub other: String,
    /// How they differ, when they do (« Jour et mois de naissance inversés »).
    #[serde(default)]
    pub note: Option<String>,
}

/// A record of the register that is, or may be, the person of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityMatchView {
    pub verdict: MatchVerdict,
    pub record: MatchedRecord,
    pub reasons: Vec<MatchReasonView>,
    pub comparison: Vec<TraitComparison>,
}

/// `GET /api/manager/registrations`: the requests waiting for the manager's establishments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationList {
    pub results: Vec<RegistrationView>,
}

/// `PATCH /api/registrations/{id}`: the draft fields a form sends, each optional (a partial
/// save). An empty `mobile` removes the mobile number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// FINESS number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub establishment: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// `certification` or `professional_experience`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_confirmed: Option<bool>,
}

/// `POST /api/manager/registrations`: the civil status a manager types for an aide (FAQ-R1):
/// names, birth date, and either the commune of birth or the country of birth (INSEE codes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerDraftBody {
    /// FINESS number of the establishment.
    pub establishment: String,
    pub family_name: String,
    pub given_names: String,
    /// `YYYY-MM-DD` or `JJ/MM/AAAA`.
    pub birth_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_commune: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_country: Option<String>,
}

/// `POST /api/manager/registrations/{id}/validate` (FAQ-R2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// The basis the manager checked: `certification` or `professional_experience`.
    pub basis: String,
    /// The declaration « I have checked the diploma or experience conditions ».
    pub conditions_checked: bool,
    /// The declaration « this is not the same person » as the probable matches shown on the
    /// request's page (required when there are some).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_the_same_person: bool,
}

/// `POST /api/manager/registrations/validations` (issue 19): one declaration (FAQ-R2) for many
/// requests, each validated in its own transaction with its own number. Either `ids` (50 at
/// most), or `establishment` (the oldest requests waiting for it, `after` the position a
/// previous answer's `next` gave).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkValidateBody {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// FINESS number: every request waiting for this establishment, page by page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub establishment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// With `establishment`: the position of the last request the manager saw (a request's
    /// `queue_position`); none after it is validated (submitted since, it is not in the
    /// declaration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// As [`ValidateBody::basis`], for every request; by default each request's own declared
    /// basis (its `eligibility`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// As [`ValidateBody::conditions_checked`], declared once for every request.
    pub conditions_checked: bool,
}

/// One request of a bulk validation: its number, or why it was not validated (it stays in the
/// queue, to be looked at on its own page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkValidationOutcome {
    pub request_id: String,
    /// « Marie N'Diaye », when the request could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validated: Option<ValidationView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::error::ErrorBody>,
}

/// The answer of a bulk validation, in the order asked (ids) or of the queue (establishment).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkValidationView {
    pub results: Vec<BulkValidationOutcome>,
    /// Establishment mode: the `after` of the next call, while more requests may be waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Ids mode: the requests the call had no time to start (to send again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
}

/// `POST /api/manager/registrations/{id}/reject`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Sent to the applicant: 1 to 1000 characters.
    pub reason: String,
}

/// The answer of a validation: the number, and from when the e-CPS can be activated (FAQ-R5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationView {
    pub request_id: String,
    pub rpps: String,
    pub validated_at: Instant,
    pub ecps_activable_from: Instant,
    /// False when the request was already validated (the number given then).
    pub newly_validated: bool,
}

/// How the internally tagged enums above are read: the object as one flat struct (the tag and
/// every variant's fields, optional), then the variant its tag names. The same wire as serde's
/// derive, which for an internally tagged enum buffers the object in its private `Content` and
/// builds every variant from it: in the web app's WebAssembly that was about 30 KB of code for
/// these three enums (docs/PERFORMANCE.md, "Web app").
mod flat {
    use std::fmt;

    use serde::Deserialize;

    use super::{BirthPlaceView, ClosureReason, StatusView, TimelineStep, UndeliveredReason};
    use crate::Instant;

    /// A field the variant needs and the object lacks.
    #[derive(Debug)]
    pub struct Missing(&'static str);

    impl fmt::Display for Missing {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "missing field `{}`", self.0)
        }
    }

    fn given<T>(value: Option<T>, name: &'static str) -> Result<T, Missing> {
        value.ok_or(Missing(name))
    }

    /// A closure's reason, from the `reason` field.
    fn closure(reason: Option<String>) -> Result<ClosureReason, Missing> {
        reason
            .as_deref()
            .and_then(ClosureReason::from_code)
            .ok_or(Missing("reason"))
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum BirthPlaceKind {
        France,
        Abroad,
    }

    #[derive(Deserialize)]
    pub struct BirthPlace {
        kind: BirthPlaceKind,
        commune: Option<String>,
        country: Option<String>,
    }

    impl TryFrom<BirthPlace> for BirthPlaceView {
        type Error = Missing;
        fn try_from(b: BirthPlace) -> Result<Self, Missing> {
            Ok(match b.kind {
                BirthPlaceKind::France => BirthPlaceView::France {
                    commune: given(b.commune, "commune")?,
                },
                BirthPlaceKind::Abroad => BirthPlaceView::Abroad {
                    country: given(b.country, "country")?,
                },
            })
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum State {
        Draft,
        Submitted,
        Validated,
        Rejected,
        Closed,
    }

    #[derive(Deserialize)]
    pub struct Status {
        state: State,
        rpps: Option<String>,
        reason: Option<String>,
    }

    impl TryFrom<Status> for StatusView {
        type Error = Missing;
        fn try_from(s: Status) -> Result<Self, Missing> {
            Ok(match s.state {
                State::Draft => StatusView::Draft,
                State::Submitted => StatusView::Submitted,
                State::Validated => StatusView::Validated {
                    rpps: given(s.rpps, "rpps")?,
                },
                State::Rejected => StatusView::Rejected {
                    reason: given(s.reason, "reason")?,
                },
                State::Closed => StatusView::Closed {
                    reason: closure(s.reason)?,
                },
            })
        }
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum StepKind {
        Created,
        Submitted,
        Validated,
        NumberSent,
        NumberDelayed,
        NumberUndelivered,
        Published,
        EcpsActivable,
        Rejected,
        Closed,
    }

    #[derive(Deserialize)]
    pub struct Step {
        step: StepKind,
        at: Option<Instant>,
        from: Option<Instant>,
        rpps: Option<String>,
        reason: Option<String>,
    }

    impl TryFrom<Step> for TimelineStep {
        type Error = Missing;
        fn try_from(s: Step) -> Result<Self, Missing> {
            let Step {
                step,
                at,
                from,
                rpps,
                reason,
            } = s;
            let at = || given(at, "at");
            Ok(match step {
                StepKind::Created => TimelineStep::Created { at: at()? },
                StepKind::Submitted => TimelineStep::Submitted { at: at()? },
                StepKind::Validated => TimelineStep::Validated {
                    at: at()?,
                    rpps: given(rpps, "rpps")?,
                },
                StepKind::NumberSent => TimelineStep::NumberSent { at: at()? },
                StepKind::NumberDelayed => TimelineStep::NumberDelayed { at: at()? },
                StepKind::NumberUndelivered => TimelineStep::NumberUndelivered {
                    at: at()?,
                    reason: reason
                        .as_deref()
                        .and_then(UndeliveredReason::from_code)
                        .ok_or(Missing("reason"))?,
                },
                StepKind::Published => TimelineStep::Published { at: at()? },
                StepKind::EcpsActivable => TimelineStep::EcpsActivable {
                    from: given(from, "from")?,
                },
                StepKind::Rejected => TimelineStep::Rejected {
                    at: at()?,
                    reason: given(reason, "reason")?,
                },
                StepKind::Closed => TimelineStep::Closed {
                    at: at()?,
                    reason: closure(reason)?,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>(value: T)
    where
        T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
    {
        let json = serde_json::to_value(&value).expect("ser");
        let back: T = serde_json::from_value(json.clone()).expect("de");
        assert_eq!(back, value, "{json}");
    }

    #[test]
    fn the_tagged_enums_read_back_what_they_write() {
        round_trip(BirthPlaceView::France {
            commune: "75115".into(),
        });
        round_trip(BirthPlaceView::Abroad {
            country: "99350".into(),
        });
        round_trip(StatusView::Draft);
        round_trip(StatusView::Submitted);
        round_trip(StatusView::Validated {
            rpps: "10000000421".into(),
        });
        round_trip(StatusView::Rejected {
            reason: "Diplôme non reconnu".into(),
        });
        for reason in ClosureReason::ALL {
            round_trip(StatusView::Closed { reason });
        }
        let at = || "2026-07-15T11:15:00+02:00".to_owned();
        for step in [
            TimelineStep::Created { at: at() },
            TimelineStep::Submitted { at: at() },
            TimelineStep::Validated {
                at: at(),
                rpps: "10000000421".into(),
            },
            TimelineStep::NumberSent { at: at() },
            TimelineStep::NumberDelayed { at: at() },
            TimelineStep::NumberUndelivered {
                at: at(),
                reason: UndeliveredReason::Bounced,
            },
            TimelineStep::NumberUndelivered {
                at: at(),
                reason: UndeliveredReason::Refused,
            },
            TimelineStep::Published { at: at() },
            TimelineStep::EcpsActivable { from: at() },
            TimelineStep::Rejected {
                at: at(),
                reason: "Diplôme non reconnu".into(),
            },
            TimelineStep::Closed {
                at: at(),
                reason: ClosureReason::Expired,
            },
        ] {
            round_trip(step);
        }
    }

    #[test]
    fn the_wire_is_the_tag_beside_the_fields() {
        let json = serde_json::to_value(TimelineStep::EcpsActivable {
            from: "2026-07-16T11:15:00+02:00".into(),
        })
        .expect("ser");
        assert_eq!(
            json,
            serde_json::json!({"step": "ecps_activable", "from": "2026-07-16T11:15:00+02:00"})
        );
        // The tag may come anywhere; unknown fields are ignored.
        let step: TimelineStep = serde_json::from_str(
            r#"{"at": "2026-07-15T11:15:00+02:00", "extra": 1, "step": "published"}"#,
        )
        .expect("de");
        assert_eq!(
            step,
            TimelineStep::Published {
                at: "2026-07-15T11:15:00+02:00".into()
            }
        );
    }

    #[test]
    fn a_variant_without_its_fields_or_an_unknown_tag_is_an_error() {
        let err =
            serde_json::from_str::<StatusView>(r#"{"state": "validated"}"#).expect_err("no rpps");
        assert!(err.to_string().contains("missing field `rpps`"), "{err}");
        let err = serde_json::from_str::<TimelineStep>(r#"{"step": "archived", "at": "x"}"#)
            .expect_err("unknown step");
        assert!(err.to_string().contains("archived"), "{err}");
    }
}
