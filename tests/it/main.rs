//! killscope's integration tests: one binary, one module per area.

mod architecture;
mod cluster;
mod cmd;
mod faults;
mod fixtures;
mod fleet;
mod hostile;
mod live;
mod packs;
mod publish;
mod pyfloat;
mod redis_server;
mod secrets;
mod vectors;
mod wire;
