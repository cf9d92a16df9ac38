//! A per-thread CPU clock for speed figures that hold on a shared machine: on Linux the
//! nanoseconds this thread ran (`/proc/thread-self/schedstat`), elsewhere wall-clock time.

use std::time::Instant;

/// A started measurement.
pub struct CpuClock {
    wall: Instant,
    cpu_ns: Option<u64>,
}

fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

impl CpuClock {
    /// Starts measuring.
    pub fn start() -> Self {
        CpuClock {
            wall: Instant::now(),
            cpu_ns: thread_cpu_ns(),
        }
    }

    /// Seconds of this thread's CPU time since the start (wall time where unavailable).
    pub fn seconds(&self) -> f64 {
        match (self.cpu_ns, thread_cpu_ns()) {
            (Some(a), Some(b)) if b >= a => (b - a) as f64 / 1e9,
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }

    /// Wall-clock seconds since the start.
    pub fn wall_seconds(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }
}
