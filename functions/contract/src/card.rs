//! The card's signed statement (issue 20): what the QR code of a professional card carries so
//! that anyone can check it without a network, and the document of the keys that check it.
//!
//! # The statement
//! A COSE_Sign1 message (RFC 9052, tag 18) signed with ES256 (ECDSA P-256, SHA-256), the form of
//! the EU digital COVID certificate:
//!
//! ```text
//! 18([ protected: bstr .cbor { 1: -7, 4: kid (8 bytes) },  ; ES256, the key's id
//!      unprotected: {},
//!      payload: bstr .cbor CardClaims,
//!      signature: bstr (64 bytes, r ‖ s) ])
//! ```
//!
//! The claims are a CBOR map with small integer keys ([`CardClaims`], keys in [`claim`]): the
//! RPPS number, the names, the profession's code, the establishment and its FINESS, the day of
//! issue and the last day of validity (days since 1970-01-01). The signature covers the
//! `Sig_structure` ["Signature1", protected, h'', payload] ([`sig_structure`]); WebCrypto
//! verifies it as it is (ECDSA with the raw r ‖ s).
//!
//! # In the QR code
//! The message's bytes written as decimal digits ([`to_digits`]: 7 bytes to 17 digits), after
//! the verification page's address: `https://…/verifier/10001045367#0123…`. A QR code stores
//! digits at 3⅓ bits each, so the digits cost no more than the raw bytes would (8.02 bits a
//! byte), yet the whole is an address: a phone's camera opens the page, and the fragment (after
//! `#`) never leaves the phone. The page verifies the digits with the keys it keeps.
//!
//! # Why COSE and not JWS
//! A JWS compact of the same claims is about 400 characters (JSON, then base64url of it and of
//! the signature) against about 180 bytes here: a QR code of version 16 instead of 11 at level
//! M for a short-named aide (docs/PERFORMANCE.md). The codec below is the small subset
//! of CBOR the statement uses, written here so that the web app carries no CBOR library (the
//! card crate's tests check it against `coset`, the COSE crate).
//!
//! Nothing here signs or verifies: the functions sign (`rpps-cardsign`), the web app verifies
//! with WebCrypto. No clock either: validity is compared with a day the caller gives.

use serde::{Deserialize, Serialize};

use crate::Day;

/// The claims' keys in the payload map.
pub mod claim {
    /// The statement's format, 1.
    pub const FORMAT: u64 = 0;
    pub const RPPS: u64 = 1;
    pub const FAMILY_NAME: u64 = 2;
    pub const GIVEN_NAMES: u64 = 3;
    /// The profession's code (`aide_domicile_qualifiee`…).
    pub const PROFESSION: u64 = 4;
    pub const ESTABLISHMENT: u64 = 5;
    pub const FINESS: u64 = 6;
    /// Day of issue, days since 1970-01-01.
    pub const ISSUED: u64 = 7;
    /// Last day of validity (inclusive), days since 1970-01-01.
    pub const VALID_UNTIL: u64 = 8;
}

/// The format written in [`claim::FORMAT`].
pub const FORMAT: u64 = 1;
/// COSE's `alg` for ES256.
pub const ES256: i64 = -7;
/// Length of a key id, in bytes (the first bytes of the SHA-256 of the public key's SPKI DER,
/// `rpps-cardsign`): 16 hexadecimal characters in the keys' document.
pub const KID_LEN: usize = 8;
/// Longest message accepted when reading (bytes): far above a real card's (about 200).
pub const MAX_STATEMENT_LEN: usize = 1024;
/// Longest text claim accepted (characters), the domain's names (100) with room.
pub const MAX_CLAIM_CHARS: usize = 200;

/// What the card states, as the verification page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardClaims {
    pub rpps: String,
    pub family_name: String,
    pub given_names: String,
    /// The profession's code (`rpps_domain::Profession`'s).
    pub profession: String,
    /// The establishment of the practice site the card was issued for (the first in progress).
    pub establishment: String,
    pub finess: String,
    pub issued_on: Day,
    /// The last day the card may be shown (inclusive).
    pub valid_until: Day,
}

