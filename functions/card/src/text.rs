//! The embedded fonts, text measurement and line breaking.
//!
//! Text is measured with the same shaper krilla draws with (rustybuzz, kerning included), so a
//! line that is measured to fit does fit.

use krilla::text::Font;

use crate::CardError;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans-Latin.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold-Latin.ttf");

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One face: what krilla embeds, and what the measurements use.
struct Face {
    font: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8], name: &'static str) -> Result<Self, CardError> {
        let font = Font::new(data.into(), 0).ok_or(CardError::Font(name))?;
        let shaper = rustybuzz::Face::from_slice(data, 0).ok_or(CardError::Font(name))?;
        let units_per_em = shaper.units_per_em() as f32;
        if units_per_em <= 0.0 {
            return Err(CardError::Font(name));
        }
        Ok(Self {
            font,
            shaper,
            units_per_em,
        })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let shaped = rustybuzz::shape(&self.shaper, &[], buffer);
        let units: i64 = shaped
            .glyph_positions()
            .iter()
            .map(|p| i64::from(p.x_advance))
            .sum();
        units as f32 * size / self.units_per_em
    }
}

/// The two faces of the card (DejaVu Sans, subset to Latin, see `fonts/README.md`).
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, CardError> {
        Ok(Self {
            regular: Face::load(REGULAR, "DejaVuSans-Latin.ttf")?,
            bold: Face::load(BOLD, "DejaVuSans-Bold-Latin.ttf")?,
        })
    }

    fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    pub(crate) fn font(&self, weight: Weight) -> Font {
        self.face(weight).font.clone()
    }

    /// Width of `text` in points at `size`.
    pub(crate) fn width(&self, weight: Weight, text: &str, size: f32) -> f32 {
        self.face(weight).width(text, size)
    }

    /// The x position (points, from the start of `text`) of every byte offset of `text`, and of
    /// its end: the text is shaped once and the glyph advances summed per cluster. Offsets inside
    /// a cluster (a multi-byte character, a ligature) take the position of the cluster's start.
    fn positions(&self, weight: Weight, text: &str, size: f32) -> Vec<f32> {
        let face = self.face(weight);
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let shaped = rustybuzz::shape(&face.shaper, &[], buffer);
        let scale = size / face.units_per_em;
        let mut at: Vec<Option<f32>> = vec![None; text.len() + 1];
        let mut x = 0.0f32;
        for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
            if let Some(slot) = at.get_mut(info.cluster as usize)
                && slot.is_none()
            {
                *slot = Some(x);
            }
            x += pos.x_advance as f32 * scale;
        }
        if let Some(end) = at.last_mut() {
            *end = Some(x);
        }
        let mut last = 0.0;
        at.into_iter()
            .map(|p| {
                last = p.unwrap_or(last);
                last
            })
            .collect()
    }

    /// Breaks `text` into lines no wider than `max_width`: at spaces, and inside a word only when
    /// the word alone is too wide. Runs of spaces become one space. Empty text gives no line.
    pub(crate) fn wrap(
        &self,
        weight: Weight,
        text: &str,
        size: f32,
        max_width: f32,
    ) -> Vec<String> {
        let x = self.positions(weight, text, size);
        let words = word_ranges(text);
        let mut lines = Vec::new();
        let mut i = 0;
        while let Some(&(start, first_end)) = words.get(i) {
            if x[first_end] - x[start] > max_width {
                let mut pieces = break_at(text, &x, start, first_end, max_width);
                i += 1;
                // The last piece of a broken word may share its line with the words after it.
                let Some((rest_start, _)) = pieces.pop() else {
                    continue;
                };
                lines.extend(pieces.into_iter().map(|(a, b)| text[a..b].to_owned()));
                let mut line = text[rest_start..first_end].to_owned();
                while let Some(&(a, b)) = words.get(i) {
                    if x[b] - x[rest_start] > max_width {
                        break;
                    }
                    line.push(' ');
                    line.push_str(&text[a..b]);
                    i += 1;
                }
                lines.push(line);
                continue;
            }
            let mut line = text[start..first_end].to_owned();
            i += 1;
            while let Some(&(a, b)) = words.get(i) {
                if x[b] - x[start] > max_width {
                    break;
                }
                line.push(' ');
                line.push_str(&text[a..b]);
                i += 1;
            }
            lines.push(line);
        }
        lines
    }

    /// Breaks a string that has no space (a long name, a URL) between characters.
    pub(crate) fn break_word(
        &self,
        weight: Weight,
        word: &str,
        size: f32,
        max_width: f32,
    ) -> Vec<String> {
        let x = self.positions(weight, word, size);
        break_at(word, &x, 0, word.len(), max_width)
            .into_iter()
            .map(|(a, b)| word[a..b].to_owned())
            .collect()
    }
}

