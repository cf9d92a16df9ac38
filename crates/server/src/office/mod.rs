//! What counter offices call: staff login, walk-in applications, enrollment and receipts, the supervisors'
//! adjudication queue, shipments, pickup, an application's record and transfers. An operator sees and changes
//! only the work of their own office.

pub mod adjudications;
pub mod applications;
pub mod enrollments;
pub mod login;
pub mod pickups;
pub mod records;
pub mod shipments;
pub mod throttle;
pub mod transfers;