/// A statement read from its bytes, not yet verified: what to verify and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedStatement {
    /// The key's id (protected header, label 4).
    pub kid: [u8; KID_LEN],
    /// The bytes the signature covers ([`sig_structure`] of the protected header and payload).
    pub signed_bytes: Vec<u8>,
    /// r ‖ s, 64 bytes.
    pub signature: [u8; 64],
    pub claims: CardClaims,
}

/// Why bytes or digits are not a card's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementError {
    /// Not the digits of a statement (a character other than a digit, a length no byte count
    /// gives, a group too large).
    Digits,
    /// Not the COSE_Sign1 of a card (truncated, another structure, another algorithm).
    Structure(&'static str),
    /// A claim missing or of the wrong type.
    Claim(&'static str),
}

impl std::fmt::Display for StatementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Digits => f.write_str("not the digits of a card's statement"),
            Self::Structure(what) => write!(f, "not a card's COSE_Sign1: {what}"),
            Self::Claim(what) => write!(f, "a card's claim is missing or wrong: {what}"),
        }
    }
}

impl std::error::Error for StatementError {}

/// The payload of `claims` (a CBOR map), or why it cannot be written (a day that is not
/// `YYYY-MM-DD`).
pub fn encode_claims(claims: &CardClaims) -> Result<Vec<u8>, StatementError> {
    let issued = day_number(&claims.issued_on).ok_or(StatementError::Claim("issued_on"))?;
    let until = day_number(&claims.valid_until).ok_or(StatementError::Claim("valid_until"))?;
    let mut out = Vec::with_capacity(160);
    head(&mut out, 5, 9);
    uint(&mut out, claim::FORMAT);
    uint(&mut out, FORMAT);
    for (key, value) in [
        (claim::RPPS, &claims.rpps),
        (claim::FAMILY_NAME, &claims.family_name),
        (claim::GIVEN_NAMES, &claims.given_names),
        (claim::PROFESSION, &claims.profession),
        (claim::ESTABLISHMENT, &claims.establishment),
        (claim::FINESS, &claims.finess),
    ] {
        uint(&mut out, key);
        text(&mut out, value);
    }
    uint(&mut out, claim::ISSUED);
    uint(&mut out, issued);
    uint(&mut out, claim::VALID_UNTIL);
    uint(&mut out, until);
    Ok(out)
}

/// The protected header of a statement signed by key `kid`: `{1: -7, 4: kid}`.
pub fn protected_header(kid: &[u8; KID_LEN]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    head(&mut out, 5, 2);
    uint(&mut out, 1);
    nint(&mut out, ES256);
    uint(&mut out, 4);
    bytes(&mut out, kid);
    out
}

/// What the signature covers: `["Signature1", protected, h'', payload]` (RFC 9052 §4.4).
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected.len() + payload.len() + 20);
    head(&mut out, 4, 4);
    text(&mut out, "Signature1");
    bytes(&mut out, protected);
    bytes(&mut out, &[]);
    bytes(&mut out, payload);
    out
}

/// The COSE_Sign1 message (tag 18) of a protected header, payload and signature.
pub fn assemble(protected: &[u8], payload: &[u8], signature: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected.len() + payload.len() + 80);
    head(&mut out, 6, 18);
    head(&mut out, 4, 4);
    bytes(&mut out, protected);
    head(&mut out, 5, 0);
    bytes(&mut out, payload);
    bytes(&mut out, signature);
    out
}

