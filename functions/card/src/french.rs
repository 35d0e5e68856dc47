//! The French words of the card: dates, the RPPS number as people read it, the card mention.

use rpps_domain::{Profession, RppsNumber};
use time::{Date, Month};

/// A date as French text reads it: `1er septembre 2026`, `26 novembre 2026`.
pub fn french_date(date: Date) -> String {
    let month = match date.month() {
        Month::January => "janvier",
        Month::February => "février",
        Month::March => "mars",
        Month::April => "avril",
        Month::May => "mai",
        Month::June => "juin",
        Month::July => "juillet",
        Month::August => "août",
        Month::September => "septembre",
        Month::October => "octobre",
        Month::November => "novembre",
        Month::December => "décembre",
    };
    let day = date.day();
    if day == 1 {
        format!("1er {month} {}", date.year())
    } else {
        format!("{day} {month} {}", date.year())
    }
}

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
    use time::macros::date;

    #[test]
    fn dates_read_as_in_french() {
        assert_eq!(french_date(date!(2026 - 11 - 26)), "26 novembre 2026");
        assert_eq!(french_date(date!(2026 - 09 - 01)), "1er septembre 2026");
        assert_eq!(french_date(date!(2027 - 02 - 03)), "3 février 2027");
        assert_eq!(french_date(date!(2027 - 08 - 15)), "15 août 2027");
    }

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
