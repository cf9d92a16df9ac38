//! The import pipeline: parse and validate on a reader thread, write batches on the async side.

use crate::report::{Rejection, ReportWriter};
use domain::person::{RegistryRow, REGISTRY_COLUMNS};
use domain::{office::OFFICE_COLUMNS, FieldError, JalaliDate, Office, Person};
use std::collections::HashSet;
use std::io::{Read, Write};
use store::{DynStore, ImportKind, ImportRecord, PersonWriter, StoreError, UpsertCounts};
use tokio::sync::mpsc::Receiver;

/// How many rejections are kept in memory to show the operator (the report file gets all of them).
pub const SAMPLE_REJECTIONS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file's header is not the expected one: expected `{expected}`, found `{found}`")]
    Header { expected: String, found: String },
    #[error("the file cannot be read: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the reader thread stopped unexpectedly")]
    ReaderPanicked,
}

/// Called as the import advances, with bytes read and rows seen so far.
pub type Progress = Box<dyn Fn(u64, u64) + Send + Sync>;

pub struct ImportOptions {
    /// Rows parsed and written together (what is held in memory per writer).
    pub batch_size: usize,
    /// Rows committed together: whole batches, so a row is never split from its mobile numbers. Larger
    /// transactions load faster; an interrupted load loses at most the open one, and re-running completes it.
    pub rows_per_transaction: usize,
    /// "Today" in the Solar Hijri calendar: no one is born or dies after it.
    pub today: JalaliDate,
    /// Where the full list of rejected rows goes (CSV), if anywhere.
    pub report: Option<Box<dyn Write + Send>>,
    /// The file's name, for the import record.
    pub source: String,
    /// Who ran the import, for the import record.
    pub actor: String,
    pub progress: Option<Progress>,
}

impl ImportOptions {
    pub fn new(today: JalaliDate) -> Self {
        Self {
            batch_size: 10_000,
            rows_per_transaction: 200_000,
            today,
            report: None,
            source: "-".into(),
            actor: "cli".into(),
            progress: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// The first rejections, for display; the report file has them all.
    pub sample: Vec<Rejection>,
}

/// Loads a civil-registry CSV.
pub async fn import_registry<R: Read + Send + 'static>(
    input: R,
    store: DynStore,
    opts: ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let today = opts.today;
    run(
        input,
        store,
        opts,
        ImportKind::Registry,
        &REGISTRY_COLUMNS,
        move |fields| {
            let row: RegistryRow = std::array::from_fn(|i| fields[i]);
            Person::from_row(&row, today)
        },
    )
    .await
}

/// Loads an offices CSV.
pub async fn import_offices<R: Read + Send + 'static>(
    input: R,
    store: DynStore,
    opts: ImportOptions,
) -> Result<ImportSummary, ImportError> {
    run(
        input,
        store,
        opts,
        ImportKind::Offices,
        &OFFICE_COLUMNS,
        |fields| {
            let row: [&str; 8] = std::array::from_fn(|i| fields[i]);
            Office::from_row(&row)
        },
    )
    .await
}

/// A record the store can load in batches.
trait Keyed: Send + Sync + Sized + 'static {
    type Key: Eq + std::hash::Hash + Clone + Send;
    fn key(&self) -> Self::Key;
    /// The backend's first-load writer, where the table is empty and it has one.
    fn first_load(
        store: &DynStore,
    ) -> impl std::future::Future<Output = Result<Option<Box<dyn PersonWriter>>, StoreError>> + Send;
    /// Writes every batch from `rx`: through `first` as one transaction where given, otherwise committing about
    /// every `rows_per_transaction` rows.
    fn write_all(
        store: DynStore,
        rx: Receiver<Vec<Self>>,
        rows_per_transaction: usize,
        first: Option<Box<dyn PersonWriter>>,
    ) -> impl std::future::Future<Output = Result<UpsertCounts, StoreError>> + Send;
}

impl Keyed for Person {
    type Key = domain::NationalCode;
    fn key(&self) -> Self::Key {
        self.national_code
    }
    async fn first_load(store: &DynStore) -> Result<Option<Box<dyn PersonWriter>>, StoreError> {
        store.first_load_writer().await
    }

