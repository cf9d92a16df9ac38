//! Fonts, bidirectional layout and shaping of single text lines.
//!
//! krilla's own `draw_text` shapes a string as one run in one direction,
//! which is wrong for Persian lines that mix right-to-left letters with
//! left-to-right numbers (Persian digits are bidi class EN, so
//! `۱۴۰۵/۰۹/۰۱` runs left to right inside a right-to-left line). This module
//! therefore resolves the Unicode bidi algorithm per line, shapes every
//! directional run with rustybuzz in its own direction, and hands krilla
//! positioned glyphs together with the run's logical text. krilla maps
//! every glyph back to its source characters (ToUnicode, or ActualText
//! where one glyph is used for different characters), so text extraction
//! gives the characters as typed.
//!
//! Two details keep extraction in logical order in position-based
//! extractors such as poppler's `pdftotext`: combining marks get clusters
//! of their own (so «هٔ» is two one-character glyphs, not one two-glyph
//! cluster), and right-to-left ligatures are split, see
//! [`split_rtl_ligatures`].

use std::sync::LazyLock;

use krilla::geom::Point;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{
    script, BufferClusterLevel, Direction, Face, Language, Script, ShapePlan, UnicodeBuffer,
};
use unicode_bidi::{BidiInfo, Level};

static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/Vazirmatn-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/Vazirmatn-Bold.ttf");

/// A font as both krilla (embedding) and rustybuzz (shaping) see it.
///
/// Parsed once per process: parsing is far more expensive than laying out
/// one receipt.
pub(crate) struct FontFace {
    pub(crate) pdf: Font,
    shaper: Face<'static>,
    units_per_em: f32,
    /// An empty (outline-less) glyph that carries the extra characters of
    /// a right-to-left ligature; see [`split_rtl_ligatures`].
    carrier: Option<GlyphId>,
    /// Shape plans for the direction/script pairs a receipt uses; building
    /// a plan costs more than shaping a short line with it.
    plans: Vec<(Direction, Script, ShapePlan)>,
}

/// The Persian language tag set on every run (selects Persian forms where
/// the font distinguishes them).
fn persian() -> Option<Language> {
    "fa".parse().ok()
}

impl FontFace {
    fn load(data: &'static [u8]) -> Option<Self> {
        let shaper = Face::from_slice(data, 0)?;
        let units_per_em = shaper.units_per_em() as f32;
        let carrier = ['\u{2060}', '\u{200D}', '\u{200B}', '\u{034F}']
            .into_iter()
            .filter_map(|c| shaper.glyph_index(c))
            .find(|g| shaper.glyph_bounding_box(*g).is_none())
            .map(|g| GlyphId::new(u32::from(g.0)));
        let lang = persian();
        let plans = [
            (Direction::RightToLeft, script::ARABIC),
            (Direction::LeftToRight, script::ARABIC),
            (Direction::LeftToRight, script::LATIN),
            (Direction::LeftToRight, script::COMMON),
        ]
        .into_iter()
        .map(|(dir, sc)| {
            (
                dir,
                sc,
                ShapePlan::new(&shaper, dir, Some(sc), lang.as_ref(), &[]),
            )
        })
        .collect();
        let pdf = Font::new(data.into(), 0)?;
        Some(Self {
            pdf,
            shaper,
            units_per_em,
            carrier,
            plans,
        })
    }
}

static REGULAR: LazyLock<Option<FontFace>> = LazyLock::new(|| FontFace::load(REGULAR_TTF));
static BOLD: LazyLock<Option<FontFace>> = LazyLock::new(|| FontFace::load(BOLD_TTF));

/// The two embedded Vazirmatn faces.
pub(crate) struct Fonts {
    pub(crate) regular: &'static FontFace,
    pub(crate) bold: &'static FontFace,
}

impl Fonts {
    /// The cached faces, or `None` if the embedded font files fail to parse
    /// (which would be a build defect, not a runtime condition).
    pub(crate) fn get() -> Option<Self> {
        Some(Self {
            regular: REGULAR.as_ref()?,
            bold: BOLD.as_ref()?,
        })
    }
}

/// The base (paragraph) direction of a line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Base {
    Rtl,
    Ltr,
}

/// One directional run, shaped, in visual order.
struct Run {
    text: String,
    glyphs: Vec<KrillaGlyph>,
}

/// A shaped line: its runs left to right and its width in em.
pub(crate) struct Line {
    runs: Vec<Run>,
    width_em: f32,
}

impl Line {
    /// Width in points at `size`.
    pub(crate) fn width(&self, size: f32) -> f32 {
        self.width_em * size
    }
}

