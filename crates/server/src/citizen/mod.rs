//! What citizens' browsers and the portal's forms call.

pub mod calendar;
