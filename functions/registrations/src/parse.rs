//! What the forms send, read by the domain's rules: every field at once, each error against its
//! field, in French. No store here: the one check that needs the registry (does the
//! establishment exist?) is the handler's, which adds its error to the same list.

use rpps_api::{ApiError, FieldErrors};
use rpps_contract::registration::{DraftBody, EmployerDraftBody, ValidateBody};
use rpps_domain::{
    BirthDate, BirthPlace, BirthPlaceField, CivilStatus, Contact, DraftUpdate, EligibilityBasis,
    Email, Finess, KnownPlaces, MobilePhone, PersonName, RegistrationRequest, RejectionReason,
    parse_start_date,
};
use time::Date;

pub const INVALID_FIELDS: &str = "registration.invalid_fields";

/// The general message of a draft with fields to correct (what was typed is kept, FAQ-R16).
pub const DRAFT_FIELDS_MESSAGE: &str = "Certaines informations sont à corriger : voyez le message sous chaque champ. Le reste est conservé.";

/// A draft's partial save (FAQ-R11, R16): the fields given, parsed against the request as it is
/// (a mobile alone keeps the current email). The errors come back with what could be read.
pub fn draft_update(
    body: DraftBody,
    current: &RegistrationRequest,
    today: Date,
) -> (DraftUpdate, FieldErrors) {
    let mut errors = FieldErrors::default();
    let mut update = DraftUpdate {
        accuracy_confirmed: body.accuracy_confirmed,
        ..DraftUpdate::default()
    };
    let email = match body.email.as_deref() {
        None => current.contact().map(|c| c.email.clone()),
        Some(raw) => errors.check("email", Email::parse(raw)),
    };
    let mobile = match body.mobile.as_deref().map(str::trim) {
        None => current.contact().and_then(|c| c.mobile.clone()),
        Some("") => None,
        Some(raw) => errors.check("mobile", MobilePhone::parse(raw)),
    };
    if body.email.is_some() || body.mobile.is_some() {
        match email {
            Some(email) => update.contact = Some(Contact { email, mobile }),
            None if !errors.has("email") => errors.add(
                "email",
                "email.empty",
                "Indiquez d'abord votre adresse e-mail.",
            ),
            None => {}
        }
    }
    if let Some(raw) = body.establishment.as_deref() {
        update.establishment = errors.check("establishment", Finess::parse(raw));
    }
    if let Some(raw) = body.start_date.as_deref() {
        update.start_date = errors.check("start_date", parse_start_date(raw, today));
    }
    if let Some(raw) = body.eligibility.as_deref() {
        update.eligibility = errors.check("eligibility", EligibilityBasis::parse(raw));
    }
    (update, errors)
}

/// The civil status a manager types for an aide (FAQ-R1, R17) and the establishment, every
/// error at once and per field.
pub fn employer_draft(
    body: &EmployerDraftBody,
    today: Date,
    places: &impl KnownPlaces,
) -> Result<(CivilStatus, Finess), ApiError> {
    let mut errors = FieldErrors::default();
    let establishment = errors.check("establishment", Finess::parse(&body.establishment));
    let family_name = errors.check("family_name", PersonName::parse(&body.family_name));
    let given_names = errors.check("given_names", PersonName::parse(&body.given_names));
    let birth_date = errors.check("birth_date", BirthDate::parse(&body.birth_date, today));
    let birth_place = typed_birth_place(
        body.birth_commune.as_deref(),
        body.birth_country.as_deref(),
        places,
        &mut errors,
    );
    match (
        establishment,
        family_name,
        given_names,
        birth_date,
        birth_place,
    ) {
        (
            Some(establishment),
            Some(family_name),
            Some(given_names),
            Some(birth_date),
            Some(birth_place),
        ) => Ok((
            CivilStatus {
                family_name,
                given_names,
                birth_date,
                birth_place,
            },
            establishment,
        )),
        _ => Err(ApiError::bad_request(
            INVALID_FIELDS,
            "Certaines informations sont à corriger : voyez le message sous chaque champ.",
        )
        .with_fields(errors)),
    }
}

/// A birth place typed by a manager (a commune's INSEE code or a country's), its error against
/// the field to correct (the form's and the import's).
pub fn typed_birth_place(
    commune: Option<&str>,
    country: Option<&str>,
    places: &impl KnownPlaces,
    errors: &mut FieldErrors,
) -> Option<BirthPlace> {
    match BirthPlace::from_typed(commune, country, places) {
        Ok(place) => Some(place),
        Err(e) => {
            let field = match e.field() {
                BirthPlaceField::Commune => "birth_commune",
                BirthPlaceField::Country => "birth_country",
            };
            errors.add(field, e.code(), e.to_string());
            None
        }
    }
}

/// The basis of a validation (FAQ-R2).
pub fn validation_basis(body: &ValidateBody) -> Result<EligibilityBasis, ApiError> {
    let mut errors = FieldErrors::default();
    let basis = errors.check("basis", EligibilityBasis::parse(&body.basis));
    basis.ok_or_else(|| {
        ApiError::bad_request(
            INVALID_FIELDS,
            "Indiquez sur quelle base vous avez vérifié l'éligibilité.",
        )
        .with_fields(errors)
    })
}

/// A rejection's reason (1 to 1000 characters).
pub fn rejection_reason(raw: &str) -> Result<RejectionReason, ApiError> {
    RejectionReason::parse(raw).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add("reason", e.code(), e.to_string());
        ApiError::bad_request(INVALID_FIELDS, e.to_string()).with_fields(errors)
    })
}