/// Lays out and shapes `text` as one line with the given base direction.
pub(crate) fn shape(face: &FontFace, text: &str, base: Base) -> Line {
    let mut line = Line {
        runs: Vec::new(),
        width_em: 0.0,
    };
    if text.is_empty() {
        return line;
    }
    let level = match base {
        Base::Rtl => Level::rtl(),
        Base::Ltr => Level::ltr(),
    };
    let info = BidiInfo::new(text, Some(level));
    for para in &info.paragraphs {
        let (levels, runs) = info.visual_runs(para, para.range.clone());
        for range in runs {
            let rtl = levels[range.start].is_rtl();
            let run = shape_run(face, &text[range], rtl);
            line.width_em += run.glyphs.iter().map(|g| g.x_advance).sum::<f32>();
            line.runs.push(run);
        }
    }
    line
}

/// Shapes one single-direction run; glyphs come back in visual order with
/// advances normalised to em, text ranges relative to the run's text.
fn shape_run(face: &FontFace, text: &str, rtl: bool) -> Run {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    if let Some(lang) = persian() {
        buffer.set_language(lang);
    }
    buffer.guess_segment_properties();
    // Keep combining marks (e.g. the hamza of «ـهٔ») in clusters of their
    // own, so each glyph maps to exactly the characters it draws.
    buffer.set_cluster_level(BufferClusterLevel::Characters);
    let plan = face
        .plans
        .iter()
        .find(|(dir, sc, _)| *dir == buffer.direction() && *sc == buffer.script())
        .map(|(_, _, plan)| plan);
    let output = match plan {
        Some(plan) => rustybuzz::shape_with_plan(&face.shaper, plan, buffer),
        None => rustybuzz::shape(&face.shaper, &[], buffer),
    };
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let upem = face.units_per_em;

    let mut glyphs = Vec::with_capacity(infos.len());
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // The cluster ends where the next cluster in logical order starts:
        // the following glyph for LTR, the preceding one for RTL (glyphs of
        // an RTL run are in visual, i.e. reversed, order).
        let end = if rtl {
            infos[..i]
                .iter()
                .rev()
                .find(|other| other.cluster != info.cluster)
                .map_or(text.len(), |other| other.cluster as usize)
        } else {
            infos[i + 1..]
                .iter()
                .find(|other| other.cluster != info.cluster)
                .map_or(text.len(), |other| other.cluster as usize)
        };
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            pos.x_advance as f32 / upem,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end.max(start),
            None,
        ));
    }
    if rtl {
        if let Some(carrier) = face.carrier {
            glyphs = split_rtl_ligatures(text, glyphs, carrier);
        }
    }
    Run {
        text: text.to_owned(),
        glyphs,
    }
}

/// Makes right-to-left ligatures (lam-alef «لا») extract in logical order.
///
/// A ligature glyph maps to several characters. Extractors that rebuild
/// logical order from glyph positions (poppler's `pdftotext`, PyMuPDF,
/// pdfminer) spread those characters left to right over the glyph and
/// then read the RTL word right to left, so «لا» comes out as «ال»
/// («انقلاب» as «انقالب»). The fix: the ligature glyph keeps only its first
/// character and the rightmost share of its advance, and each further
/// character rides on an invisible carrier glyph placed to its left. The
/// ligature is still drawn exactly where it was (a negative x offset), the
/// carriers draw nothing, and every glyph now maps to one character in an
/// order that reads back logically in position-based and stream-based
/// extractors alike.
fn split_rtl_ligatures(text: &str, glyphs: Vec<KrillaGlyph>, carrier: GlyphId) -> Vec<KrillaGlyph> {
    let mut out = Vec::with_capacity(glyphs.len() + 2);
    for (i, g) in glyphs.iter().enumerate() {
        let range = g.text_range.clone();
        let shared = glyphs
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.text_range == range);
        let chars: Vec<(usize, char)> = text[range.clone()].char_indices().collect();
        if shared || chars.len() < 2 {
            out.push(g.clone());
            continue;
        }
        let n = chars.len() as f32;
        let piece = g.x_advance / n;
        let char_range = |k: usize| {
            let start = range.start + chars[k].0;
            start..start + chars[k].1.len_utf8()
        };
        // Visual order, left to right: the last character first.
        for k in (1..chars.len()).rev() {
            out.push(KrillaGlyph::new(
                carrier,
                piece,
                0.0,
                0.0,
                0.0,
                char_range(k),
                None,
            ));
        }
        out.push(KrillaGlyph::new(
            g.glyph_id,
            piece,
            g.x_offset - (n - 1.0) * piece,
            g.y_offset,
            g.y_advance,
            char_range(0),
            None,
        ));
    }
    out
}

/// Draws a shaped line with its left edge at `x` and baseline at `y`,
/// using the surface's current fill.
pub(crate) fn draw(
    surface: &mut Surface<'_>,
    face: &FontFace,
    line: &Line,
    size: f32,
    x: f32,
    y: f32,
) {
    let mut cur = x;
    for run in &line.runs {
        surface.draw_glyphs(
            Point::from_xy(cur, y),
            &run.glyphs,
            face.pdf.clone(),
            &run.text,
            size,
            false,
        );
        cur += run.glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size;
    }
}

