//! How the web app reads the contract's views (`rpps_contract`) from the API's JSON: the same
//! wire as their serde derive, field by field ([`crate::json::FromJson`]). Each struct names
//! every field of the contract's type, so a field added there must be added here. The tests
//! read every view, every variant of every enum, and texts that are not the view, as
//! serde_json reads them (on the host, and in Node against the browser's `JSON.parse`).

use rpps_contract::directory::{
    ActiveSiteView, DirectorySearchView, DirectorySiteView, DirectorySummary, ProfessionView,
    ProfessionalPageView,
};
use rpps_contract::error::{FieldError, MissingItem};
use rpps_contract::import::{
    ImportCell, ImportCounts, ImportLine, ImportList, ImportStatus, ImportView, LineState,
};
use rpps_contract::places::{
    CommuneKind, CommuneList, CommuneMatchedOn, CommuneOption, CountryList, CountryMatchedOn,
    CountryOption, EstablishmentList, EstablishmentOption, Explanation,
};
use rpps_contract::registration::{
    BirthPlaceView, CivilStatusView, ClosureReason, ContactView, EligibilityBasis,
    IdentityMatchView, MatchReasonView, MatchVerdict, MatchedRecord, Origin, Profession,
    RegistrationList, RegistrationView, StatusView, TimelineStep, TraitComparison,
    UndeliveredReason, ValidationView,
};
use rpps_contract::session::{LogoutView, RoleCode, SessionView};
use rpps_contract::staff::{
    ContactChangeView, EstablishmentStaff, ManagedEstablishment, ManagedEstablishments, MeView,
    PracticeSiteView, StaffList,
};

use crate::json::{FromJson, Value};
use crate::{read_codes, read_struct};

// Registration requests.

read_codes!(Origin {
    "self_service" => Origin::SelfService,
    "employer" => Origin::Employer,
});
read_codes!(Profession {
    "aide_a_domicile_qualifiee" => Profession::AideADomicileQualifiee,
});
read_codes!(EligibilityBasis {
    "certification" => EligibilityBasis::Certification,
    "professional_experience" => EligibilityBasis::ProfessionalExperience,
});
read_codes!(UndeliveredReason {
    "refused" => UndeliveredReason::Refused,
    "bounced" => UndeliveredReason::Bounced,
});

read_codes!(ClosureReason {
    "withdrawn" => ClosureReason::Withdrawn,
    "deleted" => ClosureReason::Deleted,
    "expired" => ClosureReason::Expired,
});
read_codes!(MatchVerdict {
    "same" => MatchVerdict::Same,
    "probable" => MatchVerdict::Probable,
});

/// Tagged by `kind`.
impl FromJson for BirthPlaceView {
    fn read(value: &Value) -> Option<Self> {
        let v = value.object()?;
        Some(match v.get::<String>("kind")?.as_str() {
            "france" => BirthPlaceView::France {
                commune: v.get("commune")?,
            },
            "abroad" => BirthPlaceView::Abroad {
                country: v.get("country")?,
            },
            _ => return None,
        })
    }
}

/// Tagged by `state`.
impl FromJson for StatusView {
    fn read(value: &Value) -> Option<Self> {
        let v = value.object()?;
        Some(match v.get::<String>("state")?.as_str() {
            "draft" => StatusView::Draft,
            "submitted" => StatusView::Submitted,
            "validated" => StatusView::Validated {
                rpps: v.get("rpps")?,
            },
            "rejected" => StatusView::Rejected {
                reason: v.get("reason")?,
            },
            "closed" => StatusView::Closed {
                reason: v.get("reason")?,
            },
            _ => return None,
        })
    }
}

/// Tagged by `step`.
impl FromJson for TimelineStep {
    fn read(value: &Value) -> Option<Self> {
        let v = value.object()?;
        let at = || v.get("at");
        Some(match v.get::<String>("step")?.as_str() {
            "created" => TimelineStep::Created { at: at()? },
            "submitted" => TimelineStep::Submitted { at: at()? },
            "validated" => TimelineStep::Validated {
                at: at()?,
                rpps: v.get("rpps")?,
            },
            "number_sent" => TimelineStep::NumberSent { at: at()? },
            "number_delayed" => TimelineStep::NumberDelayed { at: at()? },
            "number_undelivered" => TimelineStep::NumberUndelivered {
                at: at()?,
                reason: v.get("reason")?,
            },
            "published" => TimelineStep::Published { at: at()? },
            "ecps_activable" => TimelineStep::EcpsActivable {
                from: v.get("from")?,
            },
            "rejected" => TimelineStep::Rejected {
                at: at()?,
                reason: v.get("reason")?,
            },
            "closed" => TimelineStep::Closed {
                at: at()?,
                reason: v.get("reason")?,
            },
            _ => return None,
        })
    }
}

