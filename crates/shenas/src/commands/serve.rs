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
    check_mode(&cfg)?;
    let state = app_state(store, &cfg).await?;
    start_pki(&state, &cfg, demo).await?;
    if cfg.read_cache {
        state.watch_changes().await?;
    }
    let reconciler = tokio::spawn(reconcile_payments(state.clone()));
    server::cards::workers::spawn(&state);
    let eligible = tokio::spawn(refresh_eligible(state.store.clone()));
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", cfg.listen))?;
    tracing::info!(addr = %cfg.listen, captcha = cfg.captcha, rate_limits = cfg.rate_limits, "Shenas is serving");
    eprintln!(
        "Shenas is serving on http://{}  (Ctrl-C to stop)",
        cfg.listen
    );
    axum::serve(
        listener,
        server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    reconciler.abort();
    eligible.abort();
    tracing::info!("stopped");
    Ok(())
}

/// What production refuses (and development warns of): the sandbox bank as the gateway (anyone may mark any
/// application paid through it), receipts whose QR code points at a default address, switches for load runs.
fn check_mode(cfg: &Config) -> anyhow::Result<()> {
    let mut faults = Vec::new();
    if cfg.gateway_url.is_none() {
        faults.push("no gateway_url: the built-in sandbox bank is the payment gateway, and anyone can mark any application paid through it");
    }
    if cfg.public_url.is_none() {
        faults.push("no public_url: receipts' QR codes point at the listening address");
    }
    if !cfg.captcha || !cfg.rate_limits {
        faults.push("the captcha or the rate limits are off");
    }
    match cfg.mode.as_str() {
        "production" if !faults.is_empty() => {
            anyhow::bail!(
                "mode = \"production\" refuses to start: {}",
                faults.join("; ")
            )
        }
        "production" | "development" => {
            for f in faults {
                tracing::warn!("development mode: {f}");
            }
            Ok(())
        }
        other => anyhow::bail!("mode {other:?}: expected \"development\" or \"production\""),
    }
}

/// The national PKI at start: loaded from the database; made automatically for the demo and in development mode
/// (logged), never in production, which refuses to start without it (`shenas pki init` is a ceremony).
async fn start_pki(state: &AppState, cfg: &Config, demo: bool) -> anyhow::Result<()> {
    let may_init = demo || cfg.mode != "production";
    let rt = match state.services.pki.reload(&state.store, may_init).await {
        Ok(rt) => rt,
        Err(server::pki::PkiFailure::NotInitialised) => anyhow::bail!(
            "mode = \"production\" refuses to start without the national PKI: run `shenas pki init` (the key \
             ceremony, docs/pki.md) first"
        ),
        Err(e) => anyhow::bail!("the national PKI: {e}"),
    };
    let warnings = server::pki::housekeeping::report_expiry(&rt, std::time::SystemTime::now())?;
    tracing::info!(
        backend = state.services.pki.keys().backend(),
        certificates = rt.pki.records().len(),
        warnings,
        "national PKI loaded"
    );
    Ok(())
}

/// The blob store and its sealing key, checked (security review F12): a key is never created beside blobs
/// that exist (they were sealed under a key that is missing: restore it), and a key that does not open the
/// store's canary is refused at start instead of failing on every holder's photo later.
pub(crate) async fn sealed_blobs(
    data: &std::path::Path,
    keys: &std::path::Path,
) -> anyhow::Result<(blobs::Sealed<blobs::FsBlobStore>, [u8; 32])> {
    let blob_store = blobs::FsBlobStore::new(data.join("blobs"))
        .map_err(|e| anyhow::anyhow!("blob store in {}: {e}", data.display()))?;
    let key_path = keys.join("blob.key");
    if !key_path.exists() && blob_store.holds_blobs()? {
        anyhow::bail!(
            "{} holds sealed blobs but the key {} is missing: restore the key file (a new key would not open \
             them, and blobs sealed under two keys cannot be told apart)",
            blob_store.root().display(),
            key_path.display()
        );
    }
    let blob_key = blobs::load_or_create_key(&key_path)
        .map_err(|e| anyhow::anyhow!("blob key {}: {e}", key_path.display()))?;
    let sealed = blobs::Sealed::new(blob_store, blob_key);
    match blobs::check_canary(&sealed).await {
        Ok(blobs::Canary::Opens) => {}
        Ok(blobs::Canary::Missing) => blobs::write_canary(&sealed).await?,
        Err(e) => anyhow::bail!(
            "the blob key {} does not open the blob store in {} ({e}): it was sealed under another key",
            key_path.display(),
            data.display()
        ),
    }
    Ok((sealed, blob_key))
}

