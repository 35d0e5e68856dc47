//! The page: layout from top to bottom with a cursor, in points, y growing downwards (krilla's
//! coordinates).

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use rpps_domain::french::long_date;
use time::Date;

use crate::french::{card_mention, readable_rpps};
use crate::text::{Fonts, Weight};
use crate::{Card, CardError, CardSite};

/// A4 portrait.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 42.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;

const CARD_PADDING: f32 = 18.0;
const BAND_H: f32 = 46.0;
const QR_SIZE: f32 = 128.0;
/// At most this many lines for a name; the rest is cut with "…".
const MAX_NAME_LINES: usize = 4;

const BLUE: (u8, u8, u8) = (0, 0, 145);
const BLUE_LIGHT: (u8, u8, u8) = (227, 227, 253);
const INK: (u8, u8, u8) = (22, 22, 22);
const GREY: (u8, u8, u8) = (102, 102, 102);
const RULE: (u8, u8, u8) = (200, 200, 200);
const GREEN: (u8, u8, u8) = (24, 117, 60);
const WHITE: (u8, u8, u8) = (255, 255, 255);

/// A line of text ready to be drawn.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    weight: Weight,
    size: f32,
    color: (u8, u8, u8),
}

impl Line {
    fn height(&self) -> f32 {
        self.size * 1.3
    }
}

/// A block of lines drawn one under the other.
fn block(
    fonts: &Fonts,
    text: &str,
    weight: Weight,
    size: f32,
    color: (u8, u8, u8),
    width: f32,
) -> Vec<Line> {
    fonts
        .wrap(weight, text, size, width)
        .into_iter()
        .map(|text| Line {
            text,
            weight,
            size,
            color,
        })
        .collect()
}

fn height(lines: &[Line]) -> f32 {
    lines.iter().map(Line::height).sum()
}

/// Draws on the page surface with the card's fonts.
struct Painter<'s, 'f> {
    surface: Surface<'s>,
    fonts: &'f Fonts,
}

fn color((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn fill(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

impl Painter<'_, '_> {
    /// Draws one line whose top is at `top`.
    fn line(&mut self, x: f32, top: f32, line: &Line) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(line.color)));
        // DejaVu's ascent is 0.93 em: the baseline sits that far below the top of the line.
        let baseline = top + line.size * 0.95;
        self.surface.draw_text(
            Point::from_xy(x, baseline),
            self.fonts.font(line.weight),
            line.size,
            &line.text,
            false,
            TextDirection::LeftToRight,
        );
    }

    /// Draws lines from `top` down; returns the y under the last one.
    fn lines(&mut self, x: f32, mut top: f32, lines: &[Line]) -> f32 {
        for line in lines {
            self.line(x, top, line);
            top += line.height();
        }
        top
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: (u8, u8, u8)) {
        if let Some(path) = Rect::from_xywh(x, y, w, h).and_then(|r| {
            let mut pb = PathBuilder::new();
            pb.push_rect(r);
            pb.finish()
        }) {
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(fill(c)));
            self.surface.draw_path(&path);
        }
    }

    /// The outline of the card: a rectangle with rounded corners.
    fn rounded_frame(&mut self, x: f32, y: f32, w: f32, h: f32, r: f32, c: (u8, u8, u8)) {
        if let Some(path) = rounded_rect(x, y, w, h, r) {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                paint: color(c).into(),
                width: 1.2,
                ..Default::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
    }

    /// A band across the top of the card, its top corners rounded like the card's.
    fn band(&mut self, x: f32, y: f32, w: f32, h: f32, r: f32, c: (u8, u8, u8)) {
        match rounded_rect(x, y, w, h + 2.0 * r, r) {
            Some(clip) => {
                self.surface.push_clip_path(&clip, &FillRule::NonZero);
                self.rect(x, y, w, h, c);
                self.surface.pop();
            }
            None => self.rect(x, y, w, h, c),
        }
    }

    fn image(&mut self, image: Image, x: f32, y: f32, side: f32) -> Result<(), CardError> {
        let size = Size::from_wh(side, side).ok_or(CardError::Layout("QR code size"))?;
        self.surface
            .push_transform(&Transform::from_translate(x, y));
        self.surface.draw_image(image, size);
        self.surface.pop();
        Ok(())
    }
}

