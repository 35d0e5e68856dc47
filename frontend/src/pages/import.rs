//! A team from a file (issue 19): the manager downloads the template, chooses a CSV file, and
//! sees each line checked — the cells to correct with their messages, the people the register
//! already knows, the same person twice — corrects a line in place or sets it aside. Nothing is
//! created on this page until the import is confirmed.

use std::collections::BTreeMap;

use dioxus::prelude::*;
use rpps_contract::import::{
    ImportLine, ImportLineBody, ImportList, ImportStatus, ImportUpload, ImportView, LineState,
};

use super::manager::{
    Access, establishment_label, establishments, gate, use_establishment_names, use_manager_session,
};
use crate::api::{self, ApiError};
use crate::router::{Link, Route, navigate};
use crate::ui::{ErrorBanner, Loading, SubmitButton, Titre, french_datetime};

/// The largest file the import reads (the API's limit).
const MAX_BYTES: u64 = 2 * 1024 * 1024;

/// The columns of a line, in the template's order, with their French headers.
const COLUMNS: [(&str, &str); 11] = [
    ("family_name", "Nom de naissance"),
    ("given_names", "Prénoms"),
    ("birth_date", "Date de naissance"),
    ("birth_commune", "Commune de naissance"),
    ("birth_departement", "Département de naissance"),
    ("birth_country", "Pays de naissance"),
    ("email", "E-mail"),
    ("mobile", "Mobile"),
    ("start_date", "Date de début"),
    ("eligibility", "Éligibilité"),
    ("establishment", "FINESS"),
];

/// Standard base64 (RFC 4648, padded): the file's bytes in the upload's JSON.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A line's names, as the page shows it.
fn who(line: &ImportLine) -> String {
    let cell = |field: &str| {
        line.cells
            .iter()
            .find(|c| c.field == field)
            .map_or("", |c| c.value.as_str())
    };
    let name = format!("{} {}", cell("given_names"), cell("family_name"));
    if name.trim().is_empty() {
        "(sans nom)".into()
    } else {
        name.trim().to_owned()
    }
}