/// The service's state from configuration: fees, holidays, and the outside services behind their ports.
pub(crate) async fn app_state(store: DynStore, cfg: &Config) -> anyhow::Result<AppState> {
    let hours = |h: u64| std::time::Duration::from_secs(h.max(1) * 3600);
    let mut settings = Settings {
        captcha: cfg.captcha,
        rate_limits: cfg.rate_limits,
        callback_url: cfg.callback_url.clone(),
        public_url: cfg
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", cfg.listen)),
        idempotency_ttl: hours(cfg.idempotency_ttl_hours),
        pickup_period_days: cfg.pickup_period_days,
        suspension_days: cfg.suspension_days.max(1),
        receipt_grace_days: cfg.receipt_grace_days,
        campaign_sms_per_minute: cfg.campaign_sms_per_minute.max(1),
        production_batch_size: cfg.production_batch_size.max(1),
        batch_schedule: cfg.production.schedule()?,
        filings_per_operator_per_minute: cfg.filings_per_operator_per_minute.max(1),
        transfers_per_operator_per_minute: cfg.transfers_per_operator_per_minute.max(1),
        status_per_client_per_minute: cfg.status_per_client_per_minute.max(1),
        status_per_code_per_minute: cfg.status_per_code_per_minute.max(1),
        filings_per_client_per_minute: cfg.filings_per_client_per_minute.max(1),
        booking_horizon_days: cfg.booking_horizon_days.max(1),
        session_ttl: hours(cfg.session_ttl_hours),
        ussd_session_ttl: std::time::Duration::from_secs(cfg.ussd_session_ttl_seconds.max(10)),
        office_opens: crate::config::minutes_of_day("office_opens", &cfg.office_opens)?,
        office_closes: crate::config::minutes_of_day("office_closes", &cfg.office_closes)?,
        reminder_days: cfg.reminder_days.clone(),
        sms_max_attempts: cfg.sms_max_attempts.max(1),
        vendor_answer_timeout: hours(cfg.vendor_answer_timeout_hours),
        ..Settings::default()
    };
    anyhow::ensure!(
        settings.office_opens < settings.office_closes,
        "office_opens ({}) must be before office_closes ({})",
        cfg.office_opens,
        cfg.office_closes
    );
    gateways(&mut settings, cfg)?;
    if !cfg.fees.is_empty() {
        settings.fees = domain::FeeTable::new(cfg.fees.clone())
            .map_err(|e| anyhow::anyhow!("fees: {}", e.message_en))?;
    }
    if let Some(f) = &cfg.holidays_file {
        let text =
            std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("holidays_file {f}: {e}"))?;
        settings.holidays = domain::Holidays::parse_csv(&text)
            .map_err(|e| anyhow::anyhow!("holidays_file {f}: {}", e.message_en))?;
    }
    let timeout = std::time::Duration::from_secs(10);
    let gateway = match &cfg.gateway_url {
        Some(url) => Some(
            Arc::new(payments::http::HttpGateway::new(url.clone(), timeout)?)
                as Arc<dyn payments::Gateway>,
        ),
        None => None,
    };
    let ownership = match &cfg.ownership_url {
        Some(url) => Some(
            Arc::new(ownership::HttpOwnership::new(url.clone(), timeout)?)
                as Arc<dyn ownership::MobileOwnership>,
        ),
        None => None,
    };
    settings.unit_fees = cfg.mobile_units.fees;
    let welfare = welfare_registry(cfg, timeout)?;
    let inquiries = match &cfg.inquiries_url {
        Some(url) => Some(Arc::new(
            inquiries::HttpInquiries::new(url.clone(), timeout)
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ) as Arc<dyn inquiries::Inquiries>),
        None => None,
    };
    let data = std::path::Path::new(&cfg.data_dir);
    let keys = cfg.keys_dir();
    let pki = super::pki::handle(cfg, cfg.mode != "production")?;
    let (blob_store, blob_key) = sealed_blobs(data, &keys).await?;
    let limiter = rate_limiter(cfg, &blob_key)?;
    let signer = server::cards::signing::Signer::load_or_create(&keys.join("signing.key"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Mobile units' kits seal their packets to this key's public half: kept, since packets arrive for weeks.
    let packet_key = packets::ServiceKey::from_secret(
        blobs::load_or_create_key(&keys.join("packet.key"))
            .map_err(|e| anyhow::anyhow!("packet key in {}: {e}", keys.display()))?,
    );
    // Signs each dlr-url for its message; kept, since reports arrive after restarts.
    let dlr_tokens = sms::DlrTokens::new(
        blobs::load_or_create_key(&keys.join("dlr.key"))
            .map_err(|e| anyhow::anyhow!("delivery-report key in {}: {e}", keys.display()))?,
    );
    let sender: Arc<dyn sms::SmsSender> = match &cfg.kannel {
        Some(k) => {
            tracing::info!(sendsms = %k.sendsms_url, "SMS go to Kannel");
            Arc::new(
                sms::KannelSender::new(sms::KannelConfig {
                    sendsms_url: k.sendsms_url.clone(),
                    username: k.username.clone(),
                    password: k.password.clone(),
                    from: k.from.clone(),
                    dlr_url: k.dlr_url.clone(),
                })
                .with_dlr_tokens(dlr_tokens.clone())
                .with_callback_secret(k.callback_secret.as_deref().unwrap_or("")),
            )
        }
        None => {
            tracing::info!("no [kannel] configured: SMS are written to the log");
            Arc::new(sms::LogSender)
        }
    };
    let abis = cfg.abis.connect().await?;
    if let Some(a) = &abis {
        tracing::info!(shards = a.shards(), namespace = %cfg.abis.namespace, "de-duplication on ABIS matcher nodes");
    }
    Ok(AppState::new(store, settings).with_services(|s| {
        if let Some(a) = abis {
            s.dedup = Arc::new(server::dedup::Dedup::nats(a));
        }
        s.reads = Arc::new(if cfg.read_cache {
            server::reads::ReadCaches::new(cfg.status_cache_entries)
        } else {
            server::reads::ReadCaches::off()
        });
        s.replay_seal = server::idempotency::ReplaySeal::derived_from(&blob_key);
        s.limiter = limiter;
        s.blobs = Arc::new(blob_store);
        s.signer = signer;
        s.packet_key = packet_key;
        s.sms = sender;
        s.dlr_tokens = dlr_tokens;
        s.pki = Arc::new(pki);
        if let Some(g) = gateway {
            s.gateway = g;
            s.sandbox_bank = None;
        }
        if let Some(o) = ownership {
            s.ownership = o;
        }
        s.welfare = welfare;
        if let Some(i) = inquiries {
            s.inquiries = i;
        }
    }))
}

/// The welfare organisation's disability registry: its service when `welfare_url` is set, else the sandbox
/// confirming the people of `welfare_list` (nobody without one).
fn welfare_registry(
    cfg: &Config,
    timeout: std::time::Duration,
) -> anyhow::Result<Arc<dyn welfare::DisabilityRegistry>> {
    let m = &cfg.mobile_units;
    if let Some(url) = &m.welfare_url {
        tracing::info!(%url, "disabilities are confirmed by the welfare organisation's service");
        return Ok(Arc::new(welfare::HttpWelfare::new(url.clone(), timeout)?));
    }
    let sandbox = match &m.welfare_list {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .map_err(|e| anyhow::anyhow!("mobile_units.welfare_list {f}: {e}"))?;
            welfare::SandboxWelfare::from_list(&text)
                .map_err(|e| anyhow::anyhow!("mobile_units.welfare_list {f}: {e}"))?
        }
        None => welfare::SandboxWelfare::new(),
    };
    tracing::info!(
        confirmed = sandbox.len(),
        "disabilities are confirmed by the sandbox welfare registry"
    );
    Ok(Arc::new(sandbox))
}

