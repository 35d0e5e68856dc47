//! The public directory for machines (issue 16): a read-only FHIR R4 (4.0.1) API under `/fhir`,
//! on the same origin as the site, public (no sign-in, no key), JSON only
//! (`application/fhir+json`), open to every origin for `GET` (no credentials).
//!
//! What it serves is exactly what `GET /fhir/metadata` lists (its `CapabilityStatement`, built
//! from the same tables as the parser): every other parameter, modifier or resource type is a
//! 400 or 404 `OperationOutcome`, never silently ignored. Resources are built from the public
//! directory projection and the public FINESS establishments only (`resources`): this function
//! reads no session and no private item.
//!
//! It serves `Practitioner`: read; search by `_id`, `identifier`, `family`, `given`, `name`
//! (`:exact`, `:contains`), `active` and `_lastUpdated` (deltas a year back and more, the departed as `active=false`), or without a
//! criterion (the whole directory), with `_count`, `_total` and an opaque cursor valid 24 hours
//! that yields each entry once while the directory changes (`rpps_store::listing`).
//! `PractitionerRole`: read (`<RPPS>-<FINESS>`), search by `practitioner` and `_id`, by
//! `organization` (one or several establishments), or every role (`roles`), and with a
//! Practitioner search by `_revinclude=PractitionerRole:practitioner` (read with the entries: no
//! other read); `_include=PractitionerRole:organization`. `Organization`: the establishments of
//! the FINESS referential, read by FINESS, searched by `identifier`, `name`,
//! `address-postalcode`, `address-city`, `active` and `_lastUpdated` (`organizations`).
//! `name:contains`, `_total=accurate`: docs/FHIR.md.

pub mod organizations;
pub mod resources;
pub mod roles;
pub mod search;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rpps_store::{DirectoryError, DirectorySearch, ListingError, Store, StoreError};
use serde_json::{Value, json};

use resources::{
    CONTENT_TYPE, FHIR_VERSION, IssueCode, operation_outcome, organization, practitioner,
    practitioner_role, practitioner_roles,
};
use search::{Criterion, PractitionerSearch, SearchError};

/// Every route this function serves (checked against `router` and `infra/template.yaml`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/fhir/metadata"),
    ("GET", "/fhir/Practitioner"),
    ("GET", "/fhir/Practitioner/{id}"),
    ("GET", "/fhir/PractitionerRole"),
    ("GET", "/fhir/PractitionerRole/{id}"),
    ("GET", "/fhir/Organization"),
    ("GET", "/fhir/Organization/{id}"),
    ("GET", "/fhir/{rest+}"),
];

#[derive(Clone)]
pub struct FhirState {
    pub store: Store,
    /// `https://…/fhir`: the base of `fullUrl` and of the Bundle's links.
    pub base: String,
}

/// A FHIR answer: the resource as `application/fhir+json`, open to every origin.
fn fhir(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    // The directory changes as professionals are validated and leave: caches ask again.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// An error as an `OperationOutcome` with its status.
#[derive(Debug)]
pub struct FhirError {
    status: StatusCode,
    code: IssueCode,
    message: String,
}

impl FhirError {
    fn new(status: StatusCode, code: IssueCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A 404 `not-found` for a read by id.
    fn not_found(message: String) -> Self {
        Self::new(StatusCode::NOT_FOUND, IssueCode::NotFound, message)
    }

    fn from_store(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "registry unavailable");
            Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                IssueCode::Transient,
                "L'annuaire est momentanément indisponible : réessayez dans quelques instants.",
            )
        } else {
            tracing::error!(error = %e, "unexpected error");
            Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                IssueCode::Exception,
                "Une erreur inattendue s'est produite.",
            )
        }
    }
}

impl FhirError {
    /// A listing's cursor refused, or the registry's error.
    fn from_listing(e: ListingError) -> Self {
        match e {
            ListingError::BadCursor => Self::new(
                StatusCode::BAD_REQUEST,
                IssueCode::Invalid,
                "Ce lien de page n'est pas valable pour cette recherche : relancez la recherche.",
            ),
            ListingError::Expired => Self::new(
                StatusCode::BAD_REQUEST,
                IssueCode::Invalid,
                "Ce lien de page a plus de 24 heures : relancez la recherche.",
            ),
            ListingError::Store(e) => Self::from_store(e),
        }
    }
}

