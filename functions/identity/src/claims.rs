//! The provider-specific claims, and their mapping to the identities the portal uses.

use openidconnect::AdditionalClaims;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::IdentityError;
use crate::identity::{FranceConnectIdentity, PscActivity};

/// At most this many activities are read from `SubjectRefPro` (real people have a handful).
pub const MAX_PSC_ACTIVITIES: usize = 100;

/// The payload of FranceConnect's signed userinfo (`application/jwt`).
#[derive(Debug, Deserialize)]
pub(crate) struct FranceConnectUserInfo {
    pub sub: String,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub birthdate: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub birthplace: Option<String>,
    #[serde(default)]
    pub birthcountry: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// A present, non-blank value.
fn filled(value: Option<String>) -> Option<String> {
    value.and_then(|v| {
        let trimmed = v.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == v.len() {
            Some(v)
        } else {
            Some(trimmed.to_owned())
        }
    })
}

fn required(value: Option<String>, claim: &'static str) -> Result<String, IdentityError> {
    filled(value).ok_or(IdentityError::MissingClaim(claim))
}

impl FranceConnectUserInfo {
    pub(crate) fn into_identity(
        self,
        id_token: String,
        acr: String,
    ) -> Result<FranceConnectIdentity, IdentityError> {
        Ok(FranceConnectIdentity {
            given_name: required(self.given_name, "given_name")?,
            family_name: required(self.family_name, "family_name")?,
            birthdate: required(self.birthdate, "birthdate")?,
            gender: required(self.gender, "gender")?,
            birthcountry: required(self.birthcountry, "birthcountry")?,
            birthplace: filled(self.birthplace),
            preferred_username: filled(self.preferred_username),
            email: filled(self.email),
            sub: self.sub,
            id_token,
            acr,
        })
    }
}

/// Pro Santé Connect's own claims in its userinfo. `SubjectRefPro` is kept as JSON and read
/// leniently: a field of an unexpected type is skipped instead of failing the sign-in.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct PscClaims {
    #[serde(
        rename = "SubjectNameID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_name_id: Option<String>,
    #[serde(
        rename = "SubjectRefPro",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub subject_ref_pro: Option<Value>,
}

impl AdditionalClaims for PscClaims {}

fn text(object: &Value, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) => filled(Some(s.clone())),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `SubjectRefPro.exercices[].activities[]`, each with its practice's profession code.
pub(crate) fn psc_activities(subject_ref_pro: Option<&Value>) -> Vec<PscActivity> {
    let Some(practices) = subject_ref_pro
        .and_then(|v| v.get("exercices"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut activities = Vec::new();
    for practice in practices {
        let profession_code = text(practice, "codeProfession");
        let Some(list) = practice.get("activities").and_then(Value::as_array) else {
            continue;
        };
        for activity in list {
            if activities.len() == MAX_PSC_ACTIVITIES {
                return activities;
            }
            activities.push(PscActivity {
                profession_code: profession_code.clone(),
                finess_site: text(activity, "numeroFinessSite"),
                finess_legal: text(activity, "numeroFinessetablissementJuridique"),
                site_name: text(activity, "raisonSocialeSite")
                    .or_else(|| text(activity, "enseigneCommercialeSite")),
            });
        }
    }
    activities
}

pub(crate) fn psc_national_id(
    subject_name_id: Option<String>,
    preferred_username: Option<String>,
) -> Result<String, IdentityError> {
    filled(subject_name_id)
        .or_else(|| filled(preferred_username))
        .ok_or(IdentityError::MissingClaim("SubjectNameID"))
}

pub(crate) fn psc_name(
    value: Option<String>,
    claim: &'static str,
) -> Result<String, IdentityError> {
    required(value, claim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn activities_follow_the_real_subject_ref_pro_shape() {
        let srp = json!({
            "codeCivilite": "M",
            "exercices": [{
                "codeProfession": "60",
                "codeCategorieProfessionnelle": "C",
                "activities": [
                    {"numeroFinessSite": "750012346", "numeroFinessetablissementJuridique": "750009870",
                     "raisonSocialeSite": "SAAD PARIS 15", "codeModeExercice": "S"},
                    {"numeroFinessSite": "", "raisonSocialeSite": "", "enseigneCommercialeSite": "CABINET"}
                ]
            }, {"codeProfession": 10, "activities": "not an array"}]
        });
        let activities = psc_activities(Some(&srp));
        assert_eq!(activities.len(), 2);
        assert_eq!(activities[0].profession_code.as_deref(), Some("60"));
        assert_eq!(activities[0].finess_site.as_deref(), Some("750012346"));
        assert_eq!(activities[0].finess_legal.as_deref(), Some("750009870"));
        assert_eq!(activities[0].site_name.as_deref(), Some("SAAD PARIS 15"));
        assert_eq!(activities[1].finess_site, None, "empty means absent");
        assert_eq!(activities[1].site_name.as_deref(), Some("CABINET"));
        assert!(psc_activities(None).is_empty());
        assert!(psc_activities(Some(&json!("x"))).is_empty());
    }

    #[test]
    fn national_id_prefers_subject_name_id() {
        assert_eq!(
            psc_national_id(Some("810001045367".into()), Some("other".into())).unwrap(),
            "810001045367"
        );
        assert_eq!(
            psc_national_id(Some(" ".into()), Some("3750012346/42".into())).unwrap(),
            "3750012346/42"
        );
        assert!(matches!(
            psc_national_id(None, None),
            Err(IdentityError::MissingClaim("SubjectNameID"))
        ));
    }

    #[test]
    fn franceconnect_birthplace_is_empty_for_people_born_abroad() {
        let info: FranceConnectUserInfo = serde_json::from_value(json!({
            "sub": "abc", "given_name": "Fatima Zahra", "family_name": "El Idrissi",
            "birthdate": "1990-01-01", "gender": "female", "birthplace": "",
            "birthcountry": "99350", "email": "f@example.org"
        }))
        .unwrap();
        let identity = info.into_identity("tok".into(), "eidas1".into()).unwrap();
        assert_eq!(identity.birthplace, None);
        assert_eq!(identity.birthcountry, "99350");
        assert_eq!(identity.preferred_username, None);
    }

    #[test]
    fn franceconnect_missing_family_name_is_refused() {
        let info: FranceConnectUserInfo = serde_json::from_value(json!({
            "sub": "abc", "given_name": "Jean", "birthdate": "1990-01-01", "gender": "male",
            "birthcountry": "99100"
        }))
        .unwrap();
        assert!(matches!(
            info.into_identity("t".into(), "eidas1".into()),
            Err(IdentityError::MissingClaim("family_name"))
        ));
    }
}
