//! The citizen's web portal: server-rendered Persian pages, right to left, that work without JavaScript. Pages
//! call the same journey operations as the JSON API (`crate::journey`); this module only reads forms and renders.
//!
//! Pages: `home` (`/`), `register` (step one) and `details` (step two) of registration, `track`, and an
//! application's pages, opened by the citizen's signed cookie (`access`, `session`): `application` (with paying
//! and cancelling), `appointment` and `print`.

pub mod access;
pub mod application;
pub mod appointment;
pub mod assets;
pub mod dates;
pub mod details;
pub mod extract;
pub mod form;
pub mod home;
pub mod html;
pub mod office;
pub mod print;
pub mod receipt_check;
pub mod register;
pub mod session;
pub mod step_one;
pub mod track;
pub mod verifications;
