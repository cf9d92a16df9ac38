//! The ten fingerprints taken at enrollment, and the single finger presented at card pickup.
//!
//! Each captured finger arrives as an ISO/IEC 19794-2:2005 or ANSI INCITS 378-2004 minutiae
//! record (what the office's certified scanner produces) or as a PNG/WSQ image from which
//! minutiae are extracted here. Either way it becomes a [`Template`] in the matcher's 500 ppi
//! frame: record coordinates are scaled from the record's own resolution by
//! [`Template::from_record_view`], exactly as the biometrics evaluation does.

use crate::codes::{
    FINGERPRINT_LOW_QUALITY, FINGERPRINT_TOO_LARGE, INVALID_FINGERPRINT, INVALID_FINGERPRINTS,
};
use crate::util::{fa, no_panic, png_dimensions, refuse, size_words, sniff, Sniffed};
use biometrics::extract::ExtractError;
use biometrics::record::{FingerView, MinutiaeRecord, RecordError, RecordFormat};
use biometrics::Template;
use domain::FieldError;
use serde::{Deserialize, Serialize};

/// Number of entries a full set has (one per finger).
pub const FINGER_COUNT: usize = 10;
/// Largest accepted minutiae record (ISO or ANSI): 64 KiB.
pub const RECORD_MAX_BYTES: usize = 64 * 1024;
/// Largest accepted fingerprint image (PNG or WSQ): 1 MiB.
pub const IMAGE_MAX_BYTES: usize = 1024 * 1024;
/// Fewest minutiae a usable finger has.
pub const MIN_MINUTIAE: usize = 8;

/// Smallest fingerprint image side in pixels.
const IMAGE_MIN_SIDE: u32 = 100;
/// Largest fingerprint image side in pixels (a 1000 ppi rolled print is about 1600 wide).
const IMAGE_MAX_SIDE: u32 = 2000;
/// Record resolutions accepted, pixels per centimetre (250 to 1000 ppi).
const RESOLUTION_RANGE: std::ops::RangeInclusive<u16> = 98..=394;

/// Whether a finger was captured, and if not why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FingerStatus {
    /// The finger was scanned; its record or image is attached.
    Captured,
    /// The finger is missing (amputation, congenital).
    Missing,
    /// The finger could not be scanned (bandaged, injured); to be captured later.
    Bandaged,
}

impl FingerStatus {
    /// The contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            FingerStatus::Captured => "captured",
            FingerStatus::Missing => "missing",
            FingerStatus::Bandaged => "bandaged",
        }
    }

    /// Reads a contract name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "captured" => Some(FingerStatus::Captured),
            "missing" => Some(FingerStatus::Missing),
            "bandaged" => Some(FingerStatus::Bandaged),
            _ => None,
        }
    }
}

/// How a captured finger is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FingerFormat {
    /// ISO/IEC 19794-2:2005 minutiae record.
    #[serde(rename = "iso19794_2")]
    Iso19794_2,
    /// ANSI INCITS 378-2004 minutiae record.
    #[serde(rename = "ansi378")]
    Ansi378,
    /// A PNG image of the print (500 ppi unless the file says otherwise).
    #[serde(rename = "png")]
    Png,
    /// A WSQ-compressed image of the print.
    #[serde(rename = "wsq")]
    Wsq,
}

impl FingerFormat {
    /// All formats, in contract order.
    pub const ALL: [FingerFormat; 4] = [
        FingerFormat::Iso19794_2,
        FingerFormat::Ansi378,
        FingerFormat::Png,
        FingerFormat::Wsq,
    ];

