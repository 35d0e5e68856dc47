//! Small helpers shared by the commune and country indexes.

use std::borrow::Cow;
use std::ops::Range;

/// The first position of `range` where `pred` is false, `pred` being true then false over
/// `range` (a binary search over positions, for columns that are not slices of the sorted items).
pub(crate) fn partition_point(range: Range<usize>, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (range.start, range.end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The positions of `range` (sorted by `key`, byte order) whose keys start with `prefix`: two
/// binary searches. Keys equal to `prefix` come first in that range.
pub(crate) fn prefix_range<'k>(
    range: Range<usize>,
    prefix: &str,
    key: impl Fn(usize) -> &'k str,
) -> Range<usize> {
    let start = partition_point(range.clone(), |i| key(i) < prefix);
    let end = partition_point(start..range.end, |i| key(i).starts_with(prefix));
    start..end
}

/// A column of little-endian `u32`, borrowed from the binary (an index built at build time) or
/// owned (built at run time). Reading past the end gives `u32::MAX`, never a panic.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct U32s(pub(crate) Cow<'static, [u8]>);

impl U32s {
    pub(crate) fn len(&self) -> usize {
        self.0.len() / 4
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> u32 {
        read_u32(self.values(), i)
    }

    /// The values as 4-byte arrays, for loops (read with [`read_u32`] or `u32::from_le_bytes`).
    #[inline]
    pub(crate) fn values(&self) -> &[[u8; 4]] {
        self.0.as_chunks::<4>().0
    }
}

/// Value `i` of [`U32s::values`]; `u32::MAX` past the end.
#[inline]
pub(crate) fn read_u32(values: &[[u8; 4]], i: usize) -> u32 {
    values.get(i).map_or(u32::MAX, |b| u32::from_le_bytes(*b))
}

/// A column of little-endian `u16` (see [`U32s`]). Reading past the end gives `u16::MAX`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct U16s(pub(crate) Cow<'static, [u8]>);

impl U16s {
    pub(crate) fn len(&self) -> usize {
        self.0.len() / 2
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> u16 {
        let (values, _) = self.0.as_chunks::<2>();
        values.get(i).map_or(u16::MAX, |b| u16::from_le_bytes(*b))
    }
}

/// A bit set (bit `i % 8` of byte `i / 8`); bits past the end are unset.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Bits(pub(crate) Cow<'static, [u8]>);

impl Bits {
    #[inline]
    pub(crate) fn get(&self, i: usize) -> bool {
        self.0.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
    }
}

/// Strings end to end, sliced by offsets kept in another column. A bad slice gives `""`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) Cow<'static, str>);

impl Text {
    #[inline]
    pub(crate) fn slice(&self, start: u32, end: u32) -> &str {
        self.0.get(start as usize..end as usize).unwrap_or("")
    }
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
        let all = 0..keys.len();
        assert_eq!(prefix_range(all.clone(), "lyon", |i| keys[i]), 0..3);
        assert_eq!(prefix_range(all.clone(), "paris", |i| keys[i]), 3..5);
        assert_eq!(prefix_range(all.clone(), "zz", |i| keys[i]), 5..5);
        assert_eq!(prefix_range(all, "", |i| keys[i]), 0..5);
        assert_eq!(prefix_range(1..4, "lyon", |i| keys[i]), 1..3);
        assert_eq!(prefix_range(4..5, "lyon", |i| keys[i]), 4..4);
    }

    #[test]
    fn columns_read_little_endian_and_never_panic() {
        let u32s = U32s(Cow::Owned(
            [1u32, 0x0102_0304]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ));
        assert_eq!((u32s.len(), u32s.get(0), u32s.get(1)), (2, 1, 0x0102_0304));
        assert_eq!(u32s.get(2), u32::MAX);
        assert_eq!(u32s.get(usize::MAX), u32::MAX);
        let u16s = U16s(Cow::Borrowed(&[7, 0, 1, 2, 9]));
        assert_eq!(
            (u16s.len(), u16s.get(0), u16s.get(1), u16s.get(2)),
            (2, 7, 0x0201, u16::MAX)
        );
        let bits = Bits(Cow::Borrowed(&[0b1000_0010]));
        assert_eq!(
            (bits.get(0), bits.get(1), bits.get(7), bits.get(8)),
            (false, true, true, false)
        );
        let text = Text(Cow::Borrowed("abcé"));
        assert_eq!(
            (text.slice(1, 3), text.slice(3, 4), text.slice(3, 99)),
            ("bc", "", "")
        );
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
