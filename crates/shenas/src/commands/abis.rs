//! `shenas abis node` runs a matcher node holding one shard of the gallery; `shenas abis status` shows the
//! cluster: shards, replicas, sizes and the stream position.

use crate::config::Config;

fn nats_url(cfg: &Config, flag: Option<String>) -> String {
    flag.or_else(|| cfg.abis.nats_url.clone())
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into())
}

/// Runs one matcher node until it fails or is stopped (Ctrl-C, SIGTERM).
pub async fn node(
    cfg: &Config,
    shard: u32,
    shards: u32,
    nats: Option<String>,
    name: Option<String>,
) -> anyhow::Result<()> {
    let ns = abis::Namespace::new(&cfg.abis.namespace)?;
    let mut node = abis::NodeConfig::new(&nats_url(cfg, nats), ns, shard, shards);
    if let Some(n) = name {
        node.name = n;
    }
    tracing::info!(shard, shards, node = %node.name, nats = %node.nats_url, "matcher node starting: replaying its shard");
    let started = std::time::Instant::now();
    let handle = abis::NodeHandle::start(node).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        () = handle.caught_up() => {
            let s = handle.status();
            tracing::info!(persons = s.persons, fingers = s.fingers, applied_seq = s.applied_seq,
                replay_ms = started.elapsed().as_millis() as u64, "matcher node serving");
        }
        _ = tokio::signal::ctrl_c() => return Ok(()),
        _ = term.recv() => return Ok(()),
    }
    tokio::select! {
        r = handle.join() => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = term.recv() => Ok(()),
    }
}

/// Prints the cluster's status (nodes answer within half a second).
pub async fn status(cfg: &Config, nats: Option<String>, json: bool) -> anyhow::Result<()> {
    let ns = abis::Namespace::new(&cfg.abis.namespace)?;
    let deadline = std::time::Duration::from_millis(cfg.abis.deadline_ms.max(100));
    let a = abis::Abis::connect(&nats_url(cfg, nats), ns, cfg.abis.shards, deadline).await?;
    let s = a.status(std::time::Duration::from_millis(500)).await?;
    if json {
        super::print_json(&serde_json::to_value(&s)?);
        return Ok(());
    }
    println!(
        "stream: last sequence {}, {} events kept",
        s.stream_last_seq, s.stream_messages
    );
    println!("shard  replicas  replaying  persons  fingers  last_seq");
    for sh in &s.shards {
        println!(
            "{:>5}  {:>8}  {:>9}  {:>7}  {:>7}  {:>8}",
            sh.shard, sh.replicas, sh.replaying, sh.persons, sh.fingers, sh.last_seq
        );
    }
    let down: Vec<u32> = s
        .shards
        .iter()
        .filter(|x| x.replicas == 0)
        .map(|x| x.shard)
        .collect();
    if !down.is_empty() {
        println!("shards with no replica answering (searches are incomplete): {down:?}");
    }
    Ok(())
}

/// Publishes every searched enrollment in the database to the gallery stream (moving an installation from the
/// in-process gallery to matcher nodes, or re-filling a stream that was lost). Publishing a person again replaces
/// their event, so running it twice is harmless.
pub async fn publish(cfg: &Config, nats: Option<String>, json: bool) -> anyhow::Result<()> {
    use blobs::BlobStore;
    let store = crate::db::open(&cfg.database_url).await?;
    let (blobs, _) =
        super::serve::sealed_blobs(std::path::Path::new(&cfg.data_dir), &cfg.keys_dir()).await?;
    let ns = abis::Namespace::new(&cfg.abis.namespace)?;
    let deadline = std::time::Duration::from_millis(cfg.abis.deadline_ms.max(100));
    let a = abis::Abis::connect(&nats_url(cfg, nats), ns, cfg.abis.shards, deadline).await?;
    let started = std::time::Instant::now();
    let (mut after, mut persons, mut missing, mut last_seq) = (0, 0u64, 0u64, 0);
    loop {
        let page = store.gallery_page(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.application_id;
        for entry in &page {
            match blobs.get(&entry.templates_key).await? {
                Some(bytes) => {
                    last_seq = a.enrol(entry.application_id as u64, &bytes).await?;
                    persons += 1;
                }
                None => {
                    tracing::error!(
                        application_id = entry.application_id,
                        "templates missing from the blob store"
                    );
                    missing += 1;
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if json {
        super::print_json(&serde_json::json!({
            "persons": persons, "missing": missing, "last_seq": last_seq, "seconds": secs
        }));
    } else {
        println!("{persons} persons published in {secs:.1} s (stream sequence {last_seq}); {missing} without templates");
    }
    anyhow::ensure!(
        missing == 0,
        "{missing} enrollments have no templates in the blob store"
    );
    Ok(())
}
