//! The managers' space (FAQ-R1, R2, R8, R9, R17): pending requests of their establishments →
//! a request's detail → the declaration and validation (or rejection with a reason); and the
//! registration of an aide by the employer.

use dioxus::prelude::*;
use rpps_contract::registration::{
    BulkValidateBody, DraftBody, EmployerDraftBody, IdentityMatchView, MatchVerdict, MatchedRecord,
    Origin, RegistrationList, RegistrationView, RejectBody, StatusView, ValidateBody,
    ValidationView,
};
use rpps_contract::session::{RoleCode, SessionView};
use rpps_contract::staff::{
    ContactBody, ContactChangeView, DepartureBody, ManagedEstablishment, ManagedEstablishments,
    PracticeSiteView, StaffList,
};

use super::account::{SignInNeeded, SignedInAs};
use super::applicant::{CivilStatusSummary, focus_main};
use super::home::PSC_MANAGER_LOGIN;
use super::pickers::{EligibilityChoice, PlaceKind, PlacePicker};
use crate::api::{self, ApiError};
use crate::router::{Link, Route};
use crate::storage::{self, CreatedRequest, EmployerDraft};
use crate::ui::{
    ErrorBanner, Loading, SubmitButton, TextField, Titre, french_date, french_datetime,
};

/// The session, if it is a manager's; otherwise what to show instead.
#[derive(Clone, PartialEq)]
pub(crate) enum Access {
    Loading,
    Manager(SessionView),
    SignIn,
    NotManager,
    Failed(ApiError),
}

pub(crate) fn use_manager_session() -> (Signal<Access>, impl FnMut() + Copy) {
    let mut access = use_signal(|| Access::Loading);
    let check = move || {
        access.set(Access::Loading);
        spawn(async move {
            access.set(match api::session().await {
                Ok(me) if me.role == RoleCode::Manager => Access::Manager(me),
                Ok(me) if me.authenticated => Access::NotManager,
                Ok(_) => Access::SignIn,
                Err(e) => Access::Failed(e),
            });
        });
    };
    use_hook(move || {
        let mut check = check;
        check()
    });
    (access, check)
}

/// What a page shows instead of its content when the person is not a manager.
pub(crate) fn gate(access: &Access, mut retry: impl FnMut() + Copy + 'static) -> Option<Element> {
    match access {
        Access::Manager(_) => None,
        Access::Loading => Some(rsx! { Loading { text: "Chargement…" } }),
        Access::SignIn => Some(rsx! {
            SignInNeeded {
                what: "L'espace gestionnaire demande une connexion avec votre carte CPx (Pro Santé Connect).".to_string(),
                href: PSC_MANAGER_LOGIN.to_string(),
                button: "Se connecter avec Pro Santé Connect".to_string(),
            }
        }),
        Access::NotManager => Some(rsx! {
            div { class: "alerte alerte-erreur", role: "alert",
                p { strong { "Vous n'êtes pas désigné(e) gestionnaire RPPS+." } }
                p { "Cet espace est réservé aux gestionnaires désignés pour un établissement. " Link { to: Route::NonAutorise {}, "Que faire ?" } }
            }
        }),
        Access::Failed(e) => {
            Some(rsx! { ErrorBanner { error: e.clone(), on_retry: move |_| retry() } })
        }
    }
}

fn full_name(r: &RegistrationView) -> String {
    format!(
        "{} {}",
        r.civil_status.given_names, r.civil_status.family_name
    )
}

/// The FINESS numbers of the establishments a manager manages (FAQ-R9).
pub(crate) fn establishments(me: &SessionView) -> Vec<String> {
    me.establishments.clone().unwrap_or_default()
}

/// The manager's establishments with their names (issue 19), once signed in; empty until they
/// come (the pages then show FINESS numbers alone).
pub(crate) fn use_establishment_names(access: Signal<Access>) -> Signal<Vec<ManagedEstablishment>> {
    let mut names = use_signal(Vec::new);
    use_effect(move || {
        if matches!(access(), Access::Manager(_)) {
            spawn(async move {
                if let Ok(list) =
                    api::get::<ManagedEstablishments>("/api/manager/establishments").await
                {
                    names.set(list.establishments);
                }
            });
        }
    });
    names
}

/// « SAAD Les Tilleuls (FINESS 750012346) », or « FINESS 750012346 » when the name is unknown.
pub(crate) fn establishment_label(names: &[ManagedEstablishment], finess: &str) -> String {
    match names
        .iter()
        .find(|e| e.finess == finess)
        .and_then(|e| e.name.as_deref())
    {
        Some(name) => format!("{name} (FINESS {finess})"),
        None => format!("FINESS {finess}"),
    }
}

/// The requests one bulk call validates at most (the API's limit).
const BULK_CHUNK: usize = 50;

/// One request of a bulk validation, as the API answers it.
#[derive(Clone, Debug, PartialEq)]
struct BulkResult {
    request_id: String,
    name: Option<String>,
    validated: Option<ValidationView>,
    error: Option<api::Embedded>,
}
crate::read_struct!(BulkResult {
    request_id,
    name = default,
    validated = default,
    error = default,
});

/// One answer of `POST /api/manager/registrations/validations`.
#[derive(Clone, Debug, PartialEq)]
struct BulkPage {
    results: Vec<BulkResult>,
    next: Option<String>,
    pending: Vec<String>,
}
crate::read_struct!(BulkPage {
    results,
    next = default,
    pending = default,
});

