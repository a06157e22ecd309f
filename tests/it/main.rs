//! killscope's integration tests: one binary, one module per area.

// Test code may panic on what it set up itself, and prints what a failing
// test needs to show.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::too_many_lines,
    reason = "test harness code; tests that walk a table of cases read best in one piece"
)]

mod architecture;
mod client;
mod cluster;
mod faults;
mod fleet;
mod history;
mod honesty;
mod hostile;
mod layouts;
mod live;
mod mutations;
mod packs;
mod publish;
mod pyfloat;
mod readme;
mod refusals;
mod scale;
mod secrets;
mod serve;
mod support;
mod terminal;
mod theta_infer;
mod vectors;
mod wire;
