//! The operators' commands, run as the binary, against SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};
use testkit::TestStore;

fn shenas(args: &[&str], database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(args)
        .env("SHENAS_DATABASE_URL", database)
        .env("SHENAS_LOG", "warn")
        .output()
        .expect("run shenas")
}

fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "last line is not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn generate(dir: &Path, persons: u64, seed: u64) -> std::path::PathBuf {
    let path = dir.join(format!("registry_{persons}_{seed}.csv"));
    let out = shenas(
        &[
            "registry",
            "generate",
            "--persons",
            &persons.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
            path.to_str().unwrap(),
        ],
        "sqlite::memory:",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// A file of good rows and deliberately broken ones, each broken in one known way.
fn broken_file(dir: &Path, good: &Path) -> (std::path::PathBuf, Vec<(u64, &'static str)>) {
    let text = std::fs::read_to_string(good).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let header = lines.remove(0);
    let sample = lines[0].clone();
    let fields: Vec<&str> = sample.split(',').collect();
    let with = |i: usize, v: &str| {
        let mut f = fields.clone();
        f[i] = v;
        f.join(",")
    };
    let mut bad_checksum = fields[0].to_string();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == '9' {
        '0'
    } else {
        char::from(last as u8 + 1)
    });
    let broken: Vec<(String, &'static str)> = vec![
        (with(0, &bad_checksum), "national_code"),
        (with(6, "1404-12-30"), "birth_date_jalali"),
        (with(5, "unknown"), "gender"),
        (with(12, "0912123"), "mobiles"),
        (with(11, "12"), "bc_serial"),
        (with(13, "0000000000"), "postal_code"),
        (fields[..10].join(","), ""),
        (with(1, "علی\u{7f}"), "first_name"),
    ];
    let path = dir.join("broken.csv");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "{header}").unwrap();
    let mut expected = Vec::new();
    let mut line_no = 1u64;
    // Good rows 1..=500 (skipping the sample, whose variants are the broken ones), broken rows among them.
    for (i, good_line) in lines.iter().enumerate().skip(1).take(500) {
        line_no += 1;
        writeln!(f, "{good_line}").unwrap();
        if i % 60 == 0 && !broken.is_empty() && expected.len() < broken.len() {
            let (row, field) = &broken[expected.len()];
            line_no += 1;
            writeln!(f, "{row}").unwrap();
            expected.push((line_no, *field));
        }
    }
    // A row with invalid UTF-8 in the last name.
    let mut bytes = with(2, "XX").into_bytes();
    let pos = bytes.windows(2).position(|w| w == b"XX").unwrap();
    bytes[pos] = 0xff;
    f.write_all(&bytes).unwrap();
    f.write_all(b"\n").unwrap();
    line_no += 1;
    expected.push((line_no, "last_name"));
    (path, expected)
}

async fn databases() -> Vec<TestStore> {
    TestStore::all().await
}

/// Runs `shenas` with `stdin` on standard input.
fn shenas_in(args: &[&str], database: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shenas"))
        .args(args)
        .env("SHENAS_DATABASE_URL", database)
        .env("SHENAS_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

mod kits;
mod registry;
mod users;
mod vendors;
