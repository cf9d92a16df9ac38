//! The HSM key store: keys generated inside a PKCS#11 token (sensitive, not extractable), used
//! by handle, signing with `CKM_ECDSA` over a hash computed here. A private key never leaves the
//! token; this module has no code path that asks for a private key's value.
//!
//! One [`Pkcs11Keys`] per process and module: PKCS#11 is initialised once per process, and
//! dropping the context finalises the library. The PIN is held by the `cryptoki` secret type
//! and is never logged or put in an error.

use super::{raw_signature_to_der, Curve, KeyLabel, KeyStore, PublicKey};
use crate::PkiError;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use der::Decode;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where the token is and how to log in.
#[derive(Clone)]
pub struct Pkcs11Config {
    /// The PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// The label of the initialised token to use.
    pub token_label: String,
    /// The user PIN.
    pub pin: String,
}

impl fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin", &"(hidden)")
            .finish()
    }
}

/// How a key is protected inside the token, as the token reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyProtection {
    /// `CKA_SENSITIVE`: the value is never revealed in clear.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`: the key may be wrapped out of the token.
    pub extractable: bool,
    /// `CKA_NEVER_EXTRACTABLE`: the key has never been extractable.
    pub never_extractable: bool,
    /// `CKA_LOCAL`: the key was generated inside the token.
    pub local: bool,
}

/// Keys in a PKCS#11 token; see the module documentation.
pub struct Pkcs11Keys {
    // Declared first so that the session closes before the context finalises.
    session: Mutex<Session>,
    handles: Mutex<HashMap<KeyLabel, (ObjectHandle, Curve)>>,
    _context: Pkcs11,
}

impl fmt::Debug for Pkcs11Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Keys").finish_non_exhaustive()
    }
}

fn ck(what: &str) -> impl Fn(CkError) -> PkiError + '_ {
    move |e| PkiError::Pkcs11(format!("{what}: {e}"))
}

impl Pkcs11Keys {
    /// Loads the module, finds the token by label, opens a read-write session and logs in.
    pub fn open(config: &Pkcs11Config) -> Result<Self, PkiError> {
        let context = Pkcs11::new(&config.module).map_err(|e| {
            PkiError::Pkcs11(format!(
                "cannot load the module {}: {e}",
                config.module.display()
            ))
        })?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(ck("C_Initialize")(e)),
        }
        let slot = context
            .get_slots_with_initialized_token()
            .map_err(ck("listing slots"))?
            .into_iter()
            .find(|s| {
                context
                    .get_token_info(*s)
                    .is_ok_and(|t| t.label().trim_end() == config.token_label)
            })
            .ok_or_else(|| {
                PkiError::Pkcs11(format!(
                    "no initialised token labelled {:?}",
                    config.token_label
                ))
            })?;
        let session = context
            .open_rw_session(slot)
            .map_err(ck("opening a session"))?;
        let pin = AuthPin::from(config.pin.clone());
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(ck("login")(e)),
        }
        Ok(Self {
            session: Mutex::new(session),
            handles: Mutex::new(HashMap::new()),
            _context: context,
        })
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn find(
        &self,
        session: &Session,
        label: &KeyLabel,
        class: ObjectClass,
    ) -> Result<Option<ObjectHandle>, PkiError> {
        let found = session
            .find_objects(&[
                Attribute::Class(class),
                Attribute::KeyType(KeyType::EC),
                Attribute::Label(label.as_str().as_bytes().to_vec()),
            ])
            .map_err(ck("finding a key"))?;
        Ok(found.into_iter().next())
    }

    fn private_handle(&self, label: &KeyLabel) -> Result<(ObjectHandle, Curve), PkiError> {
        if let Some(h) = self.lock_handles().get(label) {
            return Ok(*h);
        }
        let session = self.session();
        let handle = self
            .find(&session, label, ObjectClass::PRIVATE_KEY)?
            .ok_or_else(|| PkiError::KeyNotFound(label.to_string()))?;
        let curve = curve_of(&session, handle)?;
        drop(session);
        self.lock_handles().insert(label.clone(), (handle, curve));
        Ok((handle, curve))
    }

    fn lock_handles(&self) -> std::sync::MutexGuard<'_, HashMap<KeyLabel, (ObjectHandle, Curve)>> {
        self.handles.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How the token protects the private key under `label`.
    pub fn protection(&self, label: &KeyLabel) -> Result<KeyProtection, PkiError> {
        let (handle, _) = self.private_handle(label)?;
        let attrs = self
            .session()
            .get_attributes(
                handle,
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::NeverExtractable,
                    AttributeType::Local,
                ],
            )
            .map_err(ck("reading key attributes"))?;
        let mut p = KeyProtection {
            sensitive: false,
            extractable: true,
            never_extractable: false,
            local: false,
        };
        for a in attrs {
            match a {
                Attribute::Sensitive(v) => p.sensitive = v,
                Attribute::Extractable(v) => p.extractable = v,
                Attribute::NeverExtractable(v) => p.never_extractable = v,
                Attribute::Local(v) => p.local = v,
                _ => {}
            }
        }
        Ok(p)
    }

    /// Whether the token hands out the private value of the key under `label` (it must not:
    /// this exists so that the tests can show it does not).
    pub fn private_value_readable(&self, label: &KeyLabel) -> Result<bool, PkiError> {
        let (handle, _) = self.private_handle(label)?;
        let attrs = self
            .session()
            .get_attributes(handle, &[AttributeType::Value])
            .map_err(ck("reading key attributes"))?;
        Ok(attrs
            .iter()
            .any(|a| matches!(a, Attribute::Value(v) if !v.is_empty())))
    }
}