impl From<SearchError> for FhirError {
    fn from(e: SearchError) -> Self {
        let code = match e {
            SearchError::Unsupported(_) => IssueCode::NotSupported,
            SearchError::Invalid(_) => IssueCode::Invalid,
        };
        Self::new(StatusCode::BAD_REQUEST, code, e.to_string())
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let mut response = fhir(self.status, &operation_outcome(self.code, &self.message));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// `GET /fhir/metadata`: what this server does, and nothing more.
pub fn capability_statement(base: &str) -> Value {
    let params = |table: &[search::ParamDoc]| -> Vec<Value> {
        table
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "definition": p.definition,
                    "type": p.kind,
                    "documentation": p.documentation,
                })
            })
            .collect()
    };
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-05",
        "publisher": "RPPS+",
        "kind": "instance",
        "software": {"name": "rpps-fhir"},
        "implementation": {
            "description": "Annuaire public RPPS+ (lecture seule)",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Lecture seule, publique : aucune authentification. Tout paramètre non listé ici est refusé (400 OperationOutcome).",
            "resource": [{
                "type": "Practitioner",
                "documentation": search::LISTING_DOC,
                "profile": resources::PROFILE_AS_DP_PRACTITIONER,
                "supportedProfile": [resources::PROFILE_FR_CORE_PRACTITIONER],
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "versioning": "no-version",
                "readHistory": false,
                "searchRevInclude": [search::REVINCLUDE_ROLES],
                "searchParam": params(search::PRACTITIONER_PARAMS),
            }, {
                "type": "PractitionerRole",
                "documentation": "Un lieu d'exercice : l'identifiant est <numéro RPPS>-<FINESS de l'établissement>. Recherche par practitioner ou _id (par ordre d'identifiant, lien de page sans limite de durée) ; aussi par _revinclude=PractitionerRole:practitioner d'une recherche de Practitioner.",
                "profile": resources::PROFILE_AS_DP_PRACTITIONER_ROLE,
                "supportedProfile": [resources::PROFILE_FR_CORE_PRACTITIONER_ROLE],
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "versioning": "no-version",
                "readHistory": false,
                "searchInclude": [roles::INCLUDE_PRACTITIONER, roles::INCLUDE_ORGANIZATION],
                "searchParam": params(roles::ROLE_PARAMS),
            }, {
                "type": "Organization",
                "documentation": organizations::ORGANIZATION_DOC,
                "profile": resources::PROFILE_AS_DP_ORGANIZATION,
                "supportedProfile": [resources::PROFILE_FR_CORE_ORGANIZATION],
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "versioning": "no-version",
                "readHistory": false,
                "searchParam": params(organizations::ORGANIZATION_PARAMS),
            }],
        }],
    })
}

async fn metadata(State(state): State<FhirState>, RawQuery(query): RawQuery) -> Response {
    match search::format_only(query.as_deref()) {
        Ok(()) => fhir(StatusCode::OK, &capability_statement(&state.base)),
        Err(e) => FhirError::from(e).into_response(),
    }
}

async fn read_practitioner(
    State(state): State<FhirState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    search::format_only(query.as_deref())?;
    let not_found = || {
        FhirError::not_found(format!(
            "Aucun professionnel de l'annuaire n'a l'identifiant « {id} » (l'identifiant est le numéro RPPS)."
        ))
    };
    // The id as served only (`8…`, the idNatPs, is another spelling: one URL per resource).
    let Some(rpps) = rpps_domain::RppsNumber::parse(&id)
        .ok()
        .filter(|rpps| rpps.as_str() == id)
    else {
        return Err(not_found());
    };
    let entry = read_entry(&state, &rpps).await?.ok_or_else(not_found)?;
    Ok(fhir(StatusCode::OK, &practitioner(&entry)))
}

/// The directory entry a read names (one `GetItem`).
async fn read_entry(
    state: &FhirState,
    rpps: &rpps_domain::RppsNumber,
) -> Result<Option<rpps_store::DirectoryEntry>, FhirError> {
    state
        .store
        .directory_entry(rpps)
        .await
        .map_err(FhirError::from_store)
}

