//! Our side of Kannel's callbacks for the tests and the throughput example: an axum server
//! taking delivery reports on `/sms/dlr` and citizens' SMS on `/sms/incoming`.
#![allow(dead_code, clippy::unwrap_used)]

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use sms::{DlrReport, IncomingSms};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Seen {
    pub dlrs: Mutex<Vec<DlrReport>>,
    pub incoming: Mutex<Vec<IncomingSms>>,
    /// Raw queries that did not parse.
    pub bad: Mutex<Vec<String>>,
}

pub struct Receiver {
    pub base: String,
    pub seen: Arc<Seen>,
}

async fn dlr(State(seen): State<Arc<Seen>>, RawQuery(q): RawQuery) -> StatusCode {
    let q = q.unwrap_or_default();
    match DlrReport::from_query(&q) {
        Ok(r) => {
            seen.dlrs.lock().unwrap().push(r);
            StatusCode::OK
        }
        Err(_) => {
            seen.bad.lock().unwrap().push(format!("dlr?{q}"));
            StatusCode::BAD_REQUEST
        }
    }
}

async fn incoming(State(seen): State<Arc<Seen>>, RawQuery(q): RawQuery) -> StatusCode {
    let q = q.unwrap_or_default();
    match IncomingSms::from_query(&q) {
        Ok(m) => {
            seen.incoming.lock().unwrap().push(m);
            StatusCode::OK
        }
        Err(_) => {
            seen.bad.lock().unwrap().push(format!("incoming?{q}"));
            StatusCode::BAD_REQUEST
        }
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let seen = Arc::new(Seen::default());
        let app = Router::new()
            .route("/sms/dlr", get(dlr).post(dlr))
            .route("/sms/incoming", get(incoming).post(incoming))
            .with_state(Arc::clone(&seen));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            base: format!("http://{addr}"),
            seen,
        }
    }

    pub fn dlr_count(&self) -> usize {
        self.seen.dlrs.lock().unwrap().len()
    }

    /// Polls `done` until it holds or `timeout` passes; returns whether it held.
    pub async fn until(&self, timeout: Duration, done: impl Fn(&Seen) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.seen) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