    /// The contract name.
    pub fn as_str(self) -> &'static str {
        match self {
            FingerFormat::Iso19794_2 => "iso19794_2",
            FingerFormat::Ansi378 => "ansi378",
            FingerFormat::Png => "png",
            FingerFormat::Wsq => "wsq",
        }
    }

    /// Reads a contract name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether this is a minutiae record (as opposed to an image).
    pub fn is_record(self) -> bool {
        matches!(self, FingerFormat::Iso19794_2 | FingerFormat::Ansi378)
    }

    /// The size limit for this format.
    pub fn max_bytes(self) -> usize {
        if self.is_record() {
            RECORD_MAX_BYTES
        } else {
            IMAGE_MAX_BYTES
        }
    }

    fn title(self) -> &'static str {
        match self {
            FingerFormat::Iso19794_2 => "ISO/IEC 19794-2 record",
            FingerFormat::Ansi378 => "ANSI INCITS 378 record",
            FingerFormat::Png => "PNG image",
            FingerFormat::Wsq => "WSQ image",
        }
    }

    fn title_fa(self) -> &'static str {
        match self {
            FingerFormat::Iso19794_2 => "رکورد ISO/IEC 19794-2",
            FingerFormat::Ansi378 => "رکورد ANSI INCITS 378",
            FingerFormat::Png => "تصویر PNG",
            FingerFormat::Wsq => "تصویر WSQ",
        }
    }
}

/// One entry of the enrollment's `fingerprints` array, as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FingerInput<'a> {
    /// ISO finger position: 1 right thumb … 5 right little, 6 left thumb … 10 left little.
    pub position: i64,
    /// Captured, missing or bandaged.
    pub status: FingerStatus,
    /// Contract format name (`iso19794_2`, `ansi378`, `png`, `wsq`); needed when captured.
    pub format: Option<&'a str>,
    /// The record or image (already base64-decoded); only when captured.
    pub data: Option<&'a [u8]>,
}

/// One checked finger.
#[derive(Debug, Clone, PartialEq)]
pub struct Finger {
    /// ISO finger position, 1-10.
    pub position: u8,
    /// Captured, missing or bandaged.
    pub status: FingerStatus,
    /// The format the data came in (captured fingers only).
    pub format: Option<FingerFormat>,
    /// Quality 0-100: the record view's finger quality, or the extractor's figure for images.
    pub quality: Option<u8>,
    /// The matcher template (captured fingers only).
    pub template: Option<Template>,
}

/// English and Persian name of an ISO finger position (1-10).
pub fn finger_name(position: u8) -> Option<(&'static str, &'static str)> {
    Some(match position {
        1 => ("right thumb", "شست دست راست"),
        2 => ("right index finger", "انگشت اشارهٔ دست راست"),
        3 => ("right middle finger", "انگشت میانی دست راست"),
        4 => ("right ring finger", "انگشت حلقهٔ دست راست"),
        5 => ("right little finger", "انگشت کوچک دست راست"),
        6 => ("left thumb", "شست دست چپ"),
        7 => ("left index finger", "انگشت اشارهٔ دست چپ"),
        8 => ("left middle finger", "انگشت میانی دست چپ"),
        9 => ("left ring finger", "انگشت حلقهٔ دست چپ"),
        10 => ("left little finger", "انگشت کوچک دست چپ"),
        _ => return None,
    })
}

fn names(position: u8) -> (&'static str, &'static str) {
    finger_name(position).unwrap_or(("unknown finger", "انگشت نامشخص"))
}

fn check_position(position: i64, field: &str, code: &'static str) -> Result<u8, FieldError> {
    match u8::try_from(position) {
        Ok(p @ 1..=10) => Ok(p),
        _ => Err(refuse(
            field,
            code,
            format!(
                "finger position must be 1 to 10 (1 right thumb … 5 right little finger, 6 left thumb … 10 left little finger), not {position}"
            ),
            format!(
                "شمارهٔ انگشت باید از ۱ تا ۱۰ باشد (۱ شست دست راست … ۵ انگشت کوچک دست راست، ۶ شست دست چپ … ۱۰ انگشت کوچک دست چپ)، نه {}",
                fa(position)
            ),
        )),
    }
}

