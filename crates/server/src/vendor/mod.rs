//! What card manufacturers call, with their API key in `X-Api-Key`: claim the next batch (each card's
//! personalisation data, signed by the issuing authority), report per-card results, and dispatch the cards in
//! shipments per destination office. `GET /api/v1/vendor/signing-key` publishes the key the signatures check with.

pub mod batches;
pub mod key;
