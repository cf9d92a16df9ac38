//! The chip data of each card (ICAO Doc 9303 LDS: EF.COM, DG1, DG2, DG3, DG7, DG11, DG12 and the EF.SOD signed by
//! the current document signer), made once a card has its document number (at batching), sealed in the blob store,
//! and handed to the manufacturer at claim. Making it costs about a millisecond a card (the signature PNG → JPEG,
//! the ECDSA signature), so it runs in the background right after batching, on every core; a claim only reads
//! what was made (and makes, there and then, what is still missing).
//!
//! The LDS holds biometric data: it lives sealed in the blob store and is never logged.

use super::runtime::PkiRuntime;
use crate::state::AppState;
use base64::Engine;
use chip::{
    Address, Biometrics, Document, DocumentNumber, DocumentSigner, FaceImage, Finger, Holder,
    PersonName, Sex, SignatureAlgorithm, SignatureImage, SignerError,
};
use pki::CertificateRecord;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::SystemTime;
use store::pki::Document as StoredDocument;
use utoipa::ToSchema;

/// The issuing authority written in DG12.
pub const ISSUING_AUTHORITY: &str = "سازمان ثبت احوال کشور";

/// How long a card is valid (its MRZ expiry): ten years, as the document signer's certificate outlives its
/// signing period by.
pub const CARD_VALIDITY_YEARS: u32 = 10;

/// The LDS files of one card, each the file's bytes (DER, with its ICAO tag) in base64.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LdsFiles {
    pub com: String,
    pub dg1: String,
    pub dg2: String,
    pub dg3: String,
    pub dg7: String,
    pub dg11: String,
    pub dg12: String,
    /// EF.SOD: CMS SignedData over the LDSSecurityObject, signed by a document signer under the CSCA.
    pub sod: String,
}

impl LdsFiles {
    fn from_lds(lds: &chip::Lds) -> Self {
        let b = |x: &[u8]| base64::engine::general_purpose::STANDARD.encode(x);
        Self {
            com: b(&lds.com),
            dg1: b(&lds.dg1),
            dg2: b(&lds.dg2),
            dg3: b(&lds.dg3),
            dg7: b(&lds.dg7),
            dg11: b(&lds.dg11),
            dg12: b(&lds.dg12),
            sod: b(&lds.sod),
        }
    }
}

/// The document signer as `chip` needs it: its certificate, and signing through the key store.
struct DsSigner<'a> {
    rt: &'a PkiRuntime,
    ds: &'a CertificateRecord,
    now: SystemTime,
}

impl DocumentSigner for DsSigner<'_> {
    fn certificate_der(&self) -> &[u8] {
        &self.ds.der
    }

    fn signature_algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaSha256
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.rt
            .pki
            .sign_as_ds(self.ds, message, self.now)
            .map_err(|e| SignerError(e.to_string()))
    }
}

/// What one card's chip data is made from, read from the store and the blob store.
struct Inputs {
    document: StoredDocument,
    holder: Holder,
    face: Vec<u8>,
    fingers: Vec<(Vec<u8>, Option<u8>)>,
    signature_png: Vec<u8>,
}

/// The Arabic letters Arabic keyboards type, read as the Persian ones (as `chip` and the registry do).
pub fn persian_letters(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            c => c,
        })
        .collect()
}