/// A bulk validation under way or done: its progress and each request's outcome.
#[derive(Clone, Debug, Default, PartialEq)]
struct BulkRun {
    /// How many requests it is about (at least those done).
    total: usize,
    results: Vec<BulkResult>,
    running: bool,
    /// A refusal of a whole call (session expired, network): the run stopped there.
    stopped: Option<ApiError>,
}

impl BulkRun {
    fn validated(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.validated.is_some())
            .count()
    }
}

/// What to validate in bulk: the requests ticked, or every request waiting for an establishment.
#[derive(Clone, Debug, PartialEq)]
enum BulkSelection {
    Ids(Vec<String>),
    /// The requests waiting for `finess` up to `until` (the last one listed: not those
    /// submitted since, which the declaration is not about).
    Establishment {
        finess: String,
        waiting: usize,
        until: Option<String>,
    },
}

/// Runs a bulk validation call after call (50 requests each), `run` showing its progress; the
/// declaration is sent with each call and recorded with each request.
async fn run_bulk(selection: BulkSelection, mut run: Signal<Option<BulkRun>>) {
    let total = match &selection {
        BulkSelection::Ids(ids) => ids.len(),
        BulkSelection::Establishment { waiting, .. } => *waiting,
    };
    run.set(Some(BulkRun {
        total,
        running: true,
        ..BulkRun::default()
    }));
    let path = "/api/manager/registrations/validations";
    let mut after: Option<String> = None;
    let mut queue: std::collections::VecDeque<String> = match &selection {
        BulkSelection::Ids(ids) => ids.iter().cloned().collect(),
        BulkSelection::Establishment { .. } => Default::default(),
    };
    loop {
        let body = match &selection {
            BulkSelection::Ids(_) if queue.is_empty() => break,
            BulkSelection::Ids(_) => BulkValidateBody {
                ids: queue.drain(..queue.len().min(BULK_CHUNK)).collect(),
                conditions_checked: true,
                ..BulkValidateBody::default()
            },
            BulkSelection::Establishment { finess, until, .. } => BulkValidateBody {
                establishment: Some(finess.clone()),
                after: after.clone(),
                until: until.clone(),
                conditions_checked: true,
                ..BulkValidateBody::default()
            },
        };
        match api::post::<BulkPage>(path, &body).await {
            Ok(page) => {
                run.with_mut(|r| {
                    if let Some(r) = r {
                        r.results.extend(page.results);
                        r.total = r.total.max(r.results.len());
                    }
                });
                // What the call had no time to start goes first into the next one.
                for id in page.pending.into_iter().rev() {
                    queue.push_front(id);
                }
                match (&selection, page.next) {
                    (BulkSelection::Establishment { .. }, Some(next)) => after = Some(next),
                    (BulkSelection::Establishment { .. }, None) => break,
                    _ => {}
                }
            }
            Err(e) => {
                run.with_mut(|r| {
                    if let Some(r) = r {
                        r.stopped = Some(e);
                    }
                });
                break;
            }
        }
    }
    run.with_mut(|r| {
        if let Some(r) = r {
            r.running = false;
            r.total = r.results.len();
        }
    });
}

