//! The French pages a person lands on when a sign-in does not end in a session (FAQ-R8, R10,
//! R12, R13, R16). Static text only: nothing from the request is ever written into them, but for
//! the one value the sign-in itself put in a `__Host-` cookie (the RPPS number of someone who
//! already holds one), read back only if it is an RPPS number.

use axum::http::{HeaderMap, HeaderValue};
use rpps_domain::RppsNumber;

/// The cookie that carries the number of a person who already holds one, from the sign-in's
/// callback to the page it redirects to (ten minutes; `__Host-`: set by this site only).
const NUMBER_COOKIE: &str = "__Host-rpps_number";

/// The `Set-Cookie` of the number the « already an RPPS number » page shows (FAQ-R12).
pub fn number_cookie(rpps: &RppsNumber) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{NUMBER_COOKIE}={rpps}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=600"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The number the sign-in left for the page, if the cookie holds one (checked as an RPPS
/// number: 11 digits and the Luhn key).
pub fn number_from(headers: &HeaderMap) -> Option<RppsNumber> {
    rpps_session::cookie_value(headers, NUMBER_COOKIE)
        .and_then(|value| RppsNumber::parse(&value).ok())
}

/// Why the person is here. `code()` is what `/api/auth/problem?reason=` carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Cancelled,
    CardOrMiddleware,
    ProviderUnavailable,
    SignInFailed,
    AlreadyRpps,
    NotAuthorised,
    NotEligible,
    IdentityUnreadable,
}