    async fn write_all(
        store: DynStore,
        mut rx: Receiver<Vec<Self>>,
        rows_per_transaction: usize,
        first: Option<Box<dyn PersonWriter>>,
    ) -> Result<UpsertCounts, StoreError> {
        // A first load into an empty registry goes through the backend's fast path, as one transaction.
        if let Some(mut w) = first {
            while let Some(batch) = rx.recv().await {
                w.write(&batch).await?;
            }
            return w.commit().await;
        }
        let mut counts = UpsertCounts::default();
        let mut writer = None;
        let mut pending = 0;
        while let Some(batch) = rx.recv().await {
            let w = match writer.as_mut() {
                Some(w) => w,
                None => writer.insert(store.person_writer().await?),
            };
            // On failure the receiver is dropped, so the reader's next send to it fails and reading stops; the
            // open transaction is rolled back with the writer.
            w.write(&batch).await?;
            pending += batch.len();
            if pending >= rows_per_transaction {
                if let Some(w) = writer.take() {
                    counts += w.commit().await?;
                }
                pending = 0;
            }
        }
        if let Some(w) = writer.take() {
            counts += w.commit().await?;
        }
        Ok(counts)
    }
}

impl Keyed for Office {
    type Key = domain::OfficeId;
    fn key(&self) -> Self::Key {
        self.id.clone()
    }
    async fn first_load(_store: &DynStore) -> Result<Option<Box<dyn PersonWriter>>, StoreError> {
        Ok(None)
    }

    async fn write_all(
        store: DynStore,
        mut rx: Receiver<Vec<Self>>,
        _rows_per_transaction: usize,
        _first: Option<Box<dyn PersonWriter>>,
    ) -> Result<UpsertCounts, StoreError> {
        let mut counts = UpsertCounts::default();
        while let Some(batch) = rx.recv().await {
            counts += store.upsert_offices(&batch).await?;
        }
        Ok(counts)
    }
}

struct ReaderOutcome {
    rejected: u64,
    sample: Vec<Rejection>,
}

async fn run<R, T, F>(
    input: R,
    store: DynStore,
    mut opts: ImportOptions,
    kind: ImportKind,
    columns: &'static [&'static str],
    parse: F,
) -> Result<ImportSummary, ImportError>
where
    R: Read + Send + 'static,
    T: Keyed,
    F: Fn(&[&str]) -> Result<T, FieldError> + Send + 'static,
{
    let started_at = chrono::Utc::now();
    // Rows are partitioned by key among the writers, so one key always goes through one writer, in file order.
    // A first load is one writer and one transaction; otherwise as many writers as the backend takes.
    let mut first = T::first_load(&store).await?;
    let writers = if first.is_some() {
        1
    } else {
        store.bulk_writers().max(1)
    };
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..writers)
        .map(|_| tokio::sync::mpsc::channel::<Vec<T>>(1))
        .unzip();
    let batch_size = opts.batch_size.max(1);
    let report = ReportWriter::new(opts.report.take())?;
    let progress = opts.progress.take();
    let reader = std::thread::spawn(move || {
        read_rows(input, columns, batch_size, parse, senders, report, progress)
    });

    let mut tasks = tokio::task::JoinSet::new();
    let per_txn = opts.rows_per_transaction.max(1);
    for rx in receivers {
        tasks.spawn(T::write_all(
            store.clone(),
            rx,
            per_txn.div_ceil(writers),
            first.take(),
        ));
    }
    let mut counts = UpsertCounts::default();
    let mut write_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(c)) => counts += c,
            Ok(Err(e)) => write_error = write_error.or(Some(e)),
            Err(_) => {
                write_error =
                    write_error.or(Some(StoreError::Invalid("a writer task panicked".into())))
            }
        }
    }
    let outcome = tokio::task::spawn_blocking(move || reader.join())
        .await
        .map_err(|_| ImportError::ReaderPanicked)?
        .map_err(|_| ImportError::ReaderPanicked)?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    let outcome = outcome?;
    let summary = ImportSummary {
        imported: counts.inserted,
        updated: counts.updated,
        unchanged: counts.unchanged,
        rejected: outcome.rejected,
        sample: outcome.sample,
    };
    store
        .record_import(&ImportRecord {
            kind,
            source: opts.source,
            actor: opts.actor,
            started_at,
            finished_at: chrono::Utc::now(),
            counts,
            rejected: summary.rejected,
        })
        .await?;
    Ok(summary)
}