/// Reads a statement: its structure, algorithm, key id and claims (the signature is not
/// checked here). Strict: one message and nothing after it, definite lengths, ES256 only.
pub fn parse(message: &[u8]) -> Result<SignedStatement, StatementError> {
    use StatementError::Structure;
    if message.len() > MAX_STATEMENT_LEN {
        return Err(Structure("too long"));
    }
    let mut reader = Reader::new(message);
    let value = reader.value(0)?;
    if !reader.done() {
        return Err(Structure("bytes after the message"));
    }
    let items = match value {
        Cbor::Tag(18, inner) => match *inner {
            Cbor::Array(items) => items,
            _ => return Err(Structure("not an array")),
        },
        Cbor::Array(items) => items,
        _ => return Err(Structure("not a COSE_Sign1")),
    };
    let [protected, unprotected, payload, signature] =
        <[Cbor; 4]>::try_from(items).map_err(|_| Structure("a COSE_Sign1 has four parts"))?;
    let (Cbor::Bytes(protected), Cbor::Map(_), Cbor::Bytes(payload), Cbor::Bytes(signature)) =
        (protected, unprotected, payload, signature)
    else {
        return Err(Structure("the parts' types"));
    };
    let signature: [u8; 64] = signature
        .try_into()
        .map_err(|_| Structure("an ES256 signature is 64 bytes"))?;
    let header = Reader::whole(&protected)?;
    let Cbor::Map(header) = header else {
        return Err(Structure("the protected header is not a map"));
    };
    if map_get(&header, 1) != Some(&Cbor::Negative(ES256)) {
        return Err(Structure("not ES256"));
    }
    let kid: [u8; KID_LEN] = match map_get(&header, 4) {
        Some(Cbor::Bytes(kid)) => kid
            .as_slice()
            .try_into()
            .map_err(|_| Structure("a key id is 8 bytes"))?,
        _ => return Err(Structure("no key id")),
    };
    let claims = decode_claims(&payload)?;
    Ok(SignedStatement {
        kid,
        signed_bytes: sig_structure(&protected, &payload),
        signature,
        claims,
    })
}

fn decode_claims(payload: &[u8]) -> Result<CardClaims, StatementError> {
    use StatementError::Claim;
    let Cbor::Map(map) = Reader::whole(payload)? else {
        return Err(Claim("the payload is not a map"));
    };
    if map_get(&map, claim::FORMAT) != Some(&Cbor::Unsigned(FORMAT)) {
        return Err(Claim("format"));
    }
    let text = |key: u64, name: &'static str| match map_get(&map, key) {
        Some(Cbor::Text(t)) if t.chars().count() <= MAX_CLAIM_CHARS => Ok(t.clone()),
        _ => Err(Claim(name)),
    };
    let day = |key: u64, name: &'static str| match map_get(&map, key) {
        Some(Cbor::Unsigned(n)) => day_text(*n).ok_or(Claim(name)),
        _ => Err(Claim(name)),
    };
    Ok(CardClaims {
        rpps: text(claim::RPPS, "rpps")?,
        family_name: text(claim::FAMILY_NAME, "family_name")?,
        given_names: text(claim::GIVEN_NAMES, "given_names")?,
        profession: text(claim::PROFESSION, "profession")?,
        establishment: text(claim::ESTABLISHMENT, "establishment")?,
        finess: text(claim::FINESS, "finess")?,
        issued_on: day(claim::ISSUED, "issued_on")?,
        valid_until: day(claim::VALID_UNTIL, "valid_until")?,
    })
}

fn map_get(map: &[(Cbor, Cbor)], key: u64) -> Option<&Cbor> {
    map.iter()
        .find(|(k, _)| *k == Cbor::Unsigned(key))
        .map(|(_, v)| v)
}

// ---------------------------------------------------------------------------------------------
// Digits: 7 bytes are 17 decimal digits (2^56 < 10^17); a last group of k bytes takes the
// fewest digits that hold 256^k.

const GROUP_BYTES: usize = 7;
const GROUP_DIGITS: usize = 17;
/// Digits of a last group of 0..=6 bytes.
const TAIL_DIGITS: [usize; GROUP_BYTES] = [0, 3, 5, 8, 10, 13, 15];

