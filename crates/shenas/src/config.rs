//! Configuration: built-in defaults, then a TOML file (`--config`, or `shenas.toml` where present), then
//! `SHENAS_`-prefixed environment variables (`SHENAS_DATABASE_URL`, `SHENAS_LISTEN`, …), then command-line flags.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Every field defaults to [`Config::default`], whose service tunables come from `server::Settings::default()`:
/// a default is written in one place.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `sqlite://shenas.db` (embedded, the default) or `postgres://user@host/db`.
    pub database_url: String,
    pub listen: String,
    /// Where Prometheus scrapes `/metrics`; empty to disable.
    pub metrics_listen: String,
    pub captcha: bool,
    pub rate_limits: bool,
    /// Status answers and office listings from memory, kept true by the database's change notices
    /// (`server::reads`); off, every read asks the database.
    pub read_cache: bool,
    /// Applications whose status is kept in memory, at most (about 200 bytes each).
    pub status_cache_entries: usize,
    /// `json` (default) or `pretty`.
    pub log_format: String,
    pub demo: DemoConfig,
    /// Fee schedules by Solar Hijri year (`[[fees]] from_year = 1398, issuance_rials = …`); empty for the
    /// programme's published figures.
    pub fees: Vec<domain::FeeSchedule>,
    /// A holiday table (`date_jalali,name_fa,name_en`) replacing the one carried in the product.
    pub holidays_file: Option<String>,
    /// A bank gateway with the sandbox bank's JSON shape; unset for the built-in sandbox bank.
    pub gateway_url: Option<String>,
    /// Where the bank sends customers back (absolute when the bank is elsewhere).
    pub callback_url: String,
    /// The mobile-ownership service (`POST {national_code, mobile}` → `{matched}`); unset to answer from the
    /// registry's own numbers.
    pub ownership_url: Option<String>,
    /// The nationality cases' inquiries (police, security council, foreign-nationals bureau: `POST {url}/{kind}`
    /// → `{outcome, reference, detail}`); unset for the deterministic sandbox.
    pub inquiries_url: Option<String>,
    /// Where photos, signatures and fingerprint templates (sealed), and the service's keys, are kept.
    pub data_dir: String,
    /// Where the blob sealing key and the signing key are kept (default `{data_dir}/keys`). Put it on another
    /// volume than `data_dir` so that a copy of the blobs is not a copy of their key.
    pub keys_dir: Option<String>,
    /// The service's public address, printed in receipts' QR codes (default `http://{listen}`; required in
    /// production).
    pub public_url: Option<String>,
    /// `development` (the default) or `production`: production refuses to start with the sandbox bank, without a
    /// public URL, or with the captcha or rate limits off.
    pub mode: String,
    /// Hours an answer kept for an `Idempotency-Key` is repeated before it is purged.
    pub idempotency_ttl_hours: u64,
    /// Kannel's smsbox; unset to write SMS to the log instead.
    pub kannel: Option<KannelSection>,
    /// Days a card waits at an office before it is `uncollected`.
    pub pickup_period_days: u32,
    /// Days a card may wait at the office before its receipt no longer verifies (0: off).
    pub receipt_grace_days: u32,
    /// Messages a backlog campaign sends per minute at most (its messages leave the outbox spread out).
    pub campaign_sms_per_minute: u32,
    /// Days a card suspended on a report of its loss may wait to be found again before it is revoked.
    pub suspension_days: u32,
    /// At most this many cards in one manufacturer's batch.
    pub production_batch_size: u32,
    /// `[production]`: when batches are formed.
    pub production: ProductionSection,
    /// Walk-in filings (registry inquiries) one operator may make per minute.
    pub filings_per_operator_per_minute: u32,
    /// Card transfers (each a fingerprint match) one operator may ask for per minute.
    pub transfers_per_operator_per_minute: u32,
    /// Reverse proxies (addresses or CIDR networks) whose forwarding header names the client, for rate limits and
    /// the gateways' allow-lists; empty (the default): the client is the TCP peer and forwarding headers are
    /// ignored.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies write: `x-forwarded-for` (default) or `forwarded` (RFC 7239).
    pub proxy_header: String,
    /// `[ussd]`: who may call `/ussd`.
    pub ussd: UssdSection,
    /// Status lookups one client (IP address) may make per minute.
    pub status_per_client_per_minute: u32,
    /// Status lookups for one national code per minute, from anywhere.
    pub status_per_code_per_minute: u32,
    /// Applications one client may file per minute.
    pub filings_per_client_per_minute: u32,
    /// How many days ahead an appointment may be booked.
    pub booking_horizon_days: u32,
    /// Hours an operator's or administrator's session lasts.
    pub session_ttl_hours: u64,
    /// Seconds a USSD session lasts after its first request.
    pub ussd_session_ttl_seconds: u64,
    /// When offices open and close, Tehran time (`"07:30"`, `"14:30"`): the appointment slots lie between.
    pub office_opens: String,
    pub office_closes: String,
    /// Days of waiting at an office after which the holder is reminded by SMS.
    pub reminder_days: Vec<u32>,
    /// Sending attempts before an SMS (and its number) is given up.
    pub sms_max_attempts: u32,
    /// Hours a claimed batch may go unanswered by its manufacturer before it goes back in the queue.
    pub vendor_answer_timeout_hours: u64,
    /// `[pki]`: where the national PKI's keys live (sealed files by default, or a PKCS#11 token).
    pub pki: PkiSection,
    /// `[abis]`: the 1:N search on matcher nodes over NATS; unset, it runs in this process.
    pub abis: AbisSection,
    /// `[limits]`: where rate limits are counted (this instance's memory, or Redis shared by several instances).
    pub limits: LimitsSection,
    /// `[mobile_units]`: who pays for the people units enroll (`[mobile_units.fees]`), and the welfare
    /// organisation's disability registry for home visits.
    pub mobile_units: MobileUnitsSection,
}

