//! The temporary identity document of a nationality case: given at a registry office when a case is opened for
//! a person with no birth certificate, as the programme has done since 1401. It names the case and its holder
//! with their photo, and says in so many words what it is (proof that a case is open, for dealing with the
//! offices handling it) and what it is not (a birth certificate, a national card, proof of Iranian nationality,
//! or an identification for banks and travel). Same page, fonts and layout as the enrollment receipt.

use super::*;

/// Everything printed on the document. `Debug` shows only the case number.
#[derive(Clone, Copy)]
pub struct TemporaryIdentity<'a> {
    /// The case number as printed, e.g. `23-00000017-K`.
    pub case_number: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// Father's name where known (a dash otherwise).
    pub father_name: &'a str,
    /// The year of birth as known, four ASCII digits.
    pub birth_year_jalali: &'a str,
    pub birth_place: &'a str,
    pub office_name: &'a str,
    pub office_address: &'a str,
    /// Jalali opening date, `YYYY-MM-DD` with ASCII digits.
    pub opened_on_jalali: &'a str,
    /// JPEG or PNG.
    pub photo: &'a [u8],
}

impl std::fmt::Debug for TemporaryIdentity<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryIdentity")
            .field("case_number", &self.case_number)
            .finish_non_exhaustive()
    }
}

const DOC_TITLE: &str = "سند موقت هویت";
/// What the document is.
pub const IS: &str = "این سند نشان می‌دهد که دارندهٔ آن پروندهٔ تعیین تابعیت در جریان دارد و تا تعیین تکلیف پرونده، برای مراجعه به ادارهٔ ثبت احوال، کمیسیون‌ها و مراجع رسیدگی‌کننده اعتبار دارد.";
/// What it is not.
pub const IS_NOT: &str = "این سند شناسنامه، کارت ملی یا گواهی تابعیت ایرانی نیست، کد ملی ندارد و برای افتتاح حساب بانکی، معاملات، سفر یا اثبات تابعیت پذیرفته نمی‌شود.";

/// Renders the document as a one-page A5 PDF.
pub fn render_temporary(d: &TemporaryIdentity<'_>) -> Result<Vec<u8>, ReceiptError> {
    let bad = |field, reason| Err(ReceiptError::InvalidField { field, reason });
    if d.case_number.trim().is_empty() || d.case_number.len() > 32 {
        return bad("case_number", "expected 1 to 32 characters");
    }
    if d.first_name.trim().is_empty() || d.last_name.trim().is_empty() {
        return bad("name", "first and last name must not be empty");
    }
    if d.birth_year_jalali.len() != 4 || !d.birth_year_jalali.bytes().all(|b| b.is_ascii_digit()) {
        return bad("birth_year_jalali", "expected four ASCII digits");
    }
    let fonts = Fonts::get().ok_or(ReceiptError::Font)?;
    let photo = load_photo(d.photo)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(DOC_TITLE.to_owned())
            .language("fa-IR".to_owned())
            .creator("Shenas".to_owned())
            .text_direction(TextDirection::RightToLeft),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(ReceiptError::Pdf("page size".into()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    draw(&mut surface, &fonts, d, photo);
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| ReceiptError::Pdf(e.to_string()))
}

fn paragraph(
    surface: &mut Surface<'_>,
    face: &FontFace,
    s: &str,
    size: f32,
    top: f32,
    c: (u8, u8, u8),
) -> f32 {
    let (lines, _) = text::wrap_fit(
        face,
        s,
        Base::Rtl,
        (size, size),
        RIGHT - LEFT - 2.0 * PAD,
        5,
    );
    let mut baseline = top;
    for line in lines {
        draw_line_right(surface, face, &line, size, RIGHT - PAD, baseline, c);
        baseline += size * 1.7;
    }
    baseline
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, d: &TemporaryIdentity<'_>, photo: Image) {
    stroke_rect(
        surface,
        FRAME,
        FRAME,
        PAGE_W - 2.0 * FRAME,
        PAGE_H - 2.0 * FRAME,
        NAVY,
        1.6,
    );
    let inner = FRAME + 4.0;
    let header_top = inner + 4.0;
    let header_h = 62.0;
    fill_rect(
        surface,
        inner + 4.0,
        header_top,
        PAGE_W - 2.0 * (inner + 4.0),
        header_h,
        NAVY,
    );
    text_centered(
        surface,
        fonts.bold,
        DOC_TITLE,
        17.0,
        PAGE_W / 2.0,
        header_top + 28.0,
        WHITE,
    );
    text_centered(
        surface,
        fonts.regular,
        "سازمان ثبت احوال کشور · پروندهٔ تعیین تابعیت",
        9.0,
        PAGE_W / 2.0,
        header_top + 48.0,
        (0xd6, 0xe2, 0xee),
    );

    let band = code_band(
        surface,
        fonts,
        header_top + header_h + 16.0,
        "شمارهٔ پرونده",
        (d.case_number, Base::Ltr, 19.0),
    );

    let full_name = format!("{} {}", d.first_name.trim(), d.last_name.trim());
    let personal = [
        ("نام و نام خانوادگی", full_name),
        ("نام پدر", or_dash(d.father_name)),
        ("سال تولد (اظهاری)", persian_digits(d.birth_year_jalali)),
        ("محل تولد", or_dash(d.birth_place)),
        ("تاریخ تشکیل پرونده", persian_date(d.opened_on_jalali)),
    ];
    let bottom = photo_beside(surface, fonts, photo, band + 16.0, personal);

    let top = bottom + 16.0;
    let value_w = RIGHT - LEFT - LABEL_W - 2.0 * PAD;
    let office_name = persian_digits(d.office_name.trim());
    let office_address = persian_digits(d.office_address.trim());
    let (name_lines, name_size) =
        text::wrap_fit(fonts.bold, &office_name, Base::Rtl, (11.0, 6.0), value_w, 2);
    let (addr_lines, addr_size) = text::wrap_fit(
        fonts.regular,
        &office_address,
        Base::Rtl,
        (10.0, 5.0),
        value_w,
        2,
    );
    let office = [
        Block {
            label: "ادارهٔ ثبت احوال",
            face: fonts.bold,
            size: name_size,
            lines: name_lines,
        },
        Block {
            label: "نشانی",
            face: fonts.regular,
            size: addr_size,
            lines: addr_lines,
        },
    ];
    let top = top + draw_table(surface, fonts, &office, LEFT, top, 26.0) + 18.0;

    text_right(
        surface,
        fonts.bold,
        "این سند چیست",
        10.5,
        RIGHT - PAD,
        top,
        NAVY,
    );
    let next = paragraph(surface, fonts.regular, IS, 9.0, top + 17.0, INK);
    text_right(
        surface,
        fonts.bold,
        "این سند چه نیست",
        10.5,
        RIGHT - PAD,
        next + 6.0,
        (0x9b, 0x1c, 0x1c),
    );
    paragraph(surface, fonts.regular, IS_NOT, 9.0, next + 23.0, INK);

    let footer_y = PAGE_H - inner - 16.0;
    hline(surface, LEFT, RIGHT, footer_y - 14.0, RULE, 0.5);
    text_centered(
        surface,
        fonts.regular,
        "وضعیت پرونده را با شمارهٔ پرونده و تلفن همراه خود در درگاه «شناس» پیگیری کنید.",
        8.5,
        PAGE_W / 2.0,
        footer_y,
        MUTED,
    );
}