/// The message's bytes as decimal digits, for the QR code's numeric mode.
pub fn to_digits(message: &[u8]) -> String {
    let mut out = String::with_capacity(message.len() * 5 / 2 + GROUP_DIGITS);
    for group in message.chunks(GROUP_BYTES) {
        let value = group.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let width = if group.len() == GROUP_BYTES {
            GROUP_DIGITS
        } else {
            TAIL_DIGITS[group.len()]
        };
        out.push_str(&format!("{value:0width$}"));
    }
    out
}

/// The bytes [`to_digits`] wrote.
pub fn from_digits(digits: &str) -> Result<Vec<u8>, StatementError> {
    let digits = digits.as_bytes();
    if !digits.iter().all(u8::is_ascii_digit) || digits.len() > MAX_STATEMENT_LEN * 3 {
        return Err(StatementError::Digits);
    }
    let tail_digits = digits.len() % GROUP_DIGITS;
    let tail_bytes = TAIL_DIGITS
        .iter()
        .position(|d| *d == tail_digits)
        .ok_or(StatementError::Digits)?;
    let mut out = Vec::with_capacity(digits.len() / 2);
    for group in digits.chunks(GROUP_DIGITS) {
        let n = if group.len() == GROUP_DIGITS {
            GROUP_BYTES
        } else {
            tail_bytes
        };
        let value = group
            .iter()
            .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        if n < 8 && value >> (8 * n) != 0 {
            return Err(StatementError::Digits);
        }
        for i in (0..n).rev() {
            out.push((value >> (8 * i)) as u8);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Days: `YYYY-MM-DD` ⇄ days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithms).

/// Days since 1970-01-01 of a `YYYY-MM-DD` day on or after it.
pub fn day_number(day: &str) -> Option<u64> {
    let b = day.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = day.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from(era * 146_097 + doe - 719_468).ok()
}

/// The `YYYY-MM-DD` of a day number (years up to 9999).
pub fn day_text(days: u64) -> Option<String> {
    let z = i64::try_from(days).ok()?.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y <= 9999).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// The keys' document (`/.well-known/rpps-card-keys.json`).

/// The keys that sign cards, and the ids of those no longer trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardKeys {
    /// Keys to verify with: the one signing new cards (`active`) and earlier ones whose cards
    /// have not all expired (`retired`).
    pub keys: Vec<CardKey>,
    /// Key ids (hexadecimal) refused, whatever an earlier copy of this document said.
    #[serde(default)]
    pub revoked: Vec<String>,
}

/// A public key as a JWK (RFC 7517, what WebCrypto's `importKey("jwk", …)` takes), with its id
/// and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardKey {
    /// 16 hexadecimal characters: the statement's key id.
    pub kid: String,
    /// `EC`.
    pub kty: String,
    /// `P-256`.
    pub crv: String,
    /// The point's coordinates, base64url without padding (32 bytes each).
    pub x: String,
    pub y: String,
    /// `ES256`.
    pub alg: String,
    /// `active` (signs new cards) or `retired` (verifies the cards it signed).
    pub status: String,
}

