//! What operators' monitoring calls: health and the OpenAPI document.

pub mod health;
