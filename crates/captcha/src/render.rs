//! Draws a captcha picture: Persian digits in Vazirmatn Bold, each turned, sheared, scaled and
//! waved, over a pale gradient, with curved lines across and speckles. Every random choice
//! comes from a seed derived from the id and the secret, so an id always gives the same bytes
//! and nobody without the secret can predict the distortions.

use ab_glyph::{point, Font, FontRef, PxScale};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{ANSWER_DIGITS, IMAGE_HEIGHT, IMAGE_WIDTH};

/// Vazirmatn Bold (SIL OFL 1.1), see `assets/fonts/README.md`.
pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/Vazirmatn-Bold.ttf");

const W: usize = IMAGE_WIDTH as usize;
const H: usize = IMAGE_HEIGHT as usize;

/// The Persian digit for `d` (0-9).
pub(crate) use shenas_text::persian_digit;

pub(crate) fn font() -> FontRef<'static> {
    // The font is compiled in and a test parses it, so this cannot fail at run time.
    #[allow(clippy::expect_used)]
    FontRef::try_from_slice(FONT_BYTES).expect("the embedded Vazirmatn Bold font parses")
}

/// The drawing's randomness: ChaCha8 (the workspace's one seeded generator) from the HMAC-derived seed, which
/// is where the unpredictability comes from.
struct Rng(ChaCha8Rng);

impl Rng {
    fn new(seed: [u8; 32]) -> Self {
        Self(ChaCha8Rng::from_seed(seed))
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in lo..=hi.
    fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }
}

type Rgb = [f32; 3];