impl KeyStore for Pkcs11Keys {
    fn backend(&self) -> &'static str {
        "pkcs11"
    }

    fn generate(&self, label: &KeyLabel, curve: Curve) -> Result<PublicKey, PkiError> {
        let session = self.session();
        if self
            .find(&session, label, ObjectClass::PRIVATE_KEY)?
            .is_some()
            || self
                .find(&session, label, ObjectClass::PUBLIC_KEY)?
                .is_some()
        {
            return Err(PkiError::KeyExists(label.to_string()));
        }
        let name = label.as_str().as_bytes().to_vec();
        let public_template = [
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(curve.ec_params_der()?),
            Attribute::Label(name.clone()),
            Attribute::Id(name.clone()),
        ];
        let private_template = [
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Label(name.clone()),
            Attribute::Id(name),
        ];
        let (public, private) = session
            .generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &public_template,
                &private_template,
            )
            .map_err(ck("generating a key pair"))?;
        let point = ec_point(&session, public)?;
        drop(session);
        self.lock_handles().insert(label.clone(), (private, curve));
        tracing::info!(label = %label, %curve, backend = "pkcs11", "generated a key inside the token");
        PublicKey::from_sec1(curve, &point)
    }

    fn public_key(&self, label: &KeyLabel) -> Result<PublicKey, PkiError> {
        let (_, curve) = self.private_handle(label)?;
        let session = self.session();
        let public = self
            .find(&session, label, ObjectClass::PUBLIC_KEY)?
            .ok_or_else(|| PkiError::KeyNotFound(format!("{label} (public half)")))?;
        let point = ec_point(&session, public)?;
        PublicKey::from_sec1(curve, &point)
    }

    fn sign(&self, label: &KeyLabel, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        let (handle, curve) = self.private_handle(label)?;
        let digest = curve.digest(message);
        let raw = self
            .session()
            .sign(&Mechanism::Ecdsa, handle, &digest)
            .map_err(ck("signing"))?;
        raw_signature_to_der(curve, &raw)
    }

    fn labels(&self) -> Result<Vec<KeyLabel>, PkiError> {
        let session = self.session();
        let handles = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::KeyType(KeyType::EC),
            ])
            .map_err(ck("listing keys"))?;
        let mut out = Vec::new();
        for h in handles {
            let attrs = session
                .get_attributes(h, &[AttributeType::Label])
                .map_err(ck("reading a label"))?;
            for a in attrs {
                if let Attribute::Label(l) = a {
                    if let Some(l) = std::str::from_utf8(&l)
                        .ok()
                        .and_then(|s| KeyLabel::parse(s).ok())
                    {
                        out.push(l);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

fn curve_of(session: &Session, key: ObjectHandle) -> Result<Curve, PkiError> {
    let attrs = session
        .get_attributes(key, &[AttributeType::EcParams])
        .map_err(ck("reading the curve"))?;
    for a in attrs {
        if let Attribute::EcParams(p) = a {
            let oid = const_oid::ObjectIdentifier::from_der(&p).map_err(|_| {
                PkiError::Pkcs11("the key's EC parameters are not a named curve".into())
            })?;
            return Curve::from_oid(&oid).ok_or_else(|| {
                PkiError::Pkcs11(format!("the key is on curve {oid}, not P-256 or P-384"))
            });
        }
    }
    Err(PkiError::Pkcs11("the key has no EC parameters".into()))
}

/// The uncompressed point of a public key. `CKA_EC_POINT` is a DER OCTET STRING around the point
/// (PKCS#11 2.40); a few tokens return the bare point, which is accepted too.
fn ec_point(session: &Session, public: ObjectHandle) -> Result<Vec<u8>, PkiError> {
    let attrs = session
        .get_attributes(public, &[AttributeType::EcPoint])
        .map_err(ck("reading the public point"))?;
    for a in attrs {
        if let Attribute::EcPoint(p) = a {
            return Ok(match der::asn1::OctetString::from_der(&p) {
                Ok(inner) => inner.into_bytes().into_vec(),
                Err(_) => p,
            });
        }
    }
    Err(PkiError::Pkcs11("the public key has no EC point".into()))
}
