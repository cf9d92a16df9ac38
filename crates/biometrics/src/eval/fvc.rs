//! Loading the FVC2002 B development sets (ISO records and TIFF images) and the FVC comparison
//! protocol: genuine pairs, the 45 first-impression impostor pairs, and all 2,880 impostor pairs.

use super::EvalError;
use crate::record::{FingerView, MinutiaeRecord};
use crate::template::Template;
use std::path::{Path, PathBuf};

/// The four sets, in order.
pub const SETS: [&str; 4] = ["DB1_B", "DB2_B", "DB3_B", "DB4_B"];

/// Which coordinates the ISO minutiae are compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// As recorded: the extractor's 300 × 400 stretched frame.
    Stretched,
    /// Mapped back to the image's own pixels (x × W/300, y × H/400).
    Image,
}

impl Frame {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Frame::Stretched => "stretched_300x400",
            Frame::Image => "image_pixels",
        }
    }
}

/// One impression of one finger.
#[derive(Debug, Clone)]
pub struct Impression {
    /// Finger number within the set (101-110).
    pub finger: u32,
    /// Impression number (1-8).
    pub impression: u32,
    /// The ISO record's first view.
    pub view: FingerView,
    /// Record frame size (width, height) from its header.
    pub record_size: (u16, u16),
    /// The TIFF's real size.
    pub image_size: (usize, usize),
    /// Path of the TIFF.
    pub image_path: PathBuf,
}

impl Impression {
    /// The template of the ISO record in the given frame.
    pub fn template(&self, frame: Frame) -> Template {
        match frame {
            Frame::Stretched => Template::from_record_view(&self.view),
            Frame::Image => Template::from_record_view_scaled(
                &self.view,
                self.image_size.0 as f32 / f32::from(self.record_size.0.max(1)),
                self.image_size.1 as f32 / f32::from(self.record_size.1.max(1)),
            ),
        }
    }
}

/// Loads one set (`fvc2002/<set>`), sorted by finger then impression.
pub fn load_set(data_dir: &Path, set: &str) -> Result<Vec<Impression>, EvalError> {
    let dir = data_dir.join("fvc2002").join(set);
    let entries = std::fs::read_dir(&dir).map_err(|e| EvalError::Io(dir.clone(), e.to_string()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| EvalError::Io(dir.clone(), e.to_string()))?
            .path();
        if path.extension().and_then(|e| e.to_str()) != Some("iso") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let Some((f, i)) = stem.split_once('_') else {
            continue;
        };
        let (Ok(finger), Ok(impression)) = (f.parse::<u32>(), i.parse::<u32>()) else {
            continue;
        };
        let bytes = std::fs::read(&path).map_err(|e| EvalError::Io(path.clone(), e.to_string()))?;
        let rec = MinutiaeRecord::parse(&bytes).map_err(|e| EvalError::Record(path.clone(), e))?;
        let Some(view) = rec.views.first().cloned() else {
            return Err(EvalError::Data(format!(
                "{} has no finger view",
                path.display()
            )));
        };
        let image_path = path.with_extension("tif");
        let image_bytes = std::fs::read(&image_path)
            .map_err(|e| EvalError::Io(image_path.clone(), e.to_string()))?;
        let image_size = crate::extract::dimensions(&image_bytes)
            .map_err(|e| EvalError::Data(format!("{}: {e}", image_path.display())))?;
        out.push(Impression {
            finger,
            impression,
            view,
            record_size: (rec.width, rec.height),
            image_size,
            image_path,
        });
    }
    out.sort_by_key(|i| (i.finger, i.impression));
    if out.is_empty() {
        return Err(EvalError::Data(format!(
            "no .iso records in {}",
            dir.display()
        )));
    }
    Ok(out)
}

/// Index pairs of the protocol.
#[derive(Debug, Clone, Default)]
pub struct Protocol {
    /// Every pair of impressions of the same finger.
    pub genuine: Vec<(usize, usize)>,
    /// First impressions of different fingers (FVC's 45 pairs).
    pub impostor_first: Vec<(usize, usize)>,
    /// Every pair of impressions of different fingers.
    pub impostor_all: Vec<(usize, usize)>,
}

/// Builds the protocol's pairs over a loaded set.
pub fn protocol(set: &[Impression]) -> Protocol {
    let mut p = Protocol::default();
    for a in 0..set.len() {
        for b in a + 1..set.len() {
            if set[a].finger == set[b].finger {
                p.genuine.push((a, b));
            } else {
                p.impostor_all.push((a, b));
                if set[a].impression == 1 && set[b].impression == 1 {
                    p.impostor_first.push((a, b));
                }
            }
        }
    }
    p
}
