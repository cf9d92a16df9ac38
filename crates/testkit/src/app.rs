//! The server on a throw-away database, driven in-process: [`TestApp::builder`] picks the backend, the settings,
//! the registry and the staff; [`TestApp::call`] and its shortcuts send requests through the real router.

use crate::call::Call;
use crate::{filing, today, Answer, PersonBuilder, TestStore};
use axum::Router;
use domain::{JalaliDate, Office, OfficeId, Person, ProvinceCode, Role, TrackingCode};
use serde_json::{json, Value};
use server::state::Services;
use server::{AppState, Settings};
use std::net::SocketAddr;

/// Every kit user's password.
pub const PASSWORD: &str = "a good long password";

/// Which database a [`Builder`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// PostgreSQL; [`Builder::build`] panics where none answers (use [`Builder::all`] to skip instead).
    Postgres,
}

type ServicesFn = Box<dyn Fn(&mut Services) + Send + Sync>;

/// How to make a [`TestApp`]: SQLite, the captcha and the rate limits off, nothing in the registry.
pub struct Builder {
    backend: Backend,
    settings: Settings,
    services: Option<ServicesFn>,
    persons: Vec<Person>,
    offices: Vec<Office>,
    staff: Vec<(String, Role, Option<String>, Option<String>)>,
    peer: Option<SocketAddr>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            settings: quiet(),
            services: None,
            persons: Vec::new(),
            offices: Vec::new(),
            staff: Vec::new(),
            peer: None,
        }
    }
}

/// The default settings with the captcha and the rate limits off (the kit's default).
pub fn quiet() -> Settings {
    Settings {
        captcha: false,
        rate_limits: false,
        ..Settings::default()
    }
}

impl Builder {
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// These settings instead of the kit's ([`quiet`]).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Changes the settings in place (starting from [`quiet`]).
    pub fn with_settings(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// Replaces services of the state (a gateway, a throttle, a blob store…) before the router is made.
    pub fn services(mut self, f: impl Fn(&mut Services) + Send + Sync + 'static) -> Self {
        self.services = Some(Box::new(f));
        self
    }

    /// Registry persons stored before the app starts.
    pub fn persons(mut self, persons: &[Person]) -> Self {
        self.persons.extend_from_slice(persons);
        self
    }

    /// Offices stored before the app starts.
    pub fn offices(mut self, offices: &[Office]) -> Self {
        self.offices.extend_from_slice(offices);
        self
    }

    /// A staff user with [`PASSWORD`], of `office` (operators, supervisors) or `province` (province admins).
    pub fn staff(
        mut self,
        username: &str,
        role: Role,
        office: Option<&str>,
        province: Option<&str>,
    ) -> Self {
        self.staff.push((
            username.into(),
            role,
            office.map(String::from),
            province.map(String::from),
        ));
        self
    }

    /// Every request without a `peer` of its own comes from this TCP peer (axum's `MockConnectInfo`).
    pub fn peer(mut self, addr: SocketAddr) -> Self {
        self.peer = Some(addr);
        self
    }

    /// The app on a fresh database of the chosen backend.
    pub async fn build(self) -> TestApp {
        let db = match self.backend {
            Backend::Sqlite => TestStore::sqlite().await,
            Backend::Postgres => TestStore::postgres()
                .await
                .expect("PostgreSQL for a test that asks for it"),
        };
        self.on(db).await
    }

    /// The app once per backend (PostgreSQL where a server answers, see `store_suite`).
    pub async fn all(self) -> Vec<TestApp> {
        let mut apps = Vec::new();
        for db in TestStore::all().await {
            apps.push(self.on_ref(db).await);
        }
        apps
    }

    /// The app on a database made elsewhere.
    pub async fn on(self, db: TestStore) -> TestApp {
        self.on_ref(db).await
    }

    async fn on_ref(&self, db: TestStore) -> TestApp {
        let s = &db.store;
        if !self.offices.is_empty() {
            s.upsert_offices(&self.offices)
                .await
                .expect("store the offices");
        }
        if !self.persons.is_empty() {
            s.upsert_persons(&self.persons)
                .await
                .expect("store the persons");
        }
        for (name, role, office, province) in &self.staff {
            create_staff(s, name, *role, office.as_deref(), province.as_deref()).await;
        }
        let mut state = AppState::new(db.store.clone(), self.settings.clone());
        if let Some(f) = &self.services {
            state = state.with_services(|s| f(s));
        }
        state
            .watch_changes()
            .await
            .expect("watch the store's change notices");
        let mut router = server::router(state.clone());
        if let Some(peer) = self.peer {
            router = router.layer(axum::extract::connect_info::MockConnectInfo(peer));
        }
        TestApp { router, state, db }
    }
}

/// Stores a staff user with [`PASSWORD`].
pub async fn create_staff(
    store: &store::DynStore,
    username: &str,
    role: Role,
    office: Option<&str>,
    province: Option<&str>,
) {
    create_user(store, username, PASSWORD, role, office, province).await;
}

/// Stores a staff user with this password.
pub async fn create_user(
    store: &store::DynStore,
    username: &str,
    password: &str,
    role: Role,
    office: Option<&str>,
    province: Option<&str>,
) {
    store
        .create_user(&store::journey::NewUser {
            username: username.into(),
            password_hash: server::auth::hash_password(password).expect("hash a password"),
            role,
            office: office.map(|o| OfficeId::parse(o).expect("an office id")),
            province: province.map(|p| ProvinceCode::parse(p).expect("a province code")),
            at: chrono::Utc::now(),
        })
        .await
        .expect("create a staff user");
}

/// The router on its state and database. The database goes when this is dropped.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: TestStore,
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// SQLite with the kit's defaults.
    pub async fn new() -> Self {
        Self::builder().build().await
    }