/// `GET /fhir/PractitionerRole/{rpps}-{finess}`: one practice site, read with its entry (one
/// `GetItem`).
async fn read_practitioner_role(
    State(state): State<FhirState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    search::format_only(query.as_deref())?;
    let not_found = || {
        FhirError::not_found(format!(
            "Aucun lieu d'exercice de l'annuaire n'a l'identifiant « {id} » (l'identifiant est <numéro RPPS>-<FINESS>)."
        ))
    };
    let (rpps, finess) = resources::parse_role_id(&id).ok_or_else(not_found)?;
    let entry = read_entry(&state, &rpps).await?.ok_or_else(not_found)?;
    let site = resources::role_sites(&entry)
        .into_iter()
        .find(|site| site.finess == finess)
        .ok_or_else(not_found)?;
    Ok(fhir(StatusCode::OK, &practitioner_role(&entry, site)))
}

/// `GET /fhir/PractitionerRole?practitioner=…|_id=…|organization=…`: the sites of the
/// professionals named, read with their entries (one `BatchGetItem`), the published sites of
/// establishments (one `Query` each, [`roles_at`]), or every role ([`list_roles`]), by id, a
/// page at a time.
async fn search_roles(
    State(state): State<FhirState>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let search = roles::RoleSearch::parse(query.as_deref(), &state.base)?;
    if let Some(listing) = search.listing() {
        return list_roles(&state, &search, &listing).await;
    }
    if let Some(establishments) = search.establishment_only() {
        return roles_at(&state, &search, establishments).await;
    }
    let count = usize::try_from(search.count).unwrap_or(1);
    // The professionals named, whole (one batch read).
    let entries = state
        .store
        .directory_entries(&search.numbers)
        .await
        .map_err(FhirError::from_store)?;
    let mut matched: Vec<(
        String,
        &rpps_store::DirectoryEntry,
        &rpps_store::DirectorySite,
    )> = Vec::new();
    for entry in &entries {
        for site in kept_sites(&search, entry) {
            let id = resources::role_id(entry.rpps.as_str(), site.finess.as_str());
            matched.push((id, entry, site));
        }
    }
    matched.sort_by(|a, b| a.0.cmp(&b.0));
    let total = match search.total {
        search::Total::None => None,
        _ => Some(matched.len()),
    };
    let (page, next) = page_after(matched, |(id, _, _)| id, search.after.as_deref(), count);
    roles_answer(&state, &search, &page, total, next).await
}

/// The roles at these establishments (`organization` alone): for each, its published sites
/// after the cursor's role (one `Query` of `_count` + 1 on GSI1 `DIRORG#<finess>`), merged by
/// role id, up to the frontier: the smallest last role read of an establishment read short of
/// its end (its next sites, not read, come after it). A page is the first `_count` roles the
/// search keeps up to the frontier; the next starts after its last, or after the frontier when
/// the other parameters kept fewer (so a filter that drops most sites never ends the paging
/// early).
async fn roles_at(
    state: &FhirState,
    search: &roles::RoleSearch,
    establishments: &[rpps_domain::Finess],
) -> Result<Response, FhirError> {
    use std::ops::Bound;
    let count = usize::try_from(search.count).unwrap_or(1);
    let after = search.after.as_deref().and_then(resources::parse_role_id);
    // The establishments' queries at once.
    let reads = futures_util::future::try_join_all(establishments.iter().map(|finess| {
        // After `<rpps>-<finess>`: at a later establishment, that professional's site too.
        let from = match &after {
            None => Bound::Unbounded,
            Some((rpps, at)) if finess.as_str() > at.as_str() => Bound::Included(rpps.as_str()),
            Some((rpps, _)) => Bound::Excluded(rpps.as_str()),
        };
        async move {
            let (entries, more) = state
                .store
                .directory_entries_at(finess, from, search.count + 1)
                .await
                .map_err(FhirError::from_store)?;
            Ok::<_, FhirError>((finess, entries, more))
        }
    }))
    .await?;
    let mut matched = Vec::new();
    for (finess, entries, _) in &reads {
        for entry in entries {
            if let Some(site) = kept_site_at(search, entry, finess) {
                let id = resources::role_id(entry.rpps.as_str(), finess.as_str());
                matched.push((id, entry, site));
            }
        }
    }
    matched.sort_by(|a, b| a.0.cmp(&b.0));
    let frontier = reads
        .iter()
        .filter(|(_, _, more)| *more)
        .filter_map(|(finess, entries, _)| {
            entries
                .last()
                .map(|e| resources::role_id(e.rpps.as_str(), finess.as_str()))
        })
        .min();
    // Every establishment read to its end on a first page: the whole result.
    let whole = after.is_none() && frontier.is_none();
    let total = match search.total {
        search::Total::None => None,
        _ if whole => Some(matched.len()),
        // The rest of each establishment's sites, after the last professional read there.
        search::Total::Accurate if after.is_none() => {
            let mut total = Some(matched.len());
            // One time allowed for all the establishments.
            let started = std::time::Instant::now();
            for (finess, entries, more) in &reads {
                let last = entries.last().map(|e| e.rpps.to_string());
                let mut counted = Counted::since(started, 0, last.filter(|_| *more));
                while let Some(after) = counted.next_read() {
                    let (rest, more) = state
                        .store
                        .directory_entries_at(finess, Bound::Excluded(&after), COUNT_PAGE)
                        .await
                        .map_err(FhirError::from_store)?;
                    let kept = rest
                        .iter()
                        .filter(|e| kept_site_at(search, e, finess).is_some())
                        .count();
                    let last = rest.last().map(|e| e.rpps.to_string());
                    counted.add(kept, last.filter(|_| more));
                }
                total = total.zip(counted.total()).map(|(a, b)| a + b);
                if total.is_none() {
                    break;
                }
            }
            total
        }
        _ => None,
    };
    matched.retain(|(id, _, _)| frontier.as_ref().is_none_or(|frontier| id <= frontier));
    let (page, next) = page_after(matched, |(id, _, _)| id, search.after.as_deref(), count);
    roles_answer(state, search, &page, total, next.or(frontier)).await
}