fn parse_format(s: &str, field: &str, code: &'static str) -> Result<FingerFormat, FieldError> {
    FingerFormat::parse(s).ok_or_else(|| {
        refuse(
            field,
            code,
            format!("fingerprint format must be one of iso19794_2, ansi378, png, wsq, not {s:?}"),
            format!("قالب اثر انگشت باید یکی از iso19794_2، ansi378، png یا wsq باشد، نه «{s}»"),
        )
    })
}

/// A captured finger's declared format and data.
type Captured<'a> = Option<(FingerFormat, &'a [u8])>;

/// Checks the ten fingerprints of an enrollment.
///
/// First the list as a whole (`invalid_fingerprints`): exactly ten entries, positions 1-10
/// each once, a format and data for every captured finger and no data for a missing or
/// bandaged one, at least one captured finger. Then each captured finger's content:
/// `fingerprint_too_large`, `invalid_fingerprint` (malformed, or a record of another finger)
/// and `fingerprint_low_quality`, with the field `fingerprints[i].data`. The result is in the
/// input's order.
pub fn check_fingerprints(inputs: &[FingerInput<'_>]) -> Result<Vec<Finger>, FieldError> {
    if inputs.len() != FINGER_COUNT {
        return Err(refuse(
            "fingerprints",
            INVALID_FINGERPRINTS,
            format!(
                "exactly {FINGER_COUNT} fingerprint entries are required (one per finger, positions 1 to 10), {} were sent",
                inputs.len()
            ),
            format!(
                "دقیقاً {} ردیف اثر انگشت لازم است (یکی برای هر انگشت، شمارهٔ ۱ تا ۱۰)، {} ردیف ارسال شده است",
                fa(FINGER_COUNT),
                fa(inputs.len())
            ),
        ));
    }
    let mut seen: [Option<usize>; FINGER_COUNT + 1] = [None; FINGER_COUNT + 1];
    let mut plan: Vec<(u8, Captured<'_>)> = Vec::with_capacity(FINGER_COUNT);
    for (i, input) in inputs.iter().enumerate() {
        let at = |leaf: &str| format!("fingerprints[{i}].{leaf}");
        let position = check_position(input.position, &at("position"), INVALID_FINGERPRINTS)?;
        let (name_en, name_fa) = names(position);
        if let Some(j) = seen[usize::from(position)] {
            return Err(refuse(
                at("position"),
                INVALID_FINGERPRINTS,
                format!(
                    "finger position {position} ({name_en}) appears twice, in entries {j} and {i}; each finger must appear exactly once"
                ),
                format!(
                    "انگشت شمارهٔ {} ({name_fa}) دو بار آمده است، در ردیف‌های {} و {}؛ هر انگشت باید دقیقاً یک بار بیاید",
                    fa(position),
                    fa(j),
                    fa(i)
                ),
            ));
        }
        seen[usize::from(position)] = Some(i);
        let data = input.data.filter(|d| !d.is_empty());
        match input.status {
            FingerStatus::Captured => {
                let Some(format) = input.format else {
                    return Err(refuse(
                        at("format"),
                        INVALID_FINGERPRINTS,
                        format!("the {name_en} is marked captured but has no format (iso19794_2, ansi378, png or wsq)"),
                        format!("{name_fa} «ثبت‌شده» اعلام شده ولی قالب آن (iso19794_2، ansi378، png یا wsq) مشخص نیست"),
                    ));
                };
                let format = parse_format(format, &at("format"), INVALID_FINGERPRINTS)?;
                let Some(data) = data else {
                    return Err(refuse(
                        at("data"),
                        INVALID_FINGERPRINTS,
                        format!("the {name_en} is marked captured but has no data"),
                        format!("{name_fa} «ثبت‌شده» اعلام شده ولی دادهٔ اثر انگشت آن خالی است"),
                    ));
                };
                plan.push((position, Some((format, data))));
            }
            status @ (FingerStatus::Missing | FingerStatus::Bandaged) => {
                if data.is_some() {
                    let (st_en, st_fa) = match status {
                        FingerStatus::Missing => ("missing", "«قطع/فاقد»"),
                        _ => ("bandaged", "«باندپیچی/غیرقابل ثبت»"),
                    };
                    return Err(refuse(
                        at("data"),
                        INVALID_FINGERPRINTS,
                        format!("the {name_en} is marked {st_en} and must not carry fingerprint data; mark it captured or remove the data"),
                        format!("{name_fa} {st_fa} اعلام شده و نباید دادهٔ اثر انگشت داشته باشد؛ یا وضعیت را «ثبت‌شده» کنید یا داده را حذف کنید"),
                    ));
                }
                plan.push((position, None));
            }
        }
    }
    if plan.iter().all(|(_, c)| c.is_none()) {
        return Err(refuse(
            "fingerprints",
            INVALID_FINGERPRINTS,
            "at least one finger must be captured; all ten are marked missing or bandaged",
            "دست‌کم یک انگشت باید ثبت شود؛ هر ده انگشت «فاقد» یا «باندپیچی» اعلام شده‌اند",
        ));
    }
    let mut out = Vec::with_capacity(FINGER_COUNT);
    for (i, ((position, captured), input)) in plan.into_iter().zip(inputs).enumerate() {
        out.push(match captured {
            None => Finger {
                position,
                status: input.status,
                format: None,
                quality: None,
                template: None,
            },
            Some((format, data)) => {
                let (quality, template) =
                    check_one(position, format, data, &format!("fingerprints[{i}].data"))?;
                Finger {
                    position,
                    status: FingerStatus::Captured,
                    format: Some(format),
                    quality: Some(quality),
                    template: Some(template),
                }
            }
        });
    }
    Ok(out)
}

/// Checks the single finger presented at card pickup and returns its validated position and
/// template (to compare with [`biometrics::matcher::verify`] against the enrolled one). Fields:
/// `fingerprint.position` and `fingerprint.format` (`invalid_fingerprint`) and
/// `fingerprint.data` (as for one enrollment finger).
pub fn check_probe(position: i64, format: &str, data: &[u8]) -> Result<(u8, Template), FieldError> {
    let position = check_position(position, "fingerprint.position", INVALID_FINGERPRINT)?;
    let format = parse_format(format, "fingerprint.format", INVALID_FINGERPRINT)?;
    let (_, template) = check_one(position, format, data, "fingerprint.data")?;
    Ok((position, template))
}

/// Checks one captured finger's data; returns its quality and template.
fn check_one(
    position: u8,
    format: FingerFormat,
    data: &[u8],
    field: &str,
) -> Result<(u8, Template), FieldError> {
    let (name_en, name_fa) = names(position);
    let max = format.max_bytes();
    if data.len() > max {
        let (en, fa_size) = size_words(data.len());
        let (max_en, max_fa) = size_words(max);
        return Err(refuse(
            field,
            FINGERPRINT_TOO_LARGE,
            format!(
                "the {name_en}'s {} is {en}; at most {max_en} is accepted",
                format.title()
            ),
            format!(
                "حجم {} {name_fa} {fa_size} است؛ حداکثر {max_fa} پذیرفته می‌شود",
                format.title_fa()
            ),
        ));
    }
    if data.is_empty() {
        return Err(refuse(
            field,
            INVALID_FINGERPRINT,
            format!("the {name_en}'s data is empty"),
            format!("دادهٔ اثر {name_fa} خالی است"),
        ));
    }
    let invalid = |en: String, fa_msg: String| {
        refuse(
            field,
            INVALID_FINGERPRINT,
            format!("the {name_en}'s {} is invalid: {en}", format.title()),
            format!("{} {name_fa} نامعتبر است: {fa_msg}", format.title_fa()),
        )
    };
    let (quality, template) = match format {
        FingerFormat::Iso19794_2 | FingerFormat::Ansi378 => {
            let (rf, other, other_name) = if format == FingerFormat::Iso19794_2 {
                (
                    RecordFormat::Iso19794_2_2005,
                    RecordFormat::Ansi378_2004,
                    "ansi378",
                )
            } else {
                (
                    RecordFormat::Ansi378_2004,
                    RecordFormat::Iso19794_2_2005,
                    "iso19794_2",
                )
            };
            let rec =
                match no_panic(|| MinutiaeRecord::parse_as(rf, data)) {
                    Ok(Ok(rec)) => rec,
                    Ok(Err(e)) => {
                        let (mut en, mut fa_msg) = (e.to_string(), record_error_fa(&e));
                        if no_panic(|| MinutiaeRecord::parse_as(other, data).is_ok())
                            .unwrap_or(false)
                        {
                            en.push_str(&format!(
                            " (the data is a valid {} record: declare the format \"{other_name}\")",
                            if other_name == "ansi378" { "ANSI 378" } else { "ISO 19794-2" }
                        ));
                            fa_msg.push_str(&format!(
                            " (داده رکورد معتبر قالب «{other_name}» است؛ همین قالب را اعلام کنید)"
                        ));
                        } else if let Sniffed::Png | Sniffed::Wsq | Sniffed::Jpeg = sniff(data) {
                            en.push_str(" (the data is an image, not a minutiae record)");
                            fa_msg.push_str(" (داده تصویر است، نه رکورد ریزنقاط)");
                        }
                        return Err(invalid(en, fa_msg));
                    }
                    Err(()) => {
                        return Err(invalid(
                            "the record could not be parsed".into(),
                            "رکورد قابل خواندن نیست".into(),
                        ))
                    }
                };
            let view = pick_view(&rec, position).map_err(|(en, fa_msg)| invalid(en, fa_msg))?;
            if !RESOLUTION_RANGE.contains(&view.x_resolution)
                || !RESOLUTION_RANGE.contains(&view.y_resolution)
            {
                return Err(invalid(
                    format!(
                        "resolution {}×{} pixels/cm is outside {}-{} (250-1000 ppi)",
                        view.x_resolution,
                        view.y_resolution,
                        RESOLUTION_RANGE.start(),
                        RESOLUTION_RANGE.end()
                    ),
                    format!(
                        "وضوح {}×{} پیکسل بر سانتی‌متر خارج از بازهٔ {} تا {} (۲۵۰ تا ۱۰۰۰ ppi) است",
                        fa(view.x_resolution),
                        fa(view.y_resolution),
                        fa(RESOLUTION_RANGE.start()),
                        fa(RESOLUTION_RANGE.end())
                    ),
                ));
            }
            (view.quality.min(100), Template::from_record_view(view))
        }
        FingerFormat::Png | FingerFormat::Wsq => {
            let found = sniff(data);
            let dims = match (format, found) {
                (FingerFormat::Png, Sniffed::Png) => png_dimensions(data),
                (FingerFormat::Wsq, Sniffed::Wsq) => wsq_dimensions(data),
                (_, found) => {
                    let what = match found {
                        Sniffed::Png => "a PNG image",
                        Sniffed::Wsq => "a WSQ image",
                        Sniffed::Jpeg => "a JPEG image",
                        Sniffed::Other("minutiae record") => {
                            "a minutiae record (declare iso19794_2 or ansi378)"
                        }
                        Sniffed::Other(name) => name,
                        Sniffed::Unknown => "of an unrecognised type",
                    };
                    return Err(invalid(
                        format!("the data is {what}"),
                        format!("نوع داده با قالب اعلام‌شده نمی‌خواند ({what})"),
                    ));
                }
            };
            let Some((w, h)) = dims else {
                return Err(invalid(
                    "the image header is damaged or incomplete".into(),
                    "سرآیند تصویر خراب یا ناقص است".into(),
                ));
            };
            if w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE {
                return Err(refuse(
                    field,
                    FINGERPRINT_TOO_LARGE,
                    format!(
                        "the {name_en}'s image is {w}×{h} pixels; at most {IMAGE_MAX_SIDE}×{IMAGE_MAX_SIDE} is accepted"
                    ),
                    format!(
                        "ابعاد تصویر {name_fa} {}×{} پیکسل است؛ حداکثر {}×{} پیکسل پذیرفته می‌شود",
                        fa(w),
                        fa(h),
                        fa(IMAGE_MAX_SIDE),
                        fa(IMAGE_MAX_SIDE)
                    ),
                ));
            }
            if w < IMAGE_MIN_SIDE || h < IMAGE_MIN_SIDE {
                return Err(invalid(
                    format!(
                        "the image is {w}×{h} pixels; at least {IMAGE_MIN_SIDE}×{IMAGE_MIN_SIDE} is needed"
                    ),
                    format!(
                        "ابعاد تصویر {}×{} پیکسل است؛ دست‌کم {}×{} پیکسل لازم است",
                        fa(w),
                        fa(h),
                        fa(IMAGE_MIN_SIDE),
                        fa(IMAGE_MIN_SIDE)
                    ),
                ));
            }
            match no_panic(|| biometrics::extract::extract(data)) {
                Ok(Ok((template, quality))) => (quality.min(100), template),
                Ok(Err(e)) => return Err(invalid(e.to_string(), extract_error_fa(&e))),
                Err(()) => {
                    return Err(invalid(
                        "minutiae extraction failed on this image".into(),
                        "استخراج ریزنقاط از این تصویر ممکن نشد".into(),
                    ))
                }
            }
        }
    };
    let n = template.minutiae().len();
    if n < MIN_MINUTIAE {
        return Err(refuse(
            field,
            FINGERPRINT_LOW_QUALITY,
            format!(
                "only {n} minutiae were found in the {name_en}'s print, at least {MIN_MINUTIAE} are needed; capture the finger again"
            ),
            format!(
                "در اثر {name_fa} فقط {} ریزنقطه پیدا شد و دست‌کم {} لازم است؛ اثر این انگشت را دوباره بگیرید",
                fa(n),
                fa(MIN_MINUTIAE)
            ),
        ));
    }
    Ok((quality, template))
}

/// The record's view for `position`: the first view with that position, else the first view
/// of unknown position (0); a record holding only other fingers is refused.
fn pick_view(rec: &MinutiaeRecord, position: u8) -> Result<&FingerView, (String, String)> {
    if rec.views.is_empty() {
        return Err((
            "the record has no finger view".into(),
            "رکورد هیچ نمای انگشتی ندارد".into(),
        ));
    }
    if let Some(v) = rec.views.iter().find(|v| v.position == position) {
        return Ok(v);
    }
    if let Some(v) = rec.views.iter().find(|v| v.position == 0) {
        return Ok(v);
    }
    let held: Vec<u8> = rec.views.iter().map(|v| v.position).collect();
    let (want_en, want_fa) = names(position);
    let list_en = held
        .iter()
        .map(|&p| format!("{p} ({})", names(p).0))
        .collect::<Vec<_>>()
        .join(", ");
    let list_fa = held
        .iter()
        .map(|&p| format!("{} ({})", fa(p), names(p).1))
        .collect::<Vec<_>>()
        .join("، ");
    Err((
        format!(
            "the record is for finger position {list_en}, but it was sent as position {position} ({want_en})"
        ),
        format!(
            "رکورد مربوط به انگشت شمارهٔ {list_fa} است ولی به‌عنوان انگشت شمارهٔ {} ({want_fa}) ارسال شده است",
            fa(position)
        ),
    ))
}

/// Height and width from a WSQ stream's frame header (skipping the tables before it).
fn wsq_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    let u16_at =
        |i: usize| -> Option<u16> { Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])) };
    if u16_at(0)? != 0xffa0 {
        return None;
    }
    let mut at = 2usize;
    // A handful of tables precede the frame; bound the walk anyway.
    for _ in 0..64 {
        let marker = u16_at(at)?;
        let len = usize::from(u16_at(at + 2)?);
        match marker {
            0xffa2 => {
                let h = u16_at(at + 6)?;
                let w = u16_at(at + 8)?;
                return Some((u32::from(w), u32::from(h)));
            }
            0xffa4 | 0xffa5 | 0xffa6 | 0xffa8 if len >= 2 => at += 2 + len,
            _ => return None,
        }
    }
    None
}

