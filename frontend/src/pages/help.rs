//! Help: the FAQ's answers in our own words (FAQ-R7, R8, R10, R12, R13, R17, R18).

use dioxus::prelude::*;

use crate::ui::Titre;

use super::home::{FC_LOGIN, PSC_MANAGER_LOGIN, PSC_PRO_LOGIN};

#[component]
pub fn Aide() -> Element {
    rsx! {
        Titre { texte: "RPPS+ — Aide" }
        h1 { "Aide et questions fréquentes" }
        section { aria_labelledby: "aide-connexion",
            h2 { id: "aide-connexion", "Se connecter" }
            details { id: "franceconnect",
                summary { "Je n'arrive pas à me connecter avec FranceConnect" }
                p { "FranceConnect vous connecte avec un compte que vous avez déjà (impots.gouv.fr, ameli.fr, l'Identité numérique La Poste…). Choisissez le compte dont vous connaissez le mot de passe ; si la connexion échoue, réessayez quelques minutes plus tard." }
                p { "FranceConnect ne sert qu'à une première pré-inscription. Si vous avez déjà un numéro RPPS, connectez-vous avec votre e-CPS : "
                    a { href: PSC_PRO_LOGIN, "se connecter avec e-CPS" } "."
                }
                p { a { href: FC_LOGIN, "Réessayer avec FranceConnect" } }
            }
            details { id: "non-autorise",
                summary { "On me dit que je ne suis pas autorisé(e) à accéder à l'espace gestionnaire" }
                p { "L'espace gestionnaire est réservé aux personnes désignées gestionnaires RPPS+ de leur établissement. La désignation est faite par l'opérateur du répertoire, à la demande de l'établissement : votre carte CPx seule ne suffit pas." }
                p { "Demandez à votre direction de vous faire désigner. Si vous voulez faire votre propre pré-inscription d'aide à domicile, utilisez FranceConnect depuis la page d'accueil." }
            }
            details { id: "carte",
                summary { "Ma carte CPx n'est pas reconnue (lecteur, Cryptolib CPS)" }
                p { "La connexion par carte demande un lecteur de carte branché et le logiciel « Cryptolib CPS » installé sur l'ordinateur. Vérifiez que la carte est bien insérée, que le lecteur est reconnu, puis fermez et rouvrez le navigateur." }
                p { "Vous pouvez aussi utiliser l'application e-CPS sur votre téléphone si elle est activée. "
                    a { href: PSC_MANAGER_LOGIN, "Réessayer la connexion gestionnaire" }
                }
            }
            details { id: "contact",
                summary { "Je veux changer mon e-mail ou mon numéro de mobile" }
                p { "Une fois votre numéro RPPS attribué, connectez-vous avec votre e-CPS pour modifier vos coordonnées. Votre gestionnaire RPPS+ peut aussi ajouter ou corriger votre numéro de mobile. Les autres professions s'adressent à leur ordre ou à leur autorité d'enregistrement." }
            }
        }
        section { aria_labelledby: "aide-numeros",
            h2 { id: "aide-numeros", "Numéros et codes" }
            details { id: "rpps",
                summary { "À quoi ressemble un numéro RPPS ?" }
                p { "Un numéro RPPS compte 11 chiffres et commence par 1, par exemple 10001045367. Le dernier chiffre est une clé de contrôle : une faute de frappe est le plus souvent détectée." }
                p { "Pro Santé Connect affiche parfois un identifiant de 12 caractères commençant par 8 : c'est « 8 » suivi du numéro RPPS. Nous affichons toujours les 11 chiffres." }
            }
            details { id: "insee",
                summary { "Où trouver le code INSEE de ma commune de naissance ?" }
                p { "Le code INSEE (ou « code officiel géographique ») compte 5 caractères ; ce n'est pas le code postal. Par exemple Paris 15e arrondissement a le code postal 75015 mais le code INSEE 75115." }
                p { "Dans nos formulaires, tapez les premières lettres de la commune : la liste propose les communes avec leur code INSEE entre parenthèses. Si vous tapez un code postal, nous proposons les communes qu'il dessert. Vous trouverez aussi le code sur un acte de naissance récent ou sur le site de l'INSEE." }
                p { "Pour une naissance à l'étranger, on indique le pays de naissance (code INSEE en 99…)." }
            }
            details { id: "finess",
                summary { "Quel numéro d'établissement indiquer : FINESS ou SIRET ?" }
                p { "L'établissement se recherche par son numéro FINESS (9 caractères, par exemple 750012346) ou par son nom. Le SIRET (14 chiffres) identifie l'entreprise auprès de l'INSEE, pas l'établissement de santé ou médico-social : il ne convient pas. Votre employeur peut vous donner le numéro FINESS." }
            }
        }
        section { aria_labelledby: "aide-carte",
            h2 { id: "aide-carte", "Après l'enregistrement" }
            details { id: "delais",
                summary { "Quand vais-je recevoir mon numéro RPPS ?" }
                p { "Dès que votre gestionnaire valide votre demande, vous recevez un e-mail avec votre numéro RPPS : il sert de justificatif. Vous pouvez aussi le voir en vous reconnectant. Vous pourrez activer votre e-CPS 48 heures après l'attribution du numéro." }
            }
            details { id: "stationnement",
                summary { "Ma carte me donne-t-elle droit à des tolérances de stationnement ?" }
                p { "Non, pas automatiquement : les tolérances de stationnement des professionnels intervenant à domicile sont décidées par chaque commune. Renseignez-vous auprès de la mairie des communes où vous intervenez. Le document à présenter est la fiche PDF de l'annuaire public, qui porte un QR code permettant de vérifier qu'elle est à jour." }
            }
            details { id: "depart",
                summary { "Je quitte mon employeur" }
                p { "Votre employeur retire son établissement de vos lieux d'exercice ; l'annuaire public est mis à jour. Votre numéro RPPS, lui, vous reste." }
            }
        }
    }
}
