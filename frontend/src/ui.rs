//! Small accessible building blocks shared by the pages: labelled fields whose error message is
//! tied to the input (`aria-describedby`, `aria-invalid`), the step indicator, the banner that
//! says a service is temporarily unavailable with a retry button, and the busy state of buttons.

use dioxus::prelude::*;

use crate::api::ApiError;

/// The page's title (`document.title`), set when the page is shown. Not dioxus'
/// `document::Title`: that one runs JavaScript through `new Function`, which the site's
/// Content-Security-Policy refuses (no `'unsafe-eval'`).
#[component]
pub fn Titre(texte: &'static str) -> Element {
    use_hook(move || set_title(texte));
    rsx! {}
}

#[cfg(target_arch = "wasm32")]
fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn set_title(_title: &str) {}

/// A labelled input. `error` is shown under it and announced with it.
#[component]
pub fn TextField(
    id: String,
    label: String,
    value: Signal<String>,
    #[props(default)] error: Option<String>,
    #[props(default)] hint: Option<String>,
    #[props(default = "text".to_string())] kind: String,
    #[props(default)] autocomplete: Option<String>,
    #[props(default)] inputmode: Option<String>,
    #[props(default)] required: bool,
) -> Element {
    let mut value = value;
    let hint_id = format!("{id}-aide");
    let error_id = format!("{id}-erreur");
    let described = describe(
        hint.is_some().then_some(&hint_id),
        error.is_some().then_some(&error_id),
    );
    rsx! {
        div { class: if error.is_some() { "champ champ-erreur" } else { "champ" },
            label { r#for: "{id}",
                "{label}"
                if required { span { class: "obligatoire", " (obligatoire)" } }
            }
            if let Some(hint) = &hint {
                p { id: "{hint_id}", class: "aide", "{hint}" }
            }
            input {
                id: "{id}",
                name: "{id}",
                r#type: "{kind}",
                value: "{value}",
                autocomplete: autocomplete.clone().unwrap_or_else(|| "off".into()),
                inputmode: inputmode.clone(),
                required,
                aria_invalid: if error.is_some() { "true" } else { "false" },
                aria_describedby: described,
                oninput: move |e| value.set(e.value()),
            }
            if let Some(error) = &error {
                p { id: "{error_id}", class: "erreur", "{error}" }
            }
        }
    }
}

/// The ids an input is described by (hint, then error), or nothing.
pub fn describe(hint: Option<&String>, error: Option<&String>) -> Option<String> {
    let ids: Vec<&str> = [hint, error]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// "Étape 2 sur 4 : Coordonnées", and the list of steps with the current one marked.
#[component]
pub fn Steps(steps: Vec<String>, current: usize) -> Element {
    let total = steps.len();
    let title = steps.get(current).cloned().unwrap_or_default();
    rsx! {
        nav { class: "etapes", aria_label: "Étapes de la demande",
            p { class: "etape-titre", "Étape {current + 1} sur {total} : " strong { "{title}" } }
            ol {
                for (i, step) in steps.iter().enumerate() {
                    li {
                        class: if i < current { "fait" } else if i == current { "courant" } else { "" },
                        aria_current: if i == current { Some("step") } else { None },
                        span { class: "visuellement-cache",
                            if i < current { "Terminé : " } else if i == current { "En cours : " } else { "À venir : " }
                        }
                        "{step}"
                    }
                }
            }
        }
    }
}

/// The error of a whole action: a temporary problem offers to retry; others just explain.
#[component]
pub fn ErrorBanner(error: ApiError, on_retry: Option<EventHandler<()>>) -> Element {
    let temporary = error.is_temporary();
    rsx! {
        div { class: "alerte alerte-erreur", role: "alert",
            if temporary {
                p { strong { "Service momentanément indisponible. " } }
            }
            p { "{error.message}" }
            if !error.missing.is_empty() {
                ul {
                    for m in error.missing.iter() { li { "Manque : {m}" } }
                }
            }
            if error.is_unauthenticated() {
                p { a { href: "/", "Retour à l'accueil pour vous reconnecter" } }
            }
            if let Some(retry) = on_retry {
                if temporary {
                    button { r#type: "button", class: "bouton secondaire", onclick: move |_| retry.call(()), "Réessayer" }
                }
            }
        }
    }
}

/// A loading line, announced politely to screen readers.
#[component]
pub fn Loading(text: String) -> Element {
    rsx! {
        p { class: "chargement-ligne", role: "status", aria_live: "polite",
            span { class: "roue", aria_hidden: "true" }
            "{text}"
        }
    }
}

/// A submit button that shows the action is running and cannot be pressed twice.
#[component]
pub fn SubmitButton(
    label: String,
    busy_label: String,
    busy: bool,
    #[props(default)] secondary: bool,
) -> Element {
    rsx! {
        button {
            r#type: "submit",
            class: if secondary { "bouton secondaire" } else { "bouton" },
            disabled: busy,
            aria_busy: if busy { "true" } else { "false" },
            if busy { span { class: "roue", aria_hidden: "true" } "{busy_label}" } else { "{label}" }
        }
    }
}

/// A date from the API (`2026-09-01` or an RFC 3339 timestamp) written the French way.
pub fn french_date(value: &str) -> String {
    let date = value.get(..10).unwrap_or(value);
    let mut parts = date.split('-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            format!("{d}/{m}/{y}")
        }
        _ => value.to_owned(),
    }
}

/// A timestamp as `JJ/MM/AAAA à HH h MM (UTC)`.
pub fn french_datetime(value: &str) -> String {
    match value.get(11..16) {
        Some(hm) if value.len() >= 16 => {
            format!("{} à {} (UTC)", french_date(value), hm.replace(':', " h "))
        }
        _ => french_date(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_french_way() {
        assert_eq!(french_date("2026-09-01"), "01/09/2026");
        assert_eq!(
            french_datetime("2026-11-26T10:05:00Z"),
            "26/11/2026 à 10 h 05 (UTC)"
        );
        assert_eq!(french_date("bientôt"), "bientôt");
    }
}