/// How many times [`list_roles`] may read a page again to end it on the last professional
/// whose roles fit `_count`, and how many reads (of up to 4 queries each) each time may take.
const REREADS: usize = 3;
const READS_PER_REREAD: usize = 4;

/// Every role (`PractitionerRole` without `practitioner`, `_id` or `organization`): the
/// directory's listing (by number, or by last change with `_lastUpdated`) a page of whole
/// professionals at a time, their roles in id order; the listing's cursor (24 hours, each
/// professional once while the data changes).
async fn list_roles(
    state: &FhirState,
    search: &roles::RoleSearch,
    listing: &rpps_store::Listing,
) -> Result<Response, FhirError> {
    let count = usize::try_from(search.count).unwrap_or(1);
    let now = time::OffsetDateTime::now_utc();
    let cursor = search.after.as_deref();
    let read = async |limit: i32, cursor: Option<&str>| {
        state
            .store
            .list_directory(listing, limit, cursor, now)
            .await
            .map_err(FhirError::from_listing)
    };
    let roles_of = |entries: &[rpps_store::DirectoryEntry]| -> usize {
        entries.iter().map(|e| kept_sites(search, e).count()).sum()
    };
    let mut page = read(search.count, cursor).await?;
    // More roles than `_count`: the professionals whose roles fit (one at least), read again
    // so that the cursor follows the last of them (the same snapshot: the same ones, but for
    // an entry created meanwhile by number; then again, from that read).
    for _ in 0..REREADS {
        if roles_of(&page.results) <= count {
            break;
        }
        let mut fit: i32 = 0;
        let mut roles = 0;
        for entry in &page.results {
            let n = kept_sites(search, entry).count();
            if fit > 0 && roles + n > count {
                break;
            }
            roles += n;
            fit += 1;
        }
        if usize::try_from(fit).is_ok_and(|fit| fit == page.results.len()) {
            // One professional with more roles than `_count`: served whole.
            break;
        }
        // A filtered listing (`active`, the snapshot) can read fewer than asked: on until
        // `fit` are read, from where the last read stopped.
        let mut kept = read(fit, cursor).await?;
        for _ in 1..READS_PER_REREAD {
            let short = fit - i32::try_from(kept.results.len()).unwrap_or(fit);
            let Some(after) = kept.next.clone().filter(|_| short > 0) else {
                break;
            };
            let more = read(short, Some(&after)).await?;
            kept.results.extend(more.results);
            kept.next = more.next;
        }
        page = kept;
    }
    let total = match search.total {
        search::Total::None => None,
        _ if cursor.is_none() && page.next.is_none() => Some(roles_of(&page.results)),
        search::Total::Accurate if cursor.is_none() => {
            let mut counted = Counted::new(roles_of(&page.results), page.next.clone());
            while let Some(cursor) = counted.next_read() {
                let rest = read(COUNT_PAGE, Some(&cursor)).await?;
                counted.add(roles_of(&rest.results), rest.next);
            }
            counted.total()
        }
        _ => None,
    };
    let mut matched = Vec::new();
    for entry in &page.results {
        let mut sites: Vec<_> = kept_sites(search, entry)
            .map(|site| {
                let id = resources::role_id(entry.rpps.as_str(), site.finess.as_str());
                (id, entry, site)
            })
            .collect();
        sites.sort_by(|a, b| a.0.cmp(&b.0));
        matched.extend(sites);
    }
    roles_answer(state, search, &matched, total, page.next).await
}

