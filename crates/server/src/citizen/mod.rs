//! What citizens' browsers and the portal's forms call.

pub mod applications;
pub mod appointment;
pub mod calendar;
pub mod captcha_images;
pub mod offices;
pub mod payments;
pub mod status;
pub mod transfer;
