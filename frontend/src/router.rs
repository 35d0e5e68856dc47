//! The pages' addresses and the navigation between them: our own small router rather than
//! dioxus-router (its derived parser, outlet and link machinery cost about 35 KB of the module,
//! docs/PERFORMANCE.md). [`Route::parse`] reads an address, `Display` writes one, [`Link`] is an
//! `<a href>` that changes the page without reloading it, and the address bar follows through
//! the browser's history (`src/history.rs`: `pushState`, `popstate`): deep links, reloads and
//! the back button work.

use std::fmt;

use dioxus::prelude::*;

use crate::api::encode;

/// The pages and their addresses. The sign-in function lands applicants on `/demande`,
/// professionals on `/mon-dossier`, managers on `/gestion`.
#[derive(Clone, PartialEq, Debug)]
pub enum Route {
    /// `/`
    Accueil {},
    /// `/aide`
    Aide {},
    /// `/demande`
    Demande {},
    /// `/mon-dossier`
    MonDossier {},
    /// `/gestion`
    Gestion {},
    /// `/gestion/nouvelle-demande`
    GestionNouvelle {},
    /// `/gestion/demandes/{id}`
    GestionDemande { id: String },
    /// `/gestion/personnel`
    GestionPersonnel {},
    /// `/gestion/import`: a team from a file (issue 19).
    GestionImport {},
    /// `/gestion/import/{id}`: an import's preview.
    GestionImportSuivi { id: String },
    /// `/annuaire`
    Annuaire {},
    /// `/annuaire/{rpps}`
    Fiche { rpps: String },
    /// `/verifier`: a card's QR code read by the camera or from a photo (issue 20).
    Verification {},
    /// `/verifier/{rpps}`, the card's QR code's address (its signed statement after `#`).
    Verifier { rpps: String },
    /// `/erreur/non-autorise`
    NonAutorise {},
    /// `/erreur/connexion`
    ProblemeConnexion {},
    /// `/erreur/indisponible`
    Indisponible {},
    /// Any other address: « Page introuvable », with the address's segments.
    NotFound { segments: Vec<String> },
}

impl Route {
    /// The page of an address (`/annuaire/10001045367?x=1#haut`): the path chooses it, the query
    /// string and the fragment do not; a trailing slash is ignored (`/aide/` is `/aide`); path
    /// parameters are percent-decoded. Anything else is [`Route::NotFound`].
    pub fn parse(address: &str) -> Route {
        let end = address.find(['?', '#']).unwrap_or(address.len());
        let path = &address[..end];
        let Some(path) = path.strip_prefix('/') else {
            return Route::NotFound {
                segments: vec![decode(path)],
            };
        };
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<String> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('/').map(decode).collect()
        };
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let one = |value: &str| value.to_owned();
        match parts.as_slice() {
            [] => Route::Accueil {},
            ["aide"] => Route::Aide {},
            ["demande"] => Route::Demande {},
            ["mon-dossier"] => Route::MonDossier {},
            ["gestion"] => Route::Gestion {},
            ["gestion", "nouvelle-demande"] => Route::GestionNouvelle {},
            ["gestion", "demandes", id] => Route::GestionDemande { id: one(id) },
            ["gestion", "personnel"] => Route::GestionPersonnel {},
            ["gestion", "import"] => Route::GestionImport {},
            ["gestion", "import", id] => Route::GestionImportSuivi { id: one(id) },
            ["annuaire"] => Route::Annuaire {},
            ["annuaire", rpps] => Route::Fiche { rpps: one(rpps) },
            ["verifier"] => Route::Verification {},
            ["verifier", rpps] => Route::Verifier { rpps: one(rpps) },
            ["erreur", "non-autorise"] => Route::NonAutorise {},
            ["erreur", "connexion"] => Route::ProblemeConnexion {},
            ["erreur", "indisponible"] => Route::Indisponible {},
            _ => Route::NotFound { segments },
        }
    }
}

