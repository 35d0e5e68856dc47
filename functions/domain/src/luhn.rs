//! The Luhn (mod 10) check digit, used by RPPS, FINESS, SIREN and SIRET numbers.
//!
//! From the rightmost digit (the check digit) leftwards, every second digit is doubled (9 is
//! subtracted when the result exceeds 9) and all digits are summed: the number is valid when the
//! sum is a multiple of 10. Luhn detects every single-digit error and every transposition of two
//! adjacent distinct digits except `09` ↔ `90`.

/// True when `digits` is non-empty, made only of ASCII digits, and carries a valid Luhn key.
pub fn is_valid(digits: &str) -> bool {
    crate::compact::all_ascii_digits(digits) && weighted_sum(digits, false).is_multiple_of(10)
}

/// The check digit to append to `payload` so that the result passes [`is_valid`].
/// `None` when `payload` is empty or holds anything but ASCII digits.
pub fn check_digit(payload: &str) -> Option<u8> {
    if !crate::compact::all_ascii_digits(payload) {
        return None;
    }
    // Once the key is appended, the payload's rightmost digit sits in a doubled position.
    let sum = weighted_sum(payload, true);
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// Luhn sum of ASCII digits; `double_rightmost` says whether the rightmost digit is doubled.
fn weighted_sum(digits: &str, double_rightmost: bool) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_rightmost {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_rpps_numbers_pass() {
        assert!(is_valid("10001045367"));
        assert!(is_valid("10104335319"));
    }

    #[test]
    fn synthetic_fhir_guide_examples_fail() {
        assert!(!is_valid("10003461033"));
        assert!(!is_valid("10102727017"));
    }

    #[test]
    fn check_digit_completes_a_payload() {
        assert_eq!(check_digit("1000104536"), Some(7));
        assert_eq!(check_digit("1010433531"), Some(9));
        assert_eq!(check_digit("01000002"), Some(4));
        assert_eq!(check_digit("7992739871"), Some(3));
    }

    #[test]
    fn non_digits_and_empty_input_are_rejected() {
        assert!(!is_valid(""));
        assert!(!is_valid("1000104536a"));
        assert!(!is_valid("10001 045367"));
        assert!(!is_valid("１０"));
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("12a"), None);
    }

    /// The one weakness of Luhn: swapping adjacent `0` and `9` keeps the sum (0 doubled + 9 =
    /// 9 doubled (18 → 9) + 0), so such a typing error cannot be detected by the key.
    #[test]
    fn known_limit_swapping_adjacent_0_and_9_is_not_detected() {
        assert!(is_valid("10000000090"));
        assert!(is_valid("10000000900"));
        // Any other adjacent swap of distinct digits is caught, e.g. 36 ↔ 63:
        assert!(is_valid("10001045367"));
        assert!(!is_valid("10001045637"));
    }
}
