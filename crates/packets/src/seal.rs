//! Sign, seal, open, verify.

use crate::keys::verify_signature;
use crate::{KitKey, Packet, PacketError, ServiceKey, MAGIC, MAX_LEN, VERSION};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use curve25519_dalek::montgomery::MontgomeryPoint;
use sha2::{Digest, Sha256};

const HEADER_LEN: usize = 4 + 1 + 32 + 24;
const SIGNING_CONTEXT: &[u8] = b"shenas packet v1\0";
const KDF_INFO: &[u8] = b"shenas packet v1 seal";

/// The packet signed by `kit` and sealed to the service's public key: the bytes of a packet file.
pub fn seal(packet: &Packet, kit: &KitKey, service_public: &[u8; 32]) -> Vec<u8> {
    let body = packet.encode();
    let signature = kit.sign(&signed_message(&body));
    let mut plain = Vec::with_capacity(4 + body.len() + 64);
    plain.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
    plain.extend_from_slice(&body);
    plain.extend_from_slice(&signature);

    let ephemeral: [u8; 32] = rand::random();
    let ephemeral_public = MontgomeryPoint::mul_base_clamped(ephemeral).to_bytes();
    let shared = MontgomeryPoint(*service_public)
        .mul_clamped(ephemeral)
        .to_bytes();
    let nonce: [u8; 24] = rand::random();
    let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&ephemeral_public);
    out.extend_from_slice(&nonce);
    let cipher = XChaCha20Poly1305::new(&key(&shared, &ephemeral_public, service_public).into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &out,
            },
        )
        .unwrap_or_default();
    out.extend_from_slice(&sealed);
    out
}

/// A packet opened with the service's key but whose signature is not checked yet: [`Unverified::kit_id`] says
/// which kit's key to check it with.
#[derive(Debug)]
pub struct Unverified {
    body: Vec<u8>,
    signature: [u8; 64],
    packet: Packet,
}

/// A packet whose seal and signature both hold.
#[derive(Debug, Clone)]
pub struct Verified {
    pub packet: Packet,
    /// SHA-256 of the signed content (body and signature): the same packet however often it is resealed or
    /// copied, so a packet is taken once.
    pub digest: [u8; 32],
}

/// Opens a packet file with the service's key. Any altered byte, a wrong key or a malformed body is refused.
pub fn open(bytes: &[u8], service: &ServiceKey) -> Result<Unverified, PacketError> {
    if bytes.len() > MAX_LEN {
        return Err(PacketError::TooLarge);
    }
    if bytes.len() < HEADER_LEN || &bytes[..4] != MAGIC {
        return Err(PacketError::NotAPacket);
    }
    if bytes[4] != VERSION {
        return Err(PacketError::UnknownVersion(bytes[4]));
    }
    let (header, sealed) = bytes.split_at(HEADER_LEN);
    let mut ephemeral_public = [0u8; 32];
    ephemeral_public.copy_from_slice(&header[5..37]);
    let shared = service.agree(&ephemeral_public);
    if shared == [0u8; 32] {
        // A low-order ephemeral point: the shared secret would be known to anyone.
        return Err(PacketError::Unsealed);
    }
    let cipher = XChaCha20Poly1305::new(&key(&shared, &ephemeral_public, &service.public()).into());
    let plain = cipher
        .decrypt(
            XNonce::from_slice(&header[37..]),
            Payload {
                msg: sealed,
                aad: header,
            },
        )
        .map_err(|_| PacketError::Unsealed)?;
    if plain.len() < 4 + 64 {
        return Err(PacketError::Malformed("cut short"));
    }
    let n = u32::from_be_bytes([plain[0], plain[1], plain[2], plain[3]]) as usize;
    if plain.len() != 4 + n + 64 {
        return Err(PacketError::Malformed("body length does not match"));
    }
    let body = plain[4..4 + n].to_vec();
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&plain[4 + n..]);
    let packet = Packet::decode(&body)?;
    Ok(Unverified {
        body,
        signature,
        packet,
    })
}

impl Unverified {
    /// The kit the packet says it comes from (not yet proven).
    pub fn kit_id(&self) -> &str {
        &self.packet.kit_id
    }