/// A role search's Bundle: the page's roles, with the `_include`s asked for.
async fn roles_answer(
    state: &FhirState,
    search: &roles::RoleSearch,
    page: &[(
        String,
        &rpps_store::DirectoryEntry,
        &rpps_store::DirectorySite,
    )],
    total: Option<usize>,
    next: Option<String>,
) -> Result<Response, FhirError> {
    let resources: Vec<Value> = page
        .iter()
        .map(|(_, entry, site)| practitioner_role(entry, site))
        .collect();
    let mut included: Vec<Value> = Vec::new();
    if search.include_organizations {
        // The establishments the page's roles point to (an ended role points to none).
        let mut finess: Vec<&rpps_domain::Finess> = page
            .iter()
            .filter(|(_, entry, site)| resources::role_is_active(entry, site))
            .map(|(_, _, site)| &site.finess)
            .collect();
        finess.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        finess.dedup();
        let found = read_establishments(state, finess.into_iter()).await?;
        included.extend(found.iter().map(organization));
    }
    if search.include_practitioners {
        let mut seen: Vec<&str> = Vec::new();
        for (_, entry, _) in page {
            if !seen.contains(&entry.rpps.as_str()) {
                seen.push(entry.rpps.as_str());
                included.push(practitioner(entry));
            }
        }
    }
    Ok(searchset_answer(
        &state.base,
        "PractitionerRole",
        (resources, included),
        total,
        search.canonical_query(None),
        next.map(|after| search.canonical_query(Some(&after))),
    ))
}

/// One page of a result sorted by `key`: the first `count` after the key `after`, and the key
/// of the page's last one when more follow (the next page's cursor).
fn page_after<T>(
    sorted: Vec<T>,
    key: impl Fn(&T) -> &str,
    after: Option<&str>,
    count: usize,
) -> (Vec<T>, Option<String>) {
    let mut page: Vec<T> = sorted
        .into_iter()
        .filter(|item| after.is_none_or(|after| key(item) > after))
        .collect();
    let next = (page.len() > count)
        .then(|| page.get(count - 1).map(|item| key(item).to_owned()))
        .flatten();
    page.truncate(count);
    (page, next)
}

/// An establishment's site of an entry read from its index, if the search keeps it.
fn kept_site_at<'a>(
    search: &roles::RoleSearch,
    entry: &'a rpps_store::DirectoryEntry,
    finess: &rpps_domain::Finess,
) -> Option<&'a rpps_store::DirectorySite> {
    kept_sites(search, entry).find(|site| site.finess == *finess)
}

/// The roles of an entry a role search keeps.
fn kept_sites<'a>(
    search: &roles::RoleSearch,
    entry: &'a rpps_store::DirectoryEntry,
) -> impl Iterator<Item = &'a rpps_store::DirectorySite> {
    resources::role_sites(entry).into_iter().filter(|site| {
        search.keeps(
            (&entry.rpps, &site.finess),
            resources::role_is_active(entry, site),
            entry.updated_at,
        )
    })
}

/// Establishments by FINESS (`BatchGetItem`s of 100), in FINESS order; the absent ones left out.
async fn read_establishments<'a>(
    state: &FhirState,
    finess: impl Iterator<Item = &'a rpps_domain::Finess>,
) -> Result<Vec<rpps_store::StoredEstablishment>, FhirError> {
    let found = state
        .store
        .get_establishments(finess)
        .await
        .map_err(FhirError::from_store)?;
    let mut found: Vec<_> = found.into_values().collect();
    found.sort_by(|a, b| {
        a.establishment
            .finess
            .as_str()
            .cmp(b.establishment.finess.as_str())
    });
    Ok(found)
}

/// `GET /fhir/Organization/{finess}`: one establishment (one `BatchGetItem` of one key).
async fn read_organization(
    State(state): State<FhirState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    search::format_only(query.as_deref())?;
    let not_found = || {
        FhirError::not_found(format!(
            "Aucun établissement n'a l'identifiant « {id} » (l'identifiant est le numéro FINESS)."
        ))
    };
    // The id as served only (`1…`, the idNatSt, is another spelling: one URL per resource).
    let finess = rpps_domain::Finess::parse(&id)
        .ok()
        .filter(|f| f.as_str() == id)
        .ok_or_else(not_found)?;
    let found = read_establishments(&state, std::iter::once(&finess)).await?;
    let stored = found.first().ok_or_else(not_found)?;
    Ok(fhir(StatusCode::OK, &organization(stored)))
}

