//! `shenas serve`: migrations at start (by opening the store), demo data on request, the HTTP service,
//! Prometheus metrics on their own port, and a graceful shutdown on Ctrl-C or SIGTERM.

use crate::config::Config;
use registry::ImportOptions;
use server::{AppState, Settings};
use std::sync::Arc;
use store::DynStore;

pub async fn run(cfg: Config, demo: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    tracing::info!(database = %redact_url(&cfg.database_url), "database ready (migrations applied)");
    if demo {
        load_demo(&store, &cfg).await?;
    }
    if !cfg.metrics_listen.is_empty() {
        let addr: std::net::SocketAddr = cfg
            .metrics_listen
            .parse()
            .map_err(|e| anyhow::anyhow!("metrics_listen {:?}: {e}", cfg.metrics_listen))?;
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()
            .map_err(|e| anyhow::anyhow!("cannot start the metrics listener on {addr}: {e}"))?;
        tracing::info!(%addr, "Prometheus metrics at http://{addr}/metrics");
    }
    let state = AppState {
        store,
        settings: Arc::new(Settings {
            captcha: cfg.captcha,
            rate_limits: cfg.rate_limits,
        }),
    };
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    tracing::info!(addr = %cfg.listen, captcha = cfg.captcha, rate_limits = cfg.rate_limits, "Shenas is serving");
    eprintln!(
        "Shenas is serving on http://{}  (Ctrl-C to stop)",
        cfg.listen
    );
    axum::serve(listener, server::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Loads the demo registry and offices into an empty database; a database that has data is left alone.
async fn load_demo(store: &DynStore, cfg: &Config) -> anyhow::Result<()> {
    let today = super::today()?;
    if store.count_persons().await? == 0 {
        let started = std::time::Instant::now();
        let mut csv = Vec::with_capacity(cfg.demo.persons as usize * 320);
        synth::persons::PersonGenerator::new(cfg.demo.seed, today)
            .write_csv(&mut csv, cfg.demo.persons)?;
        let mut opts = ImportOptions::new(today);
        opts.source = format!("demo registry (seed {})", cfg.demo.seed);
        opts.actor = "demo".into();
        let s = registry::import_registry(std::io::Cursor::new(csv), store.clone(), opts).await?;
        tracing::info!(
            persons = s.imported,
            rejected = s.rejected,
            secs = started.elapsed().as_secs_f64(),
            "demo registry loaded"
        );
    }
    if store.count_offices().await? == 0 {
        let offices = synth::offices::generate_offices(cfg.demo.seed, cfg.demo.offices);
        let counts = store.upsert_offices(&offices).await?;
        tracing::info!(offices = counts.inserted, "demo offices loaded");
    }
    Ok(())
}

/// The URL without its password, for logs.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            super::redact_url("sqlite://shenas.db"),
            "sqlite://shenas.db"
        );
    }
}