/// Tagged by `kind`.
impl FromJson for MatchedRecord {
    fn read(value: &Value) -> Option<Self> {
        let v = value.object()?;
        Some(match v.get::<String>("kind")?.as_str() {
            "professional" => MatchedRecord::Professional {
                rpps: v.get("rpps")?,
            },
            "request" => MatchedRecord::Request { id: v.get("id")? },
            _ => return None,
        })
    }
}

read_struct!(CivilStatusView {
    family_name,
    given_names,
    birth_date,
    birth_place,
});
read_struct!(ContactView {
    email,
    mobile = default,
});
read_struct!(MatchReasonView { code, label });
read_struct!(TraitComparison {
    label,
    this,
    other,
    note = default,
});
read_struct!(IdentityMatchView {
    verdict,
    record,
    reasons,
    comparison,
});
read_struct!(RegistrationView {
    id,
    origin,
    status,
    status_label,
    civil_status,
    contact = default,
    profession,
    establishment = default,
    start_date = default,
    eligibility = default,
    accuracy_confirmed,
    created_at,
    updated_at,
    submitted_at = default,
    queue_position = default,
    decided_at = default,
    missing = default,
    expires_at = default,
    timeline = default,
    identity_matches = default,
});
read_struct!(RegistrationList { results });
read_struct!(ValidationView {
    request_id,
    rpps,
    validated_at,
    ecps_activable_from,
    newly_validated,
});

// Errors (the envelope itself: `api::Envelope`).

read_struct!(FieldError { code, message });
read_struct!(MissingItem { field, label });

// Sessions.

read_codes!(RoleCode {
    "anonymous" => RoleCode::Anonymous,
    "applicant" => RoleCode::Applicant,
    "professional" => RoleCode::Professional,
    "manager" => RoleCode::Manager,
    "scheduler" => RoleCode::Scheduler,
    "operator" => RoleCode::Operator,
});
read_struct!(SessionView {
    authenticated,
    role,
    provider = default,
    given_name = default,
    family_name = default,
    establishments = default,
    rpps = default,
    civil_status = default,
    csrf_token = default,
});
read_struct!(LogoutView { redirect_to });

// Staff and the professional's record.

read_struct!(PracticeSiteView {
    rpps,
    family_name,
    given_names,
    profession,
    finess,
    started_on,
    departure_on = default,
    published,
    active_today,
    departure_cancellable,
});
read_struct!(EstablishmentStaff {
    finess,
    name = default,
    staff,
});
read_struct!(StaffList { establishments });
read_struct!(ManagedEstablishment {
    finess,
    name = default,
    town = default,
});
read_struct!(ManagedEstablishments { establishments });
read_struct!(ContactChangeView { rpps, contact });
read_struct!(MeView {
    rpps,
    family_name,
    given_names,
    contact = default,
    ecps_activable_from = default,
    sites,
});

// Imports of a team (issue 19).

read_codes!(ImportStatus {
    "preview" => ImportStatus::Preview,
    "running" => ImportStatus::Running,
    "done" => ImportStatus::Done,
});
read_codes!(LineState {
    "ready" => LineState::Ready,
    "invalid" => LineState::Invalid,
    "known" => LineState::Known,
    "dropped" => LineState::Dropped,
    "created" => LineState::Created,
    "failed" => LineState::Failed,
});
read_struct!(ImportCell {
    field,
    value,
    error = default,
});
read_struct!(ImportLine {
    line,
    state,
    cells,
    message = default,
    warning = default,
    request_id = default,
    dropped = default,
    repeat_of = default,
    similar_to = default,
    known = default,
    register_probable = default,
});
read_struct!(ImportCounts {
    total,
    ready,
    invalid,
    known,
    dropped,
    created,
    failed,
});
read_struct!(ImportList { imports });
read_struct!(ImportView {
    id,
    status,
    filename,
    created_at,
    read_as,
    ignored_columns = default,
    establishment = default,
    counts,
    confirmed_ready = default,
    lines = default,
});

