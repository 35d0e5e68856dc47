//! The pages a person sees at the development provider, in French.

use std::fmt::Write as _;

use rpps_domain::french;
use time::Date;
use time::macros::format_description;

use crate::DevIssuer;
use crate::fault::Fault;
use crate::identities::{franceconnect_identities, psc_identities};

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A `birthdate` claim as the portal shows it: `1985-04-12` → `12/04/1985`; a claim that is not a
/// calendar date is shown as it is.
fn birth_date(claim: &str) -> String {
    Date::parse(claim, format_description!("[year]-[month]-[day]"))
        .map_or_else(|_| claim.to_owned(), french::numeric_date)
}

fn provider_name(issuer: DevIssuer) -> &'static str {
    match issuer {
        DevIssuer::FranceConnect => "FranceConnect",
        DevIssuer::ProSanteConnect => "Pro Santé Connect",
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#161616}\
.bandeau{background:#fff4d6;border:1px solid #d6a400;padding:.5rem .75rem;border-radius:4px}\
button{display:block;width:100%;text-align:left;margin:.5rem 0;padding:.75rem;font-size:1rem;border:1px solid #000091;border-radius:4px;background:#fff;cursor:pointer}\
button.principal{background:#000091;color:#fff}\
button small{display:block;color:inherit;opacity:.8}\
.secondaire{border-color:#666}label{display:block;margin-top:1rem}";

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head><body>\
<p class=\"bandeau\" role=\"note\">Environnement de développement : ce fournisseur d'identité est \
simulé. Il n'existe jamais en production.</p>{body}</body></html>",
        title = escape(title),
    )
}

/// The choice of a test identity. `hidden` are the `/authorize` parameters carried over.
pub(crate) fn choose_identity(
    issuer: DevIssuer,
    action: &str,
    hidden: &[(&str, &str)],
    fault: Option<Fault>,
) -> String {
    let name = provider_name(issuer);
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{name} (simulé)</h1><p>Choisissez l'identité de test avec laquelle vous connecter.</p>\
<form method=\"get\" action=\"{}\">",
        escape(action)
    );
    for (key, value) in hidden {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(key),
            escape(value)
        );
    }
    let _ = write!(
        body,
        "<label for=\"dev_fault\">Simuler une anomalie (tests de sécurité), puis choisir l'identité</label>\
<select id=\"dev_fault\" name=\"dev_fault\"><option value=\"\">Aucune</option>"
    );
    for candidate in Fault::ALL.into_iter().filter(|f| f.applies_to(issuer)) {
        let selected = if Some(candidate) == fault {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{}\"{selected}>{}</option>",
            candidate.code(),
            escape(candidate.label())
        );
    }
    body.push_str("</select>");
    match issuer {
        DevIssuer::FranceConnect => {
            for identity in franceconnect_identities() {
                let born = if identity.gender == "female" {
                    "née"
                } else {
                    "né"
                };
                let place = if identity.birthplace.is_empty() {
                    format!("pays de naissance {}", identity.birthcountry)
                } else {
                    format!("commune de naissance {}", identity.birthplace)
                };
                let _ = write!(
                    body,
                    "<button class=\"principal\" type=\"submit\" name=\"login_hint\" value=\"{}\">\
{} {}<small>{} — {born} le {}, {}</small></button>",
                    escape(identity.id),
                    escape(identity.given_name),
                    escape(identity.family_name),
                    escape(identity.label),
                    escape(&birth_date(identity.birthdate)),
                    escape(&place),
                );
            }
        }
        DevIssuer::ProSanteConnect => {
            for identity in psc_identities() {
                let _ = write!(
                    body,
                    "<button class=\"principal\" type=\"submit\" name=\"login_hint\" value=\"{}\">\
{} {}<small>{} — identifiant national {}</small></button>",
                    escape(identity.id),
                    escape(identity.given_name),
                    escape(identity.family_name),
                    escape(identity.label),
                    escape(identity.national_id),
                );
            }
        }
    }
    if issuer == DevIssuer::ProSanteConnect {
        body.push_str(
            "<button class=\"secondaire\" type=\"submit\" name=\"dev_action\" value=\"carte_absente\">\
Simuler : lecteur de carte ou Cryptolib CPS absent</button>",
        );
    }
    body.push_str(
        "<button class=\"secondaire\" type=\"submit\" name=\"dev_action\" value=\"annuler\">Annuler</button></form>",
    );
    layout(&format!("Connexion {name} (simulée)"), &body)
}

/// A page for requests that cannot be sent back to the client (unknown client, unregistered
/// address…).
pub(crate) fn error(issuer: DevIssuer, message: &str) -> String {
    layout(
        &format!("{} (simulé) : requête refusée", provider_name(issuer)),
        &format!("<h1>Requête refusée</h1><p>{}</p>", escape(message)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_interprets() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn birth_dates_read_the_french_way() {
        assert_eq!(birth_date("1985-04-12"), "12/04/1985");
        assert_eq!(
            birth_date("1961-00-00"),
            "1961-00-00",
            "not a calendar date: as it is"
        );
    }

    #[test]
    fn the_choice_page_is_french_and_lists_every_identity() {
        let page = choose_identity(
            DevIssuer::ProSanteConnect,
            "/dev-idp/psc/authorize",
            &[("state", "\"><script>")],
            Some(Fault::Expired),
        );
        assert!(page.contains("lang=\"fr\""));
        assert!(page.contains("Annuler"));
        assert!(page.contains("Simuler : lecteur de carte ou Cryptolib CPS absent"));
        for identity in psc_identities() {
            assert!(page.contains(identity.id));
        }
        assert!(!page.contains("<script>"), "hidden values are escaped");
        assert!(page.contains("value=\"expired\" selected"));
        assert!(!page.contains("userinfo_bad_signature"), "not a PSC fault");
        let fc = choose_identity(DevIssuer::FranceConnect, "/a", &[], None);
        assert!(fc.contains("Marie-Hélène"));
        assert!(fc.contains("née le 12/04/1985"));
        assert!(fc.contains("né le 23/11/1972"));
        assert!(!fc.contains("Cryptolib"));
    }
}