/// `GET /fhir/Organization?…`: by FINESS (batch reads), else one index of the establishments
/// a page at a time (`rpps_store::organizations`).
async fn search_organizations(
    State(state): State<FhirState>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    use organizations::Criterion;
    let search = organizations::OrgSearch::parse(query.as_deref())?;
    let count = usize::try_from(search.count).unwrap_or(1);
    let (results, next, total) = match &search.criterion {
        Criterion::Nothing => (Vec::new(), None, Some(0)),
        Criterion::Numbers(numbers) => {
            let mut matched = read_establishments(&state, numbers.iter()).await?;
            matched.retain(|stored| search.filter.matches(stored));
            let total = matched.len();
            let (page, next) = page_after(
                matched,
                |s| s.establishment.finess.as_str(),
                search.cursor.as_deref(),
                count,
            );
            (page, next, Some(total))
        }
        Criterion::Indexed(filter) => {
            let page = state
                .store
                .search_organizations(
                    filter,
                    search.count,
                    search.cursor.as_deref(),
                    time::OffsetDateTime::now_utc(),
                )
                .await
                .map_err(FhirError::from_listing)?;
            let total = if search.cursor.is_some() {
                None
            } else if page.next.is_none() {
                // The whole result on this first page.
                Some(page.results.len())
            } else if search.total == search::Total::Accurate {
                let mut counted = Counted::new(page.results.len(), page.next.clone());
                while let Some(cursor) = counted.next_read() {
                    let rest = state
                        .store
                        .search_organizations(
                            filter,
                            COUNT_PAGE,
                            Some(&cursor),
                            time::OffsetDateTime::now_utc(),
                        )
                        .await
                        .map_err(FhirError::from_listing)?;
                    counted.add(rest.results.len(), rest.next);
                }
                counted.total()
            } else {
                None
            };
            (page.results, page.next, total)
        }
    };
    let total = match search.total {
        search::Total::None => None,
        _ => total,
    };
    Ok(searchset_answer(
        &state.base,
        "Organization",
        (results.iter().map(organization).collect(), Vec::new()),
        total,
        search.canonical_query(None),
        next.map(|cursor| search.canonical_query(Some(&cursor))),
    ))
}

async fn search_practitioners(
    State(state): State<FhirState>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let search = PractitionerSearch::parse(query.as_deref())?;
    let (entries, next) =
        practitioner_page(&state, &search, search.count, search.cursor.as_deref()).await?;
    let total = match (&search.criterion, search.total) {
        (_, search::Total::None) => None,
        (Criterion::Numbers(_), _) => Some(entries.len()),
        // The whole result on this first page.
        (_, _) if next.is_none() && search.cursor.is_none() => Some(entries.len()),
        (_, search::Total::Accurate) if search.cursor.is_none() => {
            let mut counted = Counted::new(entries.len(), next.clone());
            while let Some(cursor) = counted.next_read() {
                let (rest, next) =
                    practitioner_page(&state, &search, COUNT_PAGE, Some(&cursor)).await?;
                counted.add(rest.len(), next);
            }
            counted.total()
        }
        (_, _) => None,
    };
    let resources: Vec<Value> = entries.iter().map(practitioner).collect();
    let included: Vec<Value> = if search.roles {
        entries.iter().flat_map(practitioner_roles).collect()
    } else {
        Vec::new()
    };
    Ok(searchset_answer(
        &state.base,
        "Practitioner",
        (resources, included),
        total,
        search.canonical_query(None),
        next.map(|cursor| search.canonical_query(Some(&cursor))),
    ))
}

/// `_total=accurate` on a first page that is not the whole result: the rest is read
/// [`COUNT_PAGE`] at a time from the first page's cursor, [`COUNT_READS`] reads and
/// [`COUNT_TIME`] at most; beyond, no total (rather than a wrong one, or a request that runs
/// into the function's timeout).
#[derive(Debug)]
struct Counted {
    matched: usize,
    next: Option<String>,
    reads: usize,
    started: std::time::Instant,
}