/// Lower-case hexadecimal of a key id.
pub fn kid_hex(kid: &[u8; KID_LEN]) -> String {
    kid.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// The CBOR subset: unsigned and negative integers, byte and text strings, arrays, maps, tags;
// definite lengths only, shortest heads when writing.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cbor {
    Unsigned(u64),
    Negative(i64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
    Tag(u64, Box<Cbor>),
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n <= 0xff {
        out.extend([m | 24, n as u8]);
    } else if n <= 0xffff {
        out.push(m | 25);
        out.extend((n as u16).to_be_bytes());
    } else if n <= 0xffff_ffff {
        out.push(m | 26);
        out.extend((n as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend(n.to_be_bytes());
    }
}

fn uint(out: &mut Vec<u8>, n: u64) {
    head(out, 0, n);
}

/// A negative integer `n` (< 0): major type 1 with `-1 - n`.
fn nint(out: &mut Vec<u8>, n: i64) {
    head(out, 1, (-1 - n) as u64);
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len() as u64);
    out.extend_from_slice(b);
}

fn text(out: &mut Vec<u8>, t: &str) {
    head(out, 3, t.len() as u64);
    out.extend_from_slice(t.as_bytes());
}

/// Nesting deeper than a statement's is refused.
const MAX_DEPTH: usize = 4;

struct Reader<'a> {
    input: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self { input, at: 0 }
    }

    /// One value that is the whole of `input`.
    fn whole(input: &'a [u8]) -> Result<Cbor, StatementError> {
        let mut reader = Self::new(input);
        let value = reader.value(0)?;
        if reader.done() {
            Ok(value)
        } else {
            Err(StatementError::Structure("bytes after a value"))
        }
    }

    fn done(&self) -> bool {
        self.at == self.input.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], StatementError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.input.len())
            .ok_or(StatementError::Structure("truncated"))?;
        let slice = &self.input[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn value(&mut self, depth: usize) -> Result<Cbor, StatementError> {
        use StatementError::Structure;
        if depth > MAX_DEPTH {
            return Err(Structure("nested too deep"));
        }
        let first = self.take(1)?[0];
        let (major, info) = (first >> 5, first & 0x1f);
        let n = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes([self.take(1)?[0], self.take(1)?[0]])),
            26 => {
                let b = self.take(4)?;
                u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            27 => {
                let b = self.take(8)?;
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            _ => return Err(Structure("indefinite or reserved length")),
        };
        // Every item takes at least one byte: a count beyond what is left is a lie.
        let left = (self.input.len() - self.at) as u64;
        Ok(match major {
            0 => Cbor::Unsigned(n),
            1 => Cbor::Negative(
                i64::try_from(n)
                    .map(|n| -1 - n)
                    .map_err(|_| Structure("integer out of range"))?,
            ),
            2 | 3 => {
                if n > left {
                    return Err(Structure("truncated"));
                }
                let raw = self.take(n as usize)?;
                if major == 2 {
                    Cbor::Bytes(raw.to_vec())
                } else {
                    Cbor::Text(
                        std::str::from_utf8(raw)
                            .map_err(|_| Structure("text not UTF-8"))?
                            .to_owned(),
                    )
                }
            }
            4 => {
                if n > left {
                    return Err(Structure("truncated"));
                }
                let mut items = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Cbor::Array(items)
            }
            5 => {
                if n > left / 2 {
                    return Err(Structure("truncated"));
                }
                let mut entries = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let key = self.value(depth + 1)?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(Structure("a key twice in a map"));
                    }
                    let value = self.value(depth + 1)?;
                    entries.push((key, value));
                }
                Cbor::Map(entries)
            }
            6 => Cbor::Tag(n, Box::new(self.value(depth + 1)?)),
            _ => return Err(Structure("floats and simple values are not used")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> CardClaims {
        CardClaims {
            rpps: "10001045367".into(),
            family_name: "N'DIAYE-LEFÈVRE".into(),
            given_names: "Aïssatou Marie".into(),
            profession: "aide_domicile_qualifiee".into(),
            establishment: "SAAD Les Mimosas".into(),
            finess: "750012346".into(),
            issued_on: "2026-12-06".into(),
            valid_until: "2027-12-05".into(),
        }
    }

    fn message(c: &CardClaims) -> Vec<u8> {
        let protected = protected_header(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let payload = encode_claims(c).unwrap();
        assemble(&protected, &payload, &[7; 64])
    }

    #[test]
    fn issue_20_a_statement_reads_back_as_written() {
        let c = claims();
        let m = message(&c);
        let read = parse(&m).unwrap();
        assert_eq!(read.claims, c);
        assert_eq!(read.kid, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(read.signature, [7; 64]);
        let protected = protected_header(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            read.signed_bytes,
            sig_structure(&protected, &encode_claims(&c).unwrap())
        );
        // Small enough for a version 11 QR code at level M with the address.
        assert!(m.len() < 220, "{} bytes", m.len());
    }

    #[test]
    fn issue_20_digits_give_back_every_length_of_bytes() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255) as u8).collect();
            let digits = to_digits(&bytes);
            assert!(digits.bytes().all(|c| c.is_ascii_digit()));
            assert_eq!(from_digits(&digits).unwrap(), bytes, "{len} bytes");
        }
        let all_ff = [0xff; 7];
        assert_eq!(to_digits(&all_ff), "72057594037927935");
        assert_eq!(
            from_digits("72057594037927936"),
            Err(StatementError::Digits)
        );
        assert_eq!(from_digits("1234"), Err(StatementError::Digits));
        assert_eq!(from_digits("12a"), Err(StatementError::Digits));
        assert_eq!(from_digits("256"), Err(StatementError::Digits));
    }

    #[test]
    fn issue_20_days_are_counted_from_1970() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2026-12-06"), Some(20_793));
        assert_eq!(day_text(20_793).as_deref(), Some("2026-12-06"));
        for n in [0, 59, 60, 365, 11_016, 20_793, 30_000, 2_932_896] {
            let t = day_text(n).unwrap();
            assert_eq!(day_number(&t), Some(n), "{t}");
        }
        assert_eq!(day_number("2027-02-29"), None);
        assert_eq!(day_number("2028-02-29"), Some(21_243));
        assert_eq!(day_number("1969-12-31"), None);
        assert_eq!(day_number("2026-1-06"), None);
        assert_eq!(day_number("2026-+1-06"), None);
    }

    #[test]
    fn issue_20_what_is_not_a_card_statement_is_refused_without_panic() {
        let m = message(&claims());
        // Every truncation, and every single byte changed, is refused or read otherwise:
        // never a panic.
        for end in 0..m.len() {
            assert!(parse(&m[..end]).is_err(), "truncated at {end}");
        }
        for i in 0..m.len() {
            for v in [0x00, 0x18, 0x1b, 0x1f, 0x5b, 0x7f, 0x9f, 0xbb, 0xff] {
                let mut changed = m.clone();
                changed[i] = v;
                let _ = parse(&changed);
            }
        }
        let mut extra = m.clone();
        extra.push(0);
        assert_eq!(
            parse(&extra),
            Err(StatementError::Structure("bytes after the message"))
        );
        // Another algorithm (ES384, -35) in the protected header.
        let mut protected = Vec::new();
        head(&mut protected, 5, 2);
        uint(&mut protected, 1);
        nint(&mut protected, -35);
        uint(&mut protected, 4);
        bytes(&mut protected, &[0; 8]);
        let other = assemble(&protected, &encode_claims(&claims()).unwrap(), &[0; 64]);
        assert_eq!(parse(&other), Err(StatementError::Structure("not ES256")));
        // A huge announced length is refused before any allocation.
        assert!(parse(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(parse(&[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn issue_20_a_claim_missing_or_a_day_impossible_is_named() {
        let mut c = claims();
        c.valid_until = "2027-02-30".into();
        assert_eq!(encode_claims(&c), Err(StatementError::Claim("valid_until")));
        let mut payload = Vec::new();
        head(&mut payload, 5, 1);
        uint(&mut payload, claim::FORMAT);
        uint(&mut payload, FORMAT);
        let m = assemble(&protected_header(&[0; 8]), &payload, &[0; 64]);
        assert_eq!(parse(&m), Err(StatementError::Claim("rpps")));
    }

    #[test]
    fn issue_20_keys_document_reads_as_served() {
        let json = r#"{"keys":[{"kid":"0102030405060708","kty":"EC","crv":"P-256","x":"AA","y":"BB","alg":"ES256","status":"active"}],"revoked":["ffffffffffffffff"]}"#;
        let keys: CardKeys = serde_json::from_str(json).unwrap();
        assert_eq!(keys.keys[0].kid, kid_hex(&[1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(keys.revoked, vec!["ffffffffffffffff".to_string()]);
    }
}