/// `[mobile_units]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MobileUnitsSection {
    /// `[mobile_units.fees]`: `prison = "waived"`, `garrison = "waived"`, `care_home = "institution"`,
    /// `hospital = "institution"`, `home = "waived"` (those are the defaults); `person` makes people pay as usual.
    pub fees: domain::UnitFees,
    /// The welfare organisation's service (`POST {national_code}` → `{confirmed, reference?, city?}`); unset for
    /// the sandbox, which confirms the people of `welfare_list`.
    pub welfare_url: Option<String>,
    /// For the sandbox: a file of confirmed disabled people, one a line (`national_code[,city]`).
    pub welfare_list: Option<String>,
}

/// `[abis]`: with `nats_url`, de-duplication publishes enrollments to the gallery stream and searches the matcher
/// nodes (`shenas abis node --shard N --shards S`); every instance of the service must then use it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AbisSection {
    /// `nats://127.0.0.1:4222`; unset (the default): the gallery is in this process.
    pub nats_url: Option<String>,
    /// Shards the gallery is split into (the nodes are started with the same count).
    pub shards: u32,
    /// Subjects and stream of this deployment (`abis`: stream `ABIS_GALLERY`).
    pub namespace: String,
    /// Milliseconds a search waits for every shard; one that misses a shard takes no decision.
    pub deadline_ms: u64,
}

impl Default for AbisSection {
    fn default() -> Self {
        AbisSection {
            nats_url: None,
            shards: 1,
            namespace: "abis".into(),
            deadline_ms: 1500,
        }
    }
}

impl AbisSection {
    /// Connects to the matcher nodes' NATS, where configured.
    pub async fn connect(&self) -> anyhow::Result<Option<abis::Abis>> {
        let Some(url) = &self.nats_url else {
            return Ok(None);
        };
        let ns = abis::Namespace::new(&self.namespace)?;
        let deadline = std::time::Duration::from_millis(self.deadline_ms.max(100));
        Ok(Some(
            abis::Abis::connect(url, ns, self.shards, deadline).await?,
        ))
    }
}