/// The shortest gateway secret accepted.
const MIN_SECRET_CHARS: usize = 16;

/// Trusted proxies, and who may call the Kannel and USSD callbacks (`[kannel] callback_secret`/`callback_allow`,
/// `[ussd] gateway_secret`/`allow`; this machine only where neither is set), with the SMS reply limits.
fn gateways(settings: &mut Settings, cfg: &Config) -> anyhow::Result<()> {
    let nets = |what: &str, list: &[String]| {
        server::client::parse_networks(list).map_err(|e| anyhow::anyhow!("{what}: {e}"))
    };
    let secret = |what: &str, s: &Option<String>| -> anyhow::Result<Option<String>> {
        match s.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) if v.chars().count() < MIN_SECRET_CHARS => Err(anyhow::anyhow!(
                "{what} needs at least {MIN_SECRET_CHARS} characters"
            )),
            Some(v) => Ok(Some(v.to_string())),
        }
    };
    settings.trusted_proxies = nets("trusted_proxies", &cfg.trusted_proxies)?;
    settings.proxy_header =
        server::client::ProxyHeader::parse(&cfg.proxy_header).map_err(|e| anyhow::anyhow!(e))?;
    settings.ussd_access = server::gateway::GatewayAccess {
        secret: secret("[ussd] gateway_secret", &cfg.ussd.gateway_secret)?,
        allow: nets("[ussd] allow", &cfg.ussd.allow)?,
    };
    settings.ussd_per_client_per_minute = cfg.ussd.per_client_per_minute;
    if let Some(k) = &cfg.kannel {
        let kannel_secret = secret("[kannel] callback_secret", &k.callback_secret)?;
        // It travels in URLs that Kannel fills in (`%d`, `%A` …): only characters that are never escaped.
        anyhow::ensure!(
            kannel_secret.as_deref().is_none_or(|s| s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))),
            "[kannel] callback_secret may hold only letters, digits, '-', '_', '.' and '~'"
        );
        settings.kannel_access = server::gateway::GatewayAccess {
            secret: kannel_secret,
            allow: nets("[kannel] callback_allow", &k.callback_allow)?,
        };
        settings.sms_replies_per_number_per_hour = k.replies_per_number_per_hour;
        settings.sms_replies_per_minute = k.replies_per_minute;
    }
    for (name, a) in [
        ("kannel", &settings.kannel_access),
        ("ussd", &settings.ussd_access),
    ] {
        tracing::info!(
            gateway = name,
            secret = a.secret.is_some(),
            allow = ?a.allow.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            loopback_only = a.secret.is_none() && a.allow.is_empty(),
            "gateway callbacks"
        );
    }
    if !settings.trusted_proxies.is_empty() {
        tracing::info!(proxies = settings.trusted_proxies.len(), header = %cfg.proxy_header, "trusted reverse proxies");
    }
    Ok(())
}

