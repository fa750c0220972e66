//! What the loop can tell about itself: metrics, task dumps, debug-mode reports.

mod metrics;
pub use metrics::Metrics;
