//! Writes sample captcha pictures, to look at them.
//!
//! `cargo run -p shenas-captcha --example sample_captcha -- OUT.png [N [ZOOM]]` writes one picture, or
//! with N > 1 a sheet of N pictures one under another, enlarged ZOOM times (default 1), and
//! prints each answer. The secret is a
//! fixed, public one: these pictures are samples, never challenges.

use std::time::{Duration, SystemTime};

use captcha::{Captcha, IMAGE_HEIGHT, IMAGE_WIDTH};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: sample OUT.png [N]")?;
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1)
        .max(1);
    let zoom: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1)
        .max(1);
    let captcha = Captcha::new([42u8; 32], Duration::from_secs(300));
    let now = SystemTime::now();
    let mut sheet = Vec::new();
    for _ in 0..n {
        let id = captcha.issue(now).id;
        println!("{}", captcha.answer(&id)?);
        let png_bytes = captcha.render_png(&id)?;
        if n == 1 && zoom == 1 {
            std::fs::write(&out, &png_bytes)?;
            return Ok(());
        }
        let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info()?;
        let mut buf = vec![0u8; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf)?;
        sheet.extend_from_slice(&buf[..info.buffer_size()]);
        // A white rule between pictures.
        sheet.extend(std::iter::repeat_n(255u8, IMAGE_WIDTH as usize * 3 * 4));
    }
    let (width, height) = (IMAGE_WIDTH as usize, (IMAGE_HEIGHT as usize + 4) * n);
    let mut zoomed = Vec::with_capacity(sheet.len() * zoom * zoom);
    for row in sheet.chunks_exact(width * 3) {
        let mut line = Vec::with_capacity(row.len() * zoom);
        for px in row.chunks_exact(3) {
            for _ in 0..zoom {
                line.extend_from_slice(px);
            }
        }
        for _ in 0..zoom {
            zoomed.extend_from_slice(&line);
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut encoder = png::Encoder::new(file, (width * zoom) as u32, (height * zoom) as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&zoomed)?;
    Ok(())
}
