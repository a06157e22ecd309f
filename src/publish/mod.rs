//! `publish`: the P2.5 publisher.

use crate::config::PublishConfig;
use crate::error::{Error, Exit, Result};

pub fn run(_cfg: &PublishConfig) -> Result<Exit> {
    Err(Error::usage("publish is not implemented yet"))
}
