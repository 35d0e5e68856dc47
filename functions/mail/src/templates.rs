//! The emails, in French, each as HTML and plain text. Values are escaped in the HTML part.

/// A message ready to send: subject, HTML and plain-text bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Escapes text for HTML (element content and quoted attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn html_page(title: &str, paragraphs: &[String]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1b1b;line-height:1.5\">\n\
         <h1 style=\"font-size:1.3rem\">{title}</h1>\n{body}\
         <p style=\"color:#555;font-size:.9rem\">Ce message est envoyé automatiquement par le portail RPPS+ : merci de ne pas y répondre.</p>\n\
         </body></html>\n",
        title = escape(title)
    )
}

const SIGNATURE: &str =
    "Ce message est envoyé automatiquement par le portail RPPS+ : merci de ne pas y répondre.";

/// To the professional: their RPPS number (FAQ-R3) and the date from which the e-CPS can be
/// activated (FAQ-R5). `ecps_from` is already written in French, in Paris time
/// (`rpps_domain::french::numeric_datetime`: "28/11/2026 à 10 h 15").
pub fn rpps_allocated(
    given_names: &str,
    family_name: &str,
    rpps: &str,
    ecps_from: &str,
) -> Content {
    let title = "Votre numéro RPPS";
    let name = format!("{given_names} {family_name}");
    let html = html_page(
        title,
        &[
            format!("Bonjour {},", escape(&name)),
            "Votre demande d'enregistrement au répertoire partagé des professionnels de santé (RPPS) a été validée par votre employeur.".to_owned(),
            format!("Votre numéro RPPS est : <strong style=\"font-size:1.2rem;letter-spacing:.05em\">{}</strong>. Conservez ce message : il vous sert de justificatif.", escape(rpps)),
            format!("Vous pourrez activer votre carte e-CPS dans l'application e-CPS (App Store ou Google Play) à partir du {}.", escape(ecps_from)),
            "Vos nom, profession et lieu d'exercice apparaîtront dans l'annuaire public, avec une fiche PDF téléchargeable.".to_owned(),
        ],
    );
    let text = format!(
        "Bonjour {name},\n\n\
         Votre demande d'enregistrement au répertoire partagé des professionnels de santé (RPPS) a été validée par votre employeur.\n\n\
         Votre numéro RPPS est : {rpps}\n\
         Conservez ce message : il vous sert de justificatif.\n\n\
         Vous pourrez activer votre carte e-CPS dans l'application e-CPS (App Store ou Google Play) à partir du {ecps_from}.\n\n\
         Vos nom, profession et lieu d'exercice apparaîtront dans l'annuaire public, avec une fiche PDF téléchargeable.\n\n{SIGNATURE}\n"
    );
    Content {
        subject: format!("Votre numéro RPPS : {rpps}"),
        html,
        text,
    }
}

/// To the applicant: the request was refused, with the manager's reason.
pub fn request_rejected(given_names: &str, family_name: &str, reason: &str) -> Content {
    let title = "Votre demande d'enregistrement n'a pas été validée";
    let name = format!("{given_names} {family_name}");
    let html = html_page(
        title,
        &[
            format!("Bonjour {},", escape(&name)),
            "Le gestionnaire RPPS+ de votre établissement n'a pas validé votre demande d'enregistrement, pour la raison suivante :".to_owned(),
            format!("<em>« {} »</em>", escape(reason)),
            "Pour toute question, adressez-vous à votre employeur. Vous pouvez faire une nouvelle demande sur le portail RPPS+.".to_owned(),
        ],
    );
    let text = format!(
        "Bonjour {name},\n\n\
         Le gestionnaire RPPS+ de votre établissement n'a pas validé votre demande d'enregistrement, pour la raison suivante :\n\n\
         « {reason} »\n\n\
         Pour toute question, adressez-vous à votre employeur. Vous pouvez faire une nouvelle demande sur le portail RPPS+.\n\n{SIGNATURE}\n"
    );
    Content {
        subject: title.to_owned(),
        html,
        text,
    }
}

