//! Shared fixtures: a sample receipt and synthetic ID photos.
#![allow(dead_code)]

use receipt::Receipt;

pub const PHOTO_W: u32 = 300;
pub const PHOTO_H: u32 = 400;

/// RGB pixels of a synthetic 3:4 ID photo: a pale blue backdrop, dark
/// shoulders and an oval face, so a rendering shows at a glance that the
/// photo is placed upright and undistorted.
pub fn photo_rgb(w: u32, h: u32) -> Vec<u8> {
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    let (wf, hf) = (w as f32, h as f32);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32 / wf, y as f32 / hf);
            // Face: ellipse centred at (0.5, 0.40).
            let face = ((fx - 0.5) / 0.22).powi(2) + ((fy - 0.40) / 0.20).powi(2) <= 1.0;
            // Hair: ellipse slightly above the face.
            let hair = ((fx - 0.5) / 0.25).powi(2) + ((fy - 0.33) / 0.20).powi(2) <= 1.0;
            // Shoulders: ellipse at the bottom.
            let body = ((fx - 0.5) / 0.48).powi(2) + ((fy - 1.02) / 0.36).powi(2) <= 1.0;
            let c = if face {
                [0xe8, 0xc4, 0xa8]
            } else if hair {
                [0x3a, 0x2a, 0x22]
            } else if body {
                [0x2b, 0x3a, 0x4f]
            } else {
                let shade = (0xdc as f32 - 24.0 * fy) as u8;
                [shade, shade.saturating_add(8), 0xf0]
            };
            px.extend_from_slice(&c);
        }
    }
    px
}

pub fn photo_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().expect("png header");
        writer.write_image_data(&photo_rgb(w, h)).expect("png data");
    }
    out
}

pub fn photo_jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 85);
    enc.encode(
        &photo_rgb(w, h),
        w as u16,
        h as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("jpeg encode");
    out
}

pub const VERIFY_URL: &str = "https://shenas.example/r/4051234567?c=Q7XK2M9P";

pub fn sample(photo: &[u8]) -> Receipt<'_> {
    Receipt {
        tracking_code: "4051234567",
        national_code: "0012345678",
        first_name: "زهرا",
        last_name: "محمدی‌نژاد",
        father_name: "علی‌اکبر",
        birth_date_jalali: "1370-05-14",
        office_name: "دفتر پیشخوان خدمات دولت شمارهٔ 1234 تهران",
        office_address: "تهران، خیابان انقلاب اسلامی، خیابان فلسطین جنوبی، کوچهٔ بهار، پلاک 12، طبقهٔ همکف، کد پستی 1315693111",
        enrolled_on_jalali: "1405-09-01",
        photo,
        verify_url: VERIFY_URL,
    }
}