/// The rate limiter of `[limits]`: in memory, or in Redis with keys hashed under a secret derived from the blob key
/// (instances behind one load balancer share `keys_dir`, so they hash alike).
fn rate_limiter(
    cfg: &Config,
    blob_key: &[u8; 32],
) -> anyhow::Result<server::ratelimit::RateLimiter> {
    use server::ratelimit::{Fallback, RateLimiter, RedisCounter, RedisOptions};
    let Some(url) = cfg
        .limits
        .redis_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    else {
        return Ok(RateLimiter::memory());
    };
    let secret: [u8; 32] = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"shenas rate-limit keys v1\0");
        h.update(blob_key);
        h.finalize().into()
    };
    let counter = RedisCounter::new(RedisOptions {
        prefix: cfg.limits.redis_prefix.clone(),
        timeout: std::time::Duration::from_millis(cfg.limits.redis_timeout_ms.max(10)),
        ..RedisOptions::new(url.trim(), secret)
    })
    .map_err(|e| anyhow::anyhow!("[limits] redis_url {}: {e}", redact_url(url)))?;
    tracing::info!(redis = %redact_url(url), prefix = %cfg.limits.redis_prefix, "rate limits are counted in Redis (shared by the instances using it)");
    Ok(RateLimiter::shared(Arc::new(counter), Fallback::default()))
}

