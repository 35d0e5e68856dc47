//! The professional's pre-registration (FAQ-R11, R12, R15, R16): civil status from
//! FranceConnect (read-only) → contact data → professional situation → review and confirm →
//! the status page with its timeline, the RPPS number and the e-CPS date (FAQ-R3, R5).
//!
//! The draft lives on the server (each step is saved with `PATCH /api/registrations/{id}`) and
//! what is typed but not yet saved lives in `localStorage` with the current step: a reload, a
//! lost connection or a new sign-in restores both.

use dioxus::prelude::*;
use rpps_contract::registration::{
    BirthPlaceView, CivilStatusView, DraftBody, Origin, RegistrationView, StatusView, TimelineStep,
};
use rpps_contract::session::{RoleCode, SessionView};

use super::account::{SignedInAs, fc_sign_in};
use super::pickers::{EligibilityChoice, EstablishmentPicker};
use crate::api::{self, ApiError};
use crate::router::{Link, Route};
use crate::storage::{self, ApplicantDraft};
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
    WrongRole(RoleCode),
    Ready,
    Failed(ApiError),
}

/// The civil status: certified by FranceConnect (read-only) or typed by the manager.
#[component]
pub fn CivilStatusSummary(civil: CivilStatusView) -> Element {
    let birth_place = match &civil.birth_place {
        BirthPlaceView::Abroad { country } => {
            format!("Né(e) à l'étranger (pays, code INSEE {country})")
        }
        BirthPlaceView::France { commune } => format!("Commune de code INSEE {commune}"),
    };
    rsx! {
        dl { class: "resume",
            div { dt { "Nom de naissance" } dd { "{civil.family_name}" } }
            div { dt { "Prénom(s)" } dd { "{civil.given_names}" } }
            div { dt { "Date de naissance" } dd { "{french_date(&civil.birth_date)}" } }
            div { dt { "Lieu de naissance" } dd { "{birth_place}" } }
        }
    }
}

