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

/// The message of the field `name` in the error a page shows, if any. One function for every
/// field of every page: the closure each page had (a copy of the whole error, then its field)
/// was inlined at each field.
pub fn field_error(error: Signal<Option<ApiError>>, name: &str) -> Option<String> {
    error.read().as_ref().and_then(|e| e.field(name))
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
            if let Some(page) = error.see.as_deref().filter(|p| p.starts_with('/')) {
                p { a { href: "{page}", id: "erreur-suivre", "Suivre la demande en cours" } }
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

/// A day from the API (`2026-09-01`), or the day of one of its instants, written the French
/// way: `01/09/2026`. The API writes instants with the offset of Paris, so their first ten
/// characters are the day in Paris. Other text is shown as is.
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

/// An instant from the API as a person in France reads it: `15/07/2026 à 11 h 15`,
/// `02/01/2026 à 9 h 05`.
///
/// The API writes every instant with the offset of Paris at that instant
/// (`2026-07-15T11:15:00+02:00`: `rpps_domain::paris::rfc3339`, `rpps_contract::Instant`), so
/// its local part is the time in Paris and is shown as is: no time-zone rule in the bundle. The
/// shape is that of `rpps_domain::french::numeric_datetime` (the hour without a leading zero,
/// the minutes with two digits), which the emails and the PDF card write; the domain stays on
/// the server, and the test `the_shape_is_the_domain_s` holds the two together. An instant
/// with another offset (an older answer in UTC) says so: « (UTC) », never a wrong time shown as
/// Paris's. Text that is not an instant is written as [`french_date`] writes it.
pub fn french_datetime(value: &str) -> String {
    match local_time(value) {
        Some((hour, minute, offset)) => {
            let zone = match offset {
                "+01:00" | "+02:00" => String::new(),
                "Z" | "z" | "+00:00" | "-00:00" => " (UTC)".into(),
                other => format!(" (UTC{other})"),
            };
            format!("{} à {hour} h {minute}{zone}", french_date(value))
        }
        None => french_date(value),
    }
}

/// The hour, the minutes and the offset of an RFC 3339 instant (`2026-07-15T09:05:00+02:00`
/// gives 9, `05`, `+02:00`).
fn local_time(value: &str) -> Option<(u8, &str, &str)> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !matches!(value.get(10..11)?, "T" | "t" | " ") || value.get(13..14)? != ":" {
        return None;
    }
    let hour = value
        .get(11..13)
        .filter(|h| digits(h))?
        .parse::<u8>()
        .ok()?;
    let minute = value.get(14..16).filter(|m| digits(m))?;
    // Seconds and their fraction, then the offset.
    let rest = value.get(16..)?;
    let offset = &rest[rest.find(['Z', 'z', '+', '-'])?..];
    (hour < 24).then_some((hour, minute, offset))
}

/// Waits `ms` milliseconds on the browser's timer (at once on the host: tests, server-side
/// rendering).
pub async fn sleep_ms(ms: i32) {
    #[cfg(target_arch = "wasm32")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}

/// Today in Paris (`2026-12-06`), from the browser's clock and its own time-zone database
/// (`Intl`, daylight saving included): the day a card's validity is compared with. `None` on
/// the host, or when the browser cannot say.
pub fn paris_today() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        use js_sys::{Array, Date, Intl::DateTimeFormat, Object, Reflect};
        let options = Object::new();
        for (key, value) in [
            ("timeZone", "Europe/Paris"),
            ("year", "numeric"),
            ("month", "2-digit"),
            ("day", "2-digit"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        let format = DateTimeFormat::new(&Array::of1(&"en-GB".into()), &options);
        let parts = format.format_to_parts(&Date::new_0());
        let part = |kind: &str| {
            parts.iter().find_map(|p| {
                let is_kind = Reflect::get(&p, &"type".into()).ok()?.as_string()? == kind;
                is_kind
                    .then(|| Reflect::get(&p, &"value".into()).ok()?.as_string())
                    .flatten()
            })
        };
        let (year, month, day) = (part("year")?, part("month")?, part("day")?);
        (year.len() == 4 && month.len() == 2 && day.len() == 2)
            .then(|| format!("{year}-{month}-{day}"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_written_the_french_way() {
        assert_eq!(french_date("2026-09-01"), "01/09/2026");
        // The day of an instant is its day in Paris (the offset the API sent).
        assert_eq!(french_date("2026-07-15T00:30:00+02:00"), "15/07/2026");
        assert_eq!(french_date("bientôt"), "bientôt");
    }

    #[test]
    fn instants_are_shown_in_paris_time_as_the_api_sent_them() {
        // Summer (UTC+2) and winter (UTC+1).
        assert_eq!(
            french_datetime("2026-07-15T11:15:00+02:00"),
            "15/07/2026 à 11 h 15"
        );
        assert_eq!(
            french_datetime("2026-11-28T10:15:00+01:00"),
            "28/11/2026 à 10 h 15"
        );
        // The spring-forward night (01:59 then 03:00) and the fall-back one (the second 02:00).
        assert_eq!(
            french_datetime("2026-03-29T03:00:00+02:00"),
            "29/03/2026 à 3 h 00"
        );
        assert_eq!(
            french_datetime("2026-10-25T02:00:00+01:00"),
            "25/10/2026 à 2 h 00"
        );
        // The hour without a leading zero, the minutes with two digits; seconds and their
        // fraction are not shown.
        assert_eq!(
            french_datetime("2026-01-02T09:05:07.25+01:00"),
            "02/01/2026 à 9 h 05"
        );
        assert_eq!(
            french_datetime("2026-01-02T00:00:00+01:00"),
            "02/01/2026 à 0 h 00"
        );
    }

    #[test]
    fn an_instant_not_in_paris_time_says_so_and_other_text_is_kept() {
        assert_eq!(
            french_datetime("2026-11-26T10:05:00Z"),
            "26/11/2026 à 10 h 05 (UTC)"
        );
        assert_eq!(
            french_datetime("2026-11-26T10:05:00-05:00"),
            "26/11/2026 à 10 h 05 (UTC-05:00)"
        );
        assert_eq!(french_datetime("2026-09-01"), "01/09/2026");
        assert_eq!(french_datetime("2026-09-01T1x:05:00+02:00"), "01/09/2026");
        assert_eq!(french_datetime("bientôt"), "bientôt");
    }

    /// The web app writes what the server writes: for every quarter of an hour of two years,
    /// both changeover nights included, the local part of `rpps_domain::paris::rfc3339` shown
    /// by [`french_datetime`] is `rpps_domain::french::numeric_datetime`'s text.
    #[test]
    fn the_shape_is_the_domain_s() {
        use rpps_domain::{french, paris};
        use time::macros::datetime;
        let mut at = datetime!(2026-01-01 00:00 UTC);
        while at < datetime!(2028-01-01 00:00 UTC) {
            let sent = paris::rfc3339(at);
            assert_eq!(
                french_datetime(&sent),
                french::numeric_datetime(at),
                "{sent}"
            );
            at += time::Duration::minutes(15);
        }
    }
}