/// Every 30 seconds, drives payments left unfinished for a minute: callbacks that never came, and writes that
/// never landed after the bank answered (a crash), are repaired by verifying again.
async fn reconcile_payments(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        match server::payment::reconcile(&state, chrono::Duration::minutes(1)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(payments = n, "reconciled unfinished payments"),
            Err(e) => tracing::warn!(error = %e, "payment reconciliation failed"),
        }
    }
}

/// At start and once a day, recounts the eligible population per province (living, aged 15 or more) for the
/// statistics: ages move on with the calendar even when the registry does not change.
async fn refresh_eligible(store: DynStore) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        tick.tick().await;
        let today = match super::today() {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "cannot refresh the eligible population");
                continue;
            }
        };
        match store.refresh_eligible(today).await {
            Ok(()) => tracing::info!(%today, "eligible population per province refreshed"),
            Err(e) => tracing::warn!(error = %e, "refreshing the eligible population failed"),
        }
    }
}

/// What `--demo` finds in the database.
enum DemoDatabase {
    /// Nothing at all: the demo is loaded, with staff and a manufacturer whose secrets are drawn now.
    Empty,
    /// A database the demo made earlier, holding nothing else: used as it is.
    Demo,
}

/// Demo data only ever goes into an empty database, or one the demo made (security review F5): on a database
/// that holds anything else (a registry, offices, staff or manufacturers of its own) `--demo` is refused, since
/// it would add accounts whose names everyone knows.
async fn demo_database(store: &DynStore) -> anyhow::Result<DemoDatabase> {
    let persons = store.count_persons().await?;
    let offices = store.count_offices().await?;
    let users = store.count_users().await?;
    let vendors = store.vendors().await?;
    if persons == 0 && offices == 0 && users == 0 && vendors.is_empty() {
        return Ok(DemoDatabase::Empty);
    }
    let imports = store.imports(1_000).await?;
    let mut demo_users = 0;
    for name in DEMO_USERS {
        demo_users += u64::from(store.user_by_name(name).await?.is_some());
    }
    let made_by_demo = imports.iter().any(|i| i.actor == "demo");
    let foreign = imports.iter().any(|i| i.actor != "demo")
        || users > demo_users
        || vendors.iter().any(|v| v.name != DEMO_VENDOR);
    if made_by_demo && !foreign {
        return Ok(DemoDatabase::Demo);
    }
    anyhow::bail!(
        "--demo refused: this database holds data the demo did not make (a registry, offices, staff or card \
         manufacturers), and the demo would add accounts to it. Run --demo on an empty database \
         (e.g. --database sqlite://demo.db) | «--demo» رد شد: این پایگاه داده‌هایی جز داده‌های نمایشی دارد"
    )
}

/// Loads the demo registry, offices, staff and manufacturer into an empty database; prints what a newcomer needs.
async fn load_demo(store: &DynStore, cfg: &Config) -> anyhow::Result<()> {
    let today = super::today()?;
    let found = demo_database(store).await?;
    if let DemoDatabase::Empty = found {
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
        let offices = synth::offices::generate_offices(cfg.demo.seed, cfg.demo.offices);
        let counts = store.upsert_offices(&offices).await?;
        tracing::info!(offices = counts.inserted, "demo offices loaded");
    }
    print_demo_people(store, cfg, today).await?;
    demo_staff(store, cfg, matches!(found, DemoDatabase::Empty)).await
}

