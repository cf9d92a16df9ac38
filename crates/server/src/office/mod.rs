//! What counter offices call: staff login, and the walk-in's application filed at the desk. An operator sees and
//! changes only the work of their own office.

pub mod applications;
pub mod login;