fn record_error_fa(e: &RecordError) -> String {
    match e {
        RecordError::Truncated {
            offset,
            needed,
            available,
            what,
        } => format!(
            "رکورد ناقص است: در بایت {} فیلد «{what}» به {} بایت نیاز دارد ولی {} بایت باقی مانده است",
            fa(offset),
            fa(needed),
            fa(available)
        ),
        RecordError::BadMagic { .. } => {
            "رکورد ریزنقاط اثر انگشت نیست: ابتدای داده باید «FMR» باشد".into()
        }
        RecordError::UnsupportedVersion { .. } => {
            "نسخهٔ رکورد پشتیبانی نمی‌شود؛ فقط نسخهٔ « 20» (استاندارد ۲۰۰۴/۲۰۰۵) پذیرفته می‌شود".into()
        }
        RecordError::LengthMismatch {
            offset,
            declared,
            actual,
        } => format!(
            "طول اعلام‌شده در بایت {} برابر {} بایت است ولی رکورد {} بایت دارد",
            fa(offset),
            fa(declared),
            fa(actual)
        ),
        RecordError::InvalidField {
            offset,
            field,
            value,
            expected,
        } => format!(
            "مقدار فیلد «{field}» در بایت {} نامعتبر است: {} (مورد انتظار: {expected})",
            fa(offset),
            fa(value)
        ),
        RecordError::TrailingBytes { offset, count } => format!(
            "{} بایت اضافهٔ غیرصفر از بایت {} به بعد وجود دارد",
            fa(count),
            fa(offset)
        ),
        RecordError::Inconsistent {
            offset,
            expected_end,
        } => format!(
            "نماهای انگشت در بایت {} تمام می‌شوند ولی طول رکورد پایان را بایت {} اعلام می‌کند",
            fa(offset),
            fa(expected_end)
        ),
    }
}