fn hsv(h: f32, s: f32, v: f32) -> Rgb {
    let h = h.rem_euclid(1.0) * 6.0;
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

/// A dark, saturated ink colour.
fn ink(rng: &mut Rng) -> Rgb {
    hsv(rng.unit(), rng.range(0.45, 0.9), rng.range(0.18, 0.45))
}

struct Canvas {
    px: Vec<Rgb>,
}

impl Canvas {
    fn blend(&mut self, x: usize, y: usize, color: Rgb, alpha: f32) {
        if x >= W || y >= H || alpha <= 0.0 {
            return;
        }
        let a = alpha.min(1.0);
        let p = &mut self.px[y * W + x];
        for (c, k) in p.iter_mut().zip(color) {
            *c = *c * (1.0 - a) + k * a;
        }
    }

    fn blend_mask(&mut self, mask: &[f32], color: Rgb, opacity: f32) {
        for (i, &m) in mask.iter().enumerate() {
            if m > 0.0 {
                self.blend(i % W, i / W, color, m * opacity);
            }
        }
    }

    fn to_rgb8(&self, rng: &mut Rng) -> Vec<u8> {
        let mut out = Vec::with_capacity(W * H * 3);
        for p in &self.px {
            let grain = rng.range(-0.035, 0.035);
            for c in p {
                out.push(((c + grain).clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
        out
    }
}

/// A point on the cubic Bézier `p` at `t`.
fn bezier(p: &[(f32, f32); 4], t: f32) -> (f32, f32) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p[0].0 + b * p[1].0 + c * p[2].0 + d * p[3].0,
        a * p[0].1 + b * p[1].1 + c * p[2].1 + d * p[3].1,
    )
}

/// Antialiased coverage of a stroke of half-width `radius` (varying along the curve by
/// `taper`) along the Bézier `p`.
fn stroke_mask(p: &[(f32, f32); 4], radius: f32, taper: f32) -> Vec<f32> {
    let mut mask = vec![0.0f32; W * H];
    let steps = 900;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let (x, y) = bezier(p, t);
        let r = radius * (1.0 + taper * (t * std::f32::consts::PI * 2.0).sin());
        let reach = r + 1.0;
        let x0 = (x - reach).floor().max(0.0) as usize;
        let y0 = (y - reach).floor().max(0.0) as usize;
        let x1 = ((x + reach).ceil().max(0.0) as usize).min(W - 1);
        let y1 = ((y + reach).ceil().max(0.0) as usize).min(H - 1);
        for py in y0..=y1 {
            for px in x0..=x1 {
                let d = ((px as f32 + 0.5 - x).powi(2) + (py as f32 + 0.5 - y).powi(2)).sqrt();
                let cov = (r + 0.5 - d).clamp(0.0, 1.0);
                let m = &mut mask[py * W + px];
                if cov > *m {
                    *m = cov;
                }
            }
        }
    }
    mask
}

/// A curve from the left edge to the right edge, wandering between `top` and `bottom`.
fn crossing_curve(rng: &mut Rng, top: f32, bottom: f32) -> [(f32, f32); 4] {
    let wf = W as f32;
    [
        (-4.0, rng.range(top, bottom)),
        (
            rng.range(0.2, 0.45) * wf,
            rng.range(top - 25.0, bottom + 25.0),
        ),
        (
            rng.range(0.55, 0.8) * wf,
            rng.range(top - 25.0, bottom + 25.0),
        ),
        (wf + 4.0, rng.range(top, bottom)),
    ]
}

/// Bilinear sample of a `gw`×`gh` coverage map at (x, y), 0 outside.
fn sample(mask: &[f32], gw: usize, gh: usize, x: f32, y: f32) -> f32 {
    let x = x - 0.5;
    let y = y - 0.5;
    let x0 = x.floor();
    let y0 = y.floor();
    let fx = x - x0;
    let fy = y - y0;
    let at = |xi: f32, yi: f32| -> f32 {
        if xi < 0.0 || yi < 0.0 || xi >= gw as f32 || yi >= gh as f32 {
            0.0
        } else {
            mask[yi as usize * gw + xi as usize]
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Draws one digit centred near (cx, cy), turned by `angle`, sheared by `shear`, and waved.
#[allow(clippy::too_many_arguments)]
fn draw_digit(
    canvas: &mut Canvas,
    font: &FontRef<'_>,
    rng: &mut Rng,
    digit: u8,
    px_size: f32,
    cx: f32,
    cy: f32,
    color: Rgb,
) {
    let glyph = font
        .glyph_id(persian_digit(digit))
        .with_scale_and_position(PxScale::from(px_size), point(0.0, 0.0));
    let Some(outlined) = font.outline_glyph(glyph) else {
        return;
    };
    let bounds = outlined.px_bounds();
    let gw = bounds.width().ceil() as usize + 1;
    let gh = bounds.height().ceil() as usize + 1;
    let mut mask = vec![0.0f32; gw * gh];
    outlined.draw(|x, y, c| {
        let (x, y) = (x as usize, y as usize);
        if x < gw && y < gh {
            mask[y * gw + x] = c;
        }
    });

    let angle = rng.range(-0.38, 0.38);
    let shear = rng.range(-0.3, 0.3);
    let (sin, cos) = angle.sin_cos();
    let wave_amp = rng.range(0.8, 2.0);
    let wave_freq = rng.range(0.18, 0.32);
    let wave_phase = rng.range(0.0, std::f32::consts::TAU);
    let (hw, hh) = (gw as f32 / 2.0, gh as f32 / 2.0);
    let reach = (hw * hw + hh * hh).sqrt() * (1.0 + shear.abs()) + wave_amp + 2.0;
    let x0 = (cx - reach).floor().max(0.0) as usize;
    let y0 = (cy - reach).floor().max(0.0) as usize;
    let x1 = ((cx + reach).ceil().max(0.0) as usize).min(W - 1);
    let y1 = ((cy + reach).ceil().max(0.0) as usize).min(H - 1);
    for py in y0..=y1 {
        for px in x0..=x1 {
            let (x, y) = (px as f32 + 0.5, py as f32 + 0.5);
            // Inverse of: wave, then rotate, then shear, from glyph space to the canvas.
            let dx = x - cx + wave_amp * (y * wave_freq + wave_phase).sin();
            let dy = y - cy + 0.6 * wave_amp * (x * wave_freq * 0.8 + wave_phase).cos();
            let u = cos * dx + sin * dy;
            let v = -sin * dx + cos * dy;
            let u = u - shear * v;
            let cov = sample(&mask, gw, gh, u + hw, v + hh);
            canvas.blend(px, py, color, cov);
        }
    }
}

/// The picture for `digits` (each 0-9), as PNG bytes.
pub(crate) fn render_png(digits: &[u8; ANSWER_DIGITS], seed: [u8; 32]) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let font = font();
    let (wf, hf) = (W as f32, H as f32);

    // Pale background, a gradient between two tints.
    let bg_a = hsv(rng.unit(), rng.range(0.05, 0.18), rng.range(0.93, 0.99));
    let bg_b = hsv(rng.unit(), rng.range(0.05, 0.18), rng.range(0.9, 0.98));
    let mut canvas = Canvas {
        px: vec![[0.0; 3]; W * H],
    };
    let tilt = rng.range(-0.5, 0.5);
    for y in 0..H {
        for x in 0..W {
            let t = ((x as f32 / wf) + tilt * (y as f32 / hf)).clamp(0.0, 1.0);
            let mut c = [0.0; 3];
            for (k, ck) in c.iter_mut().enumerate() {
                *ck = bg_a[k] * (1.0 - t) + bg_b[k] * t;
            }
            canvas.px[y * W + x] = c;
        }
    }

    // Faint, wide curves behind everything.
    for _ in 0..rng.int(2, 3) {
        let curve = crossing_curve(&mut rng, 5.0, hf - 5.0);
        let mask = stroke_mask(&curve, rng.range(2.0, 4.0), 0.3);
        let color = hsv(rng.unit(), rng.range(0.2, 0.5), rng.range(0.6, 0.85));
        canvas.blend_mask(&mask, color, 0.45);
    }

    // One thin curve under the digits.
    let curve = crossing_curve(&mut rng, 18.0, hf - 18.0);
    let mask = stroke_mask(&curve, rng.range(0.7, 1.1), 0.35);
    canvas.blend_mask(&mask, ink(&mut rng), 0.9);

    // The digits.
    let margin = 12.0;
    let slot = (wf - 2.0 * margin) / ANSWER_DIGITS as f32;
    for (i, &d) in digits.iter().enumerate() {
        let cx = margin + slot * (i as f32 + 0.5) + rng.range(-4.0, 4.0);
        let cy = hf / 2.0 + rng.range(-5.0, 5.0);
        let size = 62.0 * rng.range(0.9, 1.1);
        let color = ink(&mut rng);
        draw_digit(&mut canvas, &font, &mut rng, d, size, cx, cy, color);
    }

    // Curves over the digits, in ink colours.
    for _ in 0..rng.int(2, 3) {
        let curve = crossing_curve(&mut rng, 16.0, hf - 16.0);
        let mask = stroke_mask(&curve, rng.range(0.6, 1.0), 0.4);
        canvas.blend_mask(&mask, ink(&mut rng), rng.range(0.75, 0.95));
    }

    // Speckles, much smaller than a Persian zero. (No short strokes: beside a ۱ they could
    // pass for the hook of a ۲ or ۳.)
    for _ in 0..rng.int(90, 140) {
        let x = rng.range(0.0, wf);
        let y = rng.range(0.0, hf);
        let r = rng.range(0.4, 1.1);
        let color = hsv(rng.unit(), rng.range(0.3, 0.8), rng.range(0.2, 0.75));
        let alpha = rng.range(0.4, 0.9);
        let reach = r + 1.0;
        let (x0, y0) = ((x - reach).max(0.0) as usize, (y - reach).max(0.0) as usize);
        let (x1, y1) = ((x + reach) as usize, (y + reach) as usize);
        for py in y0..=y1.min(H - 1) {
            for px in x0..=x1.min(W - 1) {
                let d = ((px as f32 + 0.5 - x).powi(2) + (py as f32 + 0.5 - y).powi(2)).sqrt();
                canvas.blend(px, py, color, (r + 0.5 - d).clamp(0.0, 1.0) * alpha);
            }
        }
    }
    let rgb = canvas.to_rgb8(&mut rng);
    encode_png(&rgb)
}

fn encode_png(rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(W * H * 2);
    let mut encoder = png::Encoder::new(&mut out, IMAGE_WIDTH, IMAGE_HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    // Writing a well-formed RGB8 image of the declared size into memory has no failure mode.
    #[allow(clippy::expect_used)]
    {
        let mut writer = encoder.write_header().expect("PNG header into memory");
        writer
            .write_image_data(rgb)
            .expect("PNG data of the declared size into memory");
        writer.finish().expect("PNG end into memory");
    }
    out
}
