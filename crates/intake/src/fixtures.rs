//! Deterministic enrollment inputs for tests and benchmarks (feature `fixtures`).
//!
//! Fingers are synthetic minutiae sets from [`biometrics::synth`] written as real ISO/IEC
//! 19794-2 (or ANSI 378) records at 500 ppi (197 pixels/cm): the same seed always gives the
//! same finger, so an enrolled record and a probe made from the same seed match under
//! [`biometrics::matcher::verify`], and different seeds do not. Everything is cheap (well
//! under a millisecond per record); encoded photos and the signature are cached.

use biometrics::record::{
    Encoding, FingerView, Minutia, MinutiaKind, MinutiaeRecord, RecordFormat,
};
use biometrics::synth::{perturb, synthetic_minutiae, Rng};
use biometrics::TemplateMinutia;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, RgbImage};
use std::collections::HashMap;
use std::f32::consts::TAU;
use std::sync::{Mutex, OnceLock};

/// Record resolution: 500 ppi in pixels per centimetre.
pub const RESOLUTION_PX_PER_CM: u16 = 197;
/// Record image frame (every synthetic finger fits in it).
pub const RECORD_WIDTH: u16 = 400;
/// Record image frame height.
pub const RECORD_HEIGHT: u16 = 500;

/// The seed of finger `position` of synthetic person `person_seed` in [`ten_prints`]:
/// `person_seed × 11 + position` (wrapping), distinct for every person and finger.
pub fn finger_seed(person_seed: u64, position: u8) -> u64 {
    person_seed
        .wrapping_mul(11)
        .wrapping_add(u64::from(position))
}

/// The synthetic minutiae of finger `seed` (30 to 50 of them, about 40 on average), in the
/// 500 ppi frame.
pub fn finger_minutiae(seed: u64) -> Vec<TemplateMinutia> {
    let mut rng = Rng::new(seed ^ 0x5348_454e_4153_0001);
    let mut m = synthetic_minutiae(&mut rng);
    for _ in 0..32 {
        if (30..=50).contains(&m.len()) {
            break;
        }
        m = synthetic_minutiae(&mut rng);
    }
    m
}

/// Another impression of finger `seed`, as a scanner would give at card pickup: rotated,
/// shifted, jittered, with some minutiae lost and spurious ones added. Deterministic in
/// (`seed`, `impression`).
pub fn impression_minutiae(seed: u64, impression: u64) -> Vec<TemplateMinutia> {
    let base = finger_minutiae(seed);
    let mut rng = Rng::new(seed.rotate_left(17) ^ impression.wrapping_mul(0x9e37_79b9));
    let rotation = rng.range(-0.25, 0.25);
    let shift = (rng.range(-20.0, 20.0), rng.range(-20.0, 20.0));
    let moved = perturb(&base, &mut rng, rotation, shift, 2.0, 0.15);
    // Keep the print inside the record frame, as a scanner would.
    moved
        .into_iter()
        .filter(|m| {
            (4.0..f32::from(RECORD_WIDTH) - 4.0).contains(&m.x)
                && (4.0..f32::from(RECORD_HEIGHT) - 4.0).contains(&m.y)
        })
        .collect()
}

/// One finger view holding `minutiae` (in the 500 ppi frame).
pub fn view(format: RecordFormat, position: u8, minutiae: &[TemplateMinutia]) -> FingerView {
    let unit = format.angle_unit_degrees().to_radians();
    let steps = (TAU / unit).round() as u32;
    FingerView {
        format,
        position,
        view_number: 0,
        impression_type: 0,
        quality: 80,
        x_resolution: RESOLUTION_PX_PER_CM,
        y_resolution: RESOLUTION_PX_PER_CM,
        minutiae: minutiae
            .iter()
            .enumerate()
            .map(|(i, m)| {
                // The frame's angle is the negated counter-clockwise record angle.
                let a = (-m.angle).rem_euclid(TAU);
                let angle = ((a / unit).round() as u32 % steps) as u8;
                Minutia {
                    kind: match m.kind {
                        MinutiaKind::Other => MinutiaKind::RidgeEnding,
                        k => k,
                    },
                    x: m.x.round().clamp(0.0, f32::from(RECORD_WIDTH - 1)) as u16,
                    y: m.y.round().clamp(0.0, f32::from(RECORD_HEIGHT - 1)) as u16,
                    y_reserved: 0,
                    angle,
                    quality: 60 + (i * 7 % 40) as u8,
                }
            })
            .collect(),
        extended: None,
    }
}