fn extract_error_fa(e: &ExtractError) -> String {
    match e {
        ExtractError::UnknownFormat => "قالب تصویر شناخته نشد (PNG یا WSQ لازم است)".into(),
        ExtractError::Image(m) => format!("تصویر قابل خواندن نیست ({m})"),
        ExtractError::Wsq(m) => format!("فایل WSQ خراب یا ناقص است ({m})"),
        ExtractError::Detector(m) => format!("تصویر برای استخراج ریزنقاط مناسب نیست ({m})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_contract_strings() {
        for s in ["captured", "missing", "bandaged"] {
            assert_eq!(FingerStatus::parse(s).map(FingerStatus::as_str), Some(s));
        }
        assert_eq!(FingerStatus::parse("Captured"), None);
        for f in FingerFormat::ALL {
            assert_eq!(FingerFormat::parse(f.as_str()), Some(f));
        }
        assert_eq!(FingerFormat::parse("jpeg"), None);
        assert_eq!(finger_name(1).map(|n| n.0), Some("right thumb"));
        assert_eq!(finger_name(10).map(|n| n.0), Some("left little finger"));
        assert_eq!(finger_name(0), None);
        assert_eq!(finger_name(11), None);
    }

    #[test]
    fn wsq_header_walk() {
        // SOI, a COM segment of 4 bytes, then SOF with height 300 and width 256.
        let mut b = vec![0xff, 0xa0, 0xff, 0xa8, 0, 4, b'h', b'i'];
        b.extend_from_slice(&[0xff, 0xa2, 0, 17, 0, 255, 1, 0x2c, 1, 0]);
        assert_eq!(wsq_dimensions(&b), Some((256, 300)));
        assert_eq!(wsq_dimensions(&b[..12]), None);
        assert_eq!(wsq_dimensions(&[0xff, 0xa0, 0xff, 0xa8, 0, 0]), None);
    }
}
