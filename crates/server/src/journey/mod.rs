//! The citizen's journey as operations that both the JSON API and the web portal call: file an application
//! (registry inquiry, mobile ownership, fee), pay (gateway flow, callback, reconciliation), book and cancel an
//! appointment, look up a status, and the holder check that the API's actions on an application pass first. Each takes domain values or raw form input and answers domain results or an
//! [`ApiError`](crate::error::ApiError); none knows about HTTP bodies or HTML.

pub mod book;
pub mod file;
pub mod holder;
pub mod pay;
pub mod status;
