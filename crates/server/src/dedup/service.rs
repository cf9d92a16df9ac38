//! The de-duplication service's state (where the gallery is, the pass's lock, the thresholds), apart from its
//! passes (`mod.rs`) so that the service's state, which holds it, does not depend on the code that reads the state.

use biometrics::gallery::Gallery;
use biometrics::matcher::Thresholds;
use std::sync::{Arc, RwLock};
use tokio::sync::{Mutex, Notify};

/// Where the 1:N search runs.
pub enum Engine {
    /// In this process (the default): the gallery is loaded from the blob store at the first pass and kept up to
    /// date as enrollments are searched. One instance only: another instance would not see this one's gallery.
    Local(Arc<RwLock<Gallery>>),
    /// On matcher nodes over NATS JetStream (`[abis] nats_url`): every instance publishes its enrollments to the
    /// one gallery stream, and searches all shards.
    Nats(Box<abis::Abis>),
}

/// The 1:N search's gallery and what guards it.
pub struct Dedup {
    pub(super) engine: Engine,
    /// Held by the one search pass running; also marks whether the local gallery was loaded.
    pub(super) pass: Mutex<bool>,
    pub(super) thresholds: Thresholds,
    /// Woken by each enrollment, so the search starts at once rather than at the next tick.
    pub wake: Notify,
}

impl Default for Dedup {
    fn default() -> Self {
        Self::with_engine(Engine::Local(Arc::new(RwLock::new(Gallery::new()))))
    }
}

impl Dedup {
    pub fn with_engine(engine: Engine) -> Self {
        Self {
            engine,
            pass: Mutex::new(false),
            thresholds: Thresholds::calibrated(),
            wake: Notify::new(),
        }
    }

    /// The search on matcher nodes.
    pub fn nats(abis: abis::Abis) -> Self {
        Self::with_engine(Engine::Nats(Box::new(abis)))
    }
}