/// To the managers of an establishment: a request is waiting for them (FAQ-R11).
pub fn new_request(establishment: &str, applicant: &str, portal_url: &str) -> Content {
    let title = "Une demande d'enregistrement attend votre validation";
    let html = html_page(
        title,
        &[
            "Bonjour,".to_owned(),
            format!(
                "{} a envoyé une demande d'enregistrement au RPPS pour l'établissement {}.",
                escape(applicant),
                escape(establishment)
            ),
            "Vérifiez les conditions de diplôme ou d'expérience professionnelle, puis validez ou refusez la demande dans votre espace gestionnaire.".to_owned(),
            format!("<a href=\"{0}\">{0}</a>", escape(portal_url)),
        ],
    );
    let text = format!(
        "Bonjour,\n\n\
         {applicant} a envoyé une demande d'enregistrement au RPPS pour l'établissement {establishment}.\n\n\
         Vérifiez les conditions de diplôme ou d'expérience professionnelle, puis validez ou refusez la demande dans votre espace gestionnaire :\n{portal_url}\n\n{SIGNATURE}\n"
    );
    Content {
        subject: format!("Demande d'enregistrement à valider : {applicant}"),
        html,
        text,
    }
}

/// To whoever started a draft (the applicant, or the establishment's managers): it expires on
/// `expires_on` (already in French, Paris time) if left unsent; sending it, or changing it, keeps
/// it (issue 14: no request blocks a person for ever).
pub fn draft_expiring(person: &str, expires_on: &str, portal_url: &str) -> Content {
    let title = "Une demande d'enregistrement non envoyée va expirer";
    let html = html_page(
        title,
        &[
            "Bonjour,".to_owned(),
            format!(
                "La demande d'enregistrement au RPPS de {} a été commencée mais n'a pas été envoyée.",
                escape(person)
            ),
            format!(
                "Sans nouvelle modification, elle sera supprimée le {}. Pour la garder, complétez-la et envoyez-la :",
                escape(expires_on)
            ),
            format!("<a href=\"{0}\">{0}</a>", escape(portal_url)),
            "Si elle n'est plus utile, vous n'avez rien à faire : une nouvelle demande pourra être faite à tout moment.".to_owned(),
        ],
    );
    let text = format!(
        "Bonjour,\n\n\
         La demande d'enregistrement au RPPS de {person} a été commencée mais n'a pas été envoyée.\n\n\
         Sans nouvelle modification, elle sera supprimée le {expires_on}. Pour la garder, complétez-la et envoyez-la :\n{portal_url}\n\n\
         Si elle n'est plus utile, vous n'avez rien à faire : une nouvelle demande pourra être faite à tout moment.\n\n{SIGNATURE}\n"
    );
    Content {
        subject: format!("Demande RPPS non envoyée : elle expire le {expires_on}"),
        html,
        text,
    }
}

/// To the managers of an establishment: the person withdrew the request they had sent.
pub fn request_withdrawn(establishment: &str, applicant: &str) -> Content {
    let title = "Une demande d'enregistrement a été retirée";
    let html = html_page(
        title,
        &[
            "Bonjour,".to_owned(),
            format!(
                "{} a retiré sa demande d'enregistrement au RPPS pour l'établissement {} : elle n'est plus à traiter.",
                escape(applicant),
                escape(establishment)
            ),
        ],
    );
    let text = format!(
        "Bonjour,\n\n\
         {applicant} a retiré sa demande d'enregistrement au RPPS pour l'établissement {establishment} : elle n'est plus à traiter.\n\n{SIGNATURE}\n"
    );
    Content {
        subject: format!("Demande d'enregistrement retirée : {applicant}"),
        html,
        text,
    }
}