/// A whole record with the given views.
pub fn record_bytes(format: RecordFormat, views: Vec<FingerView>) -> Vec<u8> {
    MinutiaeRecord {
        format,
        product_id: match format {
            RecordFormat::Ansi378_2004 => 0x0033_0001,
            RecordFormat::Iso19794_2_2005 => 0,
        },
        capture_equipment: 0,
        width: RECORD_WIDTH,
        height: RECORD_HEIGHT,
        x_resolution: RESOLUTION_PX_PER_CM,
        y_resolution: RESOLUTION_PX_PER_CM,
        reserved: 0,
        views,
        encoding: Encoding::default(),
    }
    .to_bytes()
}

/// A valid ISO/IEC 19794-2:2005 record of finger `seed`, labelled with `position` (one view,
/// about 40 minutiae, 500 ppi, finger quality 80).
pub fn iso_record(position: u8, seed: u64) -> Vec<u8> {
    record_of(RecordFormat::Iso19794_2_2005, position, seed)
}

/// As [`iso_record`], in ANSI INCITS 378-2004.
pub fn ansi_record(position: u8, seed: u64) -> Vec<u8> {
    record_of(RecordFormat::Ansi378_2004, position, seed)
}

fn record_of(format: RecordFormat, position: u8, seed: u64) -> Vec<u8> {
    record_bytes(format, vec![view(format, position, &finger_minutiae(seed))])
}

/// An ISO record of another impression of finger `seed` (see [`impression_minutiae`]): what a
/// pickup probe of the same finger looks like.
pub fn iso_probe(position: u8, seed: u64, impression: u64) -> Vec<u8> {
    let f = RecordFormat::Iso19794_2_2005;
    record_bytes(
        f,
        vec![view(f, position, &impression_minutiae(seed, impression))],
    )
}

/// The ten ISO records of synthetic person `seed`: `(position, record)` for positions 1-10,
/// finger `p` being [`iso_record`]`(p, `[`finger_seed`]`(seed, p))`.
pub fn ten_prints(seed: u64) -> Vec<(u8, Vec<u8>)> {
    (1..=10u8)
        .map(|p| (p, iso_record(p, finger_seed(seed, p))))
        .collect()
}

type PhotoCache = Mutex<HashMap<(u32, u32, u64), Vec<u8>>>;

fn cached(key: (u32, u32, u64), make: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
    static CACHE: OnceLock<PhotoCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let bytes = make();
    if let Ok(mut c) = cache.lock() {
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(key, bytes.clone());
    }
    bytes
}

