//! Offline enrollment packets. A mobile unit's kit enrolls people where there is no network (prisons, garrisons)
//! and turns each enrollment into a packet: exactly what the online desk sends (documents checked, photo, ten
//! fingers, signature) plus who, where and when (packet id, kit id, visit id, tracking code, national code,
//! operator, instant). The packet is signed by the kit's Ed25519 key and sealed to the service's X25519 public key
//! with XChaCha20-Poly1305, so a USB stick that is lost or copied reveals nothing and an altered byte is refused.
//!
//! The file, version 1:
//!
//! ```text
//! "SHPK" | version (1 byte) | ephemeral X25519 public key (32) | nonce (24) | ciphertext
//! plaintext = body length (u32 BE) | body | Ed25519 signature of ("shenas packet v1\0" | body) (64)
//! ```
//!
//! The AEAD's associated data is the 61-byte header; its key is HKDF-SHA256 of the X25519 shared secret, salted
//! with both public keys. The body is [`Packet`] in the encoding of `body.rs`.
//!
//! This crate does no I/O beyond bytes: no files, no clock, no store. It never decides whether a kit is
//! approved; [`open`] says which kit claims the packet and [`Unverified::verify`] checks it against the key the
//! caller trusts for that kit.

mod body;
mod keys;
mod seal;

pub use body::{Finger, Packet};
pub use keys::{verify_signature, KitKey, ServiceKey};
pub use seal::{open, seal, Unverified, Verified};

/// The first bytes of every packet file.
pub const MAGIC: &[u8; 4] = b"SHPK";
/// The format version this crate writes and reads.
pub const VERSION: u8 = 1;
/// The largest packet accepted (a photo of 2 MiB and ten fingers of 1 MiB each, with room).
pub const MAX_LEN: usize = 16 * 1024 * 1024;

/// Why a packet was refused. Every variant means the same to the service: `packet_invalid`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PacketError {
    #[error("not a packet (no SHPK header)")]
    NotAPacket,
    #[error("packet format version {0} is not known")]
    UnknownVersion(u8),
    #[error("packet is larger than {MAX_LEN} bytes")]
    TooLarge,
    #[error("packet cannot be opened with this service key, or it was altered")]
    Unsealed,
    #[error("packet body is malformed: {0}")]
    Malformed(&'static str),
    #[error("packet signature does not verify with the kit's key")]
    BadSignature,
}
