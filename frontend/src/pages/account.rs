//! Who is signed in, and signing out (`POST /api/auth/logout`, then the provider's logout).

use dioxus::prelude::*;
use rpps_contract::session::{LogoutView, SessionView};

use super::errors::go_to;
use super::home::FC_LOGIN;
use crate::api::{self, ApiError};
use crate::ui::ErrorBanner;

/// "Connecté(e) : Aïssatou N'Diaye" and a sign-out button.
#[component]
pub fn SignedInAs(session: SessionView) -> Element {
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let name = format!(
        "{} {}",
        session.given_name.as_deref().unwrap_or(""),
        session.family_name.as_deref().unwrap_or("")
    );
    rsx! {
        div { class: "connecte",
            p { "Connecté(e) : " strong { "{name.trim()}" } }
            button {
                r#type: "button",
                class: "bouton-lien",
                disabled: busy(),
                aria_busy: if busy() { "true" } else { "false" },
                onclick: move |_| {
                    busy.set(true);
                    spawn(async move {
                        match api::post_empty::<LogoutView>("/api/auth/logout").await {
                            Ok(v) if v.redirect_to.is_empty() => go_to("/"),
                            Ok(v) => go_to(&v.redirect_to),
                            Err(e) => {
                                error.set(Some(e));
                                busy.set(false);
                            }
                        }
                    });
                },
                if busy() { "Déconnexion…" } else { "Se déconnecter" }
            }
            if let Some(e) = error() { ErrorBanner { error: e } }
        }
    }
}

/// Shown when a page needs a sign-in that is missing or has expired.
#[component]
pub fn SignInNeeded(what: String, href: String, button: String) -> Element {
    rsx! {
        div { class: "alerte",
            p { "{what}" }
            a { class: "bouton", href: "{href}", "{button}" }
        }
    }
}

pub fn fc_sign_in() -> Element {
    rsx! {
        SignInNeeded {
            what: "Pour faire ou reprendre votre pré-inscription, identifiez-vous avec FranceConnect. Ce que vous avez déjà saisi est conservé.".to_string(),
            href: FC_LOGIN.to_string(),
            button: "S'identifier avec FranceConnect".to_string(),
        }
    }
}
