//! What every handler shares: the store, the switches and tables of configuration, and the ports to outside
//! services (payment gateway, mobile ownership) with the captcha and the rate limiter.

use crate::ratelimit::RateLimiter;
use captcha::Captcha;
use domain::{FeeTable, Holidays, JalaliDate};
use ownership::{MobileOwnership, RegistryOwnership};
use payments::sandbox::{SandboxBank, SandboxGateway};
use payments::Gateway;
use std::sync::Arc;
use std::time::Duration;
use store::DynStore;

/// Configuration the service reads once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The image captcha on pre-registration; off only for tests and load runs.
    pub captcha: bool,
    /// Rate limits on status lookups and the holder's actions, pre-registration, walk-in filings, office
    /// transfers, login (with the per-account back-off) and USSD clients; off only for tests and load runs. The
    /// limits on SMS status replies apply always.
    pub rate_limits: bool,
    pub fees: FeeTable,
    pub holidays: Holidays,
    /// Status lookups a client (IP address) may make per minute.
    pub status_per_client_per_minute: u32,
    /// Status lookups for one national code per minute, from anywhere.
    pub status_per_code_per_minute: u32,
    /// Applications a client may file per minute.
    pub filings_per_client_per_minute: u32,
    /// Walk-in filings (registry inquiries) one operator may make per minute.
    pub filings_per_operator_per_minute: u32,
    /// Transfers of a card to their office one operator may ask for per minute (each is a fingerprint match).
    pub transfers_per_operator_per_minute: u32,
    /// How far ahead an appointment may be booked.
    pub booking_horizon_days: u32,
    /// Operator sessions last this long.
    pub session_ttl: Duration,
    /// Where the bank sends the customer back (absolute when the bank is elsewhere; relative for the sandbox).
    pub callback_url: String,
    /// Offices open at this time of day (minutes after midnight) and close at `office_closes`.
    pub office_opens: u32,
    pub office_closes: u32,
    /// A USSD session ends this long after its first request.
    pub ussd_session_ttl: Duration,
    /// The service's public address, for links printed on paper (the receipt's QR code).
    pub public_url: String,
    /// At most this many cards in one manufacturer's batch.
    pub production_batch_size: u32,
    /// When batches are formed (every so often, or after a daily cut-off).
    pub batch_schedule: domain::BatchSchedule,
    /// A claimed batch not answered within this time goes back in the queue.
    pub vendor_answer_timeout: Duration,
    /// A card waiting this many days at an office becomes `uncollected`.
    pub pickup_period_days: u32,
    /// Days a card may wait at the office before its enrollment receipt stops standing in for it (verification
    /// answers no, with where the card waits); 0 turns this off.
    pub receipt_grace_days: u32,
    /// Messages a backlog campaign sends per minute at most: its messages are queued this far apart.
    pub campaign_sms_per_minute: u32,
    /// A card suspended on a report of its loss and not found again within this many days is revoked.
    pub suspension_days: u32,
    /// Reminders go after these many days of waiting.
    pub reminder_days: Vec<u32>,
    /// Sending attempts before a message (and its number) is given up.
    pub sms_max_attempts: u32,
    /// An answer kept for an `Idempotency-Key` is repeated for this long, then purged.
    pub idempotency_ttl: Duration,
    /// Reverse proxies whose forwarding header names the client (`crate::client`); none by default, so the
    /// client is the TCP peer and forwarding headers are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header those proxies write the client's address in.
    pub proxy_header: crate::client::proxy::ProxyHeader,
    /// Who may call Kannel's `/sms/incoming` and `/sms/dlr` (this machine only, by default).
    pub kannel_access: crate::gateway::GatewayAccess,
    /// Who may call `/ussd` (this machine only, by default).
    pub ussd_access: crate::gateway::GatewayAccess,
    /// Status replies by SMS one number may get per hour (more incoming SMS are answered with nothing).
    pub sms_replies_per_number_per_hour: u32,
    /// Status replies by SMS per minute, all numbers together.
    pub sms_replies_per_minute: u32,
    /// USSD requests one client (the gateway's address) may make per minute, when rate limits are on.
    pub ussd_per_client_per_minute: u32,
    /// Who pays the fee of people a mobile unit enrolls, by institution kind.
    pub unit_fees: domain::UnitFees,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            captcha: true,
            rate_limits: true,
            fees: FeeTable::default(),
            holidays: Holidays::embedded(),
            status_per_client_per_minute: 60,
            status_per_code_per_minute: 20,
            filings_per_client_per_minute: 10,
            filings_per_operator_per_minute: 30,
            transfers_per_operator_per_minute: 10,
            booking_horizon_days: 60,
            session_ttl: Duration::from_secs(8 * 3600),
            callback_url: "/api/v1/payments/callback".into(),
            office_opens: 7 * 60 + 30,
            office_closes: 14 * 60 + 30,
            ussd_session_ttl: Duration::from_secs(180),
            public_url: "http://127.0.0.1:8080".into(),
            production_batch_size: 10_000,
            batch_schedule: domain::BatchSchedule::default(),
            vendor_answer_timeout: Duration::from_secs(72 * 3600),
            pickup_period_days: 90,
            suspension_days: 90,
            receipt_grace_days: 30,
            campaign_sms_per_minute: 600,
            reminder_days: vec![7, 30],
            sms_max_attempts: 8,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            trusted_proxies: Vec::new(),
            proxy_header: crate::client::proxy::ProxyHeader::default(),
            kannel_access: crate::gateway::GatewayAccess::default(),
            ussd_access: crate::gateway::GatewayAccess::default(),
            sms_replies_per_number_per_hour: 5,
            sms_replies_per_minute: 120,
            ussd_per_client_per_minute: 6_000,
            unit_fees: domain::UnitFees::default(),
        }
    }
}

