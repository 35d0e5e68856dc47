//! Input clean-up shared by the identifier parsers.

/// Removes every whitespace character (spaces, tabs, non-breaking spaces…): people type and
/// paste identifiers in groups (`101 0434 5331 9`), and a space is never part of one.
pub(crate) fn without_whitespace(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace()).collect()
}

/// True when the string is non-empty and made only of ASCII digits.
pub(crate) fn all_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}