#[component]
pub fn Demande() -> Element {
    let mut load = use_signal(|| Load::Loading);
    let mut session = use_signal(|| None::<SessionView>);
    let mut request = use_signal(|| None::<RegistrationView>);
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
            if !me.authenticated {
                return load.set(Load::SignIn);
            }
            if me.role != RoleCode::Applicant {
                return load.set(Load::WrongRole(me.role));
            }
            session.set(Some(me));
            let mine = match api::get::<RegistrationView>("/api/registrations/mine").await {
                Err(e) if e.status == 404 => api::post_empty("/api/registrations").await,
                other => other,
            };
            match mine {
                Ok(v) => {
                    // The server's draft first, then what was typed here and not yet saved.
                    let contact = v.contact.clone().unwrap_or_default();
                    email.set(contact.email);
                    mobile.set(contact.mobile.unwrap_or_default());
                    finess.set(v.establishment.clone().unwrap_or_default());
                    start_date.set(v.start_date.clone().unwrap_or_default());
                    eligibility.set(
                        v.eligibility
                            .map(|e| e.code().to_owned())
                            .unwrap_or_default(),
                    );
                    let local: ApplicantDraft = storage::load(storage::APPLICANT_DRAFT);
                    if local.id == v.id {
                        for (typed, signal) in [
                            (local.email, &mut email),
                            (local.mobile, &mut mobile),
                            (local.finess, &mut finess),
                            (local.finess_label, &mut finess_label),
                            (local.start_date, &mut start_date),
                            (local.eligibility, &mut eligibility),
                        ] {
                            if !typed.is_empty() {
                                signal.set(typed);
                            }
                        }
                        step.set(local.step.min(STEPS.len() - 1));
                    }
                    request.set(Some(v));
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
        let snapshot = ApplicantDraft {
            id: request
                .read()
                .as_ref()
                .map(|r| r.id.clone())
                .unwrap_or_default(),
            step: step(),
            email: email(),
            mobile: mobile(),
            finess: finess(),
            finess_label: finess_label(),
            start_date: start_date(),
            eligibility: eligibility(),
        };
        let draft = request
            .read()
            .as_ref()
            .is_some_and(|r| r.status == StatusView::Draft);
        if load() == Load::Ready && draft {
            storage::save(storage::APPLICANT_DRAFT, &snapshot);
        }
    });

    let id = request
        .read()
        .as_ref()
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let mut save = move |body: DraftBody, next: usize| {
        let id = id.clone();
        busy.set(true);
        error.set(None);
        spawn(async move {
            match api::patch::<RegistrationView>(&format!("/api/registrations/{id}"), &body).await {
                Ok(v) => {
                    request.set(Some(v));
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
                p { "Vous êtes connecté(e) avec un autre profil ({role.label()}). La pré-inscription se fait avec FranceConnect, une seule fois ; avec un numéro RPPS, utilisez votre e-CPS." }
                a { class: "bouton", href: super::home::FC_LOGIN, "S'identifier avec FranceConnect" }
            }
        },
        Load::Failed(e) => rsx! { ErrorBanner { error: e, on_retry: move |_| start() } },
        Load::Ready => match request() {
            None => rsx! { Loading { text: "Chargement de votre demande…" } },
            // Sent, decided, closed, or started by the employer (followed, read-only): its status.
            Some(r) if r.status != StatusView::Draft || r.origin == Origin::Employer => {
                rsx! { RequestStatus { request: r, on_refresh: move |_| start() } }
            }
            Some(r) => {
                let field_error = |name: &str| crate::ui::field_error(error, name);
                let general = error().filter(|e| e.fields.is_empty());
                let civil = r.civil_status.clone();
                let establishment = r.establishment.clone().unwrap_or_default();
                let draft_id = r.id.clone();
                let expires = r.expires_at.clone();
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
                            CivilStatusSummary { civil }
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
                                    save(DraftBody { email: Some(email().trim().to_owned()), mobile: Some(mobile().trim().to_owned()), ..DraftBody::default() }, 2);
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
                                    save(DraftBody { establishment: Some(finess()), start_date: Some(start_date()), eligibility: Some(eligibility()), ..DraftBody::default() }, 3);
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
                                    let id = r.id.clone();
                                    busy.set(true);
                                    error.set(None);
                                    spawn(async move {
                                        let confirmed = DraftBody { accuracy_confirmed: Some(true), ..DraftBody::default() };
                                        let sent = match api::patch::<RegistrationView>(&format!("/api/registrations/{id}"), &confirmed).await {
                                            Ok(_) => api::post_empty::<RegistrationView>(&format!("/api/registrations/{id}/submit")).await,
                                            Err(e) => Err(e),
                                        };
                                        match sent {
                                            Ok(v) => {
                                                storage::clear(storage::APPLICANT_DRAFT);
                                                request.set(Some(v));
                                                focus_main();
                                            }
                                            Err(e) => error.set(Some(e)),
                                        }
                                        busy.set(false);
                                    });
                                },
                                h2 { "Vérifiez et envoyez votre demande" }
                                CivilStatusSummary { civil }
                                dl { class: "resume",
                                    div { dt { "Adresse e-mail" } dd { "{r.contact.as_ref().map(|c| c.email.as_str()).unwrap_or_default()}" } }
                                    div { dt { "Mobile" } dd { "{r.contact.as_ref().and_then(|c| c.mobile.as_deref()).unwrap_or(\"—\")}" } }
                                    div { dt { "Établissement" } dd { if finess_label().is_empty() { "FINESS {establishment}" } else { "{finess_label} (FINESS {establishment})" } } }
                                    div { dt { "Éligibilité" } dd { "{r.eligibility.map_or(\"—\", |e| e.label())}" } }
                                    div { dt { "Début d'exercice" } dd { "{r.start_date.as_deref().map(french_date).unwrap_or_default()}" } }
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
                    if let Some(expires) = expires.as_deref() {
                        p { class: "petit", "Brouillon conservé jusqu'au {french_datetime(expires)} s'il n'est pas modifié ni envoyé." }
                    }
                    Withdraw { id: draft_id, on_done: move |v| { storage::clear(storage::APPLICANT_DRAFT); request.set(Some(v)); } }
                }
            }
        },
    };
    rsx! {
        Titre { texte: "RPPS+ — Ma demande de numéro RPPS" }
        h1 { "Ma demande de numéro RPPS" }
        if let Some(me) = session() { SignedInAs { session: me } }
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

/// The applicant withdraws their request before a decision (FAQ-R16: asked twice, nothing lost
/// by a slip of the finger); the person may apply again afterwards.
#[component]
fn Withdraw(id: String, on_done: EventHandler<RegistrationView>) -> Element {
    let mut asked = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    rsx! {
        div { class: "retrait",
            if let Some(e) = error() { ErrorBanner { error: e } }
            if asked() {
                p { "Retirer votre demande ? Elle ne sera plus traitée ; vous pourrez en faire une nouvelle plus tard." }
                div { class: "actions",
                    button { r#type: "button", class: "bouton secondaire", disabled: busy(),
                        onclick: move |_| {
                            let id = id.clone();
                            busy.set(true);
                            spawn(async move {
                                match api::post_empty::<RegistrationView>(&format!("/api/registrations/{id}/withdraw")).await {
                                    Ok(v) => { on_done.call(v); focus_main(); }
                                    Err(e) => error.set(Some(e)),
                                }
                                busy.set(false);
                            });
                        },
                        "Oui, retirer ma demande"
                    }
                    button { r#type: "button", class: "bouton-lien", onclick: move |_| asked.set(false), "Non, la garder" }
                }
            } else {
                button { r#type: "button", class: "bouton-lien", onclick: move |_| asked.set(true), "Retirer ma demande" }
            }
        }
    }
}

/// Where the request stands: the timeline, and once validated the RPPS number and e-CPS date.
#[component]
pub fn RequestStatus(request: RegistrationView, on_refresh: EventHandler<()>) -> Element {
    let state = request.status.code();
    let mut restarted = use_signal(|| None::<ApiError>);
    let followed = request.origin == Origin::Employer;
    let ended = matches!(
        request.status,
        StatusView::Rejected { .. } | StatusView::Closed { .. }
    );
    rsx! {
        section { class: "statut", aria_labelledby: "titre-statut",
            h2 { id: "titre-statut", "Suivi de votre demande" }
            p { class: "etat etat-{state}", "État : " strong { "{request.status.label()}" } }
            if followed {
                div { class: "alerte", id: "demande-employeur",
                    p { strong { "Votre employeur a déjà enregistré votre demande." } }
                    p { "L'établissement (FINESS {request.establishment.as_deref().unwrap_or(\"—\")}) a saisi votre demande de numéro RPPS : vous n'avez pas à en faire une autre. Vous pouvez en suivre l'avancement ici ; pour la corriger, adressez-vous à votre employeur." }
                }
                if request.status == StatusView::Draft {
                    p { "Votre employeur n'a pas encore envoyé la demande pour validation." }
                }
            }
            if let StatusView::Closed { reason } = &request.status {
                p { "{reason.label()}." }
            }
            if let StatusView::Validated { rpps } = &request.status {
                div { class: "rpps", role: "status",
                    p { "Votre numéro RPPS" }
                    p { class: "rpps-numero", id: "numero-rpps", "{rpps}" }
                    p { "Il vous a aussi été envoyé par e-mail : conservez-le, il sert de justificatif." }
                }
                p { class: "actions",
                    a { class: "bouton", href: "/api/directory/{rpps}/card.pdf", download: "carte-rpps-{rpps}.pdf", "Télécharger ma fiche PDF" }
                    Link { to: Route::Fiche { rpps: rpps.clone() }, "Ma fiche dans l'annuaire public" }
                }
                p { class: "petit", "La fiche apparaît dans l'annuaire quelques secondes après la validation." }
            }
            if request.status == StatusView::Submitted {
                p { "Votre demande a été transmise aux gestionnaires RPPS+ de votre établissement. Ils vérifient votre éligibilité puis la valident ; vous recevrez alors votre numéro RPPS par e-mail." }
                if !followed {
                    Withdraw { id: request.id.clone(), on_done: move |_| on_refresh.call(()) }
                }
            }
            if ended && !followed {
                if let Some(e) = restarted() { ErrorBanner { error: e } }
                button { r#type: "button", class: "bouton",
                    onclick: move |_| {
                        spawn(async move {
                            match api::post_empty::<RegistrationView>("/api/registrations").await {
                                Ok(_) => on_refresh.call(()),
                                Err(e) => restarted.set(Some(e)),
                            }
                        });
                    },
                    "Faire une nouvelle demande"
                }
            }
            Chronologie { timeline: request.timeline.clone(), for_manager: false }
            button { r#type: "button", class: "bouton secondaire", onclick: move |_| on_refresh.call(()), "Actualiser" }
        }
    }
}

/// A request's timeline, oldest step first; an email that will not arrive stands out, with
/// what to do (issue 18: « e-mail non remis »), worded for the person or for their managers.
#[component]
pub fn Chronologie(timeline: Vec<TimelineStep>, for_manager: bool) -> Element {
    rsx! {
        ol { class: "chronologie",
            for item in timeline {
                match item {
                    TimelineStep::Created { at } => rsx! { li { strong { "Demande commencée" } " le {french_datetime(&at)}" } },
                    TimelineStep::Submitted { at } => rsx! { li { strong { "Demande envoyée à l'établissement" } " le {french_datetime(&at)}" } },
                    TimelineStep::Validated { at, .. } => rsx! { li { strong { "Demande validée, numéro RPPS attribué" } " le {french_datetime(&at)}" } },
                    TimelineStep::EcpsActivable { from } => rsx! { li { strong { "e-CPS activable" } " à partir du {french_datetime(&from)}, dans l'application e-CPS" } },
                    TimelineStep::NumberDelayed { at } => rsx! { li { class: "retard",
                        strong { "Envoi de l'e-mail du numéro RPPS retardé" }
                        " le {french_datetime(&at)} : le service d'envoi ne répond pas, un nouvel essai est fait automatiquement."
                    } },
                    TimelineStep::NumberSent { at } => rsx! { li { strong { "Numéro RPPS envoyé par e-mail" } " le {french_datetime(&at)}" } },
                    TimelineStep::NumberUndelivered { at, reason } => rsx! { li { class: "non-remis", id: "email-non-remis", role: "alert",
                        strong { "E-mail du numéro RPPS non remis" }
                        if for_manager {
                            " le {french_datetime(&at)} : {reason.label()}."
                        } else {
                            " le {french_datetime(&at)} : votre numéro RPPS reste valable et s'affiche sur cette page. Vérifiez votre adresse e-mail auprès de votre établissement."
                        }
                    } },
                    TimelineStep::Published { at } => rsx! { li { strong { "Publié dans l'annuaire public" } " le {french_datetime(&at)}" } },
                    TimelineStep::Rejected { at, reason } => rsx! { li { strong { "Demande refusée" } " le {french_datetime(&at)}. Motif : {reason}" } },
                    TimelineStep::Closed { at, reason } => rsx! { li { strong { "Demande close" } " le {french_datetime(&at)} : {reason.label()}" } },
                }
            }
        }
    }
}
