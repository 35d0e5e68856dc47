//! A professional with e-CPS (FAQ-R13, R18): their record (`GET /api/me`), the PDF card and
//! public page, and updating their contact data (`PATCH /api/me/contact`).

use dioxus::prelude::*;
use rpps_contract::session::{RoleCode, SessionView};
use rpps_contract::staff::{ContactBody, ContactChangeView, MeView};

use super::account::{SignInNeeded, SignedInAs};
use super::home::PSC_PRO_LOGIN;
use crate::api::{self, ApiError};
use crate::router::{Link, Route};
use crate::ui::{
    ErrorBanner, Loading, SubmitButton, TextField, Titre, french_date, french_datetime,
};

#[component]
pub fn MonDossier() -> Element {
    let mut session = use_signal(|| None::<Result<SessionView, ApiError>>);
    let mut record = use_signal(|| None::<Result<MeView, ApiError>>);
    let mut email = use_signal(String::new);
    let mut mobile = use_signal(String::new);
    let mut error = use_signal(|| None::<ApiError>);
    let mut saved = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut load = move || {
        session.set(None);
        spawn(async move {
            let me = api::session().await;
            let is_pro = matches!(&me, Ok(v) if v.role == RoleCode::Professional);
            session.set(Some(me));
            if is_pro {
                let r = api::get::<MeView>("/api/me").await;
                if let Ok(MeView {
                    contact: Some(contact),
                    ..
                }) = &r
                {
                    email.set(contact.email.clone());
                    mobile.set(contact.mobile.clone().unwrap_or_default());
                }
                record.set(Some(r));
            }
        });
    };
    use_hook(move || {
        load();
    });
    let field_error = move |name: &str| crate::ui::field_error(error, name);
    rsx! {
        Titre { texte: "RPPS+ — Mon dossier" }
        h1 { "Mon dossier" }
        match session() {
            None => rsx! { Loading { text: "Chargement…" } },
            Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
            Some(Ok(me)) if me.role == RoleCode::Professional => {
                let rpps = me.rpps.clone().unwrap_or_default();
                rsx! {
                    SignedInAs { session: me.clone() }
                    dl { class: "resume",
                        div { dt { "Numéro RPPS" } dd { class: "rpps-numero", "{rpps}" } }
                    }
                    p { class: "actions",
                        a { class: "bouton", href: "/api/directory/{rpps}/card.pdf", "Télécharger ma fiche PDF" }
                        Link { to: Route::Fiche { rpps: rpps.clone() }, "Ma fiche dans l'annuaire public" }
                    }
                    match record() {
                        None => rsx! { Loading { text: "Chargement de votre dossier…" } },
                        Some(Err(e)) if e.status == 404 => rsx! { p { "Votre dossier n'est pas encore consultable ici : il le sera dès votre enregistrement par RPPS+." } },
                        Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
                        Some(Ok(r)) => rsx! {
                            if let Some(from) = &r.ecps_activable_from {
                                p { "e-CPS activable à partir du {french_datetime(from)}." }
                            }
                            h2 { "Lieux d'exercice" }
                            ul { class: "cartes",
                                for s in r.sites {
                                    li { "FINESS {s.finess} — depuis le {french_date(&s.started_on)}"
                                        if let Some(d) = &s.departure_on { " — jusqu'au {french_date(d)}" }
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
                                        let body = ContactBody { email: Some(email().trim().to_owned()), mobile: Some(mobile().trim().to_owned()) };
                                        match api::patch::<ContactChangeView>("/api/me/contact", &body).await {
                                            Ok(changed) => {
                                                // The contact data as the server now holds it (a mobile number in E.164).
                                                if let Some(contact) = changed.contact {
                                                    email.set(contact.email);
                                                    mobile.set(contact.mobile.unwrap_or_default());
                                                }
                                                saved.set(true);
                                            }
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