// The public directory.

read_struct!(ProfessionView { code, label });
read_struct!(ActiveSiteView {
    establishment_name,
    finess,
    commune_code,
    commune_name,
});
read_struct!(DirectorySummary {
    rpps,
    family_name,
    given_names,
    profession,
    active_sites,
});
read_struct!(DirectorySearchView {
    results,
    next_cursor = default,
});
read_struct!(DirectorySiteView {
    finess,
    establishment_name,
    commune_code,
    commune_name,
    departement,
    started_on,
    ended_on = default,
    active,
});
read_struct!(ProfessionalPageView {
    rpps,
    family_name,
    given_names,
    profession,
    sites,
    valid_today,
    ecps_activable_from = default,
    published_at,
    updated_at,
    card_url,
    verification_url,
});

// Reference data for the forms.

read_struct!(EstablishmentOption {
    finess,
    name,
    long_name,
    postal_code,
    town,
    category_label,
});
read_struct!(Explanation { code, message });
read_struct!(EstablishmentList {
    results,
    explanation = default,
});
read_codes!(CommuneKind {
    "commune" => CommuneKind::Commune,
    "arrondissement_municipal" => CommuneKind::ArrondissementMunicipal,
    "commune_deleguee" => CommuneKind::CommuneDeleguee,
    "commune_associee" => CommuneKind::CommuneAssociee,
});
read_codes!(CommuneMatchedOn {
    "name" => CommuneMatchedOn::Name,
    "insee_code" => CommuneMatchedOn::InseeCode,
    "postal_code" => CommuneMatchedOn::PostalCode,
});
read_struct!(CommuneOption {
    insee,
    name,
    label,
    kind,
    departement,
    postal_codes,
    matched,
});
read_struct!(CommuneList { results });
read_codes!(CountryMatchedOn {
    "name" => CountryMatchedOn::Name,
    "official_name" => CountryMatchedOn::OfficialName,
    "code" => CountryMatchedOn::Code,
});
read_struct!(CountryOption {
    code,
    name,
    label,
    current,
    valid_until = default,
    matched,
});
read_struct!(CountryList { results });

#[cfg(test)]
mod tests {
    //! On the host, and in Node against the browser's `JSON.parse` (`wasm-bindgen-test-runner`:
    //! frontend/README.md).
    use std::fmt::Debug;

    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use rpps_contract::error::{ErrorBody, ErrorEnvelope};

    use super::*;
    use crate::api::ApiError;
    use crate::json::{from_text, to_text};
    use crate::storage::{ApplicantDraft, EmployerDraft};

    /// Read as serde_json reads it, and not `None`.
    fn same<T: FromJson + DeserializeOwned + PartialEq + Debug>(text: &str) -> T {
        let expected: T = serde_json::from_str(text).expect("serde_json reads the sample");
        let read = from_text::<T>(text);
        assert_eq!(read.as_ref(), Some(&expected), "{text}");
        expected
    }

    /// Written by serde (as the functions write it), read back the same.
    fn round_trip<T: FromJson + Serialize + PartialEq + Debug>(value: T) {
        let text = to_text(&value);
        assert_eq!(from_text::<T>(&text), Some(value), "{text}");
    }

    /// Every variant of a contract enum: the `match` does not compile once the contract adds one.
    macro_rules! every {
        ($type:ident: $($variant:ident),* $(,)?) => {{
            let all = [$($type::$variant),*];
            for value in all {
                match value {
                    $($type::$variant => {})*
                }
                round_trip(value);
            }
        }};
    }

