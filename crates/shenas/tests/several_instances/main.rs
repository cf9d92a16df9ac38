//! The kill -9 drill (issue 12): two `shenas serve` instances on one fresh PostgreSQL database, enrollment load
//! through both from several clients (file, pay at the sandbox bank, book, enroll), SMS queued all along and
//! batches forced by `shenas production batch` beside the instances' own batching; one instance is killed with
//! SIGKILL in the middle and the load goes on through the other. Then: every enrollment answered 2xx is in the
//! database, enrolled; no card is in two batches; no SMS reached the gateway twice (the only repeat allowed is a
//! message the killed instance had handed to the gateway in its last moments without recording it, the outbox
//! being at least once across a crash); and the killed instance, restarted alone, takes up the due work (the
//! messages it had leased, new messages, the queue for production).
//!
//! Needs PostgreSQL (`SHENAS_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`): skipped
//! with a notice without it, a failure under `SHENAS_REQUIRE_POSTGRES=1`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod gateway;
mod http;

use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::{PersonBuilder, TestStore};

/// People driven through enrollment, by this many clients at once.
const PERSONS: u32 = 24;
const CLIENTS: u32 = 4;
/// SMS queued during the load, and after the restart.
const SMS: u32 = 120;
const SMS_AFTER: u32 = 20;
const OFFICE: &str = "30-0001";

/// One `shenas serve`.
struct Instance {
    name: &'static str,
    port: u16,
    alive: AtomicBool,
    child: Mutex<Option<Child>>,
}

