//! The professional's pre-registration (FAQ-R11, R12, R15, R16): civil status from
//! FranceConnect (read-only) → contact data → professional situation → review and confirm →
//! the status page with its timeline, the RPPS number and the e-CPS date (FAQ-R3, R5).
//!
//! The draft lives on the server (each step is saved with `PATCH /api/registrations/{id}`) and
//! what is typed but not yet saved lives in `localStorage` with the current step: a reload, a
//! lost connection or a new sign-in restores both.

use dioxus::prelude::*;
use serde_json::{Value, json};

use super::account::{SignedInAs, fc_sign_in};
use super::pickers::{EligibilityChoice, EstablishmentPicker};
use crate::api::{self, ApiError};
use crate::storage;
use crate::ui::{
    ErrorBanner, Loading, Steps, SubmitButton, TextField, Titre, french_date, french_datetime,
};

pub const STEPS: [&str; 4] = [
    "Identité",
    "Coordonnées",
    "Situation professionnelle",
    "Vérification et envoi",
];

#[derive(Clone, PartialEq, Debug)]
enum Load {
    Loading,
    /// Not signed in with FranceConnect.
    SignIn,
    /// Signed in with another role.
    WrongRole(String),
    Ready,
    Failed(ApiError),
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

/// The civil status certified by FranceConnect, read-only.
#[component]
pub fn CivilStatusView(civil: Value) -> Element {
    let birth_place = match civil["birth_place"]["kind"].as_str() {
        Some("abroad") => format!(
            "Né(e) à l'étranger (pays, code INSEE {})",
            text(&civil["birth_place"]["country"])
        ),
        _ => format!(
            "Commune de code INSEE {}",
            text(&civil["birth_place"]["commune"])
        ),
    };
    rsx! {
        dl { class: "resume",
            div { dt { "Nom de naissance" } dd { "{text(&civil[\"family_name\"])}" } }
            div { dt { "Prénom(s)" } dd { "{text(&civil[\"given_names\"])}" } }
            div { dt { "Date de naissance" } dd { "{french_date(&text(&civil[\"birth_date\"]))}" } }
            div { dt { "Lieu de naissance" } dd { "{birth_place}" } }
        }
    }
}

fn eligibility_label(code: &str) -> &'static str {
    match code {
        "certification" => "Diplôme, titre ou certification",
        "professional_experience" => "Expérience professionnelle",
        _ => "—",
    }
}

