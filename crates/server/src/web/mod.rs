//! The citizen's web portal: server-rendered Persian pages, right to left, that work without JavaScript. Pages
//! call the same journey operations as the JSON API (`crate::journey`); this module only reads forms and renders.

pub mod assets;
pub mod html;