#[cfg(test)]
mod tests {
    use rpps_domain::{
        Actor, InseeCommuneCode, InseeCountryCode, Origin, RegistrationRequest, Role,
    };
    use time::macros::{date, datetime};

    use super::*;

    const TODAY: Date = date!(2026 - 12 - 05);

    struct Known;

    impl KnownPlaces for Known {
        fn has_commune(&self, code: &InseeCommuneCode) -> bool {
            code.as_str() != "75999"
        }
        fn has_country(&self, code: &InseeCountryCode) -> bool {
            code.as_str() != "99999"
        }
    }

    fn draft() -> RegistrationRequest {
        let civil = CivilStatus {
            family_name: PersonName::parse("N'Diaye").expect("name"),
            given_names: PersonName::parse("Marie-Hélène Josée").expect("names"),
            birth_date: BirthDate::parse("1985-04-12", TODAY).expect("date"),
            birth_place: BirthPlace::from_franceconnect("69383", "99100").expect("place"),
        };
        let request = RegistrationRequest::new_self_service(
            "req-1",
            &Actor::new("fc-sub", Role::Applicant),
            civil,
            datetime!(2026-12-05 09:00 UTC),
        )
        .expect("draft");
        assert_eq!(request.origin(), Origin::SelfService);
        request
    }

    #[test]
    fn faq_r16_every_field_error_comes_back_at_once() {
        let body = DraftBody {
            email: Some("pas une adresse".into()),
            mobile: Some("01 23 45 67 89".into()),
            establishment: Some("123".into()),
            start_date: Some("2030-01-01".into()),
            eligibility: Some("diplome".into()),
            accuracy_confirmed: Some(true),
        };
        let (update, errors) = draft_update(body, &draft(), TODAY);
        let error = errors
            .into_result(INVALID_FIELDS, DRAFT_FIELDS_MESSAGE)
            .expect_err("five fields");
        let codes: Vec<(&str, &str)> = error
            .fields
            .iter()
            .map(|(field, e)| (field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("eligibility", "eligibility.unknown"),
                ("email", error.fields["email"].code.as_str()),
                ("establishment", error.fields["establishment"].code.as_str()),
                ("mobile", error.fields["mobile"].code.as_str()),
                ("start_date", "start_date.too_far"),
            ]
        );
        assert!(error.fields["email"].code.starts_with("email."));
        assert_eq!(update.accuracy_confirmed, Some(true));
        assert_eq!(update.contact, None);
    }

    #[test]
    fn faq_r11_a_partial_save_reads_only_what_is_sent() {
        let body = DraftBody {
            email: Some("marie@exemple.fr".into()),
            start_date: Some("2026-12-15".into()),
            eligibility: Some("professional_experience".into()),
            establishment: Some("750012346".into()),
            ..DraftBody::default()
        };
        let (update, errors) = draft_update(body, &draft(), TODAY);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            update.contact.map(|c| c.email.as_str().to_owned()),
            Some("marie@exemple.fr".to_owned())
        );
        assert_eq!(update.start_date, Some(date!(2026 - 12 - 15)));
        assert_eq!(
            update.eligibility,
            Some(EligibilityBasis::ProfessionalExperience)
        );
        assert_eq!(
            update.establishment.map(|f| f.to_string()),
            Some("750012346".into())
        );
        // A mobile without any email yet: the email is asked for first.
        let (_, errors) = draft_update(
            DraftBody {
                mobile: Some("06 12 34 56 78".into()),
                ..DraftBody::default()
            },
            &draft(),
            TODAY,
        );
        let error = errors
            .into_result(INVALID_FIELDS, "x")
            .expect_err("email first");
        assert_eq!(error.fields["email"].code, "email.empty");
    }

    #[test]
    fn faq_r1_r17_an_employer_draft_needs_a_known_birth_place() {
        let body = EmployerDraftBody {
            establishment: "750012346".into(),
            family_name: "NDiaye".into(),
            given_names: "Marie-Hélène".into(),
            birth_date: "12/04/1985".into(),
            birth_commune: Some("69383".into()),
            birth_country: None,
        };
        let (civil, finess) = employer_draft(&body, TODAY, &Known).expect("valid");
        assert_eq!(finess.as_str(), "750012346");
        assert_eq!(civil.birth_date.stored(), "1985-04-12");
        let error = employer_draft(
            &EmployerDraftBody {
                birth_commune: Some("75999".into()),
                family_name: "N3".into(),
                ..body.clone()
            },
            TODAY,
            &Known,
        )
        .expect_err("two fields");
        assert_eq!(error.fields["birth_commune"].code, "birth_commune.unknown");
        assert!(error.fields.contains_key("family_name"));
        let error = employer_draft(
            &EmployerDraftBody {
                birth_country: Some("99352".into()),
                ..body.clone()
            },
            TODAY,
            &Known,
        )
        .expect_err("both places");
        assert_eq!(error.fields["birth_country"].code, "birth_place.both");
    }

    #[test]
    fn faq_r2_a_validation_names_a_known_basis() {
        let body = |basis: &str| ValidateBody {
            basis: basis.into(),
            conditions_checked: true,
            not_the_same_person: false,
        };
        assert_eq!(
            validation_basis(&body("certification")),
            Ok(EligibilityBasis::Certification)
        );
        let error = validation_basis(&body("autre")).expect_err("unknown");
        assert_eq!(error.fields["basis"].code, "eligibility.unknown");
        let error = rejection_reason("   ").expect_err("empty");
        assert_eq!(error.fields["reason"].code, "rejection_reason.empty");
        assert_eq!(
            rejection_reason(" Diplôme non reconnu ").map(|r| r.to_string()),
            Ok("Diplôme non reconnu".to_owned())
        );
    }
}
