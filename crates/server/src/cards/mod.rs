//! From the office desk to the holder's hand: enrollment, the 1:N search and its adjudication, the receipt,
//! production at the manufacturers, shipments, the SMS outbox, pickup and the card's later life. The functions
//! here are shared by the office API, the vendor API and the office pages; the background passes are in
//! [`workers`].

pub mod adjudicate;
pub mod dedup;
pub mod enroll;
pub mod personalisation;
pub mod pickup;
pub mod receipt;
pub mod signing;
pub mod templates;
pub mod workers;