    /// Checks the signature with the public key the service holds for [`Self::kit_id`].
    pub fn verify(self, kit_public: &[u8; 32]) -> Result<Verified, PacketError> {
        if !verify_signature(kit_public, &signed_message(&self.body), &self.signature) {
            return Err(PacketError::BadSignature);
        }
        let mut h = Sha256::new();
        h.update(&self.body);
        h.update(self.signature);
        Ok(Verified {
            packet: self.packet,
            digest: h.finalize().into(),
        })
    }
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_CONTEXT.len() + body.len());
    m.extend_from_slice(SIGNING_CONTEXT);
    m.extend_from_slice(body);
    m
}

fn key(shared: &[u8; 32], ephemeral_public: &[u8; 32], service_public: &[u8; 32]) -> [u8; 32] {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral_public);
    salt[32..].copy_from_slice(service_public);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut okm = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's limit of 255 × 32.
    let _ = hk.expand(KDF_INFO, &mut okm);
    okm
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Finger;

    fn sample() -> Packet {
        Packet {
            packet_id: [7; 16],
            kit_id: "kit-0123456789abcdef".into(),
            visit_id: 42,
            tracking_code: "1403ABCDEF".into(),
            national_code: "0012345679".into(),
            operator: "kitop".into(),
            enrolled_at: chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            birth_certificate_seen: true,
            old_card_collected: false,
            photo: vec![0xFF, 0xD8, 1, 2, 3],
            fingerprints: (1..=10)
                .map(|p| Finger {
                    position: p,
                    status: if p == 4 { "bandaged" } else { "captured" }.into(),
                    format: (p != 4).then(|| "iso19794_2".into()),
                    data: (p != 4).then(|| vec![p; 40]),
                })
                .collect(),
            signature: vec![0x89, b'P', b'N', b'G'],
        }
    }

    #[test]
    fn round_trip() {
        let kit = KitKey::generate();
        let service = ServiceKey::generate();
        let file = seal(&sample(), &kit, &service.public());
        let opened = open(&file, &service).unwrap();
        assert_eq!(opened.kit_id(), "kit-0123456789abcdef");
        let v = opened.verify(&kit.public()).unwrap();
        assert_eq!(v.packet, sample());
        // Resealing the same signed content gives other bytes but the same digest.
        let again = seal(&sample(), &kit, &service.public());
        assert_ne!(again, file);
        let v2 = open(&again, &service)
            .unwrap()
            .verify(&kit.public())
            .unwrap();
        assert_eq!(v.digest, v2.digest);
    }

    #[test]
    fn every_altered_byte_is_refused() {
        let kit = KitKey::generate();
        let service = ServiceKey::generate();
        let file = seal(&sample(), &kit, &service.public());
        for i in (0..file.len()).step_by(7).chain([file.len() - 1]) {
            let mut bad = file.clone();
            bad[i] ^= 0x01;
            assert!(open(&bad, &service).is_err(), "byte {i} altered");
        }
        assert!(open(&file[..file.len() - 1], &service).is_err());
    }

    #[test]
    fn wrong_kit_key_is_refused() {
        let kit = KitKey::generate();
        let service = ServiceKey::generate();
        let file = seal(&sample(), &kit, &service.public());
        let other = KitKey::generate();
        assert_eq!(
            open(&file, &service)
                .unwrap()
                .verify(&other.public())
                .unwrap_err(),
            PacketError::BadSignature
        );
    }

    #[test]
    fn wrong_service_key_is_refused() {
        let kit = KitKey::generate();
        let file = seal(&sample(), &kit, &ServiceKey::generate().public());
        assert_eq!(
            open(&file, &ServiceKey::generate()).unwrap_err(),
            PacketError::Unsealed
        );
    }

    #[test]
    fn not_a_packet_and_unknown_version() {
        let service = ServiceKey::generate();
        assert_eq!(
            open(b"hello", &service).unwrap_err(),
            PacketError::NotAPacket
        );
        let mut file = seal(&sample(), &KitKey::generate(), &service.public());
        file[4] = 9;
        assert_eq!(
            open(&file, &service).unwrap_err(),
            PacketError::UnknownVersion(9)
        );
    }
}