#[component]
pub fn Gestion() -> Element {
    let (access, check) = use_manager_session();
    let names = use_establishment_names(access);
    let mut queue = use_signal(|| None::<Result<Vec<RegistrationView>, ApiError>>);
    let mut selected = use_signal(Vec::<String>::new);
    let run = use_signal(|| None::<BulkRun>);
    let load = move || {
        spawn(async move {
            queue.set(Some(
                api::get::<RegistrationList>("/api/manager/registrations")
                    .await
                    .map(|list| list.results),
            ));
        });
    };
    use_effect(move || {
        if matches!(access(), Access::Manager(_)) {
            load();
        }
    });
    let a = access();
    let names_now = names();
    rsx! {
        Titre { texte: "RPPS+ — Espace gestionnaire" }
        h1 { "Espace gestionnaire RPPS+" }
        if let Some(page) = gate(&a, check) { {page} } else {
            if let Access::Manager(me) = &a {
                SignedInAs { session: me.clone() }
                p { "Vos établissements :" }
                ul { class: "etablissements",
                    for f in establishments(me) {
                        li { key: "{f}", strong { "{establishment_label(&names_now, &f)}" } }
                    }
                }
            }
            div { class: "actions",
                Link { to: Route::GestionNouvelle {}, class: "bouton secondaire", "Enregistrer une ou un aide" }
                Link { to: Route::GestionImport {}, class: "bouton secondaire", "Importer une équipe (fichier)" }
                Link { to: Route::GestionPersonnel {}, class: "bouton secondaire", "Personnel et départs" }
            }
            h2 { "Demandes à traiter" }
            if let Some(r) = run() { BulkProgress { run: r } }
            match queue() {
                None => rsx! { Loading { text: "Chargement des demandes…" } },
                Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
                Some(Ok(list)) if list.is_empty() => rsx! { p { "Aucune demande en attente pour vos établissements." } },
                Some(Ok(list)) => rsx! {
                    BulkPanel { list: list.clone(), names: names_now.clone(), selected, run, on_done: move |_| { selected.set(Vec::new()); load(); } }
                    ul { class: "cartes",
                        for r in list {
                            li { key: "{r.id}", class: "selectionnable",
                                input { r#type: "checkbox", id: "choisir-{r.id}",
                                    checked: selected().contains(&r.id),
                                    onchange: { let id = r.id.clone(); move |e: FormEvent| {
                                        let id = id.clone();
                                        selected.with_mut(|s| if e.checked() { if !s.contains(&id) { s.push(id) } } else { s.retain(|x| *x != id) });
                                    } },
                                }
                                div {
                                    label { r#for: "choisir-{r.id}", class: "visuellement-cache", "Sélectionner la demande de {full_name(&r)}" }
                                    Link { to: Route::GestionDemande { id: r.id.clone() }, strong { "{full_name(&r)}" } }
                                    p { class: "petit",
                                        "Née ou né le {french_date(&r.civil_status.birth_date)} — {establishment_label(&names_now, r.establishment.as_deref().unwrap_or_default())}"
                                    }
                                    if let Some(at) = &r.submitted_at {
                                        p { class: "petit", "Envoyée le {french_datetime(at)}" }
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

/// The declaration made once, and the two ways of validating many requests: those ticked, or
/// every request waiting for an establishment (issue 19).
#[component]
fn BulkPanel(
    list: Vec<RegistrationView>,
    names: Vec<ManagedEstablishment>,
    selected: Signal<Vec<String>>,
    run: Signal<Option<BulkRun>>,
    on_done: EventHandler<()>,
) -> Element {
    let mut declared = use_signal(|| false);
    let mut declaration_error = use_signal(|| None::<String>);
    let mut start = move |selection: BulkSelection| {
        if run.peek().as_ref().is_some_and(|r| r.running) {
            return;
        }
        if !declared() {
            declaration_error.set(Some(
                "Cochez d'abord la déclaration : elle vaut pour chaque demande validée.".into(),
            ));
            return;
        }
        declaration_error.set(None);
        // Running from now (a second click does nothing); the declaration is made again for
        // the next run, about other people.
        run.set(Some(BulkRun {
            running: true,
            ..BulkRun::default()
        }));
        declared.set(false);
        spawn(async move {
            run_bulk(selection, run).await;
            on_done.call(());
        });
    };
    // Each establishment's waiting requests, in the order of the queue, and the position of the
    // last one listed.
    let mut waiting: Vec<(String, usize, Option<String>)> = Vec::new();
    for r in &list {
        let Some(finess) = r.establishment.clone() else {
            continue;
        };
        match waiting.iter_mut().find(|(f, _, _)| *f == finess) {
            Some((_, count, last)) => {
                *count += 1;
                *last = r.queue_position.clone();
            }
            None => waiting.push((finess, 1, r.queue_position.clone())),
        }
    }
    let running = run().is_some_and(|r| r.running);
    let ticked = selected().len();
    let invalid = declaration_error().is_some();
    rsx! {
        section { class: "lot", aria_labelledby: "validation-groupee",
            h3 { id: "validation-groupee", "Valider plusieurs demandes" }
            p { class: "petit", "Chaque demande validée reçoit son propre numéro RPPS. Celles qui demandent votre examen (une personne peut-être déjà connue du registre) restent à traiter une à une." }
            div { class: if invalid { "champ champ-erreur case" } else { "champ case" },
                input { r#type: "checkbox", id: "bulk_conditions_checked", checked: declared(),
                    aria_invalid: if invalid { "true" } else { "false" },
                    aria_describedby: declaration_error().map(|_| "bulk_conditions_checked-erreur".to_string()),
                    onchange: move |e| declared.set(e.checked()),
                }
                label { r#for: "bulk_conditions_checked", "J'atteste avoir vérifié, pour chaque personne dont je valide la demande, les conditions de diplôme ou d'expérience professionnelle prévues par le décret n° 2024-1246, sur la base déclarée dans sa demande." }
                if let Some(m) = declaration_error() { p { id: "bulk_conditions_checked-erreur", class: "erreur", "{m}" } }
            }
            div { class: "actions",
                button { r#type: "button", class: "bouton", id: "valider-selection",
                    disabled: running || ticked == 0,
                    onclick: move |_| start(BulkSelection::Ids(selected())),
                    "Valider la sélection ({ticked})"
                }
                for (finess, count, until) in waiting {
                    button { key: "{finess}", r#type: "button", class: "bouton secondaire", "data-finess": "{finess}",
                        disabled: running,
                        onclick: { let finess = finess.clone(); move |_| start(BulkSelection::Establishment { finess: finess.clone(), waiting: count, until: until.clone() }) },
                        "Valider les {count} demandes affichées — {establishment_label(&names, &finess)}"
                    }
                }
            }
        }
    }
}

/// A bulk validation's progress, then its outcome: the numbers given, and each request left to
/// look at with the reason.
#[component]
fn BulkProgress(run: BulkRun) -> Element {
    let done = run.results.len();
    let validated = run.validated();
    let failed: Vec<BulkResult> = run
        .results
        .iter()
        .filter(|r| r.validated.is_none())
        .cloned()
        .collect();
    let numbered: Vec<(String, String)> = run
        .results
        .iter()
        .filter_map(|r| {
            let v = r.validated.as_ref()?;
            Some((r.name.clone().unwrap_or_default(), v.rpps.clone()))
        })
        .collect();
    rsx! {
        div { class: "progression", id: "validation-progression", role: "status", aria_live: "polite",
            progress { max: "{run.total.max(1)}", value: "{done}" }
            p {
                if run.running { "Validation en cours : " } else { "Validation terminée : " }
                strong { "{done} / {run.total}" }
                " demande(s) traitée(s), {validated} validée(s), {failed.len()} à examiner."
            }
            if let Some(e) = &run.stopped { ErrorBanner { error: e.clone() } }
            if !failed.is_empty() {
                ul { class: "echecs",
                    for f in failed {
                        li { key: "{f.request_id}",
                            Link { to: Route::GestionDemande { id: f.request_id.clone() }, "{f.name.clone().unwrap_or_else(|| f.request_id.clone())}" }
                            " : {f.error.as_ref().map(|e| e.0.message.clone()).unwrap_or_default()}"
                        }
                    }
                }
            }
            if !numbered.is_empty() {
                details {
                    summary { "Voir les numéros RPPS attribués ({numbered.len()})" }
                    ul { class: "petit",
                        for (name, rpps) in numbered {
                            li { key: "{rpps}", "{name} — RPPS {rpps}" }
                        }
                    }
                }
            }
        }
    }
}

#[component]
pub fn GestionDemande(id: String) -> Element {
    let (access, check) = use_manager_session();
    let names = use_establishment_names(access);
    let mut request = use_signal(|| None::<Result<RegistrationView, ApiError>>);
    let mut basis = use_signal(String::new);
    let mut declared = use_signal(|| false);
    let mut not_same = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut validated = use_signal(|| None::<ValidationView>);
    let path = format!("/api/manager/registrations/{id}");
    let load = {
        let path = path.clone();
        move || {
            let path = path.clone();
            request.set(None);
            spawn(async move {
                let r = api::get::<RegistrationView>(&path).await;
                if let Ok(RegistrationView {
                    eligibility: Some(declared),
                    ..
                }) = &r
                    && basis().is_empty()
                {
                    basis.set(declared.code().to_owned());
                }
                request.set(Some(r));
            });
        }
    };
    let load_effect = load.clone();
    use_effect(move || {
        if matches!(access(), Access::Manager(_)) {
            let mut l = load_effect.clone();
            l();
        }
    });
    let a = access();
    let field_error = move |name: &str| crate::ui::field_error(error, name);
    let general = error().filter(|e| e.fields.is_empty());
    let validate_path = format!("{path}/validate");
    let reject_path = format!("{path}/reject");
    rsx! {
        Titre { texte: "RPPS+ — Demande à traiter" }
        p { Link { to: Route::Gestion {}, "← Demandes à traiter" } }
        h1 { "Demande d'enregistrement" }
        if let Some(page) = gate(&a, check) { {page} } else {
            match request() {
                None => rsx! { Loading { text: "Chargement de la demande…" } },
                Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: { let mut l = load.clone(); move |_| l() } } },
                Some(Ok(r)) => {
                let probable = r.identity_matches.iter().any(|m| m.verdict == MatchVerdict::Probable);
                let numbered = r.identity_matches.iter().find_map(|m| match (&m.verdict, &m.record) {
                    (MatchVerdict::Same, MatchedRecord::Professional { rpps }) => Some(rpps.clone()),
                    _ => None,
                });
                rsx! {
                    h2 { "{full_name(&r)}" }
                    p { class: "etat", "État : " strong { "{r.status.label()}" } }
                    CivilStatusSummary { civil: r.civil_status.clone() }
                    dl { class: "resume",
                        div { dt { "Adresse e-mail" } dd { "{r.contact.as_ref().map(|c| c.email.as_str()).unwrap_or(\"—\")}" } }
                        div { dt { "Mobile" } dd { "{r.contact.as_ref().and_then(|c| c.mobile.as_deref()).unwrap_or(\"—\")}" } }
                        div { dt { "Établissement" } dd { "{r.establishment.as_deref().map(|f| establishment_label(&names(), f)).unwrap_or_else(|| \"—\".into())}" } }
                        div { dt { "Début d'exercice" } dd { "{r.start_date.as_deref().map(french_date).unwrap_or_default()}" } }
                        div { dt { "Éligibilité déclarée" } dd { "{r.eligibility.map_or(\"—\", |e| e.label())}" } }
                    }
                    if !r.identity_matches.is_empty() && validated().is_none() {
                        IdentityMatches { matches: r.identity_matches.clone(), numbered: numbered.clone() }
                    }
                    if let Some(v) = validated() {
                        div { class: "alerte alerte-succes", role: "status",
                            p { "Demande validée. Numéro RPPS attribué : " strong { id: "rpps-attribue", "{v.rpps}" } }
                            p { "La personne le reçoit par e-mail ; elle pourra activer son e-CPS à partir du {french_datetime(&v.ecps_activable_from)}." }
                            p { Link { to: Route::Gestion {}, "Retour aux demandes à traiter" } }
                        }
                    } else if r.status == StatusView::Submitted {
                        if let Some(e) = general { ErrorBanner { error: e } }
                        form { class: "decision", novalidate: true,
                            onsubmit: move |e: FormEvent| {
                                e.prevent_default();
                                let mut problems = ApiError { status: 400, ..ApiError::default() };
                                if basis().is_empty() { problems.fields.insert("basis".into(), "Indiquez sur quelle base vous avez vérifié l'éligibilité.".into()); }
                                if !declared() { problems.fields.insert("conditions_checked".into(), "Cochez la déclaration : vous attestez avoir vérifié le diplôme ou l'expérience.".into()); }
                                if probable && !not_same() { problems.fields.insert("not_the_same_person".into(), "Comparez les informations de la personne peut-être déjà connue ; si ce n'est pas la même personne, cochez cette déclaration.".into()); }
                                if !problems.fields.is_empty() { error.set(Some(problems)); return; }
                                let p = validate_path.clone();
                                busy.set(true);
                                error.set(None);
                                spawn(async move {
                                    let body = ValidateBody { basis: basis(), conditions_checked: declared(), not_the_same_person: not_same() };
                                    match api::post::<ValidationView>(&p, &body).await {
                                        Ok(v) => { validated.set(Some(v)); focus_main(); }
                                        Err(e) => error.set(Some(e)),
                                    }
                                    busy.set(false);
                                });
                            },
                            h2 { "Valider la demande" }
                            EligibilityChoice { value: basis, name: "basis", legend: "Éligibilité vérifiée sur la base de", error: field_error("basis") }
                            div { class: if field_error("conditions_checked").is_some() { "champ champ-erreur case" } else { "champ case" },
                                input { r#type: "checkbox", id: "conditions_checked", checked: declared(),
                                    aria_invalid: if field_error("conditions_checked").is_some() { "true" } else { "false" },
                                    aria_describedby: field_error("conditions_checked").map(|_| "conditions_checked-erreur".to_string()),
                                    onchange: move |e| declared.set(e.checked()),
                                }
                                label { r#for: "conditions_checked", "J'atteste avoir vérifié que cette personne remplit les conditions de diplôme ou d'expérience professionnelle prévues par le décret n° 2024-1246. Aucune copie du diplôme n'est à transmettre." }
                                if let Some(m) = field_error("conditions_checked") { p { id: "conditions_checked-erreur", class: "erreur", "{m}" } }
                            }
                            if probable {
                                div { class: if field_error("not_the_same_person").is_some() { "champ champ-erreur case" } else { "champ case" },
                                    input { r#type: "checkbox", id: "not_the_same_person", checked: not_same(),
                                        aria_invalid: if field_error("not_the_same_person").is_some() { "true" } else { "false" },
                                        aria_describedby: field_error("not_the_same_person").map(|_| "not_the_same_person-erreur".to_string()),
                                        onchange: move |e| not_same.set(e.checked()),
                                    }
                                    label { r#for: "not_the_same_person", "Ce n'est pas la même personne : j'ai comparé les informations ci-dessus. Ma déclaration est enregistrée avec la validation." }
                                    if let Some(m) = field_error("not_the_same_person") { p { id: "not_the_same_person-erreur", class: "erreur", "{m}" } }
                                }
                            }
                            div { class: "actions",
                                SubmitButton { label: "Valider et attribuer le numéro RPPS", busy_label: "Validation…", busy: busy() }
                            }
                        }
                        form { class: "decision", novalidate: true,
                            onsubmit: move |e: FormEvent| {
                                e.prevent_default();
                                if reason().trim().is_empty() {
                                    let mut problems = ApiError { status: 400, ..ApiError::default() };
                                    problems.fields.insert("reason".into(), "Indiquez le motif du refus : il est envoyé à la personne.".into());
                                    error.set(Some(problems));
                                    return;
                                }
                                let p = reject_path.clone();
                                busy.set(true);
                                error.set(None);
                                spawn(async move {
                                    let body = RejectBody { reason: reason().trim().to_owned() };
                                    match api::post::<RegistrationView>(&p, &body).await {
                                        Ok(v) => { request.set(Some(Ok(v))); focus_main(); }
                                        Err(e) => error.set(Some(e)),
                                    }
                                    busy.set(false);
                                });
                            },
                            h2 { "Ou refuser la demande" }
                            div { class: if field_error("reason").is_some() { "champ champ-erreur" } else { "champ" },
                                label { r#for: "reason", "Motif du refus" }
                                textarea { id: "reason", rows: "3", value: "{reason}",
                                    aria_invalid: if field_error("reason").is_some() { "true" } else { "false" },
                                    aria_describedby: field_error("reason").map(|_| "reason-erreur".to_string()),
                                    oninput: move |e| reason.set(e.value()),
                                }
                                if let Some(m) = field_error("reason") { p { id: "reason-erreur", class: "erreur", "{m}" } }
                            }
                            div { class: "actions",
                                SubmitButton { label: "Refuser la demande", busy_label: "Envoi…", busy: busy(), secondary: true }
                            }
                        }
                    } else {
                        match &r.status {
                            StatusView::Validated { rpps } => rsx! {
                                p { "Demande validée : numéro RPPS " strong { "{rpps}" } "." }
                                h2 { "Suivi" }
                                crate::pages::applicant::Chronologie { timeline: r.timeline.clone(), for_manager: true }
                            },
                            StatusView::Rejected { reason } => rsx! { p { "Demande refusée. Motif : {reason}" } },
                            StatusView::Closed { reason } => rsx! { p { "Demande close : {reason.label()}." } },
                            StatusView::Draft | StatusView::Submitted => rsx! {
                                p { "Cette demande est encore un brouillon : elle n'a pas été envoyée." }
                                if r.origin == Origin::Employer {
                                    DeleteDraft { id: r.id.clone(), on_done: move |v| request.set(Some(Ok(v))) }
                                }
                            },
                        }
                    }
                }
                },
            }
        }
    }
}

/// Who in the register is, or may be, the person of the request (FAQ-R3, R12): the names side by
/// side, of the other record's birth date and place only how they compare, and why.
#[component]
fn IdentityMatches(matches: Vec<IdentityMatchView>, numbered: Option<String>) -> Element {
    rsx! {
        section { class: "correspondances", id: "correspondances", aria_labelledby: "titre-correspondances",
            h2 { id: "titre-correspondances", "Personne peut-être déjà connue du registre" }
            if let Some(rpps) = numbered {
                div { class: "alerte alerte-erreur", role: "alert",
                    p { strong { "Cette personne a déjà le numéro RPPS {rpps}." } }
                    p { "Un second numéro ne peut pas lui être attribué : refusez cette demande (son numéro reste valable ; elle se connecte avec sa carte e-CPS)." }
                }
            }
            for (index, m) in matches.into_iter().enumerate() {
                article { class: if m.verdict == MatchVerdict::Same { "correspondance meme" } else { "correspondance probable" }, key: "{index}",
                    h3 {
                        "{m.verdict.label()} — "
                        match &m.record {
                            MatchedRecord::Professional { rpps } => rsx! { "professionnel au numéro RPPS {rpps}" },
                            MatchedRecord::Request { id: Some(id) } => rsx! { Link { to: Route::GestionDemande { id: id.clone() }, "demande en cours dans votre établissement" } },
                            MatchedRecord::Request { id: None } => rsx! { "demande en cours dans un autre établissement" },
                        }
                    }
                    dl { class: "comparaison",
                        for row in m.comparison {
                            div { class: if row.note.is_some() { "ecart" } else { "" },
                                dt { "{row.label}" }
                                dd { span { class: "petit", "Cette demande : " } "{row.this}" }
                                dd { span { class: "petit", "Autre fiche : " } "{row.other}" }
                                if let Some(note) = &row.note { dd { class: "note", "{note}" } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A manager deletes an employer draft that is no longer needed (asked twice).
#[component]
fn DeleteDraft(id: String, on_done: EventHandler<RegistrationView>) -> Element {
    let mut asked = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    rsx! {
        if let Some(e) = error() { ErrorBanner { error: e } }
        if asked() {
            p { "Supprimer ce brouillon ? La personne pourra être enregistrée à nouveau." }
            div { class: "actions",
                button { r#type: "button", class: "bouton secondaire",
                    onclick: move |_| {
                        let id = id.clone();
                        spawn(async move {
                            match api::delete::<RegistrationView>(&format!("/api/manager/registrations/{id}")).await {
                                Ok(v) => on_done.call(v),
                                Err(e) => error.set(Some(e)),
                            }
                        });
                    },
                    "Oui, supprimer le brouillon"
                }
                button { r#type: "button", class: "bouton-lien", onclick: move |_| asked.set(false), "Non, le garder" }
            }
        } else {
            button { r#type: "button", class: "bouton-lien", onclick: move |_| asked.set(true), "Supprimer ce brouillon" }
        }
    }
}

/// The employer registers an aide (FAQ-R1, R17): civil status typed by the manager, then the
/// same draft as an applicant's, sent for validation.
#[component]
pub fn GestionNouvelle() -> Element {
    let (access, check) = use_manager_session();
    let names = use_establishment_names(access);
    let mut establishment = use_signal(String::new);
    let family_name = use_signal(String::new);
    let given_names = use_signal(String::new);
    let birth_date = use_signal(String::new);
    let mut born_abroad = use_signal(|| false);
    let commune = use_signal(String::new);
    let commune_text = use_signal(String::new);
    let country = use_signal(String::new);
    let country_text = use_signal(String::new);
    let email = use_signal(String::new);
    let mobile = use_signal(String::new);
    let start_date = use_signal(String::new);
    let eligibility = use_signal(String::new);
    let mut created = use_signal(|| None::<CreatedRequest>);
    let mut sent = use_signal(|| None::<RegistrationView>);
    let mut error = use_signal(|| None::<ApiError>);
    let mut busy = use_signal(|| false);
    let mut restored = use_signal(|| false);

    // Restore what was typed before a reload.
    use_hook(move || {
        let local: EmployerDraft = storage::load(storage::EMPLOYER_DRAFT);
        for (typed, mut signal) in [
            (local.establishment, establishment),
            (local.family_name, family_name),
            (local.given_names, given_names),
            (local.birth_date, birth_date),
            (local.commune, commune),
            (local.commune_text, commune_text),
            (local.country, country),
            (local.country_text, country_text),
            (local.email, email),
            (local.mobile, mobile),
            (local.start_date, start_date),
            (local.eligibility, eligibility),
        ] {
            signal.set(typed);
        }
        born_abroad.set(local.born_abroad);
        created.set(local.created);
        restored.set(true);
    });
    use_effect(move || {
        let snapshot = EmployerDraft {
            establishment: establishment(),
            family_name: family_name(),
            given_names: given_names(),
            birth_date: birth_date(),
            born_abroad: born_abroad(),
            commune: commune(),
            commune_text: commune_text(),
            country: country(),
            country_text: country_text(),
            email: email(),
            mobile: mobile(),
            start_date: start_date(),
            eligibility: eligibility(),
            created: created(),
        };
        if restored() && sent().is_none() {
            storage::save(storage::EMPLOYER_DRAFT, &snapshot);
        }
    });
    use_effect(move || {
        if let Access::Manager(me) = access()
            && establishment.peek().is_empty()
            && let Some(first) = establishments(&me).into_iter().next()
        {
            establishment.set(first);
        }
    });

    let a = access();
    let field_error = move |name: &str| crate::ui::field_error(error, name);
    let general = error().filter(|e| e.fields.is_empty());
    let managed: Vec<String> = match &a {
        Access::Manager(me) => establishments(me),
        _ => Vec::new(),
    };
    rsx! {
        Titre { texte: "RPPS+ — Enregistrer une ou un aide" }
        p { Link { to: Route::Gestion {}, "← Espace gestionnaire" } }
        h1 { "Enregistrer une ou un aide" }
        if let Some(page) = gate(&a, check) { {page} } else {
            if let Some(e) = general { ErrorBanner { error: e } }
            if let Some(done) = sent() {
                div { class: "alerte alerte-succes", role: "status",
                    p { "Demande enregistrée et envoyée pour validation." }
                    p { Link { to: Route::GestionDemande { id: done.id.clone() }, "Ouvrir la demande pour la valider" } }
                }
            } else if let Some(draft) = created() {
                form { novalidate: true,
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let id = draft.id.clone();
                        busy.set(true);
                        error.set(None);
                        spawn(async move {
                            let body = DraftBody {
                                email: Some(email().trim().to_owned()),
                                mobile: Some(mobile().trim().to_owned()),
                                start_date: Some(start_date()),
                                eligibility: Some(eligibility()),
                                accuracy_confirmed: Some(true),
                                ..DraftBody::default()
                            };
                            let result = match api::patch::<RegistrationView>(&format!("/api/registrations/{id}"), &body).await {
                                Ok(_) => api::post_empty::<RegistrationView>(&format!("/api/registrations/{id}/submit")).await,
                                Err(e) => Err(e),
                            };
                            match result {
                                Ok(v) => { storage::clear(storage::EMPLOYER_DRAFT); sent.set(Some(v)); focus_main(); }
                                Err(e) => error.set(Some(e)),
                            }
                            busy.set(false);
                        });
                    },
                    h2 { "2. Coordonnées et situation de {draft.civil_status.given_names} {draft.civil_status.family_name}" }
                    TextField { id: "email", label: "Adresse e-mail de l'aide", value: email, kind: "email", required: true, error: field_error("email"),
                        hint: "Le numéro RPPS sera envoyé à cette adresse." }
                    TextField { id: "mobile", label: "Téléphone mobile (facultatif)", value: mobile, kind: "tel", inputmode: "tel", error: field_error("mobile") }
                    TextField { id: "start_date", label: "Date de début d'exercice", value: start_date, kind: "date", required: true, error: field_error("start_date") }
                    EligibilityChoice { value: eligibility, legend: "Ce qui la ou le rend éligible", error: field_error("eligibility") }
                    p { class: "petit", "En envoyant, vous certifiez l'exactitude de ces informations." }
                    div { class: "actions",
                        SubmitButton { label: "Envoyer la demande", busy_label: "Envoi…", busy: busy() }
                    }
                }
            } else {
                form { novalidate: true,
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let mut body = EmployerDraftBody {
                            establishment: establishment(),
                            family_name: family_name().trim().to_owned(),
                            given_names: given_names().trim().to_owned(),
                            birth_date: birth_date(),
                            ..EmployerDraftBody::default()
                        };
                        if born_abroad() {
                            body.birth_country = Some(country());
                        } else {
                            if commune().is_empty() && !commune_text().trim().is_empty() {
                                let mut problems = ApiError { status: 400, ..ApiError::default() };
                                problems.fields.insert("birth_commune".into(), "Choisissez la commune dans la liste proposée (le code postal n'est pas le code INSEE).".into());
                                error.set(Some(problems));
                                return;
                            }
                            body.birth_commune = Some(commune());
                        }
                        busy.set(true);
                        error.set(None);
                        spawn(async move {
                            match api::post::<RegistrationView>("/api/manager/registrations", &body).await {
                                Ok(v) => { created.set(Some(CreatedRequest::from(&v))); focus_main(); }
                                Err(e) => error.set(Some(e)),
                            }
                            busy.set(false);
                        });
                    },
                    h2 { "1. État civil" }
                    div { class: if field_error("establishment").is_some() { "champ champ-erreur" } else { "champ" },
                        label { r#for: "establishment", "Établissement employeur" }
                        select { id: "establishment", value: "{establishment}",
                            aria_describedby: field_error("establishment").map(|_| "establishment-erreur".to_string()),
                            onchange: move |e| establishment.set(e.value()),
                            for f in managed { option { value: "{f}", selected: establishment() == f, "{establishment_label(&names(), &f)}" } }
                        }
                        if let Some(m) = field_error("establishment") { p { id: "establishment-erreur", class: "erreur", "{m}" } }
                    }
                    TextField { id: "family_name", label: "Nom de naissance", value: family_name, required: true, autocomplete: "off", error: field_error("family_name") }
                    TextField { id: "given_names", label: "Prénom(s)", value: given_names, required: true, hint: "Tous les prénoms, séparés par une espace.", error: field_error("given_names") }
                    TextField { id: "birth_date", label: "Date de naissance", value: birth_date, kind: "date", required: true, error: field_error("birth_date") }
                    fieldset { class: "groupe",
                        legend { "Lieu de naissance" }
                        div { class: "option",
                            input { r#type: "radio", id: "ne-france", name: "lieu", checked: !born_abroad(), onchange: move |_| born_abroad.set(false) }
                            label { r#for: "ne-france", "En France" }
                        }
                        div { class: "option",
                            input { r#type: "radio", id: "ne-etranger", name: "lieu", checked: born_abroad(), onchange: move |_| born_abroad.set(true) }
                            label { r#for: "ne-etranger", "À l'étranger" }
                        }
                    }
                    if born_abroad() {
                        PlacePicker { kind: PlaceKind::Country, code: country, text: country_text, error: field_error("birth_country") }
                    } else {
                        PlacePicker { kind: PlaceKind::Commune, code: commune, text: commune_text, error: field_error("birth_commune") }
                    }
                    div { class: "actions",
                        SubmitButton { label: "Continuer", busy_label: "Enregistrement…", busy: busy() }
                    }
                }
            }
        }
    }
}

/// The staff of the manager's establishments; recording a departure ends the practice site in
/// the directory on that date (FAQ-R6).
#[component]
pub fn GestionPersonnel() -> Element {
    let (access, check) = use_manager_session();
    let mut staff = use_signal(|| None::<Result<StaffList, ApiError>>);
    let load = move || {
        spawn(async move {
            staff.set(Some(api::get::<StaffList>("/api/manager/staff").await));
        });
    };
    use_effect(move || {
        if matches!(access(), Access::Manager(_)) {
            load();
        }
    });
    let a = access();
    rsx! {
        Titre { texte: "RPPS+ — Personnel et départs" }
        p { Link { to: Route::Gestion {}, "← Espace gestionnaire" } }
        h1 { "Personnel et départs" }
        if let Some(page) = gate(&a, check) { {page} } else {
            p { "Quand une ou un aide quitte l'établissement, indiquez son dernier jour : ce lieu d'exercice sera retiré de l'annuaire public à cette date. Le numéro RPPS reste à la personne." }
            p { a { class: "bouton secondaire", id: "export-personnel", href: "/api/manager/staff/export", download: "",
                "Télécharger la liste du personnel (CSV)" } }
            p { class: "petit", "Un fichier pour votre tableur (séparateur « ; ») : nom, prénoms, numéro RPPS, établissement, début et départ, pour le rapprocher de votre paie." }
            match staff() {
                None => rsx! { Loading { text: "Chargement du personnel…" } },
                Some(Err(e)) => rsx! { ErrorBanner { error: e, on_retry: move |_| load() } },
                Some(Ok(list)) => rsx! {
                    for establishment in list.establishments {
                        section { key: "{establishment.finess}",
                            h2 {
                                if let Some(name) = &establishment.name { "{name} (FINESS {establishment.finess})" } else { "FINESS {establishment.finess}" }
                            }
                            if establishment.staff.is_empty() {
                                p { "Personne n'est enregistré pour cet établissement." }
                            }
                            ul { class: "cartes",
                                for person in establishment.staff {
                                    StaffMember { key: "{person.rpps}", finess: establishment.finess.clone(), person, on_change: move |_| load() }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

#[component]
fn StaffMember(person: PracticeSiteView, finess: String, on_change: EventHandler<()>) -> Element {
    let rpps = person.rpps.clone();
    let date = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let field_id = format!("depart-{rpps}");
    let path = format!("/api/manager/staff/{rpps}/sites/{finess}/departure");
    rsx! {
        li {
            strong { "{person.given_names} {person.family_name}" }
            p { class: "petit", "RPPS {rpps} — depuis le {french_date(&person.started_on)}" }
            MobileFix { rpps: rpps.clone(), on_change }
            if let Some(d) = &person.departure_on {
                p { class: "choisi", "Départ enregistré : dernier jour le {french_date(d)}"
                    if !person.active_today { " (retiré de l'annuaire)" }
                }
            } else {
                form { novalidate: true,
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        if date().is_empty() {
                            let mut problems = ApiError { status: 400, ..ApiError::default() };
                            problems.fields.insert("date".into(), "Indiquez le dernier jour dans l'établissement.".into());
                            error.set(Some(problems));
                            return;
                        }
                        let p = path.clone();
                        busy.set(true);
                        error.set(None);
                        spawn(async move {
                            match api::put::<PracticeSiteView>(&p, &DepartureBody { date: date() }).await {
                                Ok(_) => on_change.call(()),
                                Err(e) => {
                                    let mut e = e;
                                    if e.fields.is_empty() && e.status == 400 {
                                        e.fields.insert("date".into(), e.message.clone());
                                    }
                                    error.set(Some(e));
                                }
                            }
                            busy.set(false);
                        });
                    },
                    TextField { id: "{field_id}", label: "Dernier jour dans l'établissement", value: date, kind: "date",
                        error: crate::ui::field_error(error, "date") }
                    if let Some(e) = error().filter(|e| e.fields.is_empty()) { ErrorBanner { error: e } }
                    SubmitButton { label: "Enregistrer le départ", busy_label: "Enregistrement…", busy: busy(), secondary: true }
                }
            }
        }
    }
}

/// A manager adds or corrects a professional's mobile number (FAQ-R14).
#[component]
fn MobileFix(rpps: String, on_change: EventHandler<()>) -> Element {
    let mobile = use_signal(String::new);
    let mut open = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ApiError>);
    let path = format!("/api/manager/staff/{rpps}/contact");
    if !open() {
        return rsx! {
            button { r#type: "button", class: "bouton-lien", onclick: move |_| open.set(true), "Ajouter ou corriger le mobile" }
        };
    }
    rsx! {
        form { novalidate: true,
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let p = path.clone();
                busy.set(true);
                error.set(None);
                spawn(async move {
                    let body = ContactBody { mobile: Some(mobile().trim().to_owned()), ..ContactBody::default() };
                    match api::patch::<ContactChangeView>(&p, &body).await {
                        Ok(_) => { open.set(false); on_change.call(()); }
                        Err(e) => error.set(Some(e)),
                    }
                    busy.set(false);
                });
            },
            TextField { id: "mobile-{rpps}", label: "Téléphone mobile", value: mobile, kind: "tel", inputmode: "tel",
                error: crate::ui::field_error(error, "mobile") }
            if let Some(e) = error().filter(|e| e.fields.is_empty()) { ErrorBanner { error: e } }
            SubmitButton { label: "Enregistrer le mobile", busy_label: "Enregistrement…", busy: busy(), secondary: true }
        }
    }
}
