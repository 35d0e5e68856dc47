//! The RPPS+ web app: every journey of the portal as pages of one Dioxus single-page app,
//! in French, made for a phone first. `api` speaks to the functions, `storage` keeps drafts in
//! the browser, `ui` holds the accessible building blocks, `pages` one module per journey.

pub mod api;
pub mod card;
#[cfg(target_arch = "wasm32")]
mod history;
pub mod json;
pub mod pages;
pub mod router;
pub mod storage;
pub mod ui;
pub mod views;

use dioxus::prelude::*;

pub use router::{Link, Route};

use pages::applicant::Demande;
use pages::directory::{Annuaire, Fiche};
use pages::errors::{Indisponible, NonAutorise, NotFound, ProblemeConnexion};
use pages::help::Aide;
use pages::home::Accueil;
use pages::import::{GestionImport, GestionImportSuivi};
use pages::manager::{Gestion, GestionDemande, GestionNouvelle, GestionPersonnel};
use pages::professional::MonDossier;
use pages::verifier::{Verification, Verifier};

/// The root component.
#[component]
pub fn App() -> Element {
    router::use_router();
    use_hook(register_service_worker);
    rsx! { Shell {} }
}

/// Registers the service worker (`frontend/sw.js`, written into dist by build.sh): the app and
/// the keys that verify a card kept in the browser, so `/verifier` works offline after one visit
/// (issue 20). Nothing when the browser has none (an old one, or a page not over HTTPS).
fn register_service_worker() {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
            return;
        };
        if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
            return;
        }
        let registered = navigator.service_worker().register("/sw.js");
        // A refusal (the placeholder build has no sw.js) changes nothing: the app works online.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(registered).await;
        });
    }
}

/// Header, main content and footer around every page; a skip link first (keyboard users).
#[component]
fn Shell() -> Element {
    rsx! {
        a { class: "evitement", href: "#contenu", "Aller au contenu" }
        header { class: "entete",
            div { class: "conteneur entete-ligne",
                Link { to: Route::Accueil {}, class: "marque",
                    span { class: "marque-nom", "RPPS+" }
                    span { class: "marque-sous-titre", "Enregistrement des professionnels" }
                }
                nav { aria_label: "Menu principal",
                    ul { class: "menu",
                        li { Link { to: Route::Accueil {}, "Accueil" } }
                        li { Link { to: Route::Annuaire {}, "Annuaire" } }
                        li { Link { to: Route::Aide {}, "Aide" } }
                    }
                }
            }
        }
        main { id: "contenu", class: "conteneur", tabindex: "-1",
            Page {}
        }
        footer { class: "pied",
            div { class: "conteneur",
                p { "RPPS+ — réimplémentation indépendante du portail d'enregistrement au répertoire partagé des professionnels de santé (RPPS). Ce site n'est pas un site de l'État." }
                p { Link { to: Route::Aide {}, "Aide et questions fréquentes" } }
            }
        }
    }
}

/// The page of the address shown.
#[component]
fn Page() -> Element {
    match router::use_route() {
        Route::Accueil {} => rsx! { Accueil {} },
        Route::Aide {} => rsx! { Aide {} },
        Route::Demande {} => rsx! { Demande {} },
        Route::MonDossier {} => rsx! { MonDossier {} },
        Route::Gestion {} => rsx! { Gestion {} },
        Route::GestionNouvelle {} => rsx! { GestionNouvelle {} },
        Route::GestionDemande { id } => rsx! { GestionDemande { id } },
        Route::GestionPersonnel {} => rsx! { GestionPersonnel {} },
        Route::GestionImport {} => rsx! { GestionImport {} },
        Route::GestionImportSuivi { id } => rsx! { GestionImportSuivi { id } },
        Route::Annuaire {} => rsx! { Annuaire {} },
        Route::Fiche { rpps } => rsx! { Fiche { rpps } },
        Route::Verification {} => rsx! { Verification {} },
        Route::Verifier { rpps } => rsx! { Verifier { rpps } },
        Route::NonAutorise {} => rsx! { NonAutorise {} },
        Route::ProblemeConnexion {} => rsx! { ProblemeConnexion {} },
        Route::Indisponible {} => rsx! { Indisponible {} },
        Route::NotFound { segments } => rsx! { NotFound { segments } },
    }
}

#[cfg(test)]
mod route_tests {
    use super::Route;

    /// Every page the functions link to (sign-in landings, links in emails, the card's QR code:
    /// `rpps_contract::pages`) is a page of the router, not « Page introuvable ».
    #[test]
    fn linked_pages_exist() {
        let served = |path: &str| !matches!(Route::parse(path), Route::NotFound { .. });
        let missing: Vec<String> = rpps_contract::pages::linked_samples()
            .into_iter()
            .filter(|path| !served(path))
            .collect();
        assert!(
            missing.is_empty(),
            "not pages of the web app (« Page introuvable »): {missing:?}"
        );
    }
}

#[cfg(test)]
mod render_tests {
    //! Pages rendered to HTML on the host (dioxus-ssr): the static journeys' text and structure.
    use dioxus::prelude::*;

    fn render(component: fn() -> Element) -> String {
        let mut dom = VirtualDom::new(component);
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }

    #[test]
    fn the_help_page_answers_the_faq_in_french() {
        let html = render(super::pages::help::Aide);
        // FAQ-R7: parking tolerances are decided by each municipality.
        assert!(html.contains("décidées par chaque commune"), "{html}");
        // FAQ-R17, R18: INSEE code vs postal code; the RPPS number's shape.
        assert!(html.contains("pas le code postal"));
        assert!(html.contains("11 chiffres et commence par 1"));
        // FAQ-R10: card middleware.
        assert!(html.contains("Cryptolib CPS"));
    }

    #[test]
    fn the_error_pages_say_what_to_do() {
        let html = render(super::pages::errors::Indisponible);
        assert!(html.contains("Réessayer"), "{html}");
        assert!(html.contains("vos saisies sont conservées"));
    }

    #[test]
    fn the_home_page_offers_every_journey() {
        let html = render(super::App);
        assert!(html.contains("/api/auth/franceconnect/login"), "{html}");
        assert!(html.contains("/api/auth/psc/login?profil=gestionnaire"));
        assert!(html.contains("/api/auth/psc/login?profil=professionnel"));
        assert!(html.contains("Aller au contenu"));
    }
}
