//! `shenas kit init|load|serve|sync|export`: a mobile unit's kit (the `kit` crate holds what it does; this is the
//! wiring and the printing).

use kit::KitDir;
use std::path::Path;
use std::sync::Arc;

pub async fn init(dir: &Path, server: &str, unit: &str, json: bool) -> anyhow::Result<()> {
    let r = kit::init(&KitDir::new(dir), server, unit).await?;
    if json {
        super::print_json(&serde_json::to_value(&r)?);
    } else {
        println!(
            "kit {} registered for unit {}: {} (an administrator approves it with `shenas kits approve {}`)",
            r.kit_id, r.unit_id, r.state, r.kit_id
        );
    }
    Ok(())
}

pub async fn load(dir: &Path, visit: i64, json: bool) -> anyhow::Result<()> {
    let r = kit::load(&KitDir::new(dir), visit).await?;
    if json {
        super::print_json(&serde_json::to_value(&r)?);
    } else {
        println!(
            "visit {}: {} people waiting for enrollment ({} new on this kit)",
            r.visit_id, r.people, r.new
        );
    }
    Ok(())
}

pub async fn sync(dir: &Path, json: bool) -> anyhow::Result<()> {
    let r = kit::sync(&KitDir::new(dir)).await?;
    if json {
        super::print_json(&serde_json::to_value(&r)?);
        return Ok(());
    }
    if r.unreachable {
        println!(
            "the service cannot be reached: {} packets kept for the next sync (or `shenas kit export DIR`)",
            r.waiting
        );
    }
    println!(
        "{} sent: {} taken, {} taken before, {} refused; {} waiting",
        r.sent,
        r.taken,
        r.duplicates,
        r.refused.len(),
        r.waiting
    );
    for f in &r.refused {
        println!(
            "  refused {} ({}): {} {}",
            f.tracking_code, f.packet_id, f.code, f.message
        );
    }
    Ok(())
}

pub async fn export(dir: &Path, out: &Path, json: bool) -> anyhow::Result<()> {
    let n = kit::export(&KitDir::new(dir), out).await?;
    if json {
        super::print_json(&serde_json::json!({"exported": n}));
    } else {
        println!("{n} packets written to {}", out.display());
    }
    Ok(())
}

/// The desk's pages and API on the kit's database: enrollments become packets; de-duplication, production and
/// SMS stay off (no background passes run); receipts print here.
pub async fn serve(dir: &Path, listen: &str) -> anyhow::Result<()> {
    let kd = KitDir::new(dir);
    let file = kd.read()?;
    let mode = kd.mode()?;
    let store = kd.store().await?;
    let (blob_store, _) = super::serve::sealed_blobs(dir, dir).await?;
    local_operator(&store, &file.unit_id).await?;
    let settings = server::Settings {
        public_url: format!("http://{listen}"),
        ..server::Settings::default()
    };
    let state = server::AppState::new(store, settings).with_services(|s| {
        s.blobs = Arc::new(blob_store);
        s.kit = Some(Arc::new(mode));
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    eprintln!(
        "kit {} serving the desk on http://{listen}/office/login  (Ctrl-C to stop)",
        file.kit_id
    );
    axum::serve(
        listener,
        server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// The kit's operator account (`kit`), made at the first start with a password printed once.
async fn local_operator(store: &store::DynStore, unit: &str) -> anyhow::Result<()> {
    if store.user_by_name("kit").await?.is_some() {
        return Ok(());
    }
    let password = hex::encode(rand::random::<[u8; 9]>());
    store
        .create_user(&store::journey::NewUser {
            username: "kit".into(),
            password_hash: server::auth::hash_password(&password)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            role: domain::Role::Operator,
            office: Some(
                domain::OfficeId::parse(unit).map_err(|e| anyhow::anyhow!("{}", e.message_en))?,
            ),
            province: None,
            at: chrono::Utc::now(),
        })
        .await?;
    eprintln!("the kit's operator: username kit, password (shown once): {password}");
    Ok(())
}
