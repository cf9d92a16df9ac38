//! Rejected rows: kept in memory only as a short sample, written in full to the operator's report file.

use std::io::Write;

/// One rejected row: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    /// 1-based line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The column at fault, or empty where the row as a whole is malformed.
    pub field: String,
    pub code: String,
    pub reason: String,
}

/// Writes rejections as CSV (`line,field,code,reason`) to the report file, if one was asked for.
pub struct ReportWriter {
    out: Option<csv::Writer<Box<dyn Write + Send>>>,
}

impl ReportWriter {
    pub fn new(out: Option<Box<dyn Write + Send>>) -> std::io::Result<Self> {
        let mut out = out.map(csv::Writer::from_writer);
        if let Some(w) = out.as_mut() {
            w.write_record(["line", "field", "code", "reason"])?;
        }
        Ok(Self { out })
    }

    pub fn write(&mut self, r: &Rejection) -> std::io::Result<()> {
        if let Some(w) = self.out.as_mut() {
            w.write_record([r.line.to_string().as_str(), &r.field, &r.code, &r.reason])?;
        }
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<()> {
        if let Some(mut w) = self.out {
            w.flush()?;
        }
        Ok(())
    }
}