/// The demo's staff accounts.
const DEMO_USERS: [&str; 3] = ["demo-operator", "demo-supervisor", "demo-admin"];
const DEMO_VENDOR: &str = "demo-vendor";

/// Staff of the first Tehran office (an operator and a supervisor), a national administrator, and a card
/// manufacturer, so a newcomer can try the office pages, the dashboard and the vendor API at once. Made once, in
/// an empty database, with a password and an API key drawn for this install and printed that once.
async fn demo_staff(store: &DynStore, cfg: &Config, create: bool) -> anyhow::Result<()> {
    let tehran =
        domain::ProvinceCode::parse("23").map_err(|e| anyhow::anyhow!("{}", e.message_en))?;
    let Some(office) = store.offices_in_province(tehran).await?.into_iter().next() else {
        return Ok(());
    };
    let pages = format!(
        "(http://{listen}/office/login, http://{listen}/admin/login)",
        listen = cfg.listen
    );
    if !create {
        eprintln!(
            "Demo staff: {} at office {} «{}» {pages}; their password was printed at the first start \
             (`shenas users password --username demo-admin` sets a new one).",
            DEMO_USERS.join(", "),
            office.id.as_str(),
            office.name,
        );
        return Ok(());
    }
    let password = format!("demo-{}", hex::encode(rand::random::<[u8; 9]>()));
    let roles = [
        (domain::Role::Operator, Some(office.id.clone())),
        (domain::Role::Supervisor, Some(office.id.clone())),
        (domain::Role::NationalAdmin, None),
    ];
    for (name, (role, at)) in DEMO_USERS.into_iter().zip(roles) {
        store
            .create_user(&store::journey::NewUser {
                username: name.into(),
                password_hash: server::auth::hash_password(&password)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                role,
                office: at,
                province: None,
                at: chrono::Utc::now(),
            })
            .await?;
    }
    let (key, prefix, hash) = server::agency::key::new_api_key();
    store
        .create_vendor(
            DEMO_VENDOR,
            100,
            100_000,
            &prefix,
            &hash,
            chrono::Utc::now(),
        )
        .await?;
    eprintln!(
        "Demo staff (password {password}, shown this once): {} at office {} «{}» {pages}.",
        DEMO_USERS.join(", "),
        office.id.as_str(),
        office.name,
    );
    eprintln!("Demo card manufacturer (shown this once): X-Api-Key: {key}");
    Ok(())
}

/// Prints a few people of the demo registry who may apply, with what the form asks, so a newcomer can
/// pre-register one at once.
async fn print_demo_people(
    store: &DynStore,
    cfg: &Config,
    today: domain::JalaliDate,
) -> anyhow::Result<()> {
    let mut gen = synth::persons::PersonGenerator::new(cfg.demo.seed, today);
    let mut shown = 0;
    eprintln!(
        "Demo people who can pre-register (national code | birth certificate | birth date (lunar) | mother | mobile | gender):"
    );
    for _ in 0..10_000 {
        let Ok(p) = gen.next_person() else { break };
        let eligible = p.is_alive() && p.birth_date.age_on(today) >= domain::inquiry::MINIMUM_AGE;
        let Some(m) = p.mobiles.first().filter(|_| eligible) else {
            continue;
        };
        if store.active_application(&p.national_code).await?.is_some() {
            continue;
        }
        let bc = &p.birth_certificate;
        eprintln!(
            "  {} | {} {} {} | {} ({}) | {} | {} | {}",
            p.national_code,
            bc.series_letter().as_str(),
            bc.series_number(),
            bc.serial(),
            p.birth_date,
            p.birth_date.to_hijri(),
            p.mother_name,
            m.as_str(),
            p.gender.as_str(),
        );
        shown += 1;
        if shown == 5 {
            break;
        }
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
