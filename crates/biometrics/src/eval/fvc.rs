//! Loading FVC-layout sets (`FFF_I.iso` ISO records with their `FFF_I.tif` images beside them)
//! and the FVC comparison protocol: genuine pairs, the first-impression impostor pairs (45 in
//! a 10-finger set), and every cross-finger pair (2,880 in a 10 × 8 set).

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
    /// The image's real size (the record's frame when there is no image).
    pub image_size: (usize, usize),
    /// Path of the image beside the record, if there is one.
    pub image_path: Option<PathBuf>,
}

impl Impression {
    /// The template of the ISO record in the given frame.
    pub fn template(&self, frame: Frame) -> Template {
        match frame {
            Frame::Stretched => Template::from_record_view(&self.view),
            // A header size of 0 (unknown) leaves that axis as recorded.
            Frame::Image => {
                let axis = |image: usize, record: u16| {
                    if record == 0 {
                        1.0
                    } else {
                        image as f32 / f32::from(record)
                    }
                };
                Template::from_record_view_scaled(
                    &self.view,
                    axis(self.image_size.0, self.record_size.0),
                    axis(self.image_size.1, self.record_size.1),
                )
            }
        }
    }
}

/// Loads one of the shared FVC2002 sets (`<data_dir>/fvc2002/<set>`).
pub fn load_set(data_dir: &Path, set: &str) -> Result<Vec<Impression>, EvalError> {
    load_dir(&data_dir.join("fvc2002").join(set))
}

/// `FFF_I` of an FVC file stem: finger and impression numbers.
fn fvc_stem(path: &Path) -> Option<(u32, u32)> {
    let stem = path.file_stem()?.to_str()?;
    let (f, i) = stem.split_once('_')?;
    Some((f.parse().ok()?, i.parse().ok()?))
}

/// Whether a folder holds FVC-layout records (`FFF_I.iso`).
fn is_set_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let p = e.path();
            p.extension().and_then(|x| x.to_str()) == Some("iso") && fvc_stem(&p).is_some()
        })
    })
}

/// The FVC-layout sets under `dir`: `dir` itself when it holds `FFF_I.iso` records, else
/// every folder below it (to three levels, in name order) that does. Each comes with a name:
/// its path relative to `dir` (the folder's own name when `dir` is the set).
pub fn discover(dir: &Path) -> Result<Vec<(String, PathBuf)>, EvalError> {
    if !dir.is_dir() {
        return Err(EvalError::Io(
            dir.to_path_buf(),
            "not a folder (expected FFF_I.iso records, or folders of them)".into(),
        ));
    }
    if is_set_dir(dir) {
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "set".into());
        return Ok(vec![(name, dir.to_path_buf())]);
    }
    let mut found = Vec::new();
    let mut frontier = vec![dir.to_path_buf()];
    for _ in 0..3 {
        let mut next = Vec::new();
        for d in &frontier {
            let Ok(entries) = std::fs::read_dir(d) else {
                continue;
            };
            let mut subs: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            subs.sort();
            for sub in subs {
                if is_set_dir(&sub) {
                    let name = sub
                        .strip_prefix(dir)
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_else(|_| sub.to_string_lossy().into_owned());
                    found.push((name, sub));
                } else {
                    next.push(sub);
                }
            }
        }
        frontier = next;
    }
    found.sort();
    if found.is_empty() {
        return Err(EvalError::Data(format!(
            "no FVC-layout records (FFF_I.iso) in {} or the folders below it",
            dir.display()
        )));
    }
    Ok(found)
}

/// The image beside a record (`FFF_I.tif`, or `.tiff`, `.png`, `.wsq`), if any.
fn image_beside(record: &Path) -> Option<PathBuf> {
    ["tif", "tiff", "png", "wsq"]
        .iter()
        .map(|e| record.with_extension(e))
        .find(|p| p.is_file())
}

/// Loads one FVC-layout folder (`FFF_I.iso` records, images beside them when present),
/// sorted by finger then impression.
pub fn load_dir(dir: &Path) -> Result<Vec<Impression>, EvalError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| EvalError::Io(dir.to_path_buf(), e.to_string()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| EvalError::Io(dir.to_path_buf(), e.to_string()))?
            .path();
        if path.extension().and_then(|e| e.to_str()) != Some("iso") {
            continue;
        }
        let Some((finger, impression)) = fvc_stem(&path) else {
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
        let record_size = (rec.width, rec.height);
        let (image_path, image_size) = match image_beside(&path) {
            Some(image_path) => {
                let image_bytes = std::fs::read(&image_path)
                    .map_err(|e| EvalError::Io(image_path.clone(), e.to_string()))?;
                let size = crate::extract::dimensions(&image_bytes)
                    .map_err(|e| EvalError::Data(format!("{}: {e}", image_path.display())))?;
                (Some(image_path), size)
            }
            None => (
                None,
                (usize::from(record_size.0), usize::from(record_size.1)),
            ),
        };
        out.push(Impression {
            finger,
            impression,
            view,
            record_size,
            image_size,
            image_path,
        });
    }
    out.sort_by_key(|i| (i.finger, i.impression));
    if out.is_empty() {
        return Err(EvalError::Data(format!(
            "no FFF_I.iso records in {}",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, b"").expect("write");
    }

    #[test]
    fn discovers_a_plain_folder_or_the_folders_below() {
        let root = std::env::temp_dir().join(format!("shenas-fvc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        touch(&root.join("fvc2004/DB1_A/101_1.iso"));
        touch(&root.join("fvc2004/DB1_A/101_2.iso"));
        touch(&root.join("fvc2004/DB2_A/101_1.iso"));
        touch(&root.join("invalid/101_1_truncate_1_byte.iso"));
        touch(&root.join("notes/readme.txt"));
        let found = discover(&root).expect("sets");
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["fvc2004/DB1_A", "fvc2004/DB2_A"]);
        let plain = discover(&root.join("fvc2004/DB2_A")).expect("one set");
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].0, "DB2_A");
        assert!(discover(&root.join("notes")).is_err());
        assert!(discover(&root.join("missing")).is_err());
        // Empty records are refused by the parser with the file named.
        let err = load_dir(&root.join("fvc2004/DB2_A")).expect_err("empty record");
        assert!(err.to_string().contains("101_1.iso"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn shared_data_loads_as_four_sets_from_the_parent_or_one_from_a_set() {
        let Some(dir) = crate::testdata::fingerprints_dir() else {
            return;
        };
        let sets = discover(&dir).expect("sets");
        assert_eq!(sets.len(), 4, "{sets:?}");
        assert_eq!(sets[0].0, "fvc2002/DB1_B");
        let one = discover(&dir.join("fvc2002/DB3_B")).expect("one");
        let set = load_dir(&one[0].1).expect("loads");
        assert_eq!(set.len(), 80);
        assert!(set.iter().all(|i| i.image_path.is_some()));
        // DB3_B's images are 300 x 300 while the records say 300 x 400.
        assert_eq!(set[0].image_size, (300, 300));
        assert_eq!(set[0].record_size, (300, 400));
    }
}