/// Greedy word wrap: splits `text` at whitespace into lines no wider than
/// `max_width` points at `size`. A single word wider than the limit gets a
/// line of its own.
///
/// Words are measured one by one (words do not join across a space, so
/// the sum is the line's width up to kerning).
fn wrap_words(face: &FontFace, text: &str, base: Base, size: f32, max_width: f32) -> Vec<String> {
    let space = shape(face, " ", base).width(size);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut width = 0.0;
    for word in text.split_whitespace() {
        let w = shape(face, word, base).width(size);
        if current.is_empty() {
            current.push_str(word);
            width = w;
        } else if width + space + w <= max_width {
            current.push(' ');
            current.push_str(word);
            width += space + w;
        } else {
            lines.push(std::mem::take(&mut current));
            current.push_str(word);
            width = w;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Wraps `text` (see [`wrap_words`]) into at most `max_lines` lines,
/// stepping the size down from `size` until it fits or `min_size` is
/// reached. Nothing is ever cut off: if the text does not fit even at
/// `min_size`, it takes more lines. Returns the shaped lines and the size.
pub(crate) fn wrap_fit(
    face: &FontFace,
    text: &str,
    base: Base,
    (size, min_size): (f32, f32),
    max_width: f32,
    max_lines: usize,
) -> (Vec<Line>, f32) {
    let mut size = size;
    let mut lines = wrap_words(face, text, base, size, max_width);
    while lines.len() > max_lines.max(1) && size - 0.5 >= min_size {
        size -= 0.5;
        lines = wrap_words(face, text, base, size, max_width);
    }
    let shaped = lines.iter().map(|l| shape(face, l, base)).collect();
    (shaped, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regular() -> &'static FontFace {
        Fonts::get().expect("embedded fonts parse").regular
    }

    #[test]
    fn both_fonts_have_a_carrier_glyph() {
        let fonts = Fonts::get().expect("embedded fonts parse");
        assert!(fonts.regular.carrier.is_some());
        assert!(fonts.bold.carrier.is_some());
    }

    #[test]
    fn lam_alef_is_split_into_one_character_glyphs() {
        let face = regular();
        let line = shape(face, "لا", Base::Rtl);
        assert_eq!(line.runs.len(), 1);
        let glyphs = &line.runs[0].glyphs;
        // Visual order: the carrier for alef on the left, the ligature
        // (mapped to lam) on the right.
        assert_eq!(glyphs.len(), 2);
        assert_eq!(Some(glyphs[0].glyph_id), face.carrier);
        assert_eq!(glyphs[0].text_range, 2..4);
        assert_eq!(glyphs[1].text_range, 0..2);
        // The split keeps the ligature's total advance.
        let plain = shape_run(face, "لا", true);
        let total: f32 = glyphs.iter().map(|g| g.x_advance).sum();
        let plain_total: f32 = plain.glyphs.iter().map(|g| g.x_advance).sum();
        assert!((total - plain_total).abs() < 1e-6);
    }

    #[test]
    fn numbers_run_left_to_right_inside_rtl_text() {
        let face = regular();
        // «تاریخ ۱۴۰۵/۰۹/۰۱»: the Persian word is the rightmost run, the
        // date a left-to-right run left of it.
        let line = shape(face, "تاریخ ۱۴۰۵/۰۹/۰۱", Base::Rtl);
        assert_eq!(line.runs.len(), 2);
        assert_eq!(line.runs[0].text, "۱۴۰۵/۰۹/۰۱");
        assert_eq!(line.runs[1].text, "تاریخ ");
        // Within the LTR run the glyphs keep logical order.
        let starts: Vec<usize> = line.runs[0]
            .glyphs
            .iter()
            .map(|g| g.text_range.start)
            .collect();
        assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    }

    #[test]
    fn wrap_fit_wraps_then_shrinks_and_never_cuts() {
        let face = regular();
        let text = "خیابان انقلاب پلاک ۱۲ ".repeat(10);
        let (lines, size) = wrap_fit(face, &text, Base::Rtl, (10.0, 5.0), 200.0, 3);
        assert!(lines.len() <= 3);
        assert!((5.0..10.0).contains(&size), "{size}");
        assert!(lines.iter().all(|l| l.width(size) <= 200.0));

        let (lines, size) = wrap_fit(face, "کوتاه", Base::Rtl, (10.0, 5.0), 200.0, 3);
        assert_eq!((lines.len(), size), (1, 10.0));

        // Too long even at the minimum size: more lines, nothing dropped.
        let words = 400;
        let text = "کلمه ".repeat(words);
        let (lines, size) = wrap_fit(face, &text, Base::Rtl, (10.0, 5.0), 200.0, 3);
        assert_eq!(size, 5.0);
        assert!(lines.len() > 3);
        let kept: usize = lines
            .iter()
            .flat_map(|l| &l.runs)
            .map(|r| r.text.split_whitespace().count())
            .sum();
        assert_eq!(kept, words);
    }
}
