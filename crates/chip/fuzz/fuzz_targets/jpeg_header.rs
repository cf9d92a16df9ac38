//! Fuzzes the JPEG header reader behind `FaceImage::from_jpeg` and `SignatureImage::from_jpeg`: it must never
//! panic, and an accepted header has a non-zero size and one or three components.
#![no_main]

use chip::dg::face::jpeg_info;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = jpeg_info(data) {
        assert!(info.width > 0 && info.height > 0);
        assert!(matches!(info.components, 1 | 3));
        let _ = chip::FaceImage::from_jpeg(data.to_vec());
    }
});
