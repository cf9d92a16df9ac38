//! Decoders of columns several features read (a tracking code, an office, a chip serial, an application's
//! state, the holder and fingers kept as JSON): ordinary functions over any row that is [`Columns`].

use domain::{ApplicationState, ChipSerial, OfficeId, TrackingCode};
use store::enrollment::{CardHolder, FingerRecord};
use store::{Result, StoreError};

use crate::{corrupt, get, Columns};

pub(crate) fn state(s: &str) -> Result<ApplicationState> {
    ApplicationState::parse(s).ok_or_else(|| StoreError::corrupt("state", s))
}

pub(crate) fn tracking(row: &impl Columns, col: &'static str) -> Result<TrackingCode> {
    TrackingCode::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
}

pub(crate) fn office(row: &impl Columns, col: &'static str) -> Result<OfficeId> {
    OfficeId::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
}

pub(crate) fn serial(row: &impl Columns, col: &'static str) -> Result<ChipSerial> {
    ChipSerial::parse(&get::<String, _>(row, col)?).map_err(corrupt(col))
}

pub(crate) fn holder_json(row: &impl Columns, col: &'static str) -> Result<CardHolder> {
    let s: String = get(row, col)?;
    serde_json::from_str::<CardHolder>(&s).map_err(|e| StoreError::corrupt(col, e))
}

pub(crate) fn fingers_json(row: &impl Columns, col: &'static str) -> Result<Vec<FingerRecord>> {
    let s: String = get(row, col)?;
    serde_json::from_str::<Vec<FingerRecord>>(&s).map_err(|e| StoreError::corrupt(col, e))
}

pub(crate) fn bad_json(e: serde_json::Error) -> StoreError {
    StoreError::Invalid(e.to_string())
}