/// A rectangle with rounded corners of radius `r`.
fn rounded_rect(x: f32, y: f32, w: f32, h: f32, r: f32) -> Option<Path> {
    // Control-point distance of a quarter circle drawn with one cubic Bézier curve.
    let k = r * 0.552_284_8;
    let mut pb = PathBuilder::new();
    pb.move_to(x + r, y);
    pb.line_to(x + w - r, y);
    pb.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    pb.line_to(x + w, y + h - r);
    pb.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    pb.line_to(x + r, y + h);
    pb.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    pb.close();
    pb.finish()
}

/// A name in the largest of `sizes` that keeps it on two lines, else the smallest size, at most
/// [`MAX_NAME_LINES`] lines.
fn name_lines(fonts: &Fonts, name: &str, weight: Weight, sizes: &[f32], width: f32) -> Vec<Line> {
    let mut chosen = Vec::new();
    for &size in sizes {
        chosen = block(fonts, name, weight, size, INK, width);
        if chosen.len() <= 2 {
            return chosen;
        }
    }
    if chosen.len() > MAX_NAME_LINES {
        chosen.truncate(MAX_NAME_LINES);
        if let Some(last) = chosen.last_mut() {
            let mut text = last.text.clone();
            while !text.is_empty() && fonts.width(weight, &format!("{text}…"), last.size) > width
            {
                text.pop();
            }
            last.text = format!("{}…", text.trim_end());
        }
    }
    chosen
}

fn label(text: &str) -> Line {
    Line {
        text: text.to_owned(),
        weight: Weight::Bold,
        size: 7.5,
        color: GREY,
    }
}

/// Whether the site is in progress on `today` (it ends on or after that day, or never).
fn in_progress(site: &CardSite, today: Date) -> bool {
    site.ended_on.is_none_or(|end| end >= today)
}

/// The lines of one practice site.
fn site_lines(fonts: &Fonts, site: &CardSite, today: Date, width: f32) -> Vec<Line> {
    let active = in_progress(site, today);
    let (ink, grey) = if active { (INK, GREY) } else { (GREY, GREY) };
    let mut lines = block(
        fonts,
        &site.establishment_name,
        Weight::Bold,
        10.5,
        ink,
        width,
    );
    lines.extend(block(
        fonts,
        &format!(
            "FINESS {} · {} (INSEE {})",
            site.finess, site.commune_name, site.commune_code
        ),
        Weight::Regular,
        9.0,
        ink,
        width,
    ));
    let start = long_date(site.started_on);
    let dates = match (active, site.ended_on) {
        (true, None) if site.started_on > today => format!("À partir du {start}"),
        (true, None) => format!("Depuis le {start}"),
        (true, Some(end)) => format!("Depuis le {start} — fin d'exercice le {}", long_date(end)),
        (false, Some(end)) => format!("Du {start} — fin d'exercice le {}", long_date(end)),
        (false, None) => format!("Depuis le {start}"),
    };
    lines.extend(block(fonts, &dates, Weight::Regular, 9.0, grey, width));
    lines
}