/// The address of the page (`/gestion/demandes/0193a5b0-…`), path parameters percent-encoded.
impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, parameter) = match self {
            Route::Accueil {} => ("/", None),
            Route::Aide {} => ("/aide", None),
            Route::Demande {} => ("/demande", None),
            Route::MonDossier {} => ("/mon-dossier", None),
            Route::Gestion {} => ("/gestion", None),
            Route::GestionNouvelle {} => ("/gestion/nouvelle-demande", None),
            Route::GestionDemande { id } => ("/gestion/demandes/", Some(id)),
            Route::GestionPersonnel {} => ("/gestion/personnel", None),
            Route::GestionImport {} => ("/gestion/import", None),
            Route::GestionImportSuivi { id } => ("/gestion/import/", Some(id)),
            Route::Annuaire {} => ("/annuaire", None),
            Route::Fiche { rpps } => ("/annuaire/", Some(rpps)),
            Route::Verification {} => ("/verifier", None),
            Route::Verifier { rpps } => ("/verifier/", Some(rpps)),
            Route::NonAutorise {} => ("/erreur/non-autorise", None),
            Route::ProblemeConnexion {} => ("/erreur/connexion", None),
            Route::Indisponible {} => ("/erreur/indisponible", None),
            Route::NotFound { segments } => {
                for segment in segments {
                    write!(f, "/{}", encode(segment))?;
                }
                return Ok(());
            }
        };
        f.write_str(path)?;
        match parameter {
            Some(value) => f.write_str(&encode(value)),
            None => Ok(()),
        }
    }
}

/// A path segment with its `%XX` escapes decoded; as it is when they are not UTF-8.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |i: usize| bytes.get(i).and_then(|&b| (b as char).to_digit(16));
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

/// The page shown, shared by the shell and the links.
#[derive(Clone, Copy)]
struct Current(Signal<Route>);

/// Keeps the page shown in step with the address bar (the back and forward buttons): called
/// once, by the root component; the page is then [`use_route`]'s.
pub fn use_router() {
    use_context_provider(|| {
        let mut route = Signal::new(Route::parse(&history::current()));
        history::on_popstate(move || route.set(Route::parse(&history::current())));
        Current(route)
    });
}

/// The page shown; the component calling it renders again when it changes.
pub fn use_route() -> Route {
    use_context::<Current>().0.read().clone()
}

/// Shows `to`: a new entry in the browser's history, the new page from its top.
pub fn navigate(to: Route) {
    show(&to.to_string());
}

/// Shows the page of `address`, a fragment included (`/verifier/10001045367#0123…`): a new
/// entry in the browser's history.
pub fn show(address: &str) {
    let mut current = consume_context::<Current>().0;
    if history::push(address) {
        current.set(Route::parse(address));
    }
}

/// A link to a page of the app: an `<a href>` (a new tab with the middle button, Ctrl or ⌘, as
/// any link), whose plain click changes the page without loading the app again. The link to the
/// page shown says so to screen readers (`aria-current="page"`).
#[component]
pub fn Link(to: Route, class: Option<&'static str>, children: Element) -> Element {
    let here = use_route() == to;
    let href = to.to_string();
    rsx! {
        a {
            href,
            class,
            aria_current: here.then_some("page"),
            onclick: move |event: MouseEvent| {
                let plain = event.modifiers().is_empty()
                    && event.trigger_button() == Some(dioxus::html::input_data::MouseButton::Primary);
                if plain {
                    event.prevent_default();
                    navigate(to.clone());
                }
            },
            {children}
        }
    }
}

/// The browser's address bar; on the host (tests, server-side rendering) always `/`.
#[cfg(target_arch = "wasm32")]
use crate::history;

#[cfg(not(target_arch = "wasm32"))]
mod history {
    pub fn current() -> String {
        "/".into()
    }

    pub fn push(_address: &str) -> bool {
        true
    }

    pub fn on_popstate(_change: impl FnMut() + 'static) {}
}

#[cfg(test)]
mod tests {
    use super::Route;