/// `[limits]`: without `redis_url` (or `SHENAS_REDIS_URL`) each instance counts in its own memory; with it every
/// instance using the same Redis and `redis_prefix` shares each limit, and counts in memory while Redis is away.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitsSection {
    /// `redis://host:6379/0` (a password as `redis://:secret@host:6379`).
    pub redis_url: Option<String>,
    /// Put before every Redis key; instances that share limits use the same one.
    pub redis_prefix: String,
    /// The deadline of each Redis command, in milliseconds (past it, the instance counts in memory).
    pub redis_timeout_ms: u64,
}

impl Default for LimitsSection {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_prefix: "shenas:rl".into(),
            redis_timeout_ms: 300,
        }
    }
}

/// `[pki]`: the national PKI's key store and names. Without `pkcs11_module`, keys are sealed files in
/// `{keys_dir}/pki` under the master key `{keys_dir}/pki-master.key`; with it, they are generated and used inside
/// the token (`pkcs11_token` names it; `pkcs11_pin` is the user PIN, best given as `SHENAS_PKI__PKCS11_PIN`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PkiSection {
    /// The sealed key files' directory (default `{keys_dir}/pki`).
    #[serde(default)]
    pub keys_dir: Option<String>,
    /// The PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    #[serde(default)]
    pub pkcs11_module: Option<String>,
    /// The label of the initialised token (the slot is found by it).
    #[serde(default)]
    pub pkcs11_token: Option<String>,
    #[serde(default)]
    pub pkcs11_pin: Option<String>,
    /// The base of the CRL and OCSP URLs written into certificates (default `public_url`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// The organisation (`O=`) of the authorities' subjects.
    #[serde(default)]
    pub organization: Option<String>,
}

/// `[ussd]`: the USSD gateway's access to `/ussd`. With neither a secret nor an allow-list only this machine may
/// call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UssdSection {
    /// The secret the gateway sends as `X-Gateway-Secret` (or `?secret=` in its URL); at least 16 characters.
    #[serde(default)]
    pub gateway_secret: Option<String>,
    /// The gateway's addresses or networks (CIDR), e.g. `["10.20.0.0/24"]`.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Requests one client (the gateway) may make per minute, when rate limits are on.
    #[serde(default = "default_ussd_per_client")]
    pub per_client_per_minute: u32,
}

impl Default for UssdSection {
    fn default() -> Self {
        Self {
            gateway_secret: None,
            allow: Vec::new(),
            per_client_per_minute: default_ussd_per_client(),
        }
    }
}

fn default_ussd_per_client() -> u32 {
    server::Settings::default().ussd_per_client_per_minute
}

/// `[kannel]`: smsbox's `sendsms` and the `dlr-url` base it calls back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KannelSection {
    pub sendsms_url: String,
    pub username: String,
    pub password: String,
    /// The short number messages come from.
    #[serde(default = "default_short_number")]
    pub from: String,
    /// Our `/sms/dlr` as Kannel reaches it, e.g. `http://127.0.0.1:8080/sms/dlr`.
    pub dlr_url: String,
    /// A secret Kannel's calls must carry as `secret=` in their URL (the `get-url` as configured in Kannel; the
    /// service adds it to every `dlr-url` itself); at least 16 characters. Unset: no secret.
    #[serde(default)]
    pub callback_secret: Option<String>,
    /// Kannel's addresses or networks (CIDR), e.g. `["127.0.0.1/32"]`. With neither this nor a secret only this
    /// machine may call.
    #[serde(default)]
    pub callback_allow: Vec<String>,
    /// Status replies by SMS one number may get per hour.
    #[serde(default = "default_replies_per_number")]
    pub replies_per_number_per_hour: u32,
    /// Status replies by SMS per minute, all numbers together.
    #[serde(default = "default_replies_per_minute")]
    pub replies_per_minute: u32,
}

