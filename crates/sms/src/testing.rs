//! A real Kannel for integration tests: `bearerbox`, `smsbox` and the fake SMS centre
//! `fakesmsc` (Debian packages `kannel` and `kannel-extras`), started as child processes with
//! a generated configuration on free ports, and killed when the harness is dropped.
//!
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! use sms::testing::{kannel_available_or_skip, KannelHarness};
//! use sms::{KannelSender, OutgoingSms, SmsSender};
//! if !kannel_available_or_skip("demo") {
//!     return Ok(());
//! }
//! // Our HTTP server that takes `/sms/dlr` and `/sms/incoming` listens on this base.
//! let kannel = KannelHarness::start("http://127.0.0.1:8080").await?;
//! let sender = KannelSender::new(kannel.sendsms_config());
//! let sms = OutgoingSms { id: 1, to: "09121234567".into(), text: "سلام".into() };
//! sender.send(&sms).await.map_err(|e| e.to_string())?;
//! let got = kannel.wait_for(1, std::time::Duration::from_secs(5)).await?;
//! assert_eq!(got[0].text, "سلام");
//! kannel.inject_mo("09121234567", "۰۰۱۲۳۴۵۶۷۸").await?; // arrives at /sms/incoming
//! # Ok(()) }
//! ```
//!
//! Layout: bearerbox has two fake SMSCs. `mt` takes every message we send; a long-running
//! `fakesmsc -m 0` is connected to it and prints each message it gets (`Got message N: <from
//! to ucs-2 %06...>`), which the harness parses (reassembling concatenated parts). `mo` only
//! takes messages explicitly routed to it (`allowed-smsc-id = mo`, so none of ours); each
//! [`KannelHarness::inject_mo`] runs a one-shot `fakesmsc -m 1 "<from> <to> ucs2 <UTF-16BE>"`
//! against it, which is how a phone's Persian SMS arrives. smsbox forwards MO to
//! `{base}/sms/incoming?` + [`crate::KANNEL_MO_QUERY`] (with `mo-recode = true`) and calls each
//! message's `dlr-url`; the fake SMSC reports 8 (SMSC ack) then 1 (delivered).
//!
//! Environment: `KANNEL_BEARERBOX`, `KANNEL_SMSBOX`, `KANNEL_FAKESMSC` override where the
//! binaries are looked for; `SHENAS_REQUIRE_KANNEL=1` turns a missing Kannel from a skip into
//! a failure; `SHENAS_KANNEL_LOG_LEVEL` (0 = debug … 4 = panic, default 2) sets the boxes' log
//! level; `SHENAS_KANNEL_KEEP=1` keeps the temporary directory (config and logs).

use crate::inbound::form_decode;
use crate::{KannelConfig, KANNEL_MO_QUERY};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where the Kannel programs are.
#[derive(Debug, Clone)]
pub struct KannelBinaries {
    pub bearerbox: PathBuf,
    pub smsbox: PathBuf,
    pub fakesmsc: PathBuf,
}

fn locate(env: &str, candidates: &[&str]) -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var(env) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{env}={} does not exist", p.display()))
        };
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| format!("none of {candidates:?} exists (set {env})"))
}

impl KannelBinaries {
    /// Finds bearerbox and smsbox (Debian: `/usr/sbin`, package `kannel`) and fakesmsc
    /// (Debian: `/usr/lib/kannel/test/fakesmsc`, package `kannel-extras`).
    pub fn find() -> Result<Self, String> {
        Ok(Self {
            bearerbox: locate(
                "KANNEL_BEARERBOX",
                &[
                    "/usr/sbin/bearerbox",
                    "/usr/local/sbin/bearerbox",
                    "/usr/bin/bearerbox",
                ],
            )?,
            smsbox: locate(
                "KANNEL_SMSBOX",
                &[
                    "/usr/sbin/smsbox",
                    "/usr/local/sbin/smsbox",
                    "/usr/bin/smsbox",
                ],
            )?,
            fakesmsc: locate(
                "KANNEL_FAKESMSC",
                &[
                    "/usr/lib/kannel/test/fakesmsc",
                    "/usr/local/lib/kannel/test/fakesmsc",
                    "/usr/lib/kannel/fakesmsc",
                ],
            )?,
        })
    }
}

