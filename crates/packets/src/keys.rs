//! The two key pairs: the kit's Ed25519 signing key and the service's X25519 sealing key, each 32 secret bytes.

use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::SigningKey;

/// A kit's signing key (Ed25519). The public half is registered with the service.
#[derive(Clone)]
pub struct KitKey(pub(crate) SigningKey);

impl KitKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        Self::from_secret(rand::random())
    }

    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&secret))
    }

    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// An Ed25519 signature of `message` (the kit also signs its requests to the service).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.0.sign(message).to_bytes()
    }
}

/// Whether `signature` is `public`'s Ed25519 signature of `message` (strict verification).
pub fn verify_signature(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature))
        .is_ok()
}

/// The service's sealing key (X25519). Kits receive the public half when they register.
#[derive(Clone)]
pub struct ServiceKey([u8; 32]);

impl ServiceKey {
    pub fn generate() -> Self {
        Self(rand::random())
    }

    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self(secret)
    }

    pub fn public(&self) -> [u8; 32] {
        MontgomeryPoint::mul_base_clamped(self.0).to_bytes()
    }

    pub(crate) fn agree(&self, their_public: &[u8; 32]) -> [u8; 32] {
        MontgomeryPoint(*their_public)
            .mul_clamped(self.0)
            .to_bytes()
    }
}

impl std::fmt::Debug for KitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KitKey({})", hex::encode(self.public()))
    }
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceKey({})", hex::encode(self.public()))
    }
}
