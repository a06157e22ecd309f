//! Machine-readable output. The schemas (`killscope.verify/1`,
//! `killscope.snapshot/1`, `killscope.explain/1`, `killscope.history/1`,
//! `killscope.theta-infer/1`) are public API: fields may be added, never renamed or removed without a
//! new schema version. Floats are JSON numbers when finite and Python's
//! spellings (`"nan"`, `"inf"`) when not, since JSON has no NaN.

mod document;
pub mod history;
mod theta_infer;
mod verify;

pub use document::Json;
pub use verify::summary_json;
