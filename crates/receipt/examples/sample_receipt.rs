//! Writes a sample receipt PDF: `cargo run -p shenas-receipt --example sample_receipt -- out.pdf`.
#[path = "../tests/common/mod.rs"]
mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "receipt-sample.pdf".into());
    let photo = common::photo_jpeg(common::PHOTO_W, common::PHOTO_H);
    let pdf = receipt::render(&common::sample(&photo))?;
    std::fs::write(&out, pdf)?;
    eprintln!("wrote {out}");
    Ok(())
}