/// Byte ranges of the words of `text` (runs of non-whitespace characters).
fn word_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

/// Cuts `text[start..end]` between characters into pieces no wider than `max_width` (at least
/// one character each), using the positions `x` of [`Fonts::positions`]. A cut goes after the
/// last hyphen or slash that fits, when there is one: "Montmorency-" / "Laval".
fn break_at(
    text: &str,
    x: &[f32],
    start: usize,
    end: usize,
    max_width: f32,
) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut piece_start = start;
    // The boundary before the current character, and the last one that follows a hyphen or slash.
    let mut prev = start;
    let mut soft: Option<usize> = None;
    let boundaries = text[start..end]
        .char_indices()
        .map(|(offset, c)| (start + offset, Some(c)))
        .chain(std::iter::once((end, None)));
    for (i, c) in boundaries.skip(1) {
        if x[i] - x[piece_start] > max_width && prev > piece_start {
            let cut = soft.filter(|&s| s > piece_start).unwrap_or(prev);
            pieces.push((piece_start, cut));
            piece_start = cut;
            soft = None;
        }
        if text[prev..i].ends_with(['-', '/']) {
            soft = Some(i);
        }
        prev = i;
        if c.is_none() {
            break;
        }
    }
    if end > piece_start {
        pieces.push((piece_start, end));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().expect("embedded fonts load")
    }

    #[test]
    fn embedded_fonts_cover_french() {
        let fonts = fonts();
        for face in [&fonts.regular, &fonts.bold] {
            for c in "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’–—…€ŁłŞşȘșȚțĞğİıĐđễạươ".chars()
            {
                assert!(
                    face.shaper.glyph_index(c).is_some(),
                    "the embedded font has no glyph for {c:?}"
                );
            }
        }
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let fonts = fonts();
        let text = "Établissement d'hébergement pour personnes âgées dépendantes Les Glycines";
        let lines = fonts.wrap(Weight::Bold, text, 11.0, 150.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(fonts.width(Weight::Bold, line, 11.0) <= 150.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_word_wider_than_the_line_is_broken() {
        let fonts = fonts();
        let url = "https://rpps-plus.example.fr/verification/10001045367?cle=abcdefghijklmnop";
        let lines = fonts.break_word(Weight::Regular, url, 7.0, 60.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), url);
        assert!(fonts.wrap(Weight::Regular, "", 7.0, 60.0).is_empty());
    }

    #[test]
    fn a_broken_word_shares_its_last_line_with_the_next_words() {
        let fonts = fonts();
        let text = "Rochefoucauld-Montmorency-Laval-Châteaubriand-Villeneuve  de  Là";
        let lines = fonts.wrap(Weight::Bold, text, 12.0, 120.0);
        assert!(lines.len() >= 3, "{lines:?}");
        for line in &lines {
            assert!(fonts.width(Weight::Bold, line, 12.0) <= 120.5, "{line}");
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        assert!(
            lines.last().is_some_and(|l| l.ends_with("de Là")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_character_wider_than_the_line_still_gets_a_line() {
        let fonts = fonts();
        let lines = fonts.break_word(Weight::Regular, "ÉÈÀ", 20.0, 1.0);
        assert_eq!(lines, ["É", "È", "À"]);
    }
}
