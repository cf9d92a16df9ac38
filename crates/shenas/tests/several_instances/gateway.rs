//! A stand-in for Kannel's `sendsms`: answers every message "Accepted" and remembers it, with the instance that
//! sent it (each instance is given its own path, `/{name}/sendsms`) and the outbox row id its `dlr-url` names.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Received {
    pub instance: String,
    pub id: i64,
    pub to: String,
    pub text: String,
    pub at: Instant,
}

pub struct Gateway {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

/// `%XX` and `+` decoded.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded value of `key` in a query string.
fn param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| decode(v))
}

impl Gateway {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    // The rest of the head (a GET has no body).
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    let target = first.split_whitespace().nth(1).unwrap_or("");
                    let (path, query) = target.split_once('?').unwrap_or((target, ""));
                    let instance = path.trim_matches('/').split('/').next().unwrap_or("");
                    let dlr = param(query, "dlr-url").unwrap_or_default();
                    let id = dlr
                        .split_once('?')
                        .and_then(|(_, q)| param(q, "id"))
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(-1);
                    log.lock().unwrap().push(Received {
                        instance: instance.to_string(),
                        id,
                        to: param(query, "to").unwrap_or_default(),
                        text: param(query, "text").unwrap_or_default(),
                        at: Instant::now(),
                    });
                    let body = "0: Accepted for delivery";
                    let _ = write!(
                        stream,
                        "HTTP/1.1 202 Accepted\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        Self { port, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