/// The pixels of [`photo_jpeg`]: a light background gradient, a head-and-shoulders shape
/// with hair and eyes, and seed-dependent placement, tones and a faint texture.
pub fn photo_rgb(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut rng = Rng::new(seed ^ 0x5048_4f54_4f00);
    let (wf, hf) = (w.max(1) as f32, h.max(1) as f32);
    let cx = wf * rng.range(0.45, 0.55);
    let cy = hf * rng.range(0.38, 0.45);
    let (rx, ry) = (wf * rng.range(0.20, 0.26), hf * rng.range(0.22, 0.27));
    let skin = [
        rng.range(150.0, 230.0),
        rng.range(110.0, 180.0),
        rng.range(90.0, 150.0),
    ];
    let bg = [
        rng.range(200.0, 240.0),
        rng.range(205.0, 240.0),
        rng.range(215.0, 250.0),
    ];
    // A faint texture of -2..=2 levels from a small table (cheaper than a per-pixel generator).
    let texture: Vec<i16> = (0..4096).map(|_| (rng.next_u64() % 5) as i16 - 2).collect();
    let to_px = |c: [f32; 3]| c.map(|v| v.clamp(2.0, 253.0) as i16);
    let (hair, suit) = (to_px([50.0, 40.0, 35.0]), to_px([60.0, 65.0, 90.0]));
    let (w_us, row_len) = (w as usize, w as usize * 3);
    let mut buf = vec![0u8; row_len * h as usize];
    let mut colour = vec![[0i16; 3]; w_us];
    for (y, row) in buf.chunks_exact_mut(row_len.max(1)).enumerate() {
        let yf = y as f32;
        let dy = (yf - cy) / ry;
        let g = 1.0 - 0.15 * yf / hf;
        colour.fill(to_px([bg[0] * g, bg[1] * g, bg[2] * g]));
        if yf > cy + ry * 1.15 {
            let (a, b) = (
                (cx - wf * 0.42).max(0.0) as usize,
                ((cx + wf * 0.42).max(0.0) as usize).min(w_us),
            );
            colour[a.min(b)..b].fill(suit);
        }
        if dy * dy < 1.0 {
            let half = rx * (1.0 - dy * dy).sqrt();
            let a = (cx - half).ceil().max(0.0) as usize;
            let b = ((cx + half).floor().max(0.0) as usize + 1).min(w_us);
            for (x, c) in colour.iter_mut().enumerate().take(b).skip(a) {
                let dx = (x as f32 - cx) / rx;
                let d = dx * dx + dy * dy;
                let eye = (dx.abs() - 0.4).powi(2) + (dy + 0.15).powi(2) < 0.012;
                *c = if dy < -0.55 || eye {
                    hair
                } else {
                    let shade = 1.0 - 0.25 * d;
                    to_px([skin[0] * shade, skin[1] * shade, skin[2] * shade])
                };
            }
        }
        let offset = (y * 131) & 4095;
        for (i, (px, c)) in row.chunks_exact_mut(3).zip(&colour).enumerate() {
            let t = (offset + i * 3) & 4095;
            px[0] = (c[0] + texture[t]) as u8;
            px[1] = (c[1] + texture[(t + 1) & 4095]) as u8;
            px[2] = (c[2] + texture[(t + 2) & 4095]) as u8;
        }
    }
    RgbImage::from_raw(w, h, buf).unwrap_or_else(|| RgbImage::new(w, h))
}

/// A `w`×`h` JPEG (quality 85, 4:2:0 as cameras write) of a synthetic portrait;
/// deterministic per seed and cached.
pub fn photo_jpeg(w: u32, h: u32, seed: u64) -> Vec<u8> {
    cached((w, h, seed), || encode_jpeg(&photo_rgb(w, h, seed), 85))
}

/// Encodes RGB pixels as a baseline JPEG (empty on the impossible failure).
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let (w, h) = (img.width().min(65_535), img.height().min(65_535));
    if jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(
            img.as_raw(),
            w as u16,
            h as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .is_err()
    {
        out.clear();
    }
    out
}

/// A `w`×`h` PNG of the same synthetic portrait as [`photo_jpeg`].
pub fn photo_png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let img = photo_rgb(w, h, seed);
    encode_png(img.as_raw(), w, h, ExtendedColorType::Rgb8)
}

/// Encodes raw 8-bit pixels as PNG.
pub fn encode_png(pixels: &[u8], w: u32, h: u32, color: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = PngEncoder::new(&mut out).write_image(pixels, w, h, color);
    out
}

/// A 400×150 grayscale PNG of a handwritten-looking stroke on white; cached.
pub fn signature_png() -> Vec<u8> {
    static SIG: OnceLock<Vec<u8>> = OnceLock::new();
    SIG.get_or_init(|| {
        let (w, h) = (400u32, 150u32);
        let mut img = GrayImage::from_pixel(w, h, image::Luma([255]));
        for i in 0..2000 {
            let t = i as f32 / 2000.0;
            let x = 30.0 + 340.0 * t;
            let y = 75.0 + 35.0 * (t * 19.0).sin() * (1.0 - t * 0.5) + 12.0 * (t * 53.0).cos();
            for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let (px, py) = (x as u32 + ox, y as u32 + oy);
                if px < w && py < h {
                    img.put_pixel(px, py, image::Luma([25]));
                }
            }
        }
        encode_png(img.as_raw(), w, h, ExtendedColorType::L8)
    })
    .clone()
}
