//! The one test kit for everything above the store: the real router driven in-process on a throw-away database
//! ([`TestApp`], built with [`TestApp::builder`]), requests built as a browser or a client would send them
//! ([`Call`], answered by an [`Answer`]), the registry fixtures ([`PersonBuilder`], [`office`], [`code`]), the
//! bodies the desk sends ([`Multipart`], [`enrollment`]) and Tehran's [`today`].
//!
//! A test reads as a list of what happens:
//!
//! ```ignore
//! let app = TestApp::builder().offices(&[office("30-0001").build()]).build().await;
//! let op = app.operator("op1", "30-0001").await;
//! let a = app.get("/api/v1/office/shipments").auth(&op).await;
//! assert_eq!(a.status, StatusCode::OK, "{}", a.text());
//! ```
//!
//! Databases are removed when the `TestApp` (its [`TestStore`]) is dropped, also after a failed assertion; no test
//! has to end with a cleanup call. The kit is for tests and benchmarks only: it unwraps and panics freely.

pub mod app;
pub mod call;
pub mod enrollment;
pub mod multipart;

pub use app::{quiet, Backend, Builder, TestApp, PASSWORD};
pub use call::{send, Answer, Call};
pub use multipart::Multipart;
pub use store_suite::fixtures::{
    code, code_in, code_of, mobile, office, person, OfficeBuilder, PersonBuilder,
};
pub use store_suite::{postgres_admin_url, TestStore};

use domain::JalaliDate;
use serde_json::{json, Value};

/// Today in Tehran, Solar Hijri (the server's clock).
pub fn today() -> JalaliDate {
    server::state::today()
}

/// The error code of a JSON error answer (`{"error":{"code":…}}`).
pub fn err(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

/// What the pre-registration form of the API takes for this registry person, filed for a first card: the same
/// national code, certificate, birth dates, gender, religion, mother's name and (first) mobile.
pub fn filing(p: &PersonBuilder) -> Value {
    let row = p.row();
    let birth = JalaliDate::parse(row[6]).expect("a fixture's birth date");
    json!({
        "national_code": row[0],
        "birth_certificate": {"series_letter": row[9], "series_number": row[10], "serial": row[11]},
        "birth_date_jalali": row[6],
        "birth_date_hijri": birth.to_hijri().to_string(),
        "gender": row[5],
        "religion": row[8],
        "mother_name": row[4],
        "mobile": row[12].split([';', ',', '،']).next().unwrap_or("").trim(),
        "reason": "first_issue",
    })
}