fn read_rows<R: Read, T: Keyed, F: Fn(&[&str]) -> Result<T, FieldError>>(
    input: R,
    columns: &'static [&'static str],
    batch_size: usize,
    parse: F,
    senders: Vec<tokio::sync::mpsc::Sender<Vec<T>>>,
    mut report: ReportWriter,
    progress: Option<Progress>,
) -> Result<ReaderOutcome, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut outcome = ReaderOutcome {
        rejected: 0,
        sample: Vec::new(),
    };
    let mut reject = |r: Rejection, outcome: &mut ReaderOutcome| -> Result<(), ImportError> {
        report.write(&r)?;
        outcome.rejected += 1;
        if outcome.sample.len() < SAMPLE_REJECTIONS {
            outcome.sample.push(r);
        }
        Ok(())
    };

    // The header must name the contract's columns, in order (a UTF-8 byte-order mark is tolerated).
    let header_ok = rdr.read_byte_record(&mut record).map_err(csv_io)?;
    let found: Vec<String> = record
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect();
    if !header_ok || found != columns {
        return Err(ImportError::Header {
            expected: columns.join(","),
            found: found.join(","),
        });
    }

    let parts = senders.len();
    let part_size = batch_size.div_ceil(parts);
    let mut batches: Vec<Vec<T>> = (0..parts).map(|_| Vec::with_capacity(part_size)).collect();
    let mut keys: Vec<HashSet<T::Key>> = (0..parts)
        .map(|_| HashSet::with_capacity(part_size))
        .collect();
    let mut rows = 0u64;
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // A malformed record (e.g. an unterminated quote): report it and go on with the next.
                reject(
                    Rejection {
                        line,
                        field: String::new(),
                        code: "malformed_row".into(),
                        reason: e.to_string(),
                    },
                    &mut outcome,
                )?;
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(csv_io(e));
                }
                continue;
            }
        }
        rows += 1;
        if rows.is_multiple_of(8_192) {
            if let Some(p) = &progress {
                p(rdr.position().byte(), rows);
            }
        }
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue; // a blank line
        }
        if record.len() != columns.len() {
            let r = Rejection {
                line,
                field: String::new(),
                code: "malformed_row".into(),
                reason: format!("expected {} fields, found {}", columns.len(), record.len()),
            };
            reject(r, &mut outcome)?;
            continue;
        }
        let mut fields = [""; 16];
        let mut bad_utf8 = None;
        for (i, f) in record.iter().enumerate().take(fields.len()) {
            match std::str::from_utf8(f) {
                Ok(s) => fields[i] = s,
                Err(_) => {
                    bad_utf8 = Some(i);
                    break;
                }
            }
        }
        if let Some(i) = bad_utf8 {
            let r = Rejection {
                line,
                field: columns[i].into(),
                code: "invalid_encoding".into(),
                reason: "not valid UTF-8".into(),
            };
            reject(r, &mut outcome)?;
            continue;
        }
        match parse(&fields[..columns.len()]) {
            Ok(item) => {
                let key = item.key();
                let p = partition(&key, parts);
                // A key already in this batch: write the batch first, so the later row wins as in the file.
                if keys[p].contains(&key) {
                    if senders[p]
                        .blocking_send(std::mem::take(&mut batches[p]))
                        .is_err()
                    {
                        return Ok(outcome);
                    }
                    keys[p].clear();
                }
                keys[p].insert(key);
                batches[p].push(item);
                if batches[p].len() >= part_size {
                    let full = std::mem::replace(&mut batches[p], Vec::with_capacity(part_size));
                    if senders[p].blocking_send(full).is_err() {
                        return Ok(outcome);
                    }
                    keys[p].clear();
                }
            }
            Err(e) => {
                let r = Rejection {
                    line,
                    field: e.field,
                    code: e.error.code.into(),
                    reason: e.error.message_en,
                };
                reject(r, &mut outcome)?;
            }
        }
    }
    for (p, batch) in batches.into_iter().enumerate() {
        if !batch.is_empty() {
            let _ = senders[p].blocking_send(batch);
        }
    }
    if let Some(p) = &progress {
        p(rdr.position().byte(), rows);
    }
    report.finish()?;
    Ok(outcome)
}

/// The writer a key belongs to.
fn partition<K: std::hash::Hash>(key: &K, parts: usize) -> usize {
    use std::hash::{BuildHasher, BuildHasherDefault};
    let h =
        BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(key);
    (h % parts as u64) as usize
}

fn csv_io(e: csv::Error) -> ImportError {
    ImportError::Io(std::io::Error::other(e))
}
