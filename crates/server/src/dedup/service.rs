//! The de-duplication service's state (the gallery, the pass's lock, the thresholds), apart from its passes
//! (`mod.rs`) so that the service's state, which holds it, does not depend on the code that reads the state.

use biometrics::gallery::Gallery;
use biometrics::matcher::Thresholds;
use std::sync::{Arc, RwLock};
use tokio::sync::{Mutex, Notify};

/// The 1:N search's gallery in memory and what guards it.
pub struct Dedup {
    pub(super) gallery: Arc<RwLock<Gallery>>,
    /// Held by the one search pass running; also marks whether the gallery was loaded.
    pub(super) pass: Mutex<bool>,
    pub(super) thresholds: Thresholds,
    /// Woken by each enrollment, so the search starts at once rather than at the next tick.
    pub wake: Notify,
}

impl Default for Dedup {
    fn default() -> Self {
        Self {
            gallery: Arc::new(RwLock::new(Gallery::new())),
            pass: Mutex::new(false),
            thresholds: Thresholds::calibrated(),
            wake: Notify::new(),
        }
    }
}