fn default_replies_per_number() -> u32 {
    server::Settings::default().sms_replies_per_number_per_hour
}

fn default_replies_per_minute() -> u32 {
    server::Settings::default().sms_replies_per_minute
}

/// `[production]`: `batch_every = "10m"` (the default) or a daily cut-off `batch_at = "16:00"` (Tehran time).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProductionSection {
    #[serde(default)]
    pub batch_every: Option<String>,
    #[serde(default)]
    pub batch_at: Option<String>,
}

impl ProductionSection {
    pub fn schedule(&self) -> anyhow::Result<domain::BatchSchedule> {
        let parsed = match (&self.batch_every, &self.batch_at) {
            (Some(_), Some(_)) => {
                anyhow::bail!("[production]: set batch_every or batch_at, not both")
            }
            (Some(e), None) => domain::BatchSchedule::parse_every(e),
            (None, Some(a)) => domain::BatchSchedule::parse_at(a),
            (None, None) => Ok(domain::BatchSchedule::default()),
        };
        parsed.map_err(|e| anyhow::anyhow!("[production]: {}", e.message_en))
    }
}

fn default_short_number() -> String {
    "6090".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoConfig {
    pub persons: u64,
    pub offices: usize,
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        let s = server::Settings::default();
        Self {
            database_url: "sqlite://shenas.db".into(),
            listen: "127.0.0.1:8080".into(),
            metrics_listen: "127.0.0.1:9464".into(),
            captcha: s.captcha,
            rate_limits: s.rate_limits,
            read_cache: true,
            status_cache_entries: server::reads::STATUS_ENTRIES,
            log_format: "json".into(),
            demo: DemoConfig {
                persons: 50_000,
                offices: synth::DEFAULT_OFFICES,
                seed: 1403,
            },
            fees: Vec::new(),
            holidays_file: None,
            gateway_url: None,
            callback_url: s.callback_url.clone(),
            ownership_url: None,
            inquiries_url: None,
            data_dir: "shenas-data".into(),
            keys_dir: None,
            public_url: None,
            mode: "development".into(),
            idempotency_ttl_hours: s.idempotency_ttl.as_secs() / 3600,
            kannel: None,
            pickup_period_days: s.pickup_period_days,
            suspension_days: s.suspension_days,
            receipt_grace_days: s.receipt_grace_days,
            campaign_sms_per_minute: s.campaign_sms_per_minute,
            production_batch_size: s.production_batch_size,
            production: ProductionSection::default(),
            filings_per_operator_per_minute: s.filings_per_operator_per_minute,
            transfers_per_operator_per_minute: s.transfers_per_operator_per_minute,
            trusted_proxies: Vec::new(),
            proxy_header: s.proxy_header.name().into(),
            ussd: UssdSection::default(),
            status_per_client_per_minute: s.status_per_client_per_minute,
            status_per_code_per_minute: s.status_per_code_per_minute,
            filings_per_client_per_minute: s.filings_per_client_per_minute,
            booking_horizon_days: s.booking_horizon_days,
            session_ttl_hours: s.session_ttl.as_secs() / 3600,
            ussd_session_ttl_seconds: s.ussd_session_ttl.as_secs(),
            office_opens: clock(s.office_opens),
            office_closes: clock(s.office_closes),
            reminder_days: s.reminder_days.clone(),
            sms_max_attempts: s.sms_max_attempts,
            vendor_answer_timeout_hours: s.vendor_answer_timeout.as_secs() / 3600,
            pki: PkiSection::default(),
            abis: AbisSection::default(),
            limits: LimitsSection::default(),
            mobile_units: MobileUnitsSection::default(),
        }
    }
}

