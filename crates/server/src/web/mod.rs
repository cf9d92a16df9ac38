//! The citizen's web portal: server-rendered Persian pages, right to left, that work without JavaScript. Pages
//! call the same operations as the JSON API; this module holds the portal's frame and form pieces and the pages
//! that show an application whole. The features' own pages are in their folders (`filing`, `status`,
//! `appointments`, `transfer`, `suspension`).
//!
//! Pages here: `home` (`/`), and an application's pages, opened by the citizen's signed cookie (`access`,
//! `session`): `application` (with paying and cancelling), `print`, `verifications`; `receipt_check` (`/r/{tc}`).

pub mod access;
pub mod application;
pub mod assets;
pub mod dates;
pub mod extract;
pub mod form;
pub mod home;
pub mod html;
pub mod office;
pub mod print;
pub mod receipt_check;
pub mod session;
pub mod verifications;
