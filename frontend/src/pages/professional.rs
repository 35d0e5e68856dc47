//! A professional with e-CPS (FAQ-R13, R18): who they are and their RPPS number. Reading and
//! changing the full record comes with the professionals' API.

use dioxus::prelude::*;
use serde_json::Value;

use super::account::{SignInNeeded, SignedInAs};
use super::home::PSC_PRO_LOGIN;
use crate::api::{self, ApiError};
use crate::ui::{ErrorBanner, Loading};

#[component]
pub fn MonDossier() -> Element {
    let mut session = use_signal(|| None::<Result<Value, ApiError>>);
    let mut load = move || {
        session.set(None);
        spawn(async move { session.set(Some(api::session().await)) });
    };
    use_hook(move || {
        load();
    });
    rsx! {
        document::Title { "RPPS+ — Mon dossier" }
        h1 { "Mon dossier" }
        match session() {
            None => rsx! { Loading { text: "Chargement…" } },
            Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
            Some(Ok(me)) if me["role"] == "professional" => rsx! {
                SignedInAs { session: me.clone() }
                dl { class: "resume",
                    div { dt { "Numéro RPPS" } dd { class: "rpps-numero", "{me[\"rpps\"].as_str().unwrap_or(\"\")}" } }
                }
                p { class: "actions",
                    a { class: "bouton", href: "/api/directory/{me[\"rpps\"].as_str().unwrap_or(\"\")}/card.pdf", "Télécharger ma fiche PDF" }
                    Link { to: crate::Route::Fiche { rpps: me["rpps"].as_str().unwrap_or("").to_owned() }, "Ma fiche dans l'annuaire public" }
                }
                p { "La modification de vos coordonnées (e-mail, mobile) en ligne arrive prochainement. En attendant, votre gestionnaire RPPS+ peut corriger votre numéro de mobile." }
            },
            Some(Ok(_)) => rsx! {
                SignInNeeded {
                    what: "Votre dossier se consulte avec votre e-CPS (Pro Santé Connect), une fois votre numéro RPPS attribué.".to_string(),
                    href: PSC_PRO_LOGIN.to_string(),
                    button: "Se connecter avec e-CPS".to_string(),
                }
            },
        }
    }
}
