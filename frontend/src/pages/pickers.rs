//! Search fields shared by the forms: the establishment (FINESS or name, with the SIRET
//! explanation: FAQ-R15) and the place of birth (communes with their INSEE code in parentheses,
//! a postal code proposing the communes it serves, or a country: FAQ-R17).

use dioxus::prelude::*;
use rpps_contract::places::{
    CommuneList, CommuneMatchedOn, CountryList, EstablishmentList, EstablishmentOption,
};
use rpps_contract::registration::EligibilityBasis;

use crate::api::{self, ApiError};
use crate::ui::{ErrorBanner, describe};

/// Establishment search: type a FINESS number or a name, press "Rechercher", pick one.
/// `finess` receives the chosen number, `label` its name for display.
#[component]
pub fn EstablishmentPicker(
    finess: Signal<String>,
    label: Signal<String>,
    #[props(default)] error: Option<String>,
) -> Element {
    let mut finess = finess;
    let mut label = label;
    let mut query = use_signal(String::new);
    let mut results = use_signal(Vec::<EstablishmentOption>::new);
    let mut explanation = use_signal(|| None::<String>);
    let mut search_error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut searched = use_signal(|| false);
    let mut search = move || {
        let q = query().trim().to_owned();
        if q.is_empty() {
            search_error.set(Some(ApiError {
                status: 400,
                message: "Saisissez un numéro FINESS ou le nom de l'établissement.".into(),
                ..ApiError::default()
            }));
            return;
        }
        busy.set(true);
        spawn(async move {
            match api::get::<EstablishmentList>(&format!(
                "/api/establishments?q={}",
                api::encode(&q)
            ))
            .await
            {
                Ok(v) => {
                    results.set(v.results);
                    explanation.set(v.explanation.map(|e| e.message));
                    search_error.set(None);
                }
                Err(e) => {
                    results.set(Vec::new());
                    explanation.set(None);
                    search_error.set(Some(e));
                }
            }
            searched.set(true);
            busy.set(false);
        });
    };
    let query_error = search_error()
        .filter(|e| !e.is_temporary())
        .map(|e| e.message);
    let shown_error = query_error.clone().or(error.clone());
    let error_id = "etablissement-recherche-erreur".to_string();
    let hint_id = "etablissement-recherche-aide".to_string();
    rsx! {
        fieldset { class: if shown_error.is_some() { "groupe champ-erreur" } else { "groupe" },
            legend { "Établissement employeur" span { class: "obligatoire", " (obligatoire)" } }
            if !finess().is_empty() {
                p { class: "choisi", id: "etablissement-choisi",
                    "Choisi : " strong { if label().is_empty() { "FINESS {finess}" } else { "{label}" } }
                    " (FINESS {finess})"
                }
            }
            div { class: "champ",
                label { r#for: "etablissement-recherche", "Numéro FINESS ou nom de l'établissement" }
                p { id: "{hint_id}", class: "aide", "Le numéro FINESS compte 9 caractères (par exemple 750012346). Le SIRET ne convient pas." }
                div { class: "recherche",
                    input {
                        id: "etablissement-recherche",
                        r#type: "search",
                        value: "{query}",
                        autocomplete: "off",
                        aria_invalid: if shown_error.is_some() { "true" } else { "false" },
                        aria_describedby: describe(Some(&hint_id), shown_error.as_ref().map(|_| &error_id)),
                        oninput: move |e| query.set(e.value()),
                    }
                    button { r#type: "button", class: "bouton secondaire", disabled: busy(), aria_busy: if busy() { "true" } else { "false" },
                        onclick: move |_| search(),
                        if busy() { "Recherche…" } else { "Rechercher" }
                    }
                }
                if let Some(message) = &shown_error {
                    p { id: "{error_id}", class: "erreur", "{message}" }
                }
            }
            if let Some(e) = search_error().filter(ApiError::is_temporary) {
                ErrorBanner { error: e, on_retry: move |_| search() }
            }
            if let Some(text) = explanation() {
                div { class: "alerte alerte-info", role: "status", id: "etablissement-explication", p { "{text}" } }
            }
            div { role: "status", aria_live: "polite", class: "visuellement-cache",
                if searched() { "{results.read().len()} établissement(s) trouvé(s)" }
            }
            if !results.read().is_empty() {
                ul { class: "choix",
                    for r in results() {
                        {
                            let EstablishmentOption { finess: code, name, postal_code, town, category_label: category, .. } = r;
                            let town = format!("{postal_code} {town}");
                            let id = format!("etab-{code}");
                            let checked = finess() == code;
                            rsx! {
                                li { key: "{code}",
                                    input { r#type: "radio", id: "{id}", name: "etablissement", value: "{code}", checked,
                                        onchange: {
                                            let code = code.clone();
                                            let name = name.clone();
                                            move |_| { finess.set(code.clone()); label.set(name.clone()); }
                                        },
                                    }
                                    label { r#for: "{id}",
                                        strong { "{name}" } br {}
                                        span { class: "petit", "{town.trim()} — {category} — FINESS {code}" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A commune or a country the [`PlacePicker`] proposes: its INSEE code and what is shown.
#[derive(Clone, PartialEq, Debug)]
struct Proposal {
    code: String,
    label: String,
}

/// Which list a [`PlacePicker`] searches.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum PlaceKind {
    Commune,
    Country,
}

/// Type-ahead on communes (INSEE code in parentheses; a postal code proposes its communes) or
/// countries; `code` receives the INSEE code of the choice.
#[component]
pub fn PlacePicker(
    kind: PlaceKind,
    code: Signal<String>,
    text: Signal<String>,
    #[props(default)] error: Option<String>,
) -> Element {
    let mut code = code;
    let mut text = text;
    let mut results = use_signal(Vec::<Proposal>::new);
    let mut by_postal_code = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut generation = use_signal(|| 0u32);
    let mut fetch_error = use_signal(|| None::<ApiError>);
    let (id, label, hint, endpoint) = match kind {
        PlaceKind::Commune => (
            "commune-naissance",
            "Commune de naissance",
            "Tapez les premières lettres, ou le code postal : choisissez ensuite la commune dans la liste (son code INSEE est entre parenthèses).",
            "/api/communes",
        ),
        PlaceKind::Country => (
            "pays-naissance",
            "Pays de naissance",
            "Tapez les premières lettres du pays, puis choisissez-le dans la liste.",
            "/api/countries",
        ),
    };
    let list_id = format!("{id}-liste");
    let hint_id = format!("{id}-aide");
    let error_id = format!("{id}-erreur");
    let on_input = move |e: FormEvent| {
        let q = e.value();
        text.set(q.clone());
        code.set(String::new());
        let my_generation = generation() + 1;
        generation.set(my_generation);
        if q.trim().chars().count() < 2 {
            results.set(Vec::new());
            return;
        }
        busy.set(true);
        spawn(async move {
            let path = format!("{endpoint}?q={}&limit=10", api::encode(q.trim()));
            let answer = match kind {
                PlaceKind::Commune => api::get::<CommuneList>(&path).await.map(|list| {
                    let postal = list
                        .results
                        .first()
                        .is_some_and(|c| c.matched == CommuneMatchedOn::PostalCode);
                    let proposals = list.results.into_iter().map(|c| Proposal {
                        code: c.insee,
                        label: c.label,
                    });
                    (proposals.collect(), postal)
                }),
                PlaceKind::Country => api::get::<CountryList>(&path).await.map(|list| {
                    let proposals = list.results.into_iter().map(|c| Proposal {
                        code: c.code,
                        label: c.label,
                    });
                    (proposals.collect(), false)
                }),
            };
            // An answer to an older keystroke is ignored.
            if generation() != my_generation {
                return;
            }
            match answer {
                Ok((proposals, postal)) => {
                    results.set(proposals);
                    by_postal_code.set(postal);
                    fetch_error.set(None);
                }
                Err(e) => {
                    results.set(Vec::new());
                    fetch_error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let expanded = !results.read().is_empty() && code().is_empty();
    rsx! {
        div { class: if error.is_some() { "champ champ-erreur" } else { "champ" },
            label { r#for: "{id}", "{label}" span { class: "obligatoire", " (obligatoire)" } }
            p { id: "{hint_id}", class: "aide", "{hint}" }
            input {
                id: "{id}",
                r#type: "text",
                role: "combobox",
                autocomplete: "off",
                aria_autocomplete: "list",
                aria_controls: "{list_id}",
                aria_expanded: if expanded { "true" } else { "false" },
                aria_invalid: if error.is_some() { "true" } else { "false" },
                aria_describedby: describe(Some(&hint_id), error.as_ref().map(|_| &error_id)),
                value: "{text}",
                oninput: on_input,
            }
            if busy() { p { class: "petit", role: "status", "Recherche…" } }
            if let Some(message) = &error {
                p { id: "{error_id}", class: "erreur", "{message}" }
            }
            if let Some(e) = fetch_error() {
                p { class: "erreur", "{e.message}" }
            }
            if !code().is_empty() {
                p { class: "choisi", "Code INSEE retenu : " strong { "{code}" } }
            }
            if expanded {
                if by_postal_code() {
                    p { class: "petit", id: "{id}-code-postal", "C'est un code postal : voici les communes qu'il dessert, avec leur code INSEE." }
                }
                ul { id: "{list_id}", class: "propositions", aria_label: "Propositions",
                    for Proposal { code: value, label: shown } in results() {
                        {
                            rsx! {
                                li { key: "{value}",
                                    button { r#type: "button", class: "proposition",
                                        onclick: {
                                            let value = value.clone();
                                            let shown = shown.clone();
                                            move |_| { code.set(value.clone()); text.set(shown.clone()); results.set(Vec::new()); }
                                        },
                                        "{shown}"
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a basis means in practice, under its label.
fn eligibility_detail(basis: EligibilityBasis) -> &'static str {
    match basis {
        EligibilityBasis::Certification => {
            "Par exemple le DEAES, le titre ADVF ou une mention complémentaire aide à domicile."
        }
        EligibilityBasis::ProfessionalExperience => {
            "Au moins trois ans d'exercice, au moins à mi-temps, au cours des cinq dernières années."
        }
    }
}

/// The eligibility basis (décret n° 2024-1246): a diploma or three years of experience.
#[component]
pub fn EligibilityChoice(
    value: Signal<String>,
    #[props(default)] error: Option<String>,
    #[props(default = "eligibilite".to_string())] name: String,
    legend: String,
) -> Element {
    let mut value = value;
    let error_id = format!("{name}-erreur");
    rsx! {
        fieldset {
            class: if error.is_some() { "groupe champ-erreur" } else { "groupe" },
            aria_describedby: error.as_ref().map(|_| error_id.clone()),
            legend { "{legend}" span { class: "obligatoire", " (obligatoire)" } }
            for basis in EligibilityBasis::ALL {
                {
                    let code = basis.code();
                    rsx! {
                div { class: "option",
                    input { r#type: "radio", id: "{name}-{code}", name: "{name}", value: code, checked: value() == code,
                        onchange: move |_| value.set(code.to_owned()),
                    }
                    label { r#for: "{name}-{code}", strong { "{basis.label()}" } br {} span { class: "petit", "{eligibility_detail(basis)}" } }
                }
                    }
                }
            }
            if let Some(message) = &error {
                p { id: "{error_id}", class: "erreur", "{message}" }
            }
        }
    }
}