fn heading(fonts: &Fonts, text: &str, size: f32) -> Vec<Line> {
    block(fonts, text, Weight::Bold, size, BLUE, CONTENT_W)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub(crate) fn render(card: &Card, fonts: &Fonts, qr: Image) -> Result<Vec<u8>, CardError> {
    let mut document = Document::new();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(CardError::Layout("page size"))?;
    {
        let mut page = document.start_page_with(settings);
        {
            let mut p = Painter {
                surface: page.surface(),
                fonts,
            };
            draw(card, &mut p, qr)?;
            p.surface.finish();
        }
        page.finish();
    }
    document.set_metadata(metadata(card));
    document.finish().map_err(CardError::Pdf)
}

fn metadata(card: &Card) -> Metadata {
    let title = format!(
        "Carte professionnelle RPPS+ — {} {} — {}",
        card.given_names,
        card.family_name,
        card.rpps.as_str()
    );
    let mut metadata = Metadata::new()
        .title(title)
        .language("fr-FR".to_owned())
        .creator("RPPS+".to_owned())
        .producer("RPPS+ (krilla)".to_owned());
    if let Ok(year) = u16::try_from(card.issued_on.year()) {
        metadata = metadata.creation_date(
            DateTime::new(year)
                .month(u8::from(card.issued_on.month()))
                .day(card.issued_on.day()),
        );
    }
    metadata
}

fn draw(card: &Card, p: &mut Painter<'_, '_>, qr: Image) -> Result<(), CardError> {
    let fonts = p.fonts;

    // The card: a band with the title, then the identity on the left and the QR code on the right.
    let card_x = MARGIN;
    let card_y = MARGIN;
    let card_w = CONTENT_W;
    p.band(card_x, card_y, card_w, BAND_H, 8.0, BLUE);
    let title = Line {
        text: "Carte professionnelle — RPPS+".to_owned(),
        weight: Weight::Bold,
        size: 17.0,
        color: WHITE,
    };
    p.line(card_x + CARD_PADDING, card_y + 14.0, &title);

    let qr_x = card_x + card_w - CARD_PADDING - QR_SIZE;
    let top = card_y + BAND_H + 16.0;
    p.image(qr, qr_x, top, QR_SIZE)?;
    let mut right = top + QR_SIZE + 4.0;
    let mut under_qr = vec![Line {
        text: "Vérifier la validité :".to_owned(),
        weight: Weight::Bold,
        size: 7.5,
        color: INK,
    }];
    under_qr.extend(
        fonts
            .break_word(Weight::Regular, &card.verification_url, 7.0, QR_SIZE)
            .into_iter()
            .map(|text| Line {
                text,
                weight: Weight::Regular,
                size: 7.0,
                color: BLUE,
            }),
    );
    right = p.lines(qr_x, right, &under_qr);

    let lx = card_x + CARD_PADDING;
    let lw = qr_x - 18.0 - lx;
    let mut y = top;
    y = p.lines(lx, y, &[label("NOM")]);
    let family = name_lines(
        fonts,
        &card.family_name,
        Weight::Bold,
        &[22.0, 18.0, 15.0, 12.0],
        lw,
    );
    y = p.lines(lx, y, &family) + 4.0;
    y = p.lines(lx, y, &[label("PRÉNOMS")]);
    let given = name_lines(
        fonts,
        &card.given_names,
        Weight::Regular,
        &[15.0, 13.0, 11.0],
        lw,
    );
    y = p.lines(lx, y, &given) + 10.0;

    let mention = block(
        fonts,
        &card_mention(card.profession),
        Weight::Bold,
        11.5,
        BLUE,
        lw - 16.0,
    );
    let mention_h = height(&mention) + 12.0;
    p.rect(lx, y, lw, mention_h, BLUE_LIGHT);
    p.lines(lx + 8.0, y + 6.0, &mention);
    y += mention_h + 10.0;

    y = p.lines(lx, y, &[label("N° RPPS")]);
    let rpps = Line {
        text: readable_rpps(&card.rpps),
        weight: Weight::Bold,
        size: 16.0,
        color: INK,
    };
    y = p.lines(lx, y, &[rpps]) + 6.0;

    if let Some(from) = card.ecps_activable_from {
        y = p.lines(lx, y, &[label("E-CPS")]);
        let line = block(
            fonts,
            &format!("Activable à partir du {}", long_date(from)),
            Weight::Regular,
            10.5,
            INK,
            lw,
        );
        y = p.lines(lx, y, &line) + 6.0;
    }
    y = p.lines(lx, y, &[label("CARTE DÉLIVRÉE LE")]);
    let issued = Line {
        text: long_date(card.issued_on),
        weight: Weight::Regular,
        size: 10.5,
        color: INK,
    };
    y = p.lines(lx, y, &[issued]);

    let card_bottom = y.max(right) + 14.0;
    p.rounded_frame(card_x, card_y, card_w, card_bottom - card_y, 8.0, RULE);

    // The footer is placed first, from the bottom of the page, so the sites know their room.
    let mut footer = block(
        fonts,
        "Seule la page de vérification (QR code ci-dessus) indique si cette carte est valide aujourd'hui.",
        Weight::Bold,
        10.0,
        INK,
        CONTENT_W,
    );
    footer.extend(block(
        fonts,
        &format!(
            "Cette carte reprend les informations publiques de l'annuaire RPPS+ au {} : nom, \
             prénoms, profession, numéro RPPS et lieux d'exercice. Elle ne contient aucune donnée \
             privée.",
            long_date(card.issued_on)
        ),
        Weight::Regular,
        8.5,
        GREY,
        CONTENT_W,
    ));
    footer.extend(block(
        fonts,
        "Les tolérances de stationnement accordées aux professionnels de l'aide à domicile sont \
         décidées par chaque commune, et non par RPPS+.",
        Weight::Regular,
        8.5,
        GREY,
        CONTENT_W,
    ));
    let footer_top = PAGE_H - MARGIN - height(&footer);
    p.rect(MARGIN, footer_top - 10.0, CONTENT_W, 0.8, RULE);
    p.lines(MARGIN, footer_top, &footer);

    draw_sites(card, p, card_bottom + 24.0, footer_top - 18.0);
    Ok(())
}

/// Sites shown together, under an optional title, marked by a coloured bar.
struct SiteGroup<'a> {
    sites: &'a [&'a CardSite],
    title: Option<&'a str>,
    bar: (u8, u8, u8),
}

