//! The home page: who the portal is for, and one entry per journey.

use dioxus::prelude::*;

use crate::ui::Titre;

use crate::router::{Link, Route};

pub const FC_LOGIN: &str = "/api/auth/franceconnect/login";
pub const PSC_MANAGER_LOGIN: &str = "/api/auth/psc/login?profil=gestionnaire";
pub const PSC_PRO_LOGIN: &str = "/api/auth/psc/login?profil=professionnel";

#[component]
pub fn Accueil() -> Element {
    rsx! {
        Titre { texte: "RPPS+ — Accueil" }
        h1 { "Obtenir son numéro RPPS d'aide à domicile qualifiée" }
        p { class: "chapo",
            "Les aides à domicile qualifiées sont enregistrées au répertoire des professionnels de santé (RPPS). "
            "Vous faites une pré-inscription en ligne, votre employeur la vérifie et la valide, "
            "puis vous recevez votre numéro RPPS par e-mail."
        }
        section { class: "parcours", aria_labelledby: "titre-aide",
            h2 { id: "titre-aide", "Je suis aide à domicile et je n'ai pas de numéro RPPS" }
            p { "Faites votre pré-inscription : votre identité est reprise de FranceConnect, vous complétez vos coordonnées et votre établissement employeur." }
            a { class: "bouton bouton-fc", href: FC_LOGIN, "S'identifier avec FranceConnect" }
            p { class: "petit", "Déjà commencé ? Reconnectez-vous : votre brouillon vous attend. "
                Link { to: Route::Demande {}, "Reprendre ma demande" }
            }
        }
        section { class: "parcours", aria_labelledby: "titre-gestion",
            h2 { id: "titre-gestion", "Je suis gestionnaire RPPS+ d'un établissement" }
            p { "Validez les demandes de vos salariés, ou enregistrez vous-même une ou un aide. Connexion avec votre carte CPx (CPE, CPA, CPS) par Pro Santé Connect." }
            a { class: "bouton", href: PSC_MANAGER_LOGIN, "Accéder à l'espace gestionnaire" }
        }
        section { class: "parcours", aria_labelledby: "titre-pro",
            h2 { id: "titre-pro", "J'ai déjà un numéro RPPS" }
            p { "Consultez votre dossier et mettez à jour vos coordonnées avec votre e-CPS (Pro Santé Connect). FranceConnect ne sert qu'à la première pré-inscription." }
            a { class: "bouton secondaire", href: PSC_PRO_LOGIN, "Se connecter avec e-CPS" }
        }
        section { class: "parcours", aria_labelledby: "titre-annuaire",
            h2 { id: "titre-annuaire", "Vérifier une ou un professionnel" }
            p { "L'annuaire public donne le nom, le numéro RPPS et les lieux d'exercice, avec une fiche PDF. Le QR code de la fiche mène à la page de vérification." }
            Link { to: Route::Annuaire {}, class: "bouton secondaire", "Chercher dans l'annuaire" }
        }
        section { class: "parcours", aria_labelledby: "titre-question",
            h2 { id: "titre-question", "Une question ?" }
            p { "Problème de connexion, carte CPx, numéro RPPS, code INSEE, stationnement : "
                Link { to: Route::Aide {}, "consultez l'aide" } "."
            }
        }
    }
}