/// To the managers of an establishment: the practice sites the scheduled purge removed from the
/// public directory because the departure date had passed (FAQ-R6). `departures` are lines such
/// as "Awa N'Diaye (RPPS 10000000018), départ le 15/11/2026".
pub fn departures_purged(establishment: &str, departures: &[String], portal_url: &str) -> Content {
    let title = "Départs retirés de l'annuaire";
    let count = departures.len();
    let summary = if count == 1 {
        format!(
            "Un lieu d'exercice de l'établissement {establishment} a été retiré de l'annuaire public : la date de départ est passée."
        )
    } else {
        format!(
            "{count} lieux d'exercice de l'établissement {establishment} ont été retirés de l'annuaire public : leur date de départ est passée."
        )
    };
    let list: String = departures
        .iter()
        .map(|d| format!("<li>{}</li>", escape(d)))
        .collect();
    let html = html_page(
        title,
        &[
            "Bonjour,".to_owned(),
            escape(&summary),
            format!("<ul>{list}</ul>"),
            format!(
                "La liste de votre personnel reste consultable dans votre espace gestionnaire : <a href=\"{0}\">{0}</a>",
                escape(portal_url)
            ),
        ],
    );
    let lines: String = departures.iter().map(|d| format!("- {d}\n")).collect();
    let text = format!(
        "Bonjour,\n\n{summary}\n\n{lines}\nLa liste de votre personnel reste consultable dans votre espace gestionnaire :\n{portal_url}\n\n{SIGNATURE}\n"
    );
    Content {
        subject: format!("Annuaire RPPS : {count} départ(s) pris en compte — {establishment}"),
        html,
        text,
    }
}

/// To the professional: their contact data changed (FAQ-R13, R14), and by whom. Sent to the new
/// address and, when it changed, to the previous one, so a change nobody asked for is noticed.
pub fn contact_changed(
    given_names: &str,
    family_name: &str,
    by_manager: bool,
    email: &str,
    mobile: Option<&str>,
) -> Content {
    let title = "Vos coordonnées ont été modifiées";
    let name = format!("{given_names} {family_name}");
    let who = if by_manager {
        "par un gestionnaire RPPS+ de votre établissement"
    } else {
        "depuis votre espace professionnel (e-CPS)"
    };
    let mobile = mobile.unwrap_or("aucun");
    let html = html_page(
        title,
        &[
            format!("Bonjour {},", escape(&name)),
            format!("Vos coordonnées au répertoire RPPS ont été modifiées {who}."),
            format!(
                "Adresse e-mail : <strong>{}</strong><br>Téléphone mobile : <strong>{}</strong>",
                escape(email),
                escape(mobile)
            ),
            "Si vous n'êtes pas à l'origine de cette modification, prévenez votre employeur ou contactez votre ordre professionnel ou votre autorité d'enregistrement.".to_owned(),
        ],
    );
    let text = format!(
        "Bonjour {name},\n\nVos coordonnées au répertoire RPPS ont été modifiées {who}.\n\n\
         Adresse e-mail : {email}\nTéléphone mobile : {mobile}\n\n\
         Si vous n'êtes pas à l'origine de cette modification, prévenez votre employeur ou contactez votre ordre professionnel ou votre autorité d'enregistrement.\n\n{SIGNATURE}\n"
    );
    Content {
        subject: title.to_owned(),
        html,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faq_r3_r5_the_allocation_email_carries_the_number_and_the_ecps_date_in_both_parts() {
        let m = rpps_allocated(
            "Zoé",
            "Lefèvre-D'Aubigné",
            "10000000018",
            "28/11/2026 à 10 h 15",
        );
        for part in [&m.html, &m.text] {
            assert!(part.contains("10000000018"));
            assert!(part.contains("28/11/2026"));
            assert!(part.contains("e-CPS"));
        }
        assert!(m.subject.contains("10000000018"));
        assert!(m.html.contains("Lefèvre-D&#39;Aubigné"), "escaped in HTML");
        assert!(m.text.contains("Lefèvre-D'Aubigné"), "plain in text");
    }

    #[test]
    fn values_cannot_inject_html() {
        let m = request_rejected("<b>", "x", "<script>alert(1)</script>");
        assert!(!m.html.contains("<script>"));
        assert!(m.html.contains("&lt;script&gt;"));
    }

    #[test]
    fn faq_r6_the_purge_summary_lists_each_departure_escaped_in_html() {
        let m = departures_purged(
            "SAAD <Paris> 15",
            &["Awa N'Diaye (RPPS 10000000018), départ le 15/11/2026".to_owned()],
            "https://rpps.example/gestionnaire/personnel",
        );
        assert!(m.subject.contains("1 départ(s)"));
        assert!(
            m.text
                .contains("- Awa N'Diaye (RPPS 10000000018), départ le 15/11/2026")
        );
        assert!(m.html.contains("SAAD &lt;Paris&gt; 15"));
        assert!(m.html.contains("<li>Awa N&#39;Diaye"));
    }
}
