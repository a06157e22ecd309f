//! `killscope publish` (see `crate::publish`).

use crate::config::PublishConfig;
use crate::error::{Exit, Result};

pub fn run(cfg: &PublishConfig) -> Result<Exit> {
    crate::publish::run(cfg)
}
