//! A mobile unit's offline kit (issue 13, item 4): a laptop that enrolls people where there is no network.
//!
//! The kit keeps everything in one directory (`--dir`, default `./kit`):
//! - `kit.key`: its Ed25519 secret (64 hex digits, mode 0600), drawn at `init`;
//! - `kit.json`: the service's URL, the unit, the kit's id, the service's sealing key, and the visits loaded;
//! - `kit.db`: its own SQLite database, the same schema as the service's, so the desk's enrollment runs on it;
//! - `blobs/`: the enrollment images, sealed under `blob.key`.
//!
//! `init` registers the kit (pending until an administrator approves it); `load` fetches a visit's roster with
//! the people's registry rows and applications through requests signed with the kit's key; the desk's pages and
//! API (`shenas kit serve`) make a packet of each enrollment, kept in `kit.db` with it; `sync` uploads the packets
//! not yet answered and records each answer (an unreachable service loses nothing); `export` writes them as files
//! for a USB stick (`shenas packets import` takes them centrally).
//!
//! The kit never talks to the service except in `init`, `load` and `sync`, and never holds the service's secret.

mod client;
mod dir;
mod sync;

pub use client::{init, load, Loaded};
pub use dir::{KitDir, KitFile};
pub use sync::{export, sync, Refusal, SyncReport};
