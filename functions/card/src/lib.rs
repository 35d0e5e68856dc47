//! The professional card PDF (FAQ-R4, R5, R7): one A4 page that summarises a professional's public
//! information, laid out as the aide's professional card, with a QR code to the public
//! verification page.
//!
//! # What the page shows
//! - at the top, the card itself: the title "Carte professionnelle — RPPS+", the family name and
//!   given names, the card mention ("Professionnel qualifié de l'aide à domicile" for
//!   [`Profession::AideADomicileQualifiee`], see [`card_mention`]), the RPPS number grouped by
//!   three digits ([`readable_rpps`]), the date from which the e-CPS can be activated (FAQ-R5) when
//!   there is one, the issue date, and on the right the QR code of
//!   [`Card::verification_url`] with the URL printed under it;
//! - the practice sites: first those in progress on the issue date (establishment, FINESS,
//!   commune with its INSEE code, start date, and "fin d'exercice le …" when a departure is
//!   recorded ahead of time), then the ended ones, most recent first, each marked
//!   "fin d'exercice le …";
//! - at the bottom, the line saying that only the verification page tells whether the card is
//!   valid today, what the card contains (public data only), and that parking tolerances are
//!   decided by each municipality (FAQ-R7).
//!
//! # One page, always
//! The card is a single page. The sites that do not fit (six to eight fit, depending on the
//! length of the names above them and of the establishments' names) are counted on a last line:
//! "… et 3 autres lieux d'exercice : la liste complète figure sur la page de vérification". Sites in progress are placed before ended ones,
//! so they are the last to be left out. A family name or given names too long for four lines are
//! cut with "…" (the domain allows 100 characters, which fit).
//!
//! # Dates and "today"
//! Nothing here reads the clock: [`Card::issued_on`] is the "today" of the card. A site is in
//! progress when it has no end date or ends on or after that day (the purge removes a site once
//! its departure date has passed). Dates are written in French: "1er septembre 2026".
//!
//! # The PDF
//! Written by `krilla`: the embedded DejaVu Sans fonts (`fonts/`, every Latin letter, committed
//! with their licence) are subset again to the glyphs used and carry a ToUnicode map, so text
//! extractors and screen readers get the French text back, accents included. French civil status
//! is written in Latin letters, all of which the fonts have; a letter of another script (the
//! domain accepts any) prints as an empty box and does not extract. The QR code
//! (level M, 4-module quiet zone) is an 8-bit grey image XObject, 4 pixels per module, drawn
//! without interpolation.
//! The output is deterministic: the same card gives the same bytes (the creation date written in
//! the metadata is the issue date). A render takes about 4 ms of CPU and the file is about 20 KB
//! (numbers in `docs/PERFORMANCE.md`, "PDF card"); it is synchronous and CPU-bound, so an async
//! handler may call it directly.
//!
//! ```no_run
//! # fn demo(card: &rpps_card::Card) -> Result<(), rpps_card::CardError> {
//! let pdf: Vec<u8> = rpps_card::render(card)?; // served as application/pdf
//! # Ok(()) }
//! ```

mod french;
mod page;
mod qr;
mod text;

use rpps_domain::{Profession, RppsNumber};
use time::Date;

pub use french::{card_mention, readable_rpps};

/// Longest verification URL accepted (bytes): it must stay easy to scan and to print.
pub const MAX_VERIFICATION_URL_LEN: usize = 256;

/// A practice site as the card shows it (public data only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSite {
    pub establishment_name: String,
    pub finess: String,
    pub commune_name: String,
    /// The commune's INSEE code, printed next to its name.
    pub commune_code: String,
    pub started_on: Date,
    /// The departure date, past or recorded ahead of time.
    pub ended_on: Option<Date>,
}

