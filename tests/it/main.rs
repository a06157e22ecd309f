//! killscope's integration tests: one binary, one module per area.

mod cluster;
mod cmd;
mod fixtures;
mod fleet;
mod live;
mod packs;
mod publish;
mod pyfloat;
mod redis_server;
mod vectors;
mod wire;
