//! What administrators see: the statistics per province and nationally (JSON or CSV), and the server-rendered
//! dashboard with its own small login form. A national administrator sees every province; a province
//! administrator only their own.

pub mod cards;
pub mod chart;
pub mod dashboard;
pub mod figures;
pub mod login;
pub mod national;
pub mod provinces;
pub mod simulate;