async fn inputs(
    state: &AppState,
    d: &StoredDocument,
    card: &store::production::BatchCard,
) -> anyhow::Result<Inputs> {
    let e = state
        .store
        .enrollment(&card.tracking_code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no enrollment"))?;
    let h = &e.holder;
    let national_code =
        domain::NationalCode::parse(&h.national_code).map_err(|e| anyhow::anyhow!(e.message_en))?;
    let person = state.store.person(&national_code).await?;
    let birth = domain::JalaliDate::parse(&h.birth_date_jalali)
        .map_err(|e| anyhow::anyhow!(e.message_en))?
        .to_gregorian();
    let sex = match h.gender.as_str() {
        "male" => Sex::Male,
        "female" => Sex::Female,
        _ => Sex::Unspecified,
    };
    let postal = h
        .postal_code
        .as_deref()
        .and_then(|p| domain::PostalCode::parse(p).ok());
    let address = person
        .as_ref()
        .map(|p| vec![p.address.clone()])
        .filter(|a| a.iter().any(|c| !c.trim().is_empty()) || postal.is_some())
        .map(|a| Address::new(a, postal))
        .transpose()?;
    let holder = Holder {
        national_code,
        name: PersonName::new(
            &persian_letters(&h.last_name),
            &persian_letters(&h.first_name),
        )?,
        birth_date: birth,
        sex,
        place_of_birth: person
            .as_ref()
            .map(|p| p.birth_place.clone())
            .filter(|p| !p.trim().is_empty()),
        address,
    };
    let face = crate::cards::stored(state, &e.card_photo_key, "card photo")
        .await
        .map_err(|_| anyhow::anyhow!("card photo unreadable"))?;
    let signature_png = crate::cards::stored(state, &e.signature_key, "signature")
        .await
        .map_err(|_| anyhow::anyhow!("signature unreadable"))?;
    let templates = crate::cards::stored(state, &e.templates_key, "templates")
        .await
        .map_err(|_| anyhow::anyhow!("templates unreadable"))?;
    let templates = crate::cards::templates::decode(&templates).map_err(|e| anyhow::anyhow!(e))?;
    let fingers = templates
        .iter()
        .map(|(position, t)| {
            let quality = e
                .fingers
                .iter()
                .find(|f| f.position == *position)
                .and_then(|f| f.quality);
            (crate::cards::templates::to_iso(*position, t), quality)
        })
        .collect();
    Ok(Inputs {
        document: d.clone(),
        holder,
        face,
        fingers,
        signature_png,
    })
}

/// Makes one card's LDS (CPU only).
fn make(
    rt: &PkiRuntime,
    ds: &CertificateRecord,
    i: &Inputs,
    now: SystemTime,
) -> anyhow::Result<LdsFiles> {
    let issue = chrono::DateTime::<chrono::Utc>::from(now).date_naive();
    let expiry = issue
        .checked_add_months(chrono::Months::new(12 * CARD_VALIDITY_YEARS))
        .ok_or_else(|| anyhow::anyhow!("expiry date out of range"))?;
    let document = Document::new(
        DocumentNumber::parse(&i.document.document_number)?,
        issue,
        expiry,
        ISSUING_AUTHORITY,
    )?;
    let fingers = i
        .fingers
        .iter()
        .map(|(record, quality)| Finger::from_iso_record(record, *quality))
        .collect::<Result<Vec<_>, _>>()?;
    let biometrics = Biometrics::new(
        FaceImage::from_jpeg(i.face.clone())?,
        fingers,
        SignatureImage::from_png(&i.signature_png)?,
    )?;
    let signer = DsSigner { rt, ds, now };
    let lds = chip::personalise(&i.holder, &document, &biometrics, &signer)?;
    Ok(LdsFiles::from_lds(&lds))
}

/// A blob key for one making of a document's chip data: `lds/{document}/{random}`. Each making has its own, so
/// that of two instances making the same document at once, the one whose record landed keeps its blob intact
/// (the other's is deleted).
pub fn lds_key(document_number: &str) -> String {
    format!(
        "lds/{}/{:016x}",
        document_number.to_ascii_lowercase(),
        rand::random::<u64>()
    )
}

/// Makes and stores the chip data of these documents (all of one batch or several), every core at work; answers
/// how many were made. A card whose data cannot be made is logged and left without (it shows in the claim with no
/// `lds`).
pub async fn make_chip_data(
    state: &AppState,
    documents: Vec<StoredDocument>,
) -> anyhow::Result<usize> {
    if documents.is_empty() {
        return Ok(0);
    }
    let rt = state.services.pki.get(&state.store).await?;
    let now = SystemTime::now();
    let ds = rt.pki.current_ds(now)?.clone();
    // The batches' cards, for their tracking codes and enrollment keys.
    let mut cards = std::collections::HashMap::new();
    let mut batches: Vec<i64> = documents.iter().map(|d| d.batch_id).collect();
    batches.dedup();
    for b in batches {
        for c in state.store.batch_cards(b).await? {
            cards.insert((b, c.application_id), c);
        }
    }
    let mut all = Vec::with_capacity(documents.len());
    for d in &documents {
        let Some(card) = cards.get(&(d.batch_id, d.application_id)) else {
            continue;
        };
        match inputs(state, d, card).await {
            Ok(i) => all.push(i),
            Err(e) => tracing::error!(
                document = %d.document_number,
                tracking = %card.tracking_code.masked(),
                error = %e,
                "chip data cannot be made: its inputs are unreadable"
            ),
        }
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per = all.len().div_ceil(threads).max(1);
    let mut jobs = Vec::new();
    let ds = Arc::new(ds);
    let mut rest = all;
    while !rest.is_empty() {
        let tail = rest.split_off(per.min(rest.len()));
        let chunk = std::mem::replace(&mut rest, tail);
        let (rt, ds) = (Arc::clone(&rt), Arc::clone(&ds));
        jobs.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|i| {
                    let made = make(&rt, &ds, &i, now);
                    (i.document, made)
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut n = 0;
    for job in jobs {
        for (d, made) in job.await? {
            match made {
                Ok(files) => {
                    let key = lds_key(&d.document_number);
                    state
                        .services
                        .blobs
                        .put(&key, &serde_json::to_vec(&files)?)
                        .await?;
                    if state
                        .store
                        .set_chip_data(&d.document_number, &key, &ds.serial.to_hex())
                        .await?
                    {
                        n += 1;
                    } else {
                        // Another instance recorded this document's chip data first: that one stands.
                        if let Err(e) = state.services.blobs.delete(&key).await {
                            tracing::warn!(key, error = %e, "a spare chip data blob was not deleted");
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(document = %d.document_number, error = %e, "chip data cannot be made")
                }
            }
        }
    }
    Ok(n)
}

/// Makes the chip data still missing (after batching; also by a periodic pass, for batches formed by
/// `shenas production batch`). Answers how many cards got theirs.
pub async fn make_pending(state: &AppState) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let pending = state.store.documents_without_chip_data(2000).await?;
        if pending.is_empty() {
            return Ok(total);
        }
        let asked = pending.len();
        let made = make_chip_data(state, pending).await?;
        total += made;
        if made == 0 || asked < 2000 {
            if made < asked {
                tracing::warn!(cards = asked - made, "cards left without chip data");
            }
            return Ok(total);
        }
    }
}

/// The stored chip data as the JSON it was written in (an [`LdsFiles`] object), checked to be JSON but not
/// decoded: the claim passes it through.
pub async fn stored_lds_json(
    state: &AppState,
    key: &str,
) -> Option<Box<serde_json::value::RawValue>> {
    let bytes = crate::cards::stored(state, key, "chip data").await.ok()?;
    let text = String::from_utf8(bytes).ok();
    match text.map(serde_json::value::RawValue::from_string) {
        Some(Ok(raw)) if raw.get().starts_with('{') => Some(raw),
        _ => {
            tracing::error!(key, "chip data malformed");
            None
        }
    }
}
