//! killscope's integration tests: one binary, one module per area.

mod cmd;
mod fixtures;
mod packs;
mod pyfloat;
mod vectors;
mod wire;