struct Drill {
    dir: PathBuf,
    db: String,
    gateway: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Drill {
    fn config(&self, name: &str, port: u16) -> PathBuf {
        let path = self.dir.join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                "[kannel]\nsendsms_url = \"http://127.0.0.1:{gw}/{name}/sendsms\"\nusername = \"drill\"\n\
                 password = \"drill\"\ndlr_url = \"http://127.0.0.1:{port}/sms/dlr\"\n\
                 [production]\nbatch_every = \"1m\"\n",
                gw = self.gateway
            ),
        )
        .unwrap();
        path
    }

    fn shenas(&self, name: &str, port: u16) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shenas"));
        c.arg("--config")
            .arg(self.config(name, port))
            .env("SHENAS_DATABASE_URL", &self.db)
            .env("SHENAS_DATA_DIR", self.dir.join("data"))
            .env("SHENAS_LOG", "warn")
            .current_dir(&self.dir);
        c
    }

    fn start(&self, i: &Instance) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{}.log", i.name)))
            .unwrap();
        let child = self
            .shenas(i.name, i.port)
            .args(["serve", "--captcha", "off", "--rate-limits", "off"])
            .args(["--metrics-listen", "off", "--listen"])
            .arg(format!("127.0.0.1:{}", i.port))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        *i.child.lock().unwrap() = Some(child);
        let started = Instant::now();
        while !matches!(
            http::call(i.port, "GET", "/healthz", None, None),
            Ok((200, _))
        ) {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "instance {} did not come up: {}",
                i.name,
                self.log(i.name)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        i.alive.store(true, Ordering::SeqCst);
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }

    /// `shenas production batch`, as an operator runs it beside the service.
    fn batch(&self) {
        let out = self
            .shenas("cli", 1)
            .args(["production", "batch"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "production batch: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Instance {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            port: free_port(),
            alive: AtomicBool::new(false),
            child: Mutex::new(None),
        }
    }

    /// SIGKILL (`kill -9`): no shutdown, no last writes.
    fn kill9(&self) {
        self.alive.store(false, Ordering::SeqCst);
        let mut c = self.child.lock().unwrap().take().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// SIGTERM: the graceful stop.
    fn stop(&self) {
        self.alive.store(false, Ordering::SeqCst);
        if let Some(mut c) = self.child.lock().unwrap().take() {
            let pid = c.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            c.wait().unwrap();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn holder(n: u32) -> PersonBuilder {
    PersonBuilder::new(n)
        .first_name("زهرا")
        .last_name("محمدی")
        .father("علی")
        .gender("female")
}

/// A request to the preferred instance, or to the other when it does not answer; `None` when neither did.
fn send(
    to: &[Arc<Instance>; 2],
    prefer: usize,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Option<(u16, serde_json::Value)> {
    for k in [prefer % 2, (prefer + 1) % 2] {
        if !to[k].alive.load(Ordering::SeqCst) {
            continue;
        }
        if let Ok(r) = http::call(to[k].port, method, path, auth, body) {
            return Some(r);
        }
    }
    None
}

/// Person `n` filed, paid, booked and enrolled, each step on either instance: the tracking code when the
/// enrollment was answered 2xx.
fn journey(to: &[Arc<Instance>; 2], n: u32, op: &str, day: &str) -> Option<String> {
    let p = n as usize;
    let filing = testkit::filing(&holder(n));
    let nc = filing["national_code"].as_str().unwrap().to_string();
    let (st, a) = send(to, p, "POST", "/api/v1/applications", None, Some(&filing))?;
    if st != 201 {
        eprintln!("person {n}: filing answered {st}: {a}");
        return None;
    }
    let tc = a["tracking_code"].as_str()?.to_string();
    let pay = format!("/api/v1/applications/{tc}/payments");
    let (st, a) = send(
        to,
        p + 1,
        "POST",
        &pay,
        None,
        Some(&json!({"national_code": nc})),
    )?;
    if st != 201 {
        eprintln!("person {n}: payment answered {st}: {a}");
        return None;
    }
    let token = a["redirect_url"]
        .as_str()?
        .split("token=")
        .nth(1)?
        .to_string();
    let paid = json!({"token": token, "outcome": "success"});
    let (st, a) = send(to, p + 2, "POST", "/sandbox-bank/v1/pay", None, Some(&paid))?;
    if st != 200 {
        eprintln!("person {n}: bank answered {st}: {a}");
        return None;
    }
    let book = json!({"national_code": nc, "office_id": OFFICE, "date_jalali": day});
    let path = format!("/api/v1/applications/{tc}/appointment");
    let (st, a) = send(to, p + 3, "POST", &path, None, Some(&book))?;
    // 409 after a retry: the killed instance booked it before it could answer; enrollment goes on.
    if st != 201 && !(st == 409 && a.to_string().contains("appointment_booked")) {
        eprintln!("person {n}: booking answered {st}: {a}");
        return None;
    }
    let body = testkit::enrollment::json_body(&tc, u64::from(n), &[]);
    let (st, a) = send(
        to,
        p,
        "POST",
        "/api/v1/office/enrollments",
        Some(op),
        Some(&body),
    )?;
    if (200..300).contains(&st) {
        Some(tc)
    } else {
        eprintln!("person {n}: enrollment answered {st}: {a}");
        None
    }
}

/// The next day offices are open, at least a day ahead.
fn open_day() -> String {
    let holidays = server::Settings::default().holidays;
    let mut d = testkit::today().add_days(1).unwrap();
    while holidays.closure(d).is_some() {
        d = d.add_days(1).unwrap();
    }
    d.to_string()
}

mod checks;

#[test]
fn kill_9_loses_no_enrollment_and_repeats_no_work() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(TestStore::postgres()) else {
        eprintln!("NOTICE: no PostgreSQL: the kill -9 drill is skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let gw = gateway::Gateway::start();
    let drill = Drill {
        dir: tmp.path().to_path_buf(),
        db: db.url.clone(),
        gateway: gw.port,
    };
    let store = db.store.clone();
    rt.block_on(checks::seed(&store, PERSONS));
    let a = Arc::new(Instance::new("a"));
    let b = Arc::new(Instance::new("b"));
    // One after the other: the first initialises the PKI (in the shared data directory), the second loads it.
    drill.start(&a);
    drill.start(&b);
    let both = [a.clone(), b.clone()];
    let login = json!({"username": "op1", "password": testkit::PASSWORD});
    let (st, t) = http::call(a.port, "POST", "/api/v1/auth/login", None, Some(&login)).unwrap();
    assert_eq!(st, 200, "{t}");
    let op = format!("Bearer {}", t["token"].as_str().unwrap());
    let day = open_day();

    // The load: clients through both instances, SMS queued all along, batches forced beside the instances'.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (both, op, day) = (both.clone(), op.clone(), day.clone());
        let (acknowledged, done) = (acknowledged.clone(), done.clone());
        clients.push(std::thread::spawn(move || {
            for n in (1..=PERSONS).filter(|n| n % CLIENTS == c) {
                if let Some(tc) = journey(&both, n, &op, &day) {
                    acknowledged.lock().unwrap().push(tc);
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let queued = Arc::new(Mutex::new(Vec::new()));
    let sms = {
        let (store, queued, h) = (store.clone(), queued.clone(), rt.handle().clone());
        std::thread::spawn(move || {
            for i in 0..SMS {
                queued
                    .lock()
                    .unwrap()
                    .push(h.block_on(checks::queue_sms(&store, i)));
                std::thread::sleep(Duration::from_millis(150));
            }
        })
    };
    // Killed once a third of the people are through, while messages are still being queued and sent.
    let started = Instant::now();
    while done.load(Ordering::SeqCst) < (PERSONS / 3) as usize {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the load is stuck"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drill.batch();
    a.kill9();
    let killed_at = Instant::now();
    let leased = rt.block_on(checks::leased(&store, &queued.lock().unwrap().clone()));
    eprintln!(
        "instance a killed (-9) after {} people, {} messages leased and not yet sent",
        done.load(Ordering::SeqCst),
        leased.len()
    );
    while done.load(Ordering::SeqCst) < PERSONS as usize {
        drill.batch();
        std::thread::sleep(Duration::from_secs(2));
    }
    for c in clients {
        c.join().unwrap();
    }
    sms.join().unwrap();
    drill.batch();
    let acknowledged = acknowledged.lock().unwrap().clone();
    eprintln!(
        "{} of {PERSONS} enrollments acknowledged",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() as u32 >= PERSONS / 2,
        "{}",
        drill.log("b")
    );
    rt.block_on(checks::enrolled(&store, &acknowledged));
    rt.block_on(checks::one_batch_each(&store));

    // The killed instance, restarted alone, takes up the due work: the messages it had leased (once their lease
    // ran out), new ones, and what waits for production.
    b.stop();
    drill.start(&a);
    for i in SMS..SMS + SMS_AFTER {
        queued
            .lock()
            .unwrap()
            .push(rt.block_on(checks::queue_sms(&store, i)));
    }
    let queued = queued.lock().unwrap().clone();
    rt.block_on(checks::all_sent(&store, &queued, Duration::from_secs(240)));
    rt.block_on(checks::queue_drained(&store, Duration::from_secs(150)));
    rt.block_on(checks::one_batch_each(&store));
    checks::sent_once(&gw.received(), &queued, killed_at);
    let after: Vec<_> = gw
        .received()
        .into_iter()
        .filter(|r| r.at > killed_at && r.instance == "a")
        .collect();
    assert!(!after.is_empty(), "the restarted instance sent nothing");
    a.stop();
    drop(tmp);
}