impl Counted {
    fn new(first_page: usize, next: Option<String>) -> Self {
        Self::since(std::time::Instant::now(), first_page, next)
    }

    /// Counting with the time allowed taken from `started` (one time for several counts).
    fn since(started: std::time::Instant, first_page: usize, next: Option<String>) -> Self {
        Self {
            matched: first_page,
            next,
            reads: 0,
            started,
        }
    }

    /// The cursor of the next read, if the result goes on and the reads and time allowed do
    /// too.
    fn next_read(&mut self) -> Option<String> {
        if self.reads == COUNT_READS || self.started.elapsed() > COUNT_TIME {
            return None;
        }
        self.reads += 1;
        self.next.take()
    }

    fn add(&mut self, matched: usize, next: Option<String>) {
        self.matched += matched;
        self.next = next;
    }

    /// The total, if the whole result was read.
    fn total(&self) -> Option<usize> {
        self.next.is_none().then_some(self.matched)
    }
}

/// How many a read of `_total=accurate` asks for (DynamoDB stops a page at 1 MB anyway).
const COUNT_PAGE: i32 = 1000;
/// How many reads `_total=accurate` may add to a first page: some 20,000 directory entries
/// (a read of a filtered listing is up to 4 queries).
pub const COUNT_READS: usize = 20;
/// How long `_total=accurate` may count (the function times out at 10 s).
pub const COUNT_TIME: std::time::Duration = std::time::Duration::from_secs(3);

/// One page of a Practitioner search: the entries that meet every parameter, and the next
/// page's cursor.
async fn practitioner_page(
    state: &FhirState,
    search: &PractitionerSearch,
    count: i32,
    cursor: Option<&str>,
) -> Result<(Vec<rpps_store::DirectoryEntry>, Option<String>), FhirError> {
    let (mut entries, next) = match &search.criterion {
        Criterion::Numbers(numbers) => {
            let mut entries = state
                .store
                .directory_entries(numbers)
                .await
                .map_err(FhirError::from_store)?;
            entries.sort_by(|a, b| a.rpps.as_str().cmp(b.rpps.as_str()));
            (entries, None)
        }
        Criterion::Family(folded) => {
            name_index_page(state, &DirectorySearch::Name(folded.clone()), count, cursor).await?
        }
        Criterion::Token(token) => {
            name_index_page(state, &DirectorySearch::Token(token.clone()), count, cursor).await?
        }
        Criterion::Contains(word) => {
            name_index_page(
                state,
                &DirectorySearch::Contains(word.clone()),
                count,
                cursor,
            )
            .await?
        }
        Criterion::Listing(listing) => {
            let page = state
                .store
                .list_directory(listing, count, cursor, time::OffsetDateTime::now_utc())
                .await
                .map_err(FhirError::from_listing)?;
            (page.results, page.next)
        }
    };
    entries.retain(|entry| search.matches(entry));
    Ok((entries, next))
}

/// One page of a name index (`family`; `given`, `name`) and the next page's cursor.
async fn name_index_page(
    state: &FhirState,
    index: &DirectorySearch,
    count: i32,
    cursor: Option<&str>,
) -> Result<(Vec<rpps_store::DirectoryEntry>, Option<String>), FhirError> {
    let page = state
        .store
        .search_directory(index, count, cursor)
        .await
        .map_err(|e| match e {
            DirectoryError::BadCursor => FhirError::new(
                StatusCode::BAD_REQUEST,
                IssueCode::Invalid,
                "Ce lien de page n'est pas valable pour cette recherche : relancez la recherche.",
            ),
            DirectoryError::Store(e) => FhirError::from_store(e),
        })?;
    Ok((page.results, page.next))
}

/// A search's answer: its Bundle (matches, then included resources) with the `self` link and
/// the `next` one, both the search's canonical query on `base/<kind>`.
fn searchset_answer(
    base: &str,
    kind: &str,
    (matches, included): (Vec<Value>, Vec<Value>),
    total: Option<usize>,
    self_query: String,
    next_query: Option<String>,
) -> Response {
    let self_link = format!("{base}/{kind}?{self_query}");
    let next_link = next_query.map(|query| format!("{base}/{kind}?{query}"));
    fhir(
        StatusCode::OK,
        &resources::searchset(
            base,
            matches,
            included,
            total,
            &self_link,
            next_link.as_deref(),
        ),
    )
}

