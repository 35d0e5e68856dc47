//! The French words of the card: the RPPS number as people read it, the card mention. Its dates
//! are written by `rpps_domain::french`.

use rpps_domain::{Profession, RppsNumber};

/// The 11 digits of an RPPS number in groups a person can read aloud and copy:
/// `100 010 453 67`.
pub fn readable_rpps(rpps: &RppsNumber) -> String {
    let digits = rpps.as_str();
    let mut out = String::with_capacity(digits.len() + 4);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The mention printed on the card for a profession, capitalised as a line of its own:
/// "Professionnel qualifié de l'aide à domicile" for [`Profession::AideADomicileQualifiee`].
/// The wording is the domain's ([`Profession::card_mention`]); only the first letter changes.
pub fn card_mention(profession: Profession) -> String {
    let mention = profession.card_mention();
    let mut chars = mention.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpps_is_grouped_by_three() {
        let rpps = RppsNumber::parse("10001045367").expect("valid");
        assert_eq!(readable_rpps(&rpps), "100 010 453 67");
        assert_eq!(readable_rpps(&rpps).replace(' ', ""), rpps.as_str());
    }

    #[test]
    fn faq_r4_mention_of_the_home_care_aide() {
        assert_eq!(
            card_mention(Profession::AideADomicileQualifiee),
            "Professionnel qualifié de l'aide à domicile"
        );
    }
}