#[component]
pub fn Demande() -> Element {
    let mut load = use_signal(|| Load::Loading);
    let mut session = use_signal(|| Value::Null);
    let mut request = use_signal(|| Value::Null);
    let mut step = use_signal(|| 0usize);
    let mut email = use_signal(String::new);
    let mut mobile = use_signal(String::new);
    let mut finess = use_signal(String::new);
    let mut finess_label = use_signal(String::new);
    let mut start_date = use_signal(String::new);
    let mut eligibility = use_signal(String::new);
    let mut accuracy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);

    let mut start = move || {
        load.set(Load::Loading);
        spawn(async move {
            let me = match api::session().await {
                Ok(me) => me,
                Err(e) => return load.set(Load::Failed(e)),
            };
            if me["authenticated"] != Value::Bool(true) {
                return load.set(Load::SignIn);
            }
            if me["role"] != "applicant" {
                return load.set(Load::WrongRole(text(&me["role"])));
            }
            session.set(me);
            let mine = match api::get("/api/registrations/mine").await {
                Err(e) if e.status == 404 => api::post("/api/registrations", &json!({})).await,
                other => other,
            };
            match mine {
                Ok(v) => {
                    // The server's draft first, then what was typed here and not yet saved.
                    email.set(text(&v["contact"]["email"]));
                    mobile.set(text(&v["contact"]["mobile"]));
                    finess.set(text(&v["establishment"]));
                    start_date.set(text(&v["start_date"]));
                    eligibility.set(text(&v["eligibility"]));
                    let local = storage::load(storage::APPLICANT_DRAFT);
                    if local["id"] == v["id"] {
                        for (field, signal) in [
                            ("email", &mut email),
                            ("mobile", &mut mobile),
                            ("finess", &mut finess),
                            ("finess_label", &mut finess_label),
                            ("start_date", &mut start_date),
                            ("eligibility", &mut eligibility),
                        ] {
                            if let Some(s) = local[field].as_str().filter(|s| !s.is_empty()) {
                                signal.set(s.to_owned());
                            }
                        }
                        if let Some(s) = local["step"].as_u64() {
                            step.set((s as usize).min(STEPS.len() - 1));
                        }
                    }
                    request.set(v);
                    load.set(Load::Ready);
                }
                Err(e) if e.is_unauthenticated() => load.set(Load::SignIn),
                Err(e) => load.set(Load::Failed(e)),
            }
        });
    };
    use_hook(move || {
        start();
    });

    // Everything typed is kept in this browser until the request is sent (FAQ-R16).
    use_effect(move || {
        let snapshot = json!({
            "id": request.read()["id"].clone(),
            "step": step(),
            "email": email(), "mobile": mobile(),
            "finess": finess(), "finess_label": finess_label(),
            "start_date": start_date(), "eligibility": eligibility(),
        });
        if load() == Load::Ready && request.read()["status"]["state"] == "draft" {
            storage::save(storage::APPLICANT_DRAFT, &snapshot);
        }
    });

    let id = text(&request.read()["id"]);
    let mut save = move |body: Value, next: usize| {
        let id = id.clone();
        busy.set(true);
        error.set(None);
        spawn(async move {
            match api::patch(&format!("/api/registrations/{id}"), &body).await {
                Ok(v) => {
                    request.set(v);
                    step.set(next);
                    focus_main();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    let state = load();
    let content = match state {
        Load::Loading => rsx! { Loading { text: "Chargement de votre demande…" } },
        Load::SignIn => fc_sign_in(),
        Load::WrongRole(role) => rsx! {
            div { class: "alerte",
                p { "Vous êtes connecté(e) avec un autre profil ({role}). La pré-inscription se fait avec FranceConnect, une seule fois ; avec un numéro RPPS, utilisez votre e-CPS." }
                a { class: "bouton", href: super::home::FC_LOGIN, "S'identifier avec FranceConnect" }
            }
        },
        Load::Failed(e) => rsx! { ErrorBanner { error: e, on_retry: move |_| start() } },
        Load::Ready => {
            let r = request();
            if r["status"]["state"] != "draft" {
                rsx! { StatusView { request: r, on_refresh: move |_| start() } }
            } else {
                let field_error = |name: &str| error().and_then(|e| e.field(name));
                let general = error().filter(|e| e.fields.is_empty());
                let civil = r["civil_status"].clone();
                rsx! {
                    Steps { steps: STEPS.iter().map(|s| s.to_string()).collect::<Vec<_>>(), current: step() }
                    if let Some(e) = general {
                        ErrorBanner { error: e }
                    } else if error().is_some() {
                        div { class: "alerte alerte-erreur", role: "alert", p { "Certaines informations sont à corriger : voyez le message sous chaque champ. Le reste est conservé." } }
                    }
                    match step() {
                        0 => rsx! {
                            h2 { "Votre identité" }
                            p { "Ces informations viennent de FranceConnect et ne peuvent pas être modifiées ici. Si elles sont inexactes, faites-les corriger auprès du compte utilisé pour vous connecter." }
                            CivilStatusView { civil }
                            div { class: "actions",
                                button { r#type: "button", class: "bouton", onclick: move |_| { step.set(1); focus_main(); }, "Continuer" }
                            }
                        },
                        1 => rsx! {
                            form { novalidate: true,
                                onsubmit: move |e: FormEvent| {
                                    e.prevent_default();
                                    if email().trim().is_empty() {
                                        error.set(Some(field_only("email", "Indiquez votre adresse e-mail : votre numéro RPPS vous sera envoyé à cette adresse.")));
                                        return;
                                    }
                                    save(json!({ "email": email().trim(), "mobile": mobile().trim() }), 2);
                                },
                                h2 { "Vos coordonnées" }
                                TextField { id: "email", label: "Adresse e-mail", value: email, kind: "email", autocomplete: "email", required: true,
                                    hint: "Votre numéro RPPS vous sera envoyé à cette adresse.", error: field_error("email") }
                                TextField { id: "mobile", label: "Téléphone mobile (facultatif)", value: mobile, kind: "tel", autocomplete: "tel", inputmode: "tel",
                                    hint: "Par exemple 06 12 34 56 78.", error: field_error("mobile") }
                                div { class: "actions",
                                    SubmitButton { label: "Enregistrer et continuer", busy_label: "Enregistrement…", busy: busy() }
                                    button { r#type: "button", class: "bouton-lien", onclick: move |_| step.set(0), "Étape précédente" }
                                }
                            }
                        },
                        2 => rsx! {
                            form { novalidate: true,
                                onsubmit: move |e: FormEvent| {
                                    e.prevent_default();
                                    let mut missing = ApiError { status: 400, ..ApiError::default() };
                                    if finess().is_empty() { missing.fields.insert("establishment".into(), "Recherchez puis choisissez votre établissement employeur.".into()); }
                                    if eligibility().is_empty() { missing.fields.insert("eligibility".into(), "Choisissez ce qui vous rend éligible.".into()); }
                                    if start_date().is_empty() { missing.fields.insert("start_date".into(), "Indiquez la date de début d'exercice.".into()); }
                                    if !missing.fields.is_empty() {
                                        error.set(Some(missing));
                                        return;
                                    }
                                    save(json!({ "establishment": finess(), "start_date": start_date(), "eligibility": eligibility() }), 3);
                                },
                                h2 { "Votre situation professionnelle" }
                                EstablishmentPicker { finess, label: finess_label, error: field_error("establishment") }
                                EligibilityChoice { value: eligibility, legend: "Ce qui vous rend éligible", error: field_error("eligibility") }
                                TextField { id: "start_date", label: "Date de début d'exercice dans cet établissement", value: start_date, kind: "date", required: true,
                                    hint: "Au format JJ/MM/AAAA.", error: field_error("start_date") }
                                div { class: "actions",
                                    SubmitButton { label: "Enregistrer et continuer", busy_label: "Enregistrement…", busy: busy() }
                                    button { r#type: "button", class: "bouton-lien", onclick: move |_| step.set(1), "Étape précédente" }
                                }
                            }
                        },
                        _ => rsx! {
                            form { novalidate: true,
                                onsubmit: move |e: FormEvent| {
                                    e.prevent_default();
                                    if !accuracy() {
                                        error.set(Some(field_only("accuracy", "Cochez cette case pour confirmer l'exactitude des informations.")));
                                        return;
                                    }
                                    let id = text(&request.read()["id"]);
                                    busy.set(true);
                                    error.set(None);
                                    spawn(async move {
                                        let sent = match api::patch(&format!("/api/registrations/{id}"), &json!({ "accuracy_confirmed": true })).await {
                                            Ok(_) => api::post(&format!("/api/registrations/{id}/submit"), &json!({})).await,
                                            Err(e) => Err(e),
                                        };
                                        match sent {
                                            Ok(v) => {
                                                storage::clear(storage::APPLICANT_DRAFT);
                                                request.set(v);
                                                focus_main();
                                            }
                                            Err(e) => error.set(Some(e)),
                                        }
                                        busy.set(false);
                                    });
                                },
                                h2 { "Vérifiez et envoyez votre demande" }
                                CivilStatusView { civil }
                                dl { class: "resume",
                                    div { dt { "Adresse e-mail" } dd { "{text(&r[\"contact\"][\"email\"])}" } }
                                    div { dt { "Mobile" } dd { if r["contact"]["mobile"].is_string() { "{text(&r[\"contact\"][\"mobile\"])}" } else { "—" } } }
                                    div { dt { "Établissement" } dd { if finess_label().is_empty() { "FINESS {text(&r[\"establishment\"])}" } else { "{finess_label} (FINESS {text(&r[\"establishment\"])})" } } }
                                    div { dt { "Éligibilité" } dd { "{eligibility_label(r[\"eligibility\"].as_str().unwrap_or(\"\"))}" } }
                                    div { dt { "Début d'exercice" } dd { "{french_date(&text(&r[\"start_date\"]))}" } }
                                }
                                div { class: if field_error("accuracy").is_some() { "champ champ-erreur case" } else { "champ case" },
                                    input { r#type: "checkbox", id: "accuracy", checked: accuracy(),
                                        aria_invalid: if field_error("accuracy").is_some() { "true" } else { "false" },
                                        aria_describedby: field_error("accuracy").map(|_| "accuracy-erreur".to_string()),
                                        onchange: move |e| accuracy.set(e.checked()),
                                    }
                                    label { r#for: "accuracy", "Je certifie l'exactitude des informations ci-dessus. Ma demande sera transmise aux gestionnaires RPPS+ de mon établissement." }
                                    if let Some(m) = field_error("accuracy") { p { id: "accuracy-erreur", class: "erreur", "{m}" } }
                                }
                                div { class: "actions",
                                    SubmitButton { label: "Envoyer ma demande", busy_label: "Envoi…", busy: busy() }
                                    button { r#type: "button", class: "bouton-lien", onclick: move |_| step.set(2), "Étape précédente" }
                                }
                            }
                        },
                    }
                }
            }
        }
    };
    rsx! {
        Titre { texte: "RPPS+ — Ma demande de numéro RPPS" }
        h1 { "Ma demande de numéro RPPS" }
        if session()["authenticated"] == Value::Bool(true) { SignedInAs { session: session() } }
        {content}
    }
}

/// An error that only concerns one field (checked before calling the API).
fn field_only(field: &str, message: &str) -> ApiError {
    let mut e = ApiError {
        status: 400,
        code: "form.invalid".into(),
        ..ApiError::default()
    };
    e.fields.insert(field.into(), message.into());
    e
}

/// After a step changes, focus goes to the top of the content (screen readers, small screens).
pub fn focus_main() {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("contenu"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
            el.scroll_into_view();
        }
    }
}

/// Where the request stands: the timeline, and once validated the RPPS number and e-CPS date.
#[component]
pub fn StatusView(request: Value, on_refresh: EventHandler<()>) -> Element {
    let state = text(&request["status"]["state"]);
    let rpps = text(&request["status"]["rpps"]);
    let timeline = request["timeline"].as_array().cloned().unwrap_or_default();
    rsx! {
        section { class: "statut", aria_labelledby: "titre-statut",
            h2 { id: "titre-statut", "Suivi de votre demande" }
            p { class: "etat etat-{state}", "État : " strong { "{text(&request[\"status_label\"])}" } }
            if state == "validated" {
                div { class: "rpps", role: "status",
                    p { "Votre numéro RPPS" }
                    p { class: "rpps-numero", id: "numero-rpps", "{rpps}" }
                    p { "Il vous a aussi été envoyé par e-mail : conservez-le, il sert de justificatif." }
                }
                p { class: "actions",
                    a { class: "bouton", href: "/api/directory/{rpps}/card.pdf", download: "carte-rpps-{rpps}.pdf", "Télécharger ma fiche PDF" }
                    Link { to: crate::Route::Fiche { rpps: rpps.clone() }, "Ma fiche dans l'annuaire public" }
                }
                p { class: "petit", "La fiche apparaît dans l'annuaire quelques secondes après la validation." }
            }
            if state == "submitted" {
                p { "Votre demande a été transmise aux gestionnaires RPPS+ de votre établissement. Ils vérifient votre éligibilité puis la valident ; vous recevrez alors votre numéro RPPS par e-mail." }
            }
            ol { class: "chronologie",
                for item in timeline {
                    li {
                        match item["step"].as_str().unwrap_or("") {
                            "created" => rsx! { strong { "Demande commencée" } " le {french_datetime(&text(&item[\"at\"]))}" },
                            "submitted" => rsx! { strong { "Demande envoyée à l'établissement" } " le {french_datetime(&text(&item[\"at\"]))}" },
                            "validated" => rsx! { strong { "Demande validée, numéro RPPS attribué" } " le {french_datetime(&text(&item[\"at\"]))}" },
                            "ecps_activable" => rsx! { strong { "e-CPS activable" } " à partir du {french_datetime(&text(&item[\"from\"]))}, dans l'application e-CPS" },
                            "number_sent" => rsx! { strong { "Numéro RPPS envoyé par e-mail" } " le {french_datetime(&text(&item[\"at\"]))}" },
                            "published" => rsx! { strong { "Publié dans l'annuaire public" } " le {french_datetime(&text(&item[\"at\"]))}" },
                            "rejected" => rsx! { strong { "Demande refusée" } " le {french_datetime(&text(&item[\"at\"]))}. Motif : {text(&item[\"reason\"])}" },
                            _ => rsx! { "Étape enregistrée le {french_datetime(&text(&item[\"at\"]))}" },
                        }
                    }
                }
            }
            button { r#type: "button", class: "bouton secondaire", onclick: move |_| on_refresh.call(()), "Actualiser" }
        }
    }
}