/// For tests: `true` when Kannel can be run. Otherwise prints why the test is skipped and
/// returns `false`, or panics when `SHENAS_REQUIRE_KANNEL=1` (CI that installed Kannel).
pub fn kannel_available_or_skip(test: &str) -> bool {
    match KannelBinaries::find() {
        Ok(_) => true,
        Err(why) => {
            let required = std::env::var("SHENAS_REQUIRE_KANNEL").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{test}: Kannel is required (SHENAS_REQUIRE_KANNEL=1) but missing: {why}"
            );
            eprintln!(
                "SKIPPED {test}: Kannel not installed ({why}); \
                 apt-get install kannel kannel-extras to run it"
            );
            false
        }
    }
}

/// One MT message as fakesmsc received it from bearerbox (concatenated parts joined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    /// The sender Kannel used (our short number).
    pub from: String,
    /// The receiver as Kannel passed it to the SMSC (e.g. `989121234567`).
    pub to: String,
    /// The decoded text (UCS-2 and concatenation undone).
    pub text: String,
    /// How many SMS parts carried it.
    pub parts: usize,
}

/// A concatenated message by (from, to, reference).
type ConcatKey = (String, String, u16);
/// Its announced number of parts, and the parts so far by sequence number.
type ConcatParts = (u8, HashMap<u8, Vec<u8>>);

#[derive(Default)]
struct Received {
    messages: Vec<ReceivedSms>,
    parts: usize,
    /// Concatenated messages still missing parts.
    pending: HashMap<ConcatKey, ConcatParts>,
    unparsed: Vec<String>,
}

fn lock(r: &Mutex<Received>) -> MutexGuard<'_, Received> {
    r.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn decode_payload(bytes: &[u8], ucs2: bool) -> String {
    // fakesmsc does not say how a concatenated part is coded. UCS-2 of Latin or Persian text
    // has high bytes below 0x20 (0x00, 0x06), which 8-bit text practically never has.
    let looks_ucs2 = ucs2 || (bytes.len() % 2 == 0 && bytes.iter().step_by(2).any(|&b| b < 0x20));
    if looks_ucs2 {
        let units = bytes
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]));
        return char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// The concatenation information element of a UDH: (reference, total, sequence).
fn concat_info(udh: &[u8]) -> Option<(u16, u8, u8)> {
    let len = usize::from(*udh.first()?);
    let ies = udh.get(1..=len)?;
    let mut i = 0;
    while i + 1 < ies.len() {
        let (iei, iel) = (ies[i], usize::from(ies[i + 1]));
        let data = ies.get(i + 2..i + 2 + iel)?;
        match (iei, data) {
            (0x00, [r, total, seq]) => return Some((u16::from(*r), *total, *seq)),
            (0x08, [r1, r2, total, seq]) => {
                return Some((u16::from_be_bytes([*r1, *r2]), *total, *seq))
            }
            _ => {}
        }
        i += 2 + iel;
    }
    None
}