    /// One of each page, with path parameters that need escaping.
    fn every_route() -> Vec<Route> {
        vec![
            Route::Accueil {},
            Route::Aide {},
            Route::Demande {},
            Route::MonDossier {},
            Route::Gestion {},
            Route::GestionNouvelle {},
            Route::GestionDemande {
                id: "0193a5b0-7c1e-7000-8000-000000000001".into(),
            },
            Route::GestionDemande {
                id: "a b/c?d#e%f".into(),
            },
            Route::GestionPersonnel {},
            Route::GestionImport {},
            Route::GestionImportSuivi {
                id: "0193a5b0-7c1e-7000-8000-000000000002".into(),
            },
            Route::Annuaire {},
            Route::Fiche {
                rpps: "10001045367".into(),
            },
            Route::Fiche {
                rpps: "Saint-Étienne".into(),
            },
            Route::Verification {},
            Route::Verifier {
                rpps: "10001045367".into(),
            },
            Route::NonAutorise {},
            Route::ProblemeConnexion {},
            Route::Indisponible {},
            Route::NotFound {
                segments: vec!["nulle-part".into()],
            },
            Route::NotFound {
                segments: vec!["gestion".into(), "demandes".into(), "r1".into(), "x".into()],
            },
            Route::NotFound {
                segments: vec!["é t/é".into()],
            },
        ]
    }

    #[test]
    fn every_route_reads_back_from_its_address() {
        for route in every_route() {
            let address = route.to_string();
            assert!(address.starts_with('/'), "{address}");
            assert_eq!(Route::parse(&address), route, "{address}");
        }
    }

    #[test]
    fn addresses_are_the_pages_paths() {
        assert_eq!(Route::Accueil {}.to_string(), "/");
        assert_eq!(Route::Aide {}.to_string(), "/aide");
        assert_eq!(
            Route::GestionNouvelle {}.to_string(),
            "/gestion/nouvelle-demande"
        );
        assert_eq!(
            Route::Verifier {
                rpps: "10001045367".into()
            }
            .to_string(),
            "/verifier/10001045367"
        );
        assert_eq!(Route::Indisponible {}.to_string(), "/erreur/indisponible");
    }

    #[test]
    fn path_parameters_are_percent_encoded_and_decoded() {
        let route = Route::Fiche {
            rpps: "a b/é".into(),
        };
        assert_eq!(route.to_string(), "/annuaire/a%20b%2F%C3%A9");
        assert_eq!(Route::parse("/annuaire/a%20b%2F%C3%A9"), route);
        // Lower-case escapes, and a `%` that starts no escape, read as written.
        assert_eq!(
            Route::parse("/verifier/%c3%a9%2"),
            Route::Verifier {
                rpps: "é%2".into()
            }
        );
        // Escapes that are not UTF-8: the segment as it is.
        assert_eq!(
            Route::parse("/verifier/%FF"),
            Route::Verifier { rpps: "%FF".into() }
        );
    }

    #[test]
    fn query_strings_fragments_and_a_trailing_slash_do_not_choose_the_page() {
        assert_eq!(Route::parse("/aide#insee"), Route::Aide {});
        assert_eq!(Route::parse("/aide?x=1#insee"), Route::Aide {});
        assert_eq!(Route::parse("/aide/"), Route::Aide {});
        assert_eq!(Route::parse("/?profil=gestionnaire"), Route::Accueil {});
        assert_eq!(Route::parse("/#contenu"), Route::Accueil {});
        assert_eq!(Route::parse("//"), Route::Accueil {});
        assert_eq!(
            Route::parse("/gestion/demandes/r1?onglet=2"),
            Route::GestionDemande { id: "r1".into() }
        );
        assert_eq!(Route::parse("/annuaire/?q=x"), Route::Annuaire {});
    }

    #[test]
    fn unknown_addresses_are_not_found_with_their_segments() {
        let not_found = |address: &str, segments: &[&str]| {
            assert_eq!(
                Route::parse(address),
                Route::NotFound {
                    segments: segments.iter().map(|s| s.to_string()).collect()
                },
                "{address}"
            );
        };
        not_found("/nulle-part", &["nulle-part"]);
        not_found("/Aide", &["Aide"]);
        not_found("/gestion/demandes", &["gestion", "demandes"]);
        not_found(
            "/gestion/demandes/r1/x",
            &["gestion", "demandes", "r1", "x"],
        );
        not_found("/verifier/a/b", &["verifier", "a", "b"]);
        not_found("/erreur", &["erreur"]);
        not_found("/api/session?x", &["api", "session"]);
        not_found("/annuaire/a/b", &["annuaire", "a", "b"]);
        not_found("/%C3%A9t%C3%A9", &["été"]);
        // Not a path.
        not_found("aide", &["aide"]);
    }
}