/// Minutes after midnight as `HH:MM`.
fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `HH:MM` (Tehran time) as minutes after midnight.
pub fn minutes_of_day(field: &str, text: &str) -> anyhow::Result<u32> {
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let two_digits = m.trim().len() == 2;
        let (h, m) = (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?);
        (two_digits && h < 24 && m < 60).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| anyhow::anyhow!("{field}: {text:?} is not a time of day (HH:MM)"))
}

impl Config {
    /// Where the service's own keys are kept.
    pub fn keys_dir(&self) -> std::path::PathBuf {
        self.keys_dir.as_ref().map_or_else(
            || Path::new(&self.data_dir).join("keys"),
            std::path::PathBuf::from,
        )
    }

    /// The service's public address (`public_url`, or `http://{listen}`).
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                anyhow::ensure!(
                    f.exists(),
                    "configuration file {} does not exist",
                    f.display()
                );
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("shenas.toml")),
        }
        fig = fig.merge(Env::prefixed("SHENAS_").split("__"));
        // The environment's values are parsed as TOML values would be: `SHENAS_PKI__PKCS11_PIN=0123` would be the
        // number 123. Secrets and names are text whatever they look like.
        for (var, key) in TEXT_VARIABLES {
            if let Ok(v) = std::env::var(var) {
                fig = fig.merge(Serialized::default(key, v));
            }
        }
        let cfg: Config = fig.extract()?;
        Ok(cfg)
    }
}

/// Environment variables read as text, with the key each sets.
const TEXT_VARIABLES: [(&str, &str); 8] = [
    ("SHENAS_PKI__PKCS11_PIN", "pki.pkcs11_pin"),
    ("SHENAS_PKI__PKCS11_TOKEN", "pki.pkcs11_token"),
    ("SHENAS_KANNEL__USERNAME", "kannel.username"),
    ("SHENAS_KANNEL__PASSWORD", "kannel.password"),
    ("SHENAS_KANNEL__FROM", "kannel.from"),
    ("SHENAS_KANNEL__CALLBACK_SECRET", "kannel.callback_secret"),
    ("SHENAS_USSD__GATEWAY_SECRET", "ussd.gateway_secret"),
    ("SHENAS_REDIS_URL", "limits.redis_url"),
];

#[cfg(test)]
mod tests {
    use super::Config;

