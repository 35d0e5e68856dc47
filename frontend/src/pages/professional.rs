//! A professional with e-CPS (FAQ-R13, R18): their record (`GET /api/me`), the PDF card and
//! public page, and updating their contact data (`PATCH /api/me/contact`).

use dioxus::prelude::*;
use serde_json::{Value, json};

use super::account::{SignInNeeded, SignedInAs};
use super::home::PSC_PRO_LOGIN;
use crate::api::{self, ApiError};
use crate::ui::{
    ErrorBanner, Loading, SubmitButton, TextField, Titre, french_date, french_datetime,
};

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

#[component]
pub fn MonDossier() -> Element {
    let mut session = use_signal(|| None::<Result<Value, ApiError>>);
    let mut record = use_signal(|| None::<Result<Value, ApiError>>);
    let mut email = use_signal(String::new);
    let mut mobile = use_signal(String::new);
    let mut error = use_signal(|| None::<ApiError>);
    let mut saved = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut load = move || {
        session.set(None);
        spawn(async move {
            let me = api::session().await;
            let is_pro = matches!(&me, Ok(v) if v["role"] == "professional");
            session.set(Some(me));
            if is_pro {
                let r = api::get("/api/me").await;
                if let Ok(v) = &r {
                    email.set(text(&v["contact"]["email"]));
                    mobile.set(text(&v["contact"]["mobile"]));
                }
                record.set(Some(r));
            }
        });
    };
    use_hook(move || {
        load();
    });
    let field_error = move |name: &str| error().and_then(|e| e.field(name));
    rsx! {
        Titre { texte: "RPPS+ — Mon dossier" }
        h1 { "Mon dossier" }
        match session() {
            None => rsx! { Loading { text: "Chargement…" } },
            Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
            Some(Ok(me)) if me["role"] == "professional" => {
                let rpps = text(&me["rpps"]);
                rsx! {
                    SignedInAs { session: me.clone() }
                    dl { class: "resume",
                        div { dt { "Numéro RPPS" } dd { class: "rpps-numero", "{rpps}" } }
                    }
                    p { class: "actions",
                        a { class: "bouton", href: "/api/directory/{rpps}/card.pdf", "Télécharger ma fiche PDF" }
                        Link { to: crate::Route::Fiche { rpps: rpps.clone() }, "Ma fiche dans l'annuaire public" }
                    }
                    match record() {
                        None => rsx! { Loading { text: "Chargement de votre dossier…" } },
                        Some(Err(e)) if e.status == 404 => rsx! { p { "Votre dossier n'est pas encore consultable ici : il le sera dès votre enregistrement par RPPS+." } },
                        Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
                        Some(Ok(r)) => rsx! {
                            if let Some(from) = r["ecps_activable_from"].as_str() {
                                p { "e-CPS activable à partir du {french_datetime(from)}." }
                            }
                            h2 { "Lieux d'exercice" }
                            ul { class: "cartes",
                                for s in r["sites"].as_array().cloned().unwrap_or_default() {
                                    li { "FINESS {text(&s[\"finess\"])} — depuis le {french_date(&text(&s[\"started_on\"]))}"
                                        if let Some(d) = s["departure_on"].as_str() { " — jusqu'au {french_date(d)}" }
                                    }
                                }
                            }
                            form { novalidate: true,
                                onsubmit: move |e: FormEvent| {
                                    e.prevent_default();
                                    busy.set(true);
                                    error.set(None);
                                    saved.set(false);
                                    spawn(async move {
                                        match api::patch("/api/me/contact", &json!({ "email": email().trim(), "mobile": mobile().trim() })).await {
                                            Ok(_) => saved.set(true),
                                            Err(e) => error.set(Some(e)),
                                        }
                                        busy.set(false);
                                    });
                                },
                                h2 { "Mes coordonnées" }
                                if let Some(e) = error().filter(|e| e.fields.is_empty()) { ErrorBanner { error: e } }
                                if saved() { div { class: "alerte alerte-succes", role: "status", p { "Coordonnées enregistrées. Un e-mail de confirmation est envoyé à la nouvelle et à l'ancienne adresse." } } }
                                TextField { id: "email", label: "Adresse e-mail", value: email, kind: "email", autocomplete: "email", required: true, error: field_error("email") }
                                TextField { id: "mobile", label: "Téléphone mobile (facultatif)", value: mobile, kind: "tel", inputmode: "tel", autocomplete: "tel",
                                    hint: "Laissez vide pour le retirer.", error: field_error("mobile") }
                                div { class: "actions",
                                    SubmitButton { label: "Enregistrer mes coordonnées", busy_label: "Enregistrement…", busy: busy() }
                                }
                            }
                        },
                    }
                }
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
