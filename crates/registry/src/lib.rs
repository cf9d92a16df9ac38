//! Loading operators' CSV files (the civil registry, the offices) into the store.
//!
//! Files of any size are streamed: a reader thread parses and validates rows and hands whole batches to the
//! writer, which upserts each batch in one transaction, so memory stays flat and an interrupted import leaves
//! whole persons or none. A bad row is reported with its line, field and reason, and skipped; the good rows land.
//! Re-running an import updates what changed and leaves identical rows alone.

mod pipeline;
mod report;

pub use pipeline::{
    import_offices, import_registry, ImportError, ImportOptions, ImportSummary, Progress,
};
pub use report::Rejection;