/// Any other path under `/fhir`: a resource type or an operation this server does not have.
async fn unknown(Path(rest): Path<String>) -> FhirError {
    let kind = rest.split('/').next().unwrap_or_default();
    FhirError::new(
        StatusCode::NOT_FOUND,
        IssueCode::NotSupported,
        format!(
            "« {kind} » n'est pas servi par cette API : voir /fhir/metadata pour ce qu'elle sert."
        ),
    )
}

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: FhirState) -> Router {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/Practitioner", get(search_practitioners))
        .route("/fhir/Practitioner/{id}", get(read_practitioner))
        .route("/fhir/PractitionerRole", get(search_roles))
        .route("/fhir/PractitionerRole/{id}", get(read_practitioner_role))
        .route("/fhir/Organization", get(search_organizations))
        .route("/fhir/Organization/{id}", get(read_organization))
        .route("/fhir/{*rest}", get(unknown))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<FhirState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, &public_origin))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: &str,
) -> FhirState {
    FhirState {
        store: Store::from_config(config, sdk),
        base: format!("{}/fhir", public_origin.trim_end_matches('/')),
    }
}

/// The query's parameters in order, each with every value it was given (form decoding, as
/// axum's `Query` does for the other functions; invalid UTF-8 decodes to U+FFFD, which the
/// parser refuses).
pub(crate) fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, search::SearchError> {
    let malformed =
        || search::SearchError::Invalid("La requête est mal formée (encodage invalide).".into());
    let uri: axum::http::Uri = format!("/?{}", query.unwrap_or_default())
        .parse()
        .map_err(|_| malformed())?;
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_as_forms_do() {
        assert_eq!(
            pairs(Some("family=L%C3%A9a+Dupont&_count=2&&x")).unwrap(),
            vec![
                ("family".into(), "Léa Dupont".into()),
                ("_count".into(), "2".into()),
                ("x".into(), String::new()),
            ]
        );
        let value = |q: &str| pairs(Some(q)).unwrap()[0].1.clone();
        assert_eq!(value("v=a%2"), "a%2");
        assert_eq!(value("v=%zz"), "%zz");
        assert!(value("v=%ff").contains('\u{fffd}'));
    }

    #[test]
    fn a_page_is_the_first_count_after_the_cursor_and_names_its_last() {
        let ids = || vec!["a", "b", "c", "d", "e"];
        let page = |after, count| page_after(ids(), |s| s, after, count);
        assert_eq!(page(None, 2), (vec!["a", "b"], Some("b".to_owned())));
        assert_eq!(page(Some("b"), 2), (vec!["c", "d"], Some("d".to_owned())));
        assert_eq!(page(Some("d"), 2), (vec!["e"], None));
        assert_eq!(page(Some("c"), 2), (vec!["d", "e"], None));
        assert_eq!(page(Some("bb"), 5), (vec!["c", "d", "e"], None));
    }

    /// Issue 16: `_total=accurate` reads the rest of a result [`COUNT_READS`] times at most;
    /// a result that goes on past them gets no total rather than a wrong one.
    #[test]
    fn an_accurate_total_is_counted_within_the_reads_allowed() {
        let count = |reads_needed: usize| {
            let mut counted = Counted::new(50, Some("c".into()));
            let mut done = 0;
            while let Some(cursor) = counted.next_read() {
                assert_eq!(cursor, "c");
                done += 1;
                let next = (done < reads_needed).then(|| "c".to_owned());
                counted.add(1000, next);
            }
            (done, counted.total())
        };
        assert_eq!(count(1), (1, Some(1050)));
        assert_eq!(
            count(COUNT_READS),
            (COUNT_READS, Some(50 + 1000 * COUNT_READS))
        );
        assert_eq!(count(COUNT_READS + 1), (COUNT_READS, None));
        // Past the time allowed, no more reads and no total.
        let mut late = Counted::new(50, Some("c".into()));
        if let Some(before) = late
            .started
            .checked_sub(COUNT_TIME + std::time::Duration::from_millis(1))
        {
            late.started = before;
            assert_eq!(late.next_read(), None);
            assert_eq!(late.total(), None);
        }
        // A first page that is the whole result reads nothing more.
        let mut whole = Counted::new(7, None);
        assert_eq!(whole.next_read(), None);
        assert_eq!(whole.total(), Some(7));
    }
}

#[cfg(test)]
mod routes {
    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let state = super::state_from_sdk(&config, &sdk, "http://127.0.0.1:1");
        let unserved = rpps_api::routes::unserved(super::router(state), super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