impl Problem {
    pub const ALL: [Problem; 8] = [
        Self::Cancelled,
        Self::CardOrMiddleware,
        Self::ProviderUnavailable,
        Self::SignInFailed,
        Self::AlreadyRpps,
        Self::NotAuthorised,
        Self::NotEligible,
        Self::IdentityUnreadable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::CardOrMiddleware => "card_or_middleware",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::SignInFailed => "sign_in_failed",
            Self::AlreadyRpps => "already_rpps",
            Self::NotAuthorised => "not_authorised",
            Self::NotEligible => "not_eligible",
            Self::IdentityUnreadable => "identity_unreadable",
        }
    }

    pub fn from_code(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|p| p.code() == code)
            .unwrap_or(Self::SignInFailed)
    }

    pub fn from_guidance(guidance: rpps_identity::Guidance) -> Self {
        match guidance {
            rpps_identity::Guidance::Cancelled => Self::Cancelled,
            rpps_identity::Guidance::CardOrMiddlewareProblem => Self::CardOrMiddleware,
            rpps_identity::Guidance::ProviderUnavailable => Self::ProviderUnavailable,
            rpps_identity::Guidance::SignInFailed => Self::SignInFailed,
        }
    }

    /// Title, paragraphs, and links (label, href) of the page.
    fn content(
        self,
    ) -> (
        &'static str,
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
    ) {
        const HOME: (&str, &str) = ("Retour à l'accueil", "/");
        const FC: (&str, &str) = (
            "Se connecter avec FranceConnect",
            "/api/auth/franceconnect/login",
        );
        const PSC_PRO: (&str, &str) = (
            "Se connecter avec e-CPS (Pro Santé Connect)",
            "/api/auth/psc/login?profil=professionnel",
        );
        const PSC_MANAGER: (&str, &str) = (
            "Se connecter à l'espace gestionnaire (carte CPx)",
            "/api/auth/psc/login?profil=gestionnaire",
        );
        match self {
            Self::Cancelled => (
                "Connexion annulée",
                &[
                    "Vous avez annulé la connexion, ou le service d'identification l'a refusée. Aucune donnée n'a été enregistrée.",
                    "Vous pouvez recommencer quand vous le souhaitez.",
                ],
                &[FC, PSC_PRO, HOME],
            ),
            Self::CardOrMiddleware => (
                "Votre carte n'a pas pu être lue",
                &[
                    "Pro Santé Connect n'a pas pu lire votre carte CPx (CPS, CPE, CPA ou CDE).",
                    "Vérifiez que le lecteur de cartes est branché et que la carte y est insérée.",
                    "Vérifiez que le logiciel Cryptolib CPS est installé sur cet ordinateur : il se télécharge gratuitement sur le site de l'Agence du numérique en santé (esante.gouv.fr, Espace CPS, Téléchargements libres).",
                    "Si vous êtes un professionnel avec un numéro RPPS, vous pouvez aussi vous connecter avec l'application e-CPS de votre téléphone.",
                ],
                &[
                    (
                        "Télécharger la Cryptolib CPS",
                        "https://esante.gouv.fr/services/espace-cps/telechargements-libres/cryptolib-cps-windows",
                    ),
                    PSC_MANAGER,
                    HOME,
                ],
            ),
            Self::ProviderUnavailable => (
                "Service de connexion momentanément indisponible",
                &[
                    "Le service de connexion ne répond pas pour le moment. C'est temporaire : réessayez dans quelques minutes.",
                    "Rien de ce que vous avez déjà saisi n'est perdu.",
                ],
                &[FC, PSC_PRO, HOME],
            ),
            Self::SignInFailed => (
                "La connexion n'a pas abouti",
                &[
                    "Pour votre sécurité, la connexion a été interrompue : le lien a expiré, a déjà été utilisé, ou la réponse du service d'identification n'a pas pu être vérifiée.",
                    "Recommencez la connexion depuis le portail.",
                ],
                &[FC, PSC_PRO, HOME],
            ),
            Self::AlreadyRpps => (
                "Vous avez déjà un numéro RPPS",
                &[
                    "La connexion avec FranceConnect sert uniquement à une première demande de pré-enregistrement.",
                    "Vous avez déjà un numéro RPPS : connectez-vous avec votre e-CPS (l'application e-CPS de votre téléphone), par Pro Santé Connect.",
                ],
                &[PSC_PRO, HOME],
            ),
            Self::NotAuthorised => (
                "Vous n'êtes pas habilité(e) à l'espace gestionnaire",
                &[
                    "Vous n'avez pas été désigné(e) gestionnaire RPPS+ d'un établissement : l'espace gestionnaire vous est donc fermé.",
                    "Les gestionnaires RPPS+ sont désignés pour leur établissement, une fois celui-ci engagé auprès de l'Agence du numérique en santé (formulaires sur esante.gouv.fr).",
                    "Si vous êtes un professionnel et souhaitez vous pré-enregistrer, faites votre demande avec FranceConnect.",
                ],
                &[
                    (
                        "Faire ma demande de pré-enregistrement",
                        "/api/auth/franceconnect/login",
                    ),
                    HOME,
                ],
            ),
            Self::NotEligible => (
                "Connexion réservée aux professionnels enregistrés au RPPS",
                &[
                    "Votre carte ne correspond pas à un numéro RPPS : vous ne pouvez pas modifier de données ici.",
                    "Pour faire modifier vos données, adressez-vous à votre ordre professionnel ou à votre autorité d'enregistrement (votre employeur, votre ARS…).",
                ],
                &[PSC_MANAGER, HOME],
            ),
            Self::IdentityUnreadable => (
                "Votre identité n'a pas pu être reprise",
                &[
                    "Les informations d'état civil transmises par FranceConnect sont incomplètes ou dans une forme que le portail ne sait pas encore lire.",
                    "Votre employeur peut faire la demande d'enregistrement pour vous, en saisissant votre état civil.",
                ],
                &[HOME],
            ),
        }
    }

    /// The whole page.
    pub fn html(self) -> String {
        self.html_with_number(None)
    }

    /// The whole page; the « already an RPPS number » one with the person's number (FAQ-R12).
    pub fn html_with_number(self, number: Option<&RppsNumber>) -> String {
        let (title, paragraphs, links) = self.content();
        let mut body = String::new();
        if let (Self::AlreadyRpps, Some(rpps)) = (self, number) {
            body.push_str(&format!(
                "<p>Votre numéro RPPS : <strong id=\"numero-rpps\">{rpps}</strong>. Conservez-le : il vous a été envoyé par e-mail lors de sa création.</p>\n"
            ));
        }
        for p in paragraphs {
            body.push_str(&format!("<p>{p}</p>\n"));
        }
        body.push_str("<ul class=\"actions\">\n");
        for (label, href) in links {
            body.push_str(&format!("<li><a href=\"{href}\">{label}</a></li>\n"));
        }
        body.push_str("</ul>\n");
        format!(
            "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} — RPPS+</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <main data-problem=\"{code}\">\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
            code = self.code()
        )
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fff;line-height:1.5}\
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem}h1{font-size:1.5rem}\
a{color:#0a4a9e}a:focus{outline:3px solid #0a4a9e;outline-offset:2px}.actions{padding-left:1.2rem}.actions li{margin:.5rem 0}";

#[cfg(test)]
mod tests {
    use super::Problem;

    #[test]
    fn every_page_is_french_with_a_way_out() {
        for problem in Problem::ALL {
            let html = problem.html();
            assert!(html.contains("<html lang=\"fr\">"));
            assert!(html.contains("href=\"/\""), "{problem:?} has no way home");
            assert_eq!(Problem::from_code(problem.code()), problem);
        }
        assert_eq!(Problem::from_code("<script>"), Problem::SignInFailed);
    }

    #[test]
    fn faq_r8_the_not_authorised_page_links_to_pre_registration() {
        assert!(
            Problem::NotAuthorised
                .html()
                .contains("/api/auth/franceconnect/login")
        );
    }

    #[test]
    fn faq_r10_the_card_page_says_what_to_install() {
        assert!(Problem::CardOrMiddleware.html().contains("Cryptolib CPS"));
    }

    #[test]
    fn faq_r12_the_already_rpps_page_sends_to_e_cps() {
        let html = Problem::AlreadyRpps.html();
        assert!(html.contains("e-CPS") && html.contains("profil=professionnel"));
    }

    #[test]
    fn faq_r12_the_already_rpps_page_shows_the_number_the_sign_in_left_and_nothing_else() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let rpps = rpps_domain::RppsNumber::parse("10001045367").expect("number");
        let cookie = super::number_cookie(&rpps);
        let cookie = cookie.to_str().expect("ascii");
        for attribute in [
            "__Host-rpps_number=10001045367",
            "HttpOnly",
            "Secure",
            "Path=/",
        ] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; __Host-rpps_number=10001045367"),
        );
        let number = super::number_from(&headers);
        let html = Problem::AlreadyRpps.html_with_number(number.as_ref());
        assert!(html.contains(">10001045367</strong>"), "{html}");
        // Not an RPPS number (wrong key, markup): nothing shown.
        for forged in ["10001045368", "<b>1</b>"] {
            headers.insert(
                header::COOKIE,
                HeaderValue::from_str(&format!("__Host-rpps_number={forged}")).expect("value"),
            );
            assert_eq!(super::number_from(&headers), None, "{forged}");
        }
        assert!(
            !Problem::NotAuthorised
                .html_with_number(number.as_ref())
                .contains("10001045367")
        );
    }
}