    /// Defaults, then the file, then `SHENAS_` variables, each overriding the one before.
    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns figment's own (large) error
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "shenas.toml",
                "listen = \"0.0.0.0:9000\"\ncaptcha = false\n[demo]\npersons = 10\n",
            )?;
            let cfg = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(cfg.listen, "0.0.0.0:9000");
            assert!(!cfg.captcha);
            assert_eq!(cfg.demo.persons, 10);
            assert_eq!(cfg.database_url, "sqlite://shenas.db");
            jail.set_env("SHENAS_LISTEN", "127.0.0.1:7000");
            jail.set_env("SHENAS_DATABASE_URL", "postgres://x@y/z");
            jail.set_env("SHENAS_DEMO__PERSONS", "20");
            let cfg = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(cfg.listen, "127.0.0.1:7000");
            assert_eq!(cfg.database_url, "postgres://x@y/z");
            assert_eq!(cfg.demo.persons, 20);
            assert!(Config::load(Some(std::path::Path::new("missing.toml"))).is_err());
            // The gateways' access and the trusted proxies, from the file and from the environment.
            jail.create_file(
                "gw.toml",
                "trusted_proxies = [\"10.0.0.0/8\"]\n[ussd]\nallow = [\"10.20.0.0/24\"]\n\
                 [kannel]\nsendsms_url = \"http://k/cgi-bin/sendsms\"\nusername = \"u\"\npassword = \"p\"\n\
                 dlr_url = \"http://s/sms/dlr\"\ncallback_allow = [\"127.0.0.1/32\"]\n",
            )?;
            jail.set_env("SHENAS_USSD__GATEWAY_SECRET", "0123456789abcdef0123");
            let cfg =
                Config::load(Some(std::path::Path::new("gw.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(cfg.trusted_proxies, ["10.0.0.0/8"]);
            assert_eq!(cfg.proxy_header, "x-forwarded-for");
            assert_eq!(cfg.ussd.allow, ["10.20.0.0/24"]);
            assert_eq!(
                cfg.ussd.gateway_secret.as_deref(),
                Some("0123456789abcdef0123")
            );
            assert_eq!(cfg.ussd.per_client_per_minute, 6_000);
            // Rate limits in memory unless Redis is named, in `[limits]` or as `SHENAS_REDIS_URL`.
            assert_eq!(cfg.limits.redis_url, None);
            assert_eq!(cfg.limits.redis_prefix, "shenas:rl");
            jail.set_env("SHENAS_REDIS_URL", "redis://127.0.0.1:6379");
            let cfg =
                Config::load(Some(std::path::Path::new("gw.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(
                cfg.limits.redis_url.as_deref(),
                Some("redis://127.0.0.1:6379")
            );
            let k = cfg.kannel.expect("[kannel]");
            assert_eq!(k.callback_allow, ["127.0.0.1/32"]);
            assert_eq!(k.callback_secret, None);
            assert_eq!(
                (k.replies_per_number_per_hour, k.replies_per_minute),
                (5, 120)
            );
            Ok(())
        });
    }

    /// The tunables the service had only in code are reachable from the file, and their defaults are the
    /// service's own.
    #[test]
    #[allow(clippy::result_large_err)]
    fn service_tunables_from_the_file() {
        let s = server::Settings::default();
        let d = Config::default();
        assert_eq!(
            d.status_per_client_per_minute,
            s.status_per_client_per_minute
        );
        assert_eq!(d.reminder_days, s.reminder_days);
        assert_eq!(
            super::minutes_of_day("x", &d.office_opens).ok(),
            Some(s.office_opens)
        );
        assert_eq!(d.session_ttl_hours * 3600, s.session_ttl.as_secs());
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "shenas.toml",
                "office_opens = \"08:00\"\noffice_closes = \"16:15\"\nreminder_days = [3, 10]\n\
                 sms_max_attempts = 4\nbooking_horizon_days = 30\nvendor_answer_timeout_hours = 24\n",
            )?;
            let cfg = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                super::minutes_of_day("o", &cfg.office_opens).ok(),
                Some(480)
            );
            assert_eq!(
                super::minutes_of_day("c", &cfg.office_closes).ok(),
                Some(975)
            );
            assert_eq!(cfg.reminder_days, [3, 10]);
            assert_eq!((cfg.sms_max_attempts, cfg.booking_horizon_days), (4, 30));
            assert_eq!(cfg.vendor_answer_timeout_hours, 24);
            assert_eq!(cfg.pickup_period_days, s.pickup_period_days);
            Ok(())
        });
        // A PIN, a token label or a password of digits stays text, leading zeros included.
        figment::Jail::expect_with(|jail| {
            jail.set_env("SHENAS_PKI__PKCS11_PIN", "0123");
            jail.set_env("SHENAS_PKI__PKCS11_TOKEN", "2024");
            jail.set_env("SHENAS_USSD__GATEWAY_SECRET", "0000111122223333");
            let cfg = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(cfg.pki.pkcs11_pin.as_deref(), Some("0123"));
            assert_eq!(cfg.pki.pkcs11_token.as_deref(), Some("2024"));
            assert_eq!(cfg.ussd.gateway_secret.as_deref(), Some("0000111122223333"));
            Ok(())
        });
        for bad in ["24:00", "7", "07:60", "ab:cd", "07:5x", "07:005", "07:5"] {
            assert!(super::minutes_of_day("office_opens", bad).is_err(), "{bad}");
        }
    }
}