impl Settings {
    /// Whether the service is served over https (its `public_url` says so): cookies get `Secure` and answers
    /// `Strict-Transport-Security`.
    pub fn https(&self) -> bool {
        self.public_url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    }
}

/// The outside services, behind their ports.
pub struct Services {
    pub captcha: Captcha,
    /// The captcha pictures already drawn.
    pub captcha_images: crate::citizen::captcha_images::CaptchaImages,
    pub gateway: Arc<dyn Gateway>,
    /// The built-in sandbox bank, when it is the gateway (its pages and API are served then).
    pub sandbox_bank: Option<SandboxBank>,
    pub ownership: Arc<dyn MobileOwnership>,
    pub limiter: RateLimiter,
    /// Agency API keys recently checked.
    pub api_keys: crate::agency::cache::KeyCache,
    /// The verification audit's writer (group commit).
    pub audit: crate::agency::audit::AuditWriter,
    /// Signs the web portal's step-one tokens and citizen cookies; drawn once per process.
    pub web_secret: [u8; 32],
    /// Photos, signatures and fingerprint templates (sealed at rest).
    pub blobs: Arc<dyn blobs::BlobStore>,
    /// The 1:N de-duplication gallery.
    pub dedup: Arc<crate::dedup::service::Dedup>,
    /// Signs card personalisation data and receipt links.
    pub signer: crate::cards::signing::Signer,
    /// Where SMS go (Kannel, or the log).
    pub sms: Arc<dyn sms::SmsSender>,
    /// Seals the answers kept for `Idempotency-Key` repeats.
    pub replay_seal: crate::idempotency::seal::ReplaySeal,
    /// Enrollment image checks running at once (each decodes a photo of up to 12 megapixels).
    pub image_checks: tokio::sync::Semaphore,
    /// Makes and checks the per-message token of each `dlr-url` (the key must be the Kannel sender's).
    pub dlr_tokens: sms::DlrTokens,
    /// Per-account login back-off, and the count of password verifications.
    pub login: crate::office::throttle::LoginThrottle,
    /// The national PKI: its key store, and the hierarchy once loaded from the store.
    pub pki: Arc<crate::pki::runtime::PkiHandle>,
    /// Status answers and office listings from memory, kept true by the store's change notices.
    pub reads: Arc<crate::reads::ReadCaches>,
    /// The nationality cases' inquiries (police, security council, foreign-nationals bureau).
    pub inquiries: Arc<dyn inquiries::Inquiries>,
    /// The service's sealing key for mobile units' packets (X25519); kits seal to its public half.
    pub packet_key: packets::ServiceKey,
    /// On a mobile unit's kit (`shenas kit serve`): the kit's identity, so each enrollment becomes a packet.
    pub kit: Option<Arc<crate::kits::KitMode>>,
    /// The welfare organisation's disability registry (home visits by mobile units).
    pub welfare: Arc<dyn welfare::DisabilityRegistry>,
}

