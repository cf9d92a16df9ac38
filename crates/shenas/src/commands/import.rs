//! `shenas registry import` and `shenas offices import`: stream a CSV into the store with a progress bar.

use crate::config::Config;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use registry::{ImportOptions, ImportSummary};
use serde_json::json;
use std::path::Path;
use std::time::Instant;

#[derive(Clone, Copy)]
enum Kind {
    Registry,
    Offices,
}

pub async fn registry(
    cfg: &Config,
    file: &Path,
    report: Option<&Path>,
    json: bool,
    batch: usize,
    transaction: usize,
) -> anyhow::Result<()> {
    run(
        cfg,
        file,
        report,
        json,
        (batch, transaction),
        Kind::Registry,
    )
    .await
}

pub async fn offices(
    cfg: &Config,
    file: &Path,
    report: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    run(cfg, file, report, json, (5_000, 5_000), Kind::Offices).await
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn run(
    cfg: &Config,
    file: &Path,
    report: Option<&Path>,
    json: bool,
    (batch, transaction): (usize, usize),
    kind: Kind,
) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let input = std::fs::File::open(file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let mut opts = ImportOptions::new(super::today()?);
    opts.batch_size = batch;
    opts.rows_per_transaction = transaction;
    opts.source = file.display().to_string();
    opts.actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    if let Some(path) = report {
        let f = std::fs::File::create(path)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
        opts.report = Some(Box::new(std::io::BufWriter::new(f)));
    }
    let bar = progress_bar(size);
    let b = bar.clone();
    opts.progress = Some(Box::new(move |bytes, rows| {
        b.set_position(bytes);
        b.set_message(format!("{rows} rows"));
    }));
    let started = Instant::now();
    let reader = std::io::BufReader::with_capacity(1 << 20, input);
    let today = opts.today;
    let summary = match kind {
        Kind::Registry => registry::import_registry(reader, store.clone(), opts).await?,
        Kind::Offices => registry::import_offices(reader, store.clone(), opts).await?,
    };
    bar.finish_and_clear();
    if let Kind::Registry = kind {
        // The eligible population per province, for the statistics.
        store.refresh_eligible(today).await?;
        // Deaths the registry now records: pending work cancelled, cards revoked.
        let change = store::journey::Change {
            actor: "system:registry".into(),
            at: chrono::Utc::now(),
            reason: Some(domain::HistoryReason::HolderDied),
        };
        let mut changed = 0;
        loop {
            let n = store.apply_deaths(&change, 500).await?;
            changed += n;
            if n == 0 {
                break;
            }
        }
        if changed > 0 {
            eprintln!("{changed} applications of deceased people cancelled or revoked");
        }
    }
    print_summary(&summary, started.elapsed().as_secs_f64(), json);
    Ok(())
}

fn print_summary(s: &ImportSummary, secs: f64, json: bool) {
    let rows = s.imported + s.updated + s.unchanged + s.rejected;
    let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
    for r in &s.sample {
        eprintln!(
            "rejected line {} field {}: {} ({})",
            r.line,
            if r.field.is_empty() { "-" } else { &r.field },
            r.reason,
            r.code
        );
    }
    if s.rejected as usize > s.sample.len() {
        eprintln!(
            "… and {} more rejected rows (use --report FILE for all)",
            s.rejected as usize - s.sample.len()
        );
    }
    println!(
        "imported {}, updated {}, unchanged {}, rejected {} in {:.1} s ({:.0} rows/s)",
        s.imported, s.updated, s.unchanged, s.rejected, secs, rate
    );
    if json {
        super::print_json(&json!({
            "imported": s.imported,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "rejected": s.rejected,
            "seconds": (secs * 1000.0).round() / 1000.0,
            "rows_per_sec": rate.round(),
        }));
    }
}
