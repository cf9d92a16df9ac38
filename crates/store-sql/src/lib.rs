//! The journey's SQL, written once. SQLite and PostgreSQL agree on everything it needs (`$1` placeholders,
//! `RETURNING`, `ON CONFLICT … DO UPDATE … WHERE`, partial unique indexes), so [`impl_journey!`] expands the same
//! code into each backend crate, against that crate's `sqlx` pool type. Each backend keeps its own migrations
//! with the same table and column names; only column types differ (TEXT vs TIMESTAMPTZ for instants).
//!
//! This crate holds no state and opens no connection; it must never hold SQL that one of the two dialects reads
//! differently.

mod agency;
mod journey;
mod stats;
