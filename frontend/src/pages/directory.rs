//! The public directory (FAQ-R4, R7): search by name, RPPS number, commune or département; a
//! professional's public page with the PDF card (the verification page its QR code opens:
//! `super::verifier`).
//! Public data only, no sign-in.

use dioxus::prelude::*;
use rpps_contract::directory::{DirectorySearchView, DirectorySummary, ProfessionalPageView};

use super::pickers::{PlaceKind, PlacePicker};
use crate::api::{self, ApiError};
use crate::router::{Link, Route};
use crate::ui::{ErrorBanner, Loading, SubmitButton, TextField, Titre, french_date};

/// The search criteria the API accepts, one at a time.
const CRITERIA: [(&str, &str); 4] = [
    ("name", "Nom"),
    ("rpps", "Numéro RPPS"),
    ("commune", "Commune d'exercice"),
    ("departement", "Département"),
];

#[component]
pub fn Annuaire() -> Element {
    let mut criterion = use_signal(|| "name".to_string());
    let value = use_signal(String::new);
    let commune = use_signal(String::new);
    let commune_text = use_signal(String::new);
    let mut results = use_signal(Vec::<DirectorySummary>::new);
    let mut next = use_signal(|| None::<String>);
    let mut searched = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut run = move |cursor: Option<String>| {
        let kind = criterion();
        let q = if kind == "commune" {
            commune()
        } else {
            value().trim().to_owned()
        };
        if q.is_empty() {
            let mut e = ApiError {
                status: 400,
                ..ApiError::default()
            };
            let field = if kind == "commune" { "commune" } else { "q" };
            e.fields
                .insert(field.into(), "Saisissez ce que vous cherchez.".into());
            error.set(Some(e));
            return;
        }
        let mut path = format!("/api/directory?{kind}={}", api::encode(&q));
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", api::encode(c)));
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            match api::get::<DirectorySearchView>(&path).await {
                Ok(page) => {
                    if cursor.is_some() {
                        results.write().extend(page.results);
                    } else {
                        results.set(page.results);
                    }
                    next.set(page.next_cursor);
                    searched.set(true);
                }
                Err(e) => {
                    let mut e = e;
                    if e.status == 400 && e.fields.is_empty() {
                        let field = if kind == "commune" { "commune" } else { "q" };
                        e.fields.insert(field.into(), e.message.clone());
                    }
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let field_error = move |name: &str| crate::ui::field_error(error, name);
    let general = error().filter(|e| e.fields.is_empty());
    let (label, hint) = match criterion().as_str() {
        "rpps" => ("Numéro RPPS", "11 chiffres commençant par 1."),
        "departement" => (
            "Département",
            "2 caractères (75, 2A) ou 3 chiffres outre-mer (974).",
        ),
        _ => ("Nom", "Au moins 2 lettres du nom ou du prénom."),
    };
    rsx! {
        Titre { texte: "RPPS+ — Annuaire public" }
        h1 { "Annuaire public des aides à domicile qualifiées" }
        p { "Vérifiez qu'une ou un professionnel est enregistré au RPPS et où elle ou il exerce." }
        form { role: "search", novalidate: true,
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                run(None);
            },
            fieldset { class: "groupe",
                legend { "Chercher par" }
                for (code, name) in CRITERIA {
                    div { class: "option",
                        input { r#type: "radio", id: "critere-{code}", name: "critere", checked: criterion() == code,
                            onchange: move |_| { criterion.set(code.to_owned()); error.set(None); },
                        }
                        label { r#for: "critere-{code}", "{name}" }
                    }
                }
            }
            if criterion() == "commune" {
                PlacePicker { kind: PlaceKind::Commune, code: commune, text: commune_text, error: field_error("commune") }
            } else {
                TextField { id: "q", label, value, hint, error: field_error("q"),
                    inputmode: if criterion() == "rpps" { Some("numeric".to_string()) } else { None } }
            }
            div { class: "actions",
                SubmitButton { label: "Rechercher", busy_label: "Recherche…", busy: busy() }
            }
        }
        if let Some(e) = general { ErrorBanner { error: e, on_retry: move |_| run(None) } }
        div { role: "status", aria_live: "polite",
            if searched() {
                p { class: "petit",
                    if results.read().is_empty() { "Aucun résultat." } else { "{results.read().len()} résultat(s)." }
                }
            }
        }
        ul { class: "cartes", id: "resultats",
            for r in results() {
                li { key: "{r.rpps}",
                    Link { to: Route::Fiche { rpps: r.rpps.clone() },
                        strong { "{r.given_names} {r.family_name}" }
                    }
                    p { class: "petit", "{r.profession.code.label()} — RPPS {r.rpps}" }
                    for s in r.active_sites {
                        p { class: "petit", "{s.establishment_name}, {s.commune_name}" }
                    }
                }
            }
        }
        if let Some(cursor) = next() {
            button { r#type: "button", class: "bouton secondaire", disabled: busy(),
                onclick: move |_| run(Some(cursor.clone())),
                if busy() { "Chargement…" } else { "Voir plus de résultats" }
            }
        }
    }
}

/// A directory entry being loaded (`None`), found or not (`Ok`), or unreachable (`Err`).
pub(crate) type EntrySignal = Signal<Option<Result<Option<ProfessionalPageView>, ApiError>>>;

/// Loads `GET /api/directory/{rpps}`; a 404 is an answer (not in the directory), not a failure.
pub(crate) fn use_entry(rpps: String) -> (EntrySignal, impl FnMut() + Clone) {
    let mut entry = use_signal(|| None);
    let load = move || {
        let path = format!("/api/directory/{}", api::encode(&rpps));
        entry.set(None);
        spawn(async move {
            entry.set(Some(match api::get::<ProfessionalPageView>(&path).await {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.status == 404 || e.status == 400 => Ok(None),
                Err(e) => Err(e),
            }));
        });
    };
    let mut first = load.clone();
    use_hook(move || {
        first();
    });
    (entry, load)
}

#[component]
pub fn Fiche(rpps: String) -> Element {
    let (entry, load) = use_entry(rpps.clone());
    rsx! {
        Titre { texte: "RPPS+ — Fiche de l'annuaire" }
        p { Link { to: Route::Annuaire {}, "← Annuaire" } }
        match entry() {
            None => rsx! { Loading { text: "Chargement de la fiche…" } },
            Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: { let mut l = load.clone(); move |_| l() } } },
            Some(Ok(None)) => rsx! {
                h1 { "Professionnel introuvable" }
                p { "Aucun professionnel de l'annuaire n'a le numéro RPPS {rpps}." }
            },
            Some(Ok(Some(p))) => rsx! {
                h1 { "{p.given_names} {p.family_name}" }
                dl { class: "resume",
                    div { dt { "Profession" } dd { "{p.profession.code.label()}" } }
                    div { dt { "Numéro RPPS" } dd { class: "rpps-numero", "{p.rpps}" } }
                    div { dt { "Carte" } dd { if p.valid_today { "Valide aujourd'hui" } else { "Plus valide : aucun lieu d'exercice en cours" } } }
                    div { dt { "Publié le" } dd { "{french_date(&p.published_at)}" } }
                }
                h2 { "Lieux d'exercice" }
                ul { class: "cartes",
                    for s in p.sites {
                        li {
                            strong { "{s.establishment_name}" }
                            p { class: "petit", "{s.commune_name} ({s.commune_code}) — FINESS {s.finess}" }
                            p { class: "petit",
                                "Depuis le {french_date(&s.started_on)}"
                                if let Some(ended) = &s.ended_on { " — terminé le {french_date(ended)}" }
                            }
                        }
                    }
                }
                p { a { class: "bouton", href: "{p.card_url}", download: "carte-rpps-{p.rpps}.pdf", "Télécharger la fiche PDF" } }
                p { class: "petit", "La fiche PDF porte un QR code qui ouvre la page de vérification. Les tolérances de stationnement sont décidées par chaque commune : renseignez-vous auprès de la mairie." }
                p { Link { to: Route::Verifier { rpps: p.rpps.clone() }, "Vérifier la validité de la carte" } }
            },
        }
    }
}
