//! Small helpers shared by the commune and country indexes.

use std::ops::Range;

/// The range of `sorted` (sorted by `key`, byte order) whose keys start with `prefix`: two binary
/// searches. Keys equal to `prefix` come first in that range.
pub(crate) fn prefix_range<'k, T>(
    sorted: &[T],
    prefix: &str,
    key: impl Fn(&T) -> &'k str,
) -> Range<usize> {
    let start = sorted.partition_point(|t| key(t) < prefix);
    let len = sorted.get(start..).map_or(0, |rest| {
        rest.partition_point(|t| key(t).starts_with(prefix))
    });
    start..start + len
}

/// Folds a query typed by a person for a name search: [`rpps_domain::text::fold`], then a complete
/// word `st` / `ste` (followed by a space, hyphen, apostrophe, dot…) becomes `saint` / `sainte`.
/// Official names never abbreviate them, so `St-Étienne` and `ste marie` find `Saint-Étienne` and
/// `Sainte-Marie`. A lone `st` still being typed stays a prefix (`st` → Strasbourg).
pub(crate) fn fold_name_query(raw: &str) -> String {
    let folded = rpps_domain::text::fold(raw);
    if !folded.split(' ').any(|w| w == "st" || w == "ste") {
        return folded;
    }
    let last_complete = raw
        .trim_start()
        .chars()
        .last()
        .is_some_and(|c| !c.is_alphanumeric());
    let count = folded.split(' ').count();
    let mut out = String::with_capacity(folded.len() + 8);
    for (i, word) in folded.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let complete = i + 1 < count || last_complete;
        match word {
            "st" if complete => out.push_str("saint"),
            "ste" if complete => out.push_str("sainte"),
            _ => out.push_str(word),
        }
    }
    out
}

/// `de Nom` with French elision and contraction: `d'Annecy`, `du Mans` (`Le Mans`),
/// `des Mureaux` (`Les Mureaux`), `de La Rochelle`, `de Hautmont` (no guess on the `h`).
pub(crate) fn de(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    let first = name
        .chars()
        .next()
        .map(|c| rpps_domain::text::fold(c.encode_utf8(&mut [0; 4])));
    match first.as_deref() {
        Some("a" | "e" | "i" | "o" | "u" | "y") => format!("d'{name}"),
        _ => format!("de {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_finds_equal_keys_first() {
        let keys = ["lyon", "lyon 1er", "lyons la foret", "paris", "paris 1er"];
        assert_eq!(prefix_range(&keys, "lyon", |k| k), 0..3);
        assert_eq!(prefix_range(&keys, "paris", |k| k), 3..5);
        assert_eq!(prefix_range(&keys, "zz", |k| k), 5..5);
        assert_eq!(prefix_range(&keys, "", |k| k), 0..5);
    }

    #[test]
    fn st_and_ste_expand_when_complete() {
        assert_eq!(fold_name_query("St-Étienne"), "saint etienne");
        assert_eq!(fold_name_query("ste marie"), "sainte marie");
        assert_eq!(fold_name_query("st "), "saint");
        assert_eq!(fold_name_query("St."), "saint");
        assert_eq!(fold_name_query("st"), "st");
        assert_eq!(fold_name_query("Villers-St-Paul"), "villers saint paul");
        assert_eq!(fold_name_query("stains"), "stains");
    }

    #[test]
    fn de_elides_and_contracts() {
        assert_eq!(de("Annecy"), "d'Annecy");
        assert_eq!(de("Évry-Courcouronnes"), "d'Évry-Courcouronnes");
        assert_eq!(de("Le Mans"), "du Mans");
        assert_eq!(de("Les Mureaux"), "des Mureaux");
        assert_eq!(de("La Rochelle"), "de La Rochelle");
        assert_eq!(de("Val-du-Faby"), "de Val-du-Faby");
        assert_eq!(de(""), "de ");
    }
}