#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub settings: Arc<Settings>,
    pub services: Arc<Services>,
}

impl AppState {
    /// The defaults: the sandbox bank, ownership from the registry, a captcha secret drawn at start.
    pub fn new(store: DynStore, settings: Settings) -> Self {
        let bank = SandboxBank::new(store.clone());
        // Keys in a throw-away directory, the hierarchy made at first use: `shenas serve` replaces it with the
        // configured key store.
        let pki = crate::pki::runtime::PkiHandle::temporary(&settings.public_url)
            .expect("a temporary PKI key directory (and a valid public_url)");
        let secret: [u8; 32] = rand::random();
        Self {
            services: Arc::new(Services {
                captcha: Captcha::new(secret, Duration::from_secs(10 * 60)),
                captcha_images: Default::default(),
                gateway: Arc::new(SandboxGateway::new(bank.clone())),
                sandbox_bank: Some(bank),
                ownership: Arc::new(RegistryOwnership::new(store.clone())),
                limiter: RateLimiter::default(),
                api_keys: Default::default(),
                audit: crate::agency::audit::AuditWriter::new(store.clone()),
                web_secret: rand::random(),
                blobs: Arc::new(blobs::Sealed::new(
                    blobs::MemoryBlobStore::default(),
                    rand::random(),
                )),
                dedup: Default::default(),
                signer: crate::cards::signing::Signer::random(),
                sms: Arc::new(sms::LogSender),
                replay_seal: crate::idempotency::seal::ReplaySeal::new(rand::random()),
                image_checks: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                ),
                dlr_tokens: sms::DlrTokens::new(rand::random()),
                login: Default::default(),
                pki: Arc::new(pki),
                reads: Default::default(),
                inquiries: Arc::new(inquiries::SandboxInquiries::default()),
                packet_key: packets::ServiceKey::generate(),
                kit: None,
                welfare: Arc::new(welfare::SandboxWelfare::new()),
            }),
            store,
            settings: Arc::new(settings),
        }
    }

    /// Connects the read caches to the store's change notices (see [`crate::reads`]); until then status
    /// lookups always ask the store.
    pub async fn watch_changes(&self) -> store::Result<()> {
        crate::reads::watch(self).await
    }

    /// Replaces the outside services (a real gateway, an HTTP ownership service).
    pub fn with_services(mut self, f: impl FnOnce(&mut Services)) -> Self {
        if let Some(s) = Arc::get_mut(&mut self.services) {
            f(s);
        }
        self
    }
}

/// Iran's offset from UTC (no daylight saving since 1401).
const TEHRAN_OFFSET_MINUTES: i64 = 210;

/// An instant as Tehran's wall clock reads it (kept in a UTC-typed value: only its date and time are used).
pub fn tehran(at: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    at + chrono::Duration::minutes(TEHRAN_OFFSET_MINUTES)
}

/// The Solar Hijri day of an instant, in Tehran; `None` outside the calendar's range.
pub fn tehran_day(at: chrono::DateTime<chrono::Utc>) -> Option<JalaliDate> {
    JalaliDate::from_gregorian(tehran(at).date_naive()).ok()
}

/// Today in Tehran, Solar Hijri.
pub fn today() -> JalaliDate {
    tehran_day(chrono::Utc::now()).expect("the clock is within the calendar's range")
}