    const REGISTRATION: &str = r#"{"id": "0193a5b0-7c1e-7000-8000-000000000001",
        "origin": "self_service", "status": {"state": "validated", "rpps": "10000000421"},
        "status_label": "Validée",
        "civil_status": {"family_name": "N'Diaye", "given_names": "Aïssatou Marie",
            "birth_date": "1961-00-00", "birth_place": {"kind": "abroad", "country": "99350"}},
        "contact": {"email": "a@example.org", "mobile": null},
        "profession": "aide_a_domicile_qualifiee", "establishment": "750012346",
        "start_date": "2026-09-01", "eligibility": "professional_experience",
        "accuracy_confirmed": true,
        "created_at": "2026-07-15T11:15:00+02:00", "updated_at": "2026-07-15T11:20:00+02:00",
        "submitted_at": "2026-07-15T11:16:00+02:00", "decided_at": null, "missing": [],
        "timeline": [{"step": "created", "at": "2026-07-15T11:15:00+02:00"},
            {"step": "validated", "at": "2026-07-15T11:20:00+02:00", "rpps": "10000000421"},
            {"step": "ecps_activable", "from": "2026-07-16T11:20:00+02:00"},
            {"step": "rejected", "at": "2026-07-15T11:20:00+02:00", "reason": "Motif"}],
        "a_field_of_a_later_version": {"nested": [1, 2.5, "x"]}}"#;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_view_reads_as_serde_json_reads_it() {
        let r: RegistrationView = same(REGISTRATION);
        assert_eq!(r.timeline.len(), 4);
        same::<RegistrationList>(&format!(r#"{{"results": [{REGISTRATION}]}}"#));
        same::<SessionView>(
            r#"{"authenticated": true, "role": "applicant", "provider": "franceconnect",
            "given_name": "Aïssatou", "family_name": "N'Diaye", "csrf_token": "t",
            "civil_status": {"family_name": "N'Diaye", "given_names": "Aïssatou",
                "birth_date": "1990-04-12", "birth_place": {"kind": "france", "commune": "75115"}}}"#,
        );
        same::<SessionView>(r#"{"authenticated": false, "role": "anonymous"}"#);
        same::<ValidationView>(
            r#"{"request_id": "r1", "rpps": "10000000421", "validated_at": "2026-07-15T11:20:00+02:00",
            "ecps_activable_from": "2026-07-16T11:20:00+02:00", "newly_validated": true}"#,
        );
        let site = r#"{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "profession": "aide_a_domicile_qualifiee", "finess": "750012346",
            "started_on": "2026-09-01", "departure_on": "2026-12-31", "published": true,
            "active_today": true, "departure_cancellable": true}"#;
        same::<PracticeSiteView>(site);
        same::<StaffList>(&format!(
            r#"{{"establishments": [{{"finess": "750012346", "name": null, "staff": [{site}]}}]}}"#
        ));
        same::<MeView>(&format!(
            r#"{{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "contact": {{"email": "a@example.org", "mobile": "+33612345678"}},
            "ecps_activable_from": null, "sites": [{site}]}}"#
        ));
        same::<ContactChangeView>(r#"{"rpps": "10000000421", "contact": null}"#);
        same::<ImportView>(
            r#"{"id": "i1", "status": "preview", "filename": "équipe.csv",
            "created_at": "2026-12-06T06:00:00+01:00", "read_as": "UTF-8, séparateur « ; »",
            "ignored_columns": ["Matricule"], "establishment": "750012346",
            "counts": {"total": 2, "ready": 1, "invalid": 1, "known": 0, "dropped": 0, "created": 0, "failed": 0},
            "lines": [{"line": 2, "state": "ready", "cells": [{"field": "family_name", "value": "Lefèvre"}]},
              {"line": 3, "state": "invalid", "cells": [{"field": "birth_date", "value": "31/02/1990",
                "error": {"code": "birth_date.impossible", "message": "Date impossible."}}],
               "repeat_of": 2, "dropped": true, "similar_to": 2, "known": "x", "register_probable": true,
               "message": "m", "warning": "w", "request_id": "r"}]}"#,
        );
        same::<ManagedEstablishments>(
            r#"{"establishments": [{"finess": "750012346", "name": "SAAD Paris 15", "town": "PARIS"},
            {"finess": "690011226", "name": null, "town": null}]}"#,
        );
        same::<DirectorySearchView>(
            r#"{"results": [{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "profession": {"code": "aide_a_domicile_qualifiee", "label": "Aide à domicile qualifiée"},
            "active_sites": [{"establishment_name": "SAAD", "finess": "750012346",
                "commune_code": "75115", "commune_name": "Paris 15e"}]}], "next_cursor": null}"#,
        );
        same::<ProfessionalPageView>(
            r#"{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "profession": {"code": "aide_a_domicile_qualifiee", "label": "Aide à domicile qualifiée"},
            "sites": [{"finess": "750012346", "establishment_name": "SAAD", "commune_code": "75115",
                "commune_name": "Paris 15e", "departement": "75", "started_on": "2026-09-01",
                "active": true}],
            "valid_today": true, "published_at": "2026-07-15T11:20:00+02:00",
            "updated_at": "2026-07-15T11:20:00+02:00", "card_url": "/api/directory/10000000421/card.pdf",
            "verification_url": "https://rpps.example/verifier/10000000421"}"#,
        );
        same::<EstablishmentList>(
            r#"{"results": [], "explanation": {"code": "siret", "message": "C'est un SIRET."}}"#,
        );
        same::<CommuneList>(
            r#"{"results": [{"insee": "75115", "name": "Paris 15e", "label": "Paris 15e (75115)",
            "kind": "arrondissement_municipal", "departement": "75", "postal_codes": ["75015"],
            "matched": "postal_code"}]}"#,
        );
        same::<CountryList>(
            r#"{"results": [{"code": "99350", "name": "Maroc", "label": "Maroc (99350)",
            "current": true, "valid_until": null, "matched": "name"}]}"#,
        );
        same::<LogoutView>(r#"{"redirect_to": "/"}"#);
        let error = r#"{"error": {"code": "registration.invalid_fields", "message": "À corriger",
            "fields": {"email": {"code": "email.invalid", "message": "Adresse invalide"}},
            "missing": [{"field": "contact", "label": "l'adresse e-mail"}]}}"#;
        let envelope: ErrorEnvelope = serde_json::from_str(error).expect("an envelope");
        let e = ApiError::from_body(400, error);
        assert_eq!(e, ApiError::from_envelope(400, envelope));
        assert_eq!(e.field("email").as_deref(), Some("Adresse invalide"));
        let d: ApplicantDraft = same(r#"{"id": "r1", "step": 2, "email": "a@example.org"}"#);
        assert_eq!(d.step, 2);
        same::<EmployerDraft>(
            r#"{"born_abroad": true, "created": {"id": "r2",
            "civil_status": {"family_name": "N'Diaye", "given_names": "Awa", "birth_date": "x"}}}"#,
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_code_of_every_enum_reads_back() {
        every!(Origin: SelfService, Employer);
        every!(Profession: AideADomicileQualifiee);
        every!(EligibilityBasis: Certification, ProfessionalExperience);
        every!(ClosureReason: Withdrawn, Deleted, Expired);
        every!(UndeliveredReason: Refused, Bounced);
        every!(MatchVerdict: Same, Probable);
        every!(RoleCode: Anonymous, Applicant, Professional, Manager, Scheduler, Operator);
        every!(CommuneKind: Commune, ArrondissementMunicipal, CommuneDeleguee, CommuneAssociee);
        every!(CommuneMatchedOn: Name, InseeCode, PostalCode);
        every!(CountryMatchedOn: Name, OfficialName, Code);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_variant_of_the_tagged_enums_reads_back() {
        let at = || "2026-07-15T11:15:00+02:00".to_owned();
        let rpps = || "10000000421".to_owned();
        let reason = || "Diplôme non reconnu".to_owned();
        for place in [
            BirthPlaceView::France {
                commune: "75115".into(),
            },
            BirthPlaceView::Abroad {
                country: "99350".into(),
            },
        ] {
            match &place {
                BirthPlaceView::France { .. } | BirthPlaceView::Abroad { .. } => {}
            }
            round_trip(place);
        }
        let mut statuses = vec![
            StatusView::Draft,
            StatusView::Submitted,
            StatusView::Validated { rpps: rpps() },
            StatusView::Rejected { reason: reason() },
        ];
        statuses.extend(ClosureReason::ALL.map(|reason| StatusView::Closed { reason }));
        for status in statuses {
            match &status {
                StatusView::Draft
                | StatusView::Submitted
                | StatusView::Validated { .. }
                | StatusView::Rejected { .. }
                | StatusView::Closed { .. } => {}
            }
            round_trip(status);
        }
        for step in [
            TimelineStep::Created { at: at() },
            TimelineStep::Submitted { at: at() },
            TimelineStep::Validated {
                at: at(),
                rpps: rpps(),
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
                reason: reason(),
            },
            TimelineStep::Closed {
                at: at(),
                reason: ClosureReason::Expired,
            },
        ] {
            match &step {
                TimelineStep::Created { .. }
                | TimelineStep::Submitted { .. }
                | TimelineStep::Validated { .. }
                | TimelineStep::NumberSent { .. }
                | TimelineStep::NumberDelayed { .. }
                | TimelineStep::NumberUndelivered { .. }
                | TimelineStep::Published { .. }
                | TimelineStep::EcpsActivable { .. }
                | TimelineStep::Rejected { .. }
                | TimelineStep::Closed { .. } => {}
            }
            round_trip(step);
        }
        for record in [
            MatchedRecord::Professional { rpps: rpps() },
            MatchedRecord::Request {
                id: Some("r1".into()),
            },
            MatchedRecord::Request { id: None },
        ] {
            match &record {
                MatchedRecord::Professional { .. } | MatchedRecord::Request { .. } => {}
            }
            round_trip(record);
        }
    }

    /// Every field given, optional ones included, as a manager reads a request.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_request_with_every_field_reads_back() {
        let at = || "2026-07-15T11:15:00+02:00".to_owned();
        let view = RegistrationView {
            id: "r1".into(),
            origin: Origin::Employer,
            status: StatusView::Submitted,
            status_label: "En attente de validation".into(),
            civil_status: CivilStatusView {
                family_name: "N'Diaye".into(),
                given_names: "Awa".into(),
                birth_date: "1961-00-00".into(),
                birth_place: BirthPlaceView::France {
                    commune: "75115".into(),
                },
            },
            contact: Some(ContactView {
                email: "a@example.org".into(),
                mobile: Some("+33612345678".into()),
            }),
            profession: Profession::AideADomicileQualifiee,
            establishment: Some("750012346".into()),
            start_date: Some("2026-09-01".into()),
            eligibility: Some(EligibilityBasis::Certification),
            accuracy_confirmed: true,
            created_at: at(),
            updated_at: at(),
            submitted_at: Some(at()),
            queue_position: None,
            decided_at: Some(at()),
            missing: vec![MissingItem {
                field: "contact".into(),
                label: "l'adresse e-mail".into(),
            }],
            expires_at: Some(at()),
            timeline: vec![TimelineStep::Created { at: at() }],
            identity_matches: vec![IdentityMatchView {
                verdict: MatchVerdict::Probable,
                record: MatchedRecord::Request {
                    id: Some("r2".into()),
                },
                reasons: vec![MatchReasonView {
                    code: "names".into(),
                    label: "Mêmes nom et prénoms".into(),
                }],
                comparison: vec![TraitComparison {
                    label: "Date de naissance".into(),
                    this: "01/02/1961".into(),
                    other: "02/01/1961".into(),
                    note: Some("Jour et mois de naissance inversés".into()),
                }],
            }],
        };
        round_trip(RegistrationList {
            results: vec![view.clone()],
        });
        round_trip(view);
        let envelope = ErrorEnvelope {
            error: ErrorBody {
                code: "registration.invalid_fields".into(),
                message: "À corriger".into(),
                fields: [(
                    "email".to_owned(),
                    FieldError {
                        code: "email.invalid".into(),
                        message: "Adresse invalide".into(),
                    },
                )]
                .into(),
                missing: Vec::new(),
                see: Some("/gestion/demandes/r1".into()),
            },
        };
        let e = ApiError::from_body(409, &to_text(&envelope));
        assert_eq!(e.see.as_deref(), Some("/gestion/demandes/r1"));
        assert_eq!(e, ApiError::from_envelope(409, envelope));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn what_is_not_the_type_is_none() {
        assert_eq!(from_text::<LogoutView>("pas du JSON"), None);
        assert_eq!(from_text::<LogoutView>(r#"["/"]"#), None);
        assert_eq!(from_text::<LogoutView>(r#"{"redirect_to": 1}"#), None);
        assert_eq!(from_text::<LogoutView>("{}"), None);
        assert_eq!(
            from_text::<SessionView>(r#"{"authenticated": true, "role": "roi"}"#),
            None
        );
        assert_eq!(from_text::<ApplicantDraft>(r#"{"step": -1}"#), None);
        assert_eq!(from_text::<ApplicantDraft>(r#"{"step": 1.5}"#), None);
        assert_eq!(
            from_text::<RegistrationList>(r#"{"results": [{"id": "r1"}]}"#),
            None
        );
    }
}
