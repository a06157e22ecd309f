//! killscope's integration tests: one binary, one module per area.

mod fixtures;
mod pyfloat;
mod vectors;
mod wire;