/// `/gestion/import`: the template, the file, the establishment of its lines.
#[component]
pub fn GestionImport() -> Element {
    let (access, check) = use_manager_session();
    let names = use_establishment_names(access);
    let mut file = use_signal(|| None::<dioxus::html::FileData>);
    let mut establishment = use_signal(String::new);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let a = access();
    let managed = match &a {
        Access::Manager(me) => establishments(me),
        _ => Vec::new(),
    };
    rsx! {
        Titre { texte: "RPPS+ — Importer une équipe" }
        p { Link { to: Route::Gestion {}, "← Espace gestionnaire" } }
        h1 { "Importer une équipe depuis un fichier" }
        if let Some(page) = gate(&a, check) { {page} } else {
            p { "Enregistrez en une fois les aides de votre établissement : un fichier CSV, une ligne par personne. Chaque ligne est vérifiée comme le formulaire ; vous corrigez ou écartez les lignes en erreur, puis vous confirmez. Rien n'est créé avant votre confirmation." }
            p { a { class: "bouton secondaire", id: "modele-import", href: "/api/manager/imports/template", download: "",
                "Télécharger le modèle (CSV)" } }
            p { class: "petit", "Le modèle nomme les colonnes : nom de naissance, prénoms, date de naissance, commune de naissance (code INSEE, ou nom avec le département) ou pays, e-mail, mobile, date de début, éligibilité (« diplôme » ou « expérience »), FINESS. Enregistrez votre tableau au format « CSV UTF-8 » ou « CSV (séparateur : point-virgule) » ; 2 000 lignes et 2 Mo au plus." }
            form { novalidate: true,
                onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let Some(chosen) = file() else {
                        let mut problems = ApiError { status: 400, ..ApiError::default() };
                        problems.fields.insert("fichier".into(), "Choisissez le fichier à importer.".into());
                        error.set(Some(problems));
                        return;
                    };
                    if chosen.size() > MAX_BYTES {
                        let mut problems = ApiError { status: 413, ..ApiError::default() };
                        problems.fields.insert("fichier".into(), format!("Ce fichier pèse {} Mo : un import en accepte 2 Mo au plus (environ 2 000 personnes). Découpez-le en plusieurs fichiers.", chosen.size().div_ceil(1024 * 1024)));
                        error.set(Some(problems));
                        return;
                    }
                    busy.set(true);
                    error.set(None);
                    spawn(async move {
                        let sent = match chosen.read_bytes().await {
                            Ok(bytes) => {
                                let body = ImportUpload {
                                    filename: chosen.name(),
                                    establishment: Some(establishment()).filter(|e| !e.is_empty()),
                                    content: base64(&bytes),
                                };
                                api::post::<ImportView>("/api/manager/imports", &body).await
                            }
                            Err(_) => Err(ApiError { status: 400, message: "Le fichier n'a pas pu être lu : choisissez-le de nouveau.".into(), ..ApiError::default() }),
                        };
                        match sent {
                            Ok(view) => navigate(Route::GestionImportSuivi { id: view.id }),
                            Err(e) => {
                                let mut e = e;
                                if e.fields.is_empty() && (e.status == 400 || e.status == 413) {
                                    e.fields.insert("fichier".into(), e.message.clone());
                                }
                                error.set(Some(e));
                            }
                        }
                        busy.set(false);
                    });
                },
                if managed.len() > 1 {
                    div { class: "champ",
                        label { r#for: "etablissement-import", "Établissement des lignes sans FINESS" }
                        select { id: "etablissement-import", value: "{establishment}",
                            onchange: move |e| establishment.set(e.value()),
                            option { value: "", "Indiqué sur chaque ligne (colonne FINESS)" }
                            for f in managed.clone() {
                                option { value: "{f}", selected: establishment() == f, "{establishment_label(&names(), &f)}" }
                            }
                        }
                    }
                }
                div { class: if crate::ui::field_error(error, "fichier").is_some() { "champ champ-erreur" } else { "champ" },
                    label { r#for: "fichier", "Fichier CSV de l'équipe" }
                    input { r#type: "file", id: "fichier", accept: ".csv,text/csv,text/plain",
                        aria_invalid: if crate::ui::field_error(error, "fichier").is_some() { "true" } else { "false" },
                        aria_describedby: crate::ui::field_error(error, "fichier").map(|_| "fichier-erreur".to_string()),
                        onchange: move |e: FormEvent| file.set(e.files().into_iter().next()),
                    }
                    if let Some(m) = crate::ui::field_error(error, "fichier") { p { id: "fichier-erreur", class: "erreur", "{m}" } }
                }
                if let Some(e) = error().filter(|e| e.fields.is_empty()) { ErrorBanner { error: e } }
                div { class: "actions",
                    SubmitButton { label: "Vérifier le fichier", busy_label: "Vérification…", busy: busy() }
                }
            }
            RecentImports {}
        }
    }
}

/// The manager's latest imports: one left running or in preview is found again here.
#[component]
fn RecentImports() -> Element {
    let mut list = use_signal(|| None::<Vec<ImportView>>);
    use_hook(move || {
        spawn(async move {
            if let Ok(found) = api::get::<ImportList>("/api/manager/imports").await {
                list.set(Some(found.imports));
            }
        });
    });
    let Some(imports) = list() else {
        return rsx! {};
    };
    if imports.is_empty() {
        return rsx! {};
    }
    rsx! {
        section { id: "imports-recents",
            h2 { "Vos derniers imports" }
            ul { class: "cartes",
                for i in imports {
                    li { key: "{i.id}",
                        Link { to: Route::GestionImportSuivi { id: i.id.clone() }, strong { "{i.filename}" } }
                        p { class: "petit",
                            "Le {french_datetime(&i.created_at)} — {i.counts.total} ligne(s), "
                            match i.status {
                                ImportStatus::Preview => "à confirmer".to_string(),
                                ImportStatus::Running => "création en cours".to_string(),
                                ImportStatus::Done => format!("{} demande(s) créée(s)", i.counts.created),
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `/gestion/import/{id}`: each line checked; corrections in place.
#[component]
pub fn GestionImportSuivi(id: String) -> Element {
    let (access, check) = use_manager_session();
    let mut import = use_signal(|| None::<Result<ImportView, ApiError>>);
    let path = format!("/api/manager/imports/{id}");
    let load = {
        let path = path.clone();
        move || {
            let path = path.clone();
            spawn(async move {
                import.set(Some(api::get::<ImportView>(&path).await));
            });
        }
    };
    let first = load.clone();
    use_effect(move || {
        if matches!(access(), Access::Manager(_)) {
            let l = first.clone();
            l();
        }
    });
    let a = access();
    rsx! {
        Titre { texte: "RPPS+ — Import d'une équipe" }
        p { Link { to: Route::GestionImport {}, "← Importer un autre fichier" } }
        h1 { "Import d'une équipe" }
        if let Some(page) = gate(&a, check) { {page} } else {
            match import() {
                None => rsx! { Loading { text: "Chargement de l'import…" } },
                Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: { let l = load.clone(); move |_| l() } } },
                Some(Ok(view)) => rsx! {
                    ImportSummary { view: view.clone() }
                    ImportProgress { view: view.clone(), on_change: move |v| import.set(Some(Ok(v))) }
                    for line in view.lines.iter().filter(|l| l.state != LineState::Ready && l.state != LineState::Created).cloned() {
                        LineCard { key: "{line.line}", line, import_id: view.id.clone(), preview: view.status == ImportStatus::Preview, on_change: move |v| import.set(Some(Ok(v))) }
                    }
                    if view.counts.ready > 0 {
                        details { id: "lignes-pretes",
                            summary { "Voir les {view.counts.ready} ligne(s) prête(s)" }
                            ul { class: "cartes",
                                for line in view.lines.iter().filter(|l| l.state == LineState::Ready) {
                                    li { key: "{line.line}",
                                        strong { "Ligne {line.line} — {who(line)}" }
                                        if let Some(w) = &line.warning { p { class: "petit", "{w}" } }
                                    }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

/// Lines the job creates (ready at the confirmation), and how many are settled.
fn job_progress(view: &ImportView) -> (u32, u32) {
    let to_create = view.confirmed_ready;
    (to_create.saturating_sub(view.counts.ready), to_create)
}

/// The pause before asking again when a step made no progress (another step holds the job:
/// the sweep, another tab), doubled each time up to [`MAX_PAUSE_MS`].
const FIRST_PAUSE_MS: i32 = 1_000;
const MAX_PAUSE_MS: i32 = 16_000;

/// The confirmation, then the job's progress: the page asks for its steps while it is open
/// (closed, the scheduled sweep goes on), a bar and the lines done. On an error the page stops
/// asking and says so, with a button to go on.
#[component]
fn ImportProgress(view: ImportView, on_change: EventHandler<ImportView>) -> Element {
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let mut driving = use_signal(|| false);
    let id = view.id.clone();
    // Steps one after the other while the import runs and the page is open. `peek`: the
    // effect below must not run again when this changes.
    let mut drive = move |id: String| {
        if *driving.peek() {
            return;
        }
        driving.set(true);
        error.set(None);
        spawn(async move {
            let path = format!("/api/manager/imports/{id}/run");
            let mut settled: Option<u32> = None;
            let mut pause = FIRST_PAUSE_MS;
            loop {
                match api::post_empty::<ImportView>(&path).await {
                    Ok(v) => {
                        let running = v.status == ImportStatus::Running;
                        let now = job_progress(&v).0;
                        let moved = settled.is_none_or(|before| now > before);
                        settled = Some(now);
                        on_change.call(v);
                        if !running {
                            break;
                        }
                        if moved {
                            pause = FIRST_PAUSE_MS;
                        } else {
                            crate::ui::sleep_ms(pause).await;
                            pause = (pause * 2).min(MAX_PAUSE_MS);
                        }
                    }
                    Err(e) => {
                        error.set(Some(e));
                        break;
                    }
                }
            }
            driving.set(false);
        });
    };
    let running = view.status == ImportStatus::Running;
    // Opened on a running import: the page drives it (once; not again after an error).
    let id_opened = id.clone();
    use_hook(move || {
        if running {
            drive(id_opened);
        }
    });
    let id_retry = id.clone();
    let (settled, to_create) = job_progress(&view);
    let c = &view.counts;
    rsx! {
        match view.status {
            ImportStatus::Preview => rsx! {
                section { class: "lot", id: "import-confirmation",
                    h2 { "Créer les demandes" }
                    if c.ready == 0 {
                        p { "Aucune ligne n'est prête : corrigez les lignes en erreur, ou reprenez celles que vous avez écartées." }
                    } else {
                        p { "Les {c.ready} ligne(s) prête(s) deviennent chacune une demande d'enregistrement envoyée pour validation, comme si vous l'aviez saisie. Les lignes à corriger, écartées ou déjà connues ne sont pas créées." }
                        if let Some(e) = error() { ErrorBanner { error: e } }
                        button { r#type: "button", class: "bouton", id: "confirmer-import", disabled: busy(),
                            onclick: move |_| {
                                let path = format!("/api/manager/imports/{id}/confirm");
                                busy.set(true);
                                error.set(None);
                                let id = id.clone();
                                spawn(async move {
                                    match api::post_empty::<ImportView>(&path).await {
                                        Ok(v) => {
                                            let running = v.status == ImportStatus::Running;
                                            on_change.call(v);
                                            // The page drives the job while it is open.
                                            if running {
                                                drive(id);
                                            }
                                        }
                                        Err(e) => error.set(Some(e)),
                                    }
                                    busy.set(false);
                                });
                            },
                            if busy() { "Création…" } else { "Confirmer et créer les {c.ready} demande(s)" }
                        }
                    }
                }
            },
            _ => rsx! {
                section { class: "lot progression", id: "import-progression", role: "status", aria_live: "polite",
                    progress { max: "{to_create.max(1)}", value: "{settled}" }
                    p {
                        if running { "Création en cours : " } else { "Import terminé : " }
                        strong { "{settled} / {to_create}" }
                        " ligne(s) traitée(s), {c.created} demande(s) créée(s) et envoyée(s) pour validation."
                    }
                    if running {
                        p { class: "petit", "Vous pouvez fermer cette page : la création se poursuit, et vous retrouverez l'import à cette adresse." }
                    } else {
                        p { Link { to: Route::Gestion {}, "Valider les demandes créées" } }
                    }
                    if let Some(e) = error() {
                        ErrorBanner { error: e }
                        if running {
                            button { r#type: "button", class: "bouton secondaire",
                                onclick: move |_| drive(id_retry.clone()),
                                "Reprendre la création"
                            }
                        }
                    }
                }
            },
        }
    }
}

/// What was read, and how many lines stand where.
#[component]
fn ImportSummary(view: ImportView) -> Element {
    let c = &view.counts;
    rsx! {
        section { class: "lot", id: "import-resume", aria_live: "polite",
            p { strong { "{view.filename}" } " — lu le {french_datetime(&view.created_at)} ({view.read_as})" }
            p { id: "import-compte",
                "{c.total} ligne(s) : {c.ready} prête(s), {c.invalid} à corriger, {c.known} déjà connue(s) du registre, {c.dropped} écartée(s)."
            }
            if !view.ignored_columns.is_empty() {
                p { class: "petit", "Colonnes non lues : {view.ignored_columns.join(\", \")}." }
            }
            p { a { class: "bouton-lien", href: "/api/manager/imports/{view.id}/result", download: "",
                "Télécharger le résultat ligne par ligne (CSV)" } }
        }
    }
}

/// A line that is not ready: its state, its cells' messages, the correction form; set it aside
/// or take it back.
#[component]
fn LineCard(
    line: ImportLine,
    import_id: String,
    preview: bool,
    on_change: EventHandler<ImportView>,
) -> Element {
    let number = line.line;
    let mut values = use_signal(|| {
        line.cells
            .iter()
            .map(|c| (c.field.clone(), c.value.clone()))
            .collect::<BTreeMap<String, String>>()
    });
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let path = format!("/api/manager/imports/{import_id}/lines/{number}");
    let send = move |body: ImportLineBody| {
        let path = path.clone();
        busy.set(true);
        error.set(None);
        spawn(async move {
            match api::patch::<ImportView>(&path, &body).await {
                Ok(view) => on_change.call(view),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let mut send_form = send.clone();
    let mut send_drop = send.clone();
    let errors: BTreeMap<String, String> = line
        .cells
        .iter()
        .filter_map(|c| Some((c.field.clone(), c.error.as_ref()?.message.clone())))
        .collect();
    // In preview, a line to correct or one the register knows (a typo may make a false
    // match) can be corrected or set aside; a line set aside, taken back.
    let editable = preview && matches!(line.state, LineState::Invalid | LineState::Known);
    let dropped = preview && line.dropped;
    rsx! {
        article { class: "lot ligne-import", id: "ligne-{number}",
            h2 { "Ligne {number} — {who(&line)} : {line.state.label()}" }
            if let Some(m) = &line.message { p { class: "erreur", "{m}" } }
            if let Some(w) = &line.warning { p { class: "petit", "{w}" } }
            if editable {
                form { novalidate: true,
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        send_form(ImportLineBody { cells: values(), dropped: None });
                    },
                    for (field, header) in COLUMNS.into_iter().filter(|(f, _)| values.read().contains_key(*f)) {
                        div { key: "{field}", class: if errors.contains_key(field) { "champ champ-erreur" } else { "champ" },
                            label { r#for: "l{number}-{field}", "{header}" }
                            input { r#type: "text", id: "l{number}-{field}", value: "{values.read().get(field).cloned().unwrap_or_default()}",
                                aria_invalid: if errors.contains_key(field) { "true" } else { "false" },
                                aria_describedby: errors.get(field).map(|_| format!("l{number}-{field}-erreur")),
                                oninput: move |e| { values.write().insert(field.to_owned(), e.value()); },
                            }
                            if let Some(m) = errors.get(field) { p { id: "l{number}-{field}-erreur", class: "erreur", "{m}" } }
                        }
                    }
                    if let Some(e) = error() { ErrorBanner { error: e } }
                    div { class: "actions",
                        SubmitButton { label: "Enregistrer la correction", busy_label: "Vérification…", busy: busy() }
                        button { r#type: "button", class: "bouton secondaire", disabled: busy(),
                            onclick: move |_| send_drop(ImportLineBody { dropped: Some(true), ..ImportLineBody::default() }),
                            "Écarter cette ligne"
                        }
                    }
                }
            } else if dropped {
                button { r#type: "button", class: "bouton secondaire", disabled: busy(),
                    onclick: move |_| { let mut s = send.clone(); s(ImportLineBody { dropped: Some(false), ..ImportLineBody::default() }) },
                    "Reprendre cette ligne"
                }
                if let Some(e) = error() { ErrorBanner { error: e } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_is_the_standard_padded_alphabet() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(
            super::base64("Prénoms;\u{feff}".as_bytes()),
            "UHLDqW5vbXM777u/"
        );
    }
}