/// Everything the card shows. It holds public data only, by design: no birth date or place, no
/// email, no mobile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub rpps: RppsNumber,
    pub family_name: String,
    pub given_names: String,
    pub profession: Profession,
    /// In any order: the card sorts them.
    pub sites: Vec<CardSite>,
    /// From when the e-CPS can be activated (FAQ-R5), if known.
    pub ecps_activable_from: Option<Date>,
    /// The public page that says whether the card is valid today; encoded in the QR code and
    /// printed under it. `http://` or `https://`, at most [`MAX_VERIFICATION_URL_LEN`] bytes.
    pub verification_url: String,
    /// The day the card is issued: the "today" of the card.
    pub issued_on: Date,
    /// The signed statement of the card (issue 20: COSE_Sign1 of [`statement_claims`], from
    /// `rpps-cardsign`): the QR code carries it after the address, as digits
    /// ([`Card::qr_text`]), for a check without a network. `None`: the address alone.
    pub statement: Option<Vec<u8>>,
}

/// How long a card's signed statement is valid, in days from its issue (a year: the issue day
/// and 364 more), unless a departure recorded ahead ends it sooner.
pub const STATEMENT_VALIDITY_DAYS: i64 = 365;

impl Card {
    /// What the QR code encodes: the verification address, then `#` and the signed statement's
    /// digits when there is one (`rpps_contract::card::to_digits`). The fragment never reaches
    /// a server; the QR code stores its digits in numeric mode.
    pub fn qr_text(&self) -> String {
        match &self.statement {
            Some(statement) => format!(
                "{}#{}",
                self.verification_url,
                rpps_contract::card::to_digits(statement)
            ),
            None => self.verification_url.clone(),
        }
    }
}

/// What the card's signed statement says (issue 20), or `None` when no practice site is in
/// progress on the issue day (the card then carries the address alone: nothing to vouch for).
/// The establishment is the site in progress (as the card says: not ended on the issue day) that
/// started last, one already started before one yet to start; the validity ends a year after the issue, or on that site's departure recorded
/// ahead of time if sooner.
pub fn statement_claims(card: &Card) -> Option<rpps_contract::card::CardClaims> {
    let site = card
        .sites
        .iter()
        .filter(|s| s.ended_on.is_none_or(|e| e >= card.issued_on))
        .max_by_key(|s| (s.started_on <= card.issued_on, s.started_on))?;
    let year = card
        .issued_on
        .checked_add(time::Duration::days(STATEMENT_VALIDITY_DAYS - 1))?;
    let valid_until = site.ended_on.map_or(year, |end| end.min(year));
    Some(rpps_contract::card::CardClaims {
        rpps: card.rpps.as_str().to_owned(),
        family_name: card.family_name.clone(),
        given_names: card.given_names.clone(),
        profession: card.profession.code().to_owned(),
        establishment: site.establishment_name.clone(),
        finess: site.finess.clone(),
        issued_on: day(card.issued_on),
        valid_until: day(valid_until),
    })
}

fn day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Why a card could not be rendered. Only [`CardError::VerificationUrl`] and
/// [`CardError::QrCode`] depend on the input; the other variants are faults of this crate.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the verification URL cannot be printed on the card: {0}")]
    VerificationUrl(&'static str),
    #[error("the verification URL ({len} bytes) does not fit in a QR code")]
    QrCode {
        len: usize,
        #[source]
        source: qrcode::types::QrError,
    },
    #[error("the embedded font {0} cannot be read")]
    Font(&'static str),
    #[error("the QR code image cannot be built: {0}")]
    Image(String),
    #[error("the card layout failed: {0}")]
    Layout(&'static str),
    #[error("the PDF could not be written")]
    Pdf(#[source] krilla::error::KrillaError),
}

/// Renders the card as a one-page PDF.
pub fn render(card: &Card) -> Result<Vec<u8>, CardError> {
    check_verification_url(&card.verification_url)?;
    let fonts = text::Fonts::load()?;
    let qr = qr::QrBitmap::encode(&card.qr_text())?.into_image()?;
    page::render(card, &fonts, qr)
}

fn check_verification_url(url: &str) -> Result<(), CardError> {
    if url.is_empty() {
        return Err(CardError::VerificationUrl("it is empty"));
    }
    if url.len() > MAX_VERIFICATION_URL_LEN {
        return Err(CardError::VerificationUrl("it is longer than 256 bytes"));
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(CardError::VerificationUrl(
            "it does not start with https:// or http://",
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CardError::VerificationUrl(
            "it contains spaces or control characters",
        ));
    }
    Ok(())
}