    /// Once per backend with the kit's defaults.
    pub async fn all() -> Vec<Self> {
        Self::builder().all().await
    }

    /// The backend's name, `sqlite` or `postgres` (for assertion messages).
    pub fn name(&self) -> &'static str {
        self.db.name
    }

    /// Sends a request built elsewhere.
    pub async fn send(&self, req: axum::http::Request<axum::body::Body>) -> Answer {
        crate::send(&self.router, req).await
    }

    /// Sends a request built elsewhere as if from TCP peer `ip` (port 7000).
    pub async fn send_from(
        &self,
        ip: &str,
        mut req: axum::http::Request<axum::body::Body>,
    ) -> Answer {
        let addr: SocketAddr = format!("{ip}:7000").parse().expect("an IP address");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }

    pub fn call(&self, method: &str, uri: &str) -> Call<'_> {
        Call::new(&self.router, method, uri)
    }
    pub fn get(&self, uri: &str) -> Call<'_> {
        self.call("GET", uri)
    }
    pub fn post(&self, uri: &str) -> Call<'_> {
        self.call("POST", uri)
    }
    pub fn put(&self, uri: &str) -> Call<'_> {
        self.call("PUT", uri)
    }
    pub fn delete(&self, uri: &str) -> Call<'_> {
        self.call("DELETE", uri)
    }

    /// A POST of this JSON body.
    pub fn post_json(&self, uri: &str, body: &Value) -> Call<'_> {
        self.post(uri).json(body)
    }

    /// A POST of this form, as a browser sends it.
    pub fn post_form(&self, uri: &str, pairs: &[(&str, &str)]) -> Call<'_> {
        self.post(uri).form(pairs)
    }

    /// Stores a staff user with [`PASSWORD`].
    pub async fn create_staff(
        &self,
        username: &str,
        role: Role,
        office: Option<&str>,
        province: Option<&str>,
    ) {
        create_staff(&self.db.store, username, role, office, province).await;
    }

    /// Logs `username` in through the API: the session token.
    pub async fn token(&self, username: &str) -> String {
        let a = self
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(a.status, axum::http::StatusCode::OK, "{}", a.text());
        a.json()["token"]
            .as_str()
            .expect("a token in the login answer")
            .to_string()
    }

    /// A new staff user of `office`, logged in: the `Authorization` value (`Bearer …`).
    pub async fn staff_login(&self, username: &str, role: Role, office: &str) -> String {
        self.create_staff(username, role, Some(office), None).await;
        format!("Bearer {}", self.token(username).await)
    }

    /// A new operator of `office`, logged in: the `Authorization` value.
    pub async fn operator(&self, username: &str, office: &str) -> String {
        self.staff_login(username, Role::Operator, office).await
    }

    /// A new card manufacturer: its API key.
    pub async fn vendor(&self, name: &str) -> String {
        let (key, prefix, hash) = server::agency::key::new_api_key();
        self.db
            .store
            .create_vendor(name, 50, 100_000, &prefix, &hash, chrono::Utc::now())
            .await
            .expect("create a vendor");
        key
    }

    /// A new verifying agency with these purposes and rate: its API key.
    pub async fn agency(&self, name: &str, purposes: &[&str], rate: u32) -> String {
        let purposes: Vec<String> = purposes.iter().map(|p| p.to_string()).collect();
        let id = self
            .db
            .store
            .create_agency(name, &purposes, rate, chrono::Utc::now())
            .await
            .expect("create an agency");
        let (key, prefix, hash) = server::agency::key::new_api_key();
        self.db
            .store
            .add_api_key(id, &prefix, &hash, chrono::Utc::now())
            .await
            .expect("add an API key");
        key
    }

    /// The next day offices are open, at least one day ahead.
    pub fn open_day(&self) -> JalaliDate {
        let mut d = today().add_days(1).expect("tomorrow");
        while self.state.settings.holidays.closure(d).is_some() {
            d = d.add_days(1).expect("a next day");
        }
        d
    }

    /// An application's state, as stored (e.g. `awaiting_payment`).
    pub async fn state_of(&self, tracking_code: &str) -> String {
        let tc = TrackingCode::parse(tracking_code).expect("a tracking code");
        self.db
            .store
            .application(&tc)
            .await
            .expect("read the application")
            .expect("the application exists")
            .state
            .as_str()
            .to_string()
    }

    /// Files this pre-registration through the API (asserting 201): the tracking code.
    pub async fn file(&self, body: &Value) -> String {
        let a = self.post_json("/api/v1/applications", body).await;
        assert_eq!(
            a.status,
            axum::http::StatusCode::CREATED,
            "{}: {}",
            self.name(),
            a.text()
        );
        a.json()["tracking_code"]
            .as_str()
            .expect("a tracking code")
            .to_string()
    }

    /// Starts the payment of `tracking_code` for the applicant `national_code`.
    pub async fn start_payment(&self, tracking_code: &str, national_code: &str) -> Answer {
        self.post_json(
            &format!("/api/v1/applications/{tracking_code}/payments"),
            &json!({"national_code": national_code}),
        )
        .await
    }

    /// Pays the fee at the sandbox bank (asserting each step).
    pub async fn pay(&self, tracking_code: &str, national_code: &str) {
        let a = self.start_payment(tracking_code, national_code).await;
        assert_eq!(a.status, axum::http::StatusCode::CREATED, "{}", a.text());
        let token = a.json()["redirect_url"]
            .as_str()
            .and_then(|u| u.split("token=").nth(1))
            .expect("a sandbox bank token")
            .to_string();
        let a = self
            .post_json(
                "/sandbox-bank/v1/pay",
                &json!({"token": token, "outcome": "success"}),
            )
            .await;
        assert_eq!(a.status, axum::http::StatusCode::OK, "{}", a.text());
    }

    /// Books `tracking_code` at `office_id` on `day`.
    pub async fn book(
        &self,
        tracking_code: &str,
        national_code: &str,
        office_id: &str,
        day: JalaliDate,
    ) -> Answer {
        self.post_json(
            &format!("/api/v1/applications/{tracking_code}/appointment"),
            &json!({
                "national_code": national_code,
                "office_id": office_id,
                "date_jalali": day.to_string()
            }),
        )
        .await
    }

    /// This person filed (through the API), paid and booked at `office_id` on the next open day: the tracking
    /// code. The person must be in the registry.
    pub async fn booked(&self, person: &PersonBuilder, office_id: &str) -> String {
        let body = filing(person);
        let tc = self.file(&body).await;
        let nc = body["national_code"].as_str().unwrap_or("").to_string();
        self.pay(&tc, &nc).await;
        let a = self.book(&tc, &nc, office_id, self.open_day()).await;
        assert_eq!(a.status, axum::http::StatusCode::CREATED, "{}", a.text());
        tc
    }
}