/// The practice sites between `top` and `bottom`: those in progress, then the ended ones; what
/// does not fit is counted on a last line.
fn draw_sites(card: &Card, p: &mut Painter<'_, '_>, top: f32, bottom: f32) {
    let fonts = p.fonts;
    let today = card.issued_on;
    let mut active: Vec<&CardSite> = card
        .sites
        .iter()
        .filter(|s| in_progress(s, today))
        .collect();
    let mut ended: Vec<&CardSite> = card
        .sites
        .iter()
        .filter(|s| !in_progress(s, today))
        .collect();
    active.sort_by(|a, b| {
        (a.started_on, &a.establishment_name).cmp(&(b.started_on, &b.establishment_name))
    });
    ended.sort_by(|a, b| {
        (b.ended_on, b.started_on, &a.establishment_name).cmp(&(
            a.ended_on,
            a.started_on,
            &b.establishment_name,
        ))
    });

    let indent = 10.0;
    let entry_w = CONTENT_W - indent;
    let overflow_room = 9.0 * 1.3 + 6.0;
    let mut y = top;
    y = p.lines(MARGIN, y, &heading(fonts, "Lieux d'exercice", 13.0)) + 4.0;
    let mut shown = 0usize;
    let total = active.len() + ended.len();

    if active.is_empty() {
        let none = block(
            fonts,
            "Aucun lieu d'exercice en cours.",
            Weight::Regular,
            10.0,
            GREY,
            CONTENT_W,
        );
        y = p.lines(MARGIN, y, &none) + 6.0;
    }

    let ended_title = format!(
        "Exercice terminé ({})",
        plural(ended.len(), "lieu", "lieux")
    );
    let groups = [
        SiteGroup {
            sites: &active,
            title: None,
            bar: GREEN,
        },
        SiteGroup {
            sites: &ended,
            title: Some(&ended_title),
            bar: RULE,
        },
    ];
    'groups: for SiteGroup { sites, title, bar } in groups {
        if sites.is_empty() {
            continue;
        }
        let mut title_lines = title.map(|t| heading(fonts, t, 10.5)).unwrap_or_default();
        for site in sites {
            let lines = site_lines(fonts, site, today, entry_w);
            let needed = height(&title_lines) + height(&lines) + 8.0;
            let remaining_after = total - shown - 1;
            let reserve = if remaining_after > 0 {
                overflow_room
            } else {
                0.0
            };
            if y + needed + reserve > bottom {
                break 'groups;
            }
            if !title_lines.is_empty() {
                y = p.lines(MARGIN, y + 4.0, &std::mem::take(&mut title_lines)) + 2.0;
            }
            let h = height(&lines);
            p.rect(MARGIN, y + 1.0, 2.5, h - 2.0, bar);
            y = p.lines(MARGIN + indent, y, &lines) + 8.0;
            shown += 1;
        }
    }

    let hidden = total - shown;
    if hidden > 0 {
        let text = format!(
            "… et {} : la liste complète figure sur la page de vérification.",
            plural(hidden, "autre lieu d'exercice", "autres lieux d'exercice")
        );
        p.lines(
            MARGIN,
            y,
            &block(fonts, &text, Weight::Regular, 9.0, INK, CONTENT_W),
        );
    }
}