impl Received {
    /// Takes one line fakesmsc logged: `... Got message N: <from to type data>`.
    fn take_line(&mut self, line: &str) {
        let Some(start) = line.find("Got message ") else {
            return;
        };
        let rest = &line[start..];
        let (Some(open), Some(close)) = (rest.find('<'), rest.rfind('>')) else {
            self.unparsed.push(line.to_string());
            return;
        };
        let body = &rest[open + 1..close];
        let fields: Vec<&str> = body.splitn(4, ' ').collect();
        if fields.len() < 4 {
            self.unparsed.push(line.to_string());
            return;
        }
        let (from, to, kind, data) = (fields[0], fields[1], fields[2], fields[3]);
        self.parts += 1;
        let single = |text: String| ReceivedSms {
            from: from.to_string(),
            to: to.to_string(),
            text,
            parts: 1,
        };
        match kind {
            "text" => self.messages.push(single(data.to_string())),
            "ucs-2" => self
                .messages
                .push(single(decode_payload(&form_decode(data), true))),
            "data" => self
                .messages
                .push(single(decode_payload(&form_decode(data), false))),
            "udh" => {
                // `udh <udh> data <payload>`; fakesmsc does not say how the payload is coded.
                let mut it = data.splitn(3, ' ');
                let (udh, payload) = match (it.next(), it.next(), it.next()) {
                    (Some(u), Some("data"), Some(p)) => (form_decode(u), form_decode(p)),
                    _ => {
                        self.unparsed.push(line.to_string());
                        return;
                    }
                };
                let Some((r, total, seq)) = concat_info(&udh) else {
                    self.messages.push(single(decode_payload(&payload, false)));
                    return;
                };
                let key = (from.to_string(), to.to_string(), r);
                let entry = self
                    .pending
                    .entry(key.clone())
                    .or_insert_with(|| (total, HashMap::new()));
                entry.1.insert(seq, payload);
                if entry.1.len() >= usize::from(entry.0) {
                    if let Some((total, mut parts)) = self.pending.remove(&key) {
                        let mut joined = Vec::new();
                        for s in 1..=total {
                            joined.extend(parts.remove(&s).unwrap_or_default());
                        }
                        self.messages.push(ReceivedSms {
                            from: key.0,
                            to: key.1,
                            text: decode_payload(&joined, false),
                            parts: usize::from(total),
                        });
                    }
                }
            }
            _ => self.unparsed.push(line.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Ports {
    admin: u16,
    smsbox: u16,
    sendsms: u16,
    fake_mt: u16,
    fake_mo: u16,
}

fn free_ports() -> Result<Ports, String> {
    // Hold all five at once so they differ, then release them for Kannel.
    let listeners = (0..5)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("no free port: {e}"))?;
    let p = listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Ports {
        admin: p[0],
        smsbox: p[1],
        sendsms: p[2],
        fake_mt: p[3],
        fake_mo: p[4],
    })
}

fn tail_of(path: &Path, lines: usize) -> String {
    let mut s = String::new();
    if let Ok(mut f) = File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A running Kannel; everything it started is killed when it is dropped.
pub struct KannelHarness {
    dir: tempfile::TempDir,
    bins: KannelBinaries,
    ports: Ports,
    children: Vec<(&'static str, Child)>,
    received: Arc<Mutex<Received>>,
    base: String,
    /// `secret=…&` at the start of the `get-url`'s query, or nothing.
    mo_secret: String,
    username: String,
    password: String,
    admin_password: String,
    short_number: String,
    mo_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for KannelHarness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KannelHarness")
            .field("dir", &self.dir.path())
            .field("sendsms_port", &self.ports.sendsms)
            .finish_non_exhaustive()
    }
}

/// The short number the harness's Kannel sends from and takes MO on.
pub const SHORT_NUMBER: &str = "6090";

fn secret() -> String {
    // Unique enough for a throw-away local gateway; not a security boundary.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("t{:x}{:x}", nanos, std::process::id())
}

fn log_level() -> u8 {
    std::env::var("SHENAS_KANNEL_LOG_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|l| *l <= 4)
        .unwrap_or(2)
}

async fn wait_port(port: u16, deadline: Instant) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

impl KannelHarness {
    /// Starts bearerbox, fakesmsc and smsbox. `dlr_and_mo_base_url` is where our receiver
    /// listens (e.g. `http://127.0.0.1:38211`): Kannel calls `{base}/sms/dlr?…` (through the
    /// `dlr-url` of [`Self::sendsms_config`]) and `{base}/sms/incoming?…`. Returns once smsbox
    /// takes `sendsms` requests and fakesmsc is connected. Retries a few times if a port that
    /// was free got taken in the meantime.
    pub async fn start(dlr_and_mo_base_url: &str) -> Result<Self, String> {
        Self::start_with_secret(dlr_and_mo_base_url, "").await
    }

    /// Like [`Self::start`], with `secret={callback_secret}&` at the start of the `get-url`'s query, as an
    /// operator configures Kannel for a service that asks for a callback secret (the `dlr-url`s carry it when
    /// the sender is made with [`crate::KannelSender::with_callback_secret`]).
    pub async fn start_with_secret(
        dlr_and_mo_base_url: &str,
        callback_secret: &str,
    ) -> Result<Self, String> {
        let bins = KannelBinaries::find()?;
        let base = dlr_and_mo_base_url.trim_end_matches('/').to_string();
        if base.contains('"') {
            return Err("the base URL must not contain '\"'".into());
        }
        let mut last = String::new();
        for _ in 0..3 {
            match Self::start_once(bins.clone(), &base, callback_secret).await {
                Ok(h) => return Ok(h),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn start_once(
        bins: KannelBinaries,
        base: &str,
        callback_secret: &str,
    ) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("shenas-kannel-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let ports = free_ports()?;
        let mut h = KannelHarness {
            dir,
            bins,
            ports,
            children: Vec::new(),
            received: Arc::new(Mutex::new(Received::default())),
            base: base.to_string(),
            mo_secret: if callback_secret.is_empty() {
                String::new()
            } else {
                let encoded: String =
                    form_urlencoded::byte_serialize(callback_secret.as_bytes()).collect();
                format!("secret={encoded}&")
            },
            username: "shenas".into(),
            password: secret(),
            admin_password: secret(),
            short_number: SHORT_NUMBER.into(),
            mo_lock: tokio::sync::Mutex::new(()),
        };
        let conf = h.dir.path().join("kannel.conf");
        std::fs::write(&conf, h.config_text()).map_err(|e| format!("writing {conf:?}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(15);

        let level = log_level().to_string();
        let bearerbox = h.bins.bearerbox.clone();
        h.spawn_box("bearerbox", &bearerbox, &["-v", &level, &path_str(&conf)])?;
        if !wait_port(ports.smsbox, deadline).await || !wait_port(ports.fake_mt, deadline).await {
            return Err(h.failure("bearerbox did not open its ports"));
        }

        h.spawn_mt_sink()?;
        let smsbox = h.bins.smsbox.clone();
        h.spawn_box("smsbox", &smsbox, &["-v", &level, &path_str(&conf)])?;
        if !wait_port(ports.sendsms, deadline).await {
            return Err(h.failure("smsbox did not open its sendsms port"));
        }
        // Ready when bearerbox sees smsbox and the fakesmsc client on the `mt` SMSC.
        loop {
            let status = h.status_text().await.unwrap_or_default();
            let smsbox_up = status
                .lines()
                .any(|l| l.contains("smsbox:") && l.contains("on-line"));
            let mt_up = status
                .lines()
                .any(|l| l.trim_start().starts_with("mt[mt]") && l.contains("(online"));
            if smsbox_up && mt_up {
                break;
            }
            if Instant::now() > deadline {
                return Err(h.failure(&format!(
                    "Kannel not ready (smsbox on-line: {smsbox_up}, fakesmsc online: {mt_up})"
                )));
            }
            if let Some(dead) = h.dead_child() {
                return Err(h.failure(&format!("{dead} exited")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(h)
    }

    fn config_text(&self) -> String {
        let p = self.ports;
        let dir = self.dir.path();
        let level = log_level();
        let mut c = String::new();
        // `writeln!` into a String cannot fail.
        let _ = writeln!(
            c,
            r#"# Generated by shenas-sms's test harness.
group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = "{admin_password}"
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "{dir}/bearerbox.log"
log-level = {level}
dlr-storage = internal
# How many messages bearerbox hands smsbox (DLRs, MO) before smsbox acknowledges them.
smsbox-max-pending = 2000
# No message store (nothing outlives a test); retry a failed SMSC submit soon.
sms-resend-freq = 5
sms-resend-retry = 3

# Takes every message we send; the harness's fakesmsc prints what it gets.
group = smsc
smsc = fake
smsc-id = mt
port = {fake_mt}
connect-allow-ip = "127.0.0.1"
denied-smsc-id = mo

# Only for injecting MO messages: nothing of ours is routed here.
group = smsc
smsc = fake
smsc-id = mo
port = {fake_mo}
connect-allow-ip = "127.0.0.1"
allowed-smsc-id = mo

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-file = "{dir}/smsbox.log"
log-level = {level}
# Turn UCS-2 MO (Persian) into UTF-8 before building the get-url.
mo-recode = true
# Concurrent HTTP calls smsbox makes to the dlr-url and get-url.
max-pending-requests = 1024
http-request-retry = 3
http-queue-delay = 1

group = sendsms-user
username = "{username}"
password = "{password}"
user-allow-ip = "127.0.0.1"
concatenation = true
max-messages = 10

# Citizens' SMS: forwarded to us, never answered by Kannel itself.
group = sms-service
keyword = default
catch-all = true
accepted-smsc = mo
max-messages = 0
omit-empty = true
get-url = "{base}/sms/incoming?{mo_secret}{mo_query}""#,
            admin = p.admin,
            admin_password = self.admin_password,
            smsbox = p.smsbox,
            fake_mt = p.fake_mt,
            fake_mo = p.fake_mo,
            sendsms = p.sendsms,
            dir = dir.display(),
            username = self.username,
            password = self.password,
            base = self.base,
            mo_secret = self.mo_secret,
            mo_query = KANNEL_MO_QUERY,
        );
        c
    }

    fn spawn_box(&mut self, name: &'static str, bin: &Path, args: &[&str]) -> Result<(), String> {
        let out_path = self.dir.path().join(format!("{name}.out"));
        let out = File::create(&out_path).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        self.children.push((name, child));
        Ok(())
    }

    /// The long-running fakesmsc on the `mt` SMSC: `-m 0` sends nothing and prints every
    /// message it receives at debug level on stderr.
    fn spawn_mt_sink(&mut self) -> Result<(), String> {
        let log_path = self.dir.path().join("fakesmsc.out");
        let mut log = File::create(&log_path).map_err(|e| e.to_string())?;
        let mut child = Command::new(&self.bins.fakesmsc)
            .args([
                "-H",
                "127.0.0.1",
                "-r",
                &self.ports.fake_mt.to_string(),
                "-m",
                "0",
                "0 0 text unused",
            ])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.bins.fakesmsc.display()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| "fakesmsc has no stderr".to_string())?;
        let received = Arc::clone(&self.received);
        std::thread::Builder::new()
            .name("fakesmsc-reader".into())
            .spawn(move || {
                use std::io::Write as _;
                let mut reader = BufReader::new(stderr);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf);
                            if line.contains("Got message ") {
                                lock(&received).take_line(line.trim_end());
                            } else {
                                let _ = log.write_all(&buf);
                            }
                        }
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        self.children.push(("fakesmsc", child));
        Ok(())
    }

    fn dead_child(&mut self) -> Option<&'static str> {
        self.children
            .iter_mut()
            .find_map(|(n, c)| matches!(c.try_wait(), Ok(Some(_))).then_some(*n))
    }

    /// An error text with the tails of the boxes' logs.
    fn failure(&self, what: &str) -> String {
        let mut s = format!(
            "Kannel harness: {what} (config and logs in {})",
            self.dir.path().display()
        );
        for name in [
            "bearerbox.out",
            "bearerbox.log",
            "smsbox.out",
            "smsbox.log",
            "fakesmsc.out",
        ] {
            let t = tail_of(&self.dir.path().join(name), 15);
            if !t.is_empty() {
                let _ = write!(s, "\n--- {name}:\n{t}");
            }
        }
        s
    }

    /// bearerbox's `status.txt` (admin interface).
    pub async fn status_text(&self) -> Result<String, String> {
        let url = format!(
            "http://127.0.0.1:{}/status.txt?password={}",
            self.ports.admin, self.admin_password
        );
        let res = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        res.text().await.map_err(|e| e.to_string())
    }

    /// How [`crate::KannelSender`] reaches this Kannel; the `dlr_url` is `{base}/sms/dlr`.
    pub fn sendsms_config(&self) -> KannelConfig {
        KannelConfig {
            sendsms_url: format!("http://127.0.0.1:{}/cgi-bin/sendsms", self.ports.sendsms),
            username: self.username.clone(),
            password: self.password.clone(),
            from: self.short_number.clone(),
            dlr_url: format!("{}/sms/dlr", self.base),
        }
    }

    /// The messages fakesmsc has received so far, in arrival order.
    pub fn received(&self) -> Vec<ReceivedSms> {
        lock(&self.received).messages.clone()
    }

    /// How many messages fakesmsc has received so far (cheaper than `received().len()`).
    pub fn received_count(&self) -> usize {
        lock(&self.received).messages.len()
    }

    /// How many SMS parts fakesmsc has received (a long text takes several).
    pub fn received_parts(&self) -> usize {
        lock(&self.received).parts
    }

    /// Waits until fakesmsc has received at least `n` messages; returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Result<Vec<ReceivedSms>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let count = self.received_count();
            if count >= n {
                return Ok(self.received());
            }
            if Instant::now() > deadline {
                let unparsed = lock(&self.received).unparsed.clone();
                return Err(self.failure(&format!(
                    "fakesmsc received {count} of {n} messages in {timeout:?}; unparsed lines: {unparsed:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Makes a phone `from` send `text` to our short number: a one-shot fakesmsc submits it
    /// as UCS-2 on the `mo` SMSC; Kannel then calls `{base}/sms/incoming?…`. `from` is passed
    /// as the operator would (`09121234567`, `989121234567`, `+989121234567`).
    pub async fn inject_mo(&self, from: &str, text: &str) -> Result<(), String> {
        self.inject_mo_to(from, &self.short_number, text).await
    }

    /// Like [`Self::inject_mo`], to any receiver number.
    pub async fn inject_mo_to(&self, from: &str, to: &str, text: &str) -> Result<(), String> {
        if from.is_empty()
            || to.is_empty()
            || from.contains(char::is_whitespace)
            || to.contains(char::is_whitespace)
        {
            return Err("MO sender and receiver must be non-empty and without spaces".into());
        }
        let mut data = String::new();
        for unit in text.encode_utf16() {
            for b in unit.to_be_bytes() {
                let _ = write!(data, "%{b:02X}");
            }
        }
        let line = format!("{from} {to} ucs2 {data}");
        let _guard = self.mo_lock.lock().await;
        let fakesmsc = self.bins.fakesmsc.clone();
        let port = self.ports.fake_mo.to_string();
        tokio::task::spawn_blocking(move || -> Result<(), String> {
            let mut child = Command::new(&fakesmsc)
                .args(["-H", "127.0.0.1", "-r", &port, "-m", "1", &line])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("starting {}: {e}", fakesmsc.display()))?;
            let mut sent = false;
            let mut seen = Vec::new();
            if let Some(stderr) = child.stderr.take() {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("sent message 1") {
                        sent = true;
                        break;
                    }
                    seen.push(line);
                }
            }
            // Once written, the line is in the socket; closing it makes the fake SMSC read it
            // and then free itself for the next client.
            let _ = child.kill();
            let _ = child.wait();
            if sent {
                Ok(())
            } else {
                Err(format!(
                    "fakesmsc could not submit the MO: {}",
                    seen.join(" | ")
                ))
            }
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// The temporary directory with `kannel.conf` and the logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

impl Drop for KannelHarness {
    fn drop(&mut self) {
        // smsbox first, so bearerbox does not queue for a box that is going away.
        for (_, child) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var("SHENAS_KANNEL_KEEP").is_ok_and(|v| v == "1") {
            let dir = std::mem::replace(
                &mut self.dir,
                match tempfile::tempdir() {
                    Ok(d) => d,
                    Err(_) => return,
                },
            );
            eprintln!("Kannel harness files kept in {}", dir.keep().display());
        }
    }
}
