//! The error pages (FAQ-R8, R10, R16): never a raw error, always what to do next.
//! The sign-in function has its own guidance pages (`/api/auth/problem?reason=…`) for refusals
//! that happen during the sign-in redirects; these are the app's own, reached from the pages.

use dioxus::prelude::*;

use crate::ui::Titre;

use super::home::{FC_LOGIN, PSC_MANAGER_LOGIN, PSC_PRO_LOGIN};
use crate::router::{Link, Route};

#[component]
pub fn NonAutorise() -> Element {
    rsx! {
        Titre { texte: "RPPS+ — Accès non autorisé" }
        h1 { "Vous n'êtes pas autorisé(e) à accéder à cet espace" }
        p { "L'espace gestionnaire est réservé aux gestionnaires RPPS+ désignés pour leur établissement. Votre connexion a bien fonctionné, mais vous n'êtes pas (ou plus) désigné(e) gestionnaire." }
        ul {
            li { "Pour être désigné(e), adressez-vous à la direction de votre établissement : elle fait la demande auprès de l'opérateur du répertoire." }
            li { "Vous êtes aide à domicile et voulez faire votre propre pré-inscription ? "
                a { href: FC_LOGIN, "Faire ma pré-inscription avec FranceConnect" } "."
            }
            li { "Vous avez déjà un numéro RPPS ? " a { href: PSC_PRO_LOGIN, "Consulter mon dossier avec e-CPS" } "." }
        }
        p { Link { to: Route::Aide {}, "Plus d'explications dans l'aide" } }
    }
}

#[component]
pub fn ProblemeConnexion() -> Element {
    rsx! {
        Titre { texte: "RPPS+ — La connexion n'a pas abouti" }
        h1 { "La connexion n'a pas abouti" }
        p { "Rien n'a été enregistré, vous pouvez recommencer." }
        ul {
            li { "Avec une carte CPx : vérifiez que la carte est insérée, que le lecteur est branché et que le logiciel Cryptolib CPS est installé, puis "
                a { href: PSC_MANAGER_LOGIN, "réessayez" } "."
            }
            li { "Avec FranceConnect : choisissez un compte dont vous connaissez le mot de passe, puis "
                a { href: FC_LOGIN, "réessayez" } "."
            }
        }
        p { Link { to: Route::Aide {}, "Aide à la connexion" } }
    }
}

#[component]
pub fn Indisponible() -> Element {
    rsx! {
        Titre { texte: "RPPS+ — Service momentanément indisponible" }
        h1 { "Service momentanément indisponible" }
        p { "Un des services dont dépend le portail ne répond pas pour le moment. C'est temporaire : vos saisies sont conservées dans ce navigateur." }
        button { r#type: "button", class: "bouton", onclick: move |_| reload(), "Réessayer" }
        p { Link { to: Route::Accueil {}, "Retour à l'accueil" } }
    }
}

#[component]
pub fn NotFound(segments: Vec<String>) -> Element {
    let path = segments.join("/");
    rsx! {
        Titre { texte: "RPPS+ — Page introuvable" }
        h1 { "Page introuvable" }
        p { "L'adresse « /{path} » ne correspond à aucune page. Elle a peut-être changé." }
        p { Link { to: Route::Accueil {}, "Retour à l'accueil" } }
    }
}

/// Reloads the page (a full retry); nothing on the host.
pub fn reload() {
    #[cfg(target_arch = "wasm32")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Leaves the app for an address the server answers (sign-in, sign-out redirects).
pub fn go_to(href: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(href);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = href;
}
