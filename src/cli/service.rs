//! The long-running commands' options: publish and serve.

use clap::Args;

use super::shared::{
    FreshnessArgs, JUDGEMENT, OUTPUT, PUBLISHING, SELECTION, SERVING, SOURCE, ThetaArgs,
};

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Where positions come from: redis-hash, redis-stream, auto (hash, then stream) or synthetic.
    #[arg(
        help_heading = SOURCE,
        long,
        env = "POSITION_SOURCE",
        default_value = "redis-hash",
        value_name = "SOURCE"
    )]
    pub position_source: String,

    /// Comma-separated symbols [default: BTCUSDT,ETHUSDT,SOLUSDT].
    #[arg(help_heading = SELECTION, long, env = "SYMBOLS", value_name = "SYM,...")]
    pub symbols: Option<String>,

    /// Publish every symbol that has a market-state hash (instead of --symbols).
    #[arg(help_heading = SELECTION, long)]
    pub discover: bool,

    /// Run one cycle and exit (exit 2 if Redis cannot be reached).
    #[arg(help_heading = PUBLISHING, long)]
    pub once: bool,

    /// Seconds between cycles.
    #[arg(
        help_heading = PUBLISHING,
        long,
        env = "PUBLISH_INTERVAL_SEC",
        default_value = "10",
        value_name = "SECS"
    )]
    pub interval: String,

    /// Also XADD each published proposal to the proposal stream (MAXLEN ~ 10000).
    /// ENABLE_STREAM=true (any case) turns it on too.
    #[arg(help_heading = PUBLISHING, long, visible_alias = "enable-stream")]
    pub stream: bool,

    /// Stop distance used when there is no usable risk proposal.
    #[arg(
        help_heading = PUBLISHING,
        long,
        env = "FALLBACK_STOP_PCT",
        default_value = "0.02",
        value_name = "PCT"
    )]
    pub fallback_stop_pct: String,

    /// Republish an unchanged proposal after this many seconds.
    #[arg(
        help_heading = PUBLISHING,
        long,
        env = "MAX_PUBLISH_AGE_SEC",
        default_value = "60",
        value_name = "SECS"
    )]
    pub max_publish_age: String,

    /// Change threshold for the stop (relative) and K (absolute) that forces a publish.
    #[arg(
        help_heading = PUBLISHING,
        long,
        env = "CHANGE_EPS_PCT",
        visible_alias = "change-eps-pct",
        default_value = "0.001",
        value_name = "EPS"
    )]
    pub change_eps: String,

    #[command(flatten)]
    pub theta: ThetaArgs,

    /// Compute and print the proposals; write nothing.
    #[arg(help_heading = OUTPUT, long)]
    pub dry_run: bool,

    /// Log one line per symbol as well as one per cycle.
    #[arg(help_heading = OUTPUT, short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Symbols to verify (default: every proposal key found by SCAN, each cycle).
    #[arg(value_name = "SYMBOL")]
    pub symbols: Vec<String>,

    /// Comma-separated symbols to verify, as an alternative to listing them.
    #[arg(help_heading = SELECTION, long = "symbols", value_delimiter = ',', value_name = "SYM,...")]
    pub symbols_list: Vec<String>,

    /// Address to serve HTTP on. Loopback by default: /metrics carries positions and kill scores.
    #[arg(
        help_heading = SERVING,
        long,
        env = "KILLSCOPE_LISTEN",
        default_value = "127.0.0.1:8042",
        value_name = "ADDR"
    )]
    pub listen: String,

    /// Time between the starts of two verification cycles.
    #[arg(help_heading = SERVING, long, default_value = "10s", value_name = "DUR")]
    pub interval: String,

    #[command(flatten)]
    pub theta: ThetaArgs,

    #[command(flatten)]
    pub freshness: FreshnessArgs,

    /// Relative tolerance for reproduced values (they are expected bit-exact; at most 1e-9).
    #[arg(help_heading = JUDGEMENT, long, default_value = "1e-12", value_name = "REL")]
    pub tolerance: String,

    /// Finding no proposal to verify is healthy (by default /healthz answers 503).
    #[arg(help_heading = JUDGEMENT, long)]
    pub allow_empty: bool,

    /// Warnings make /healthz answer 503.
    #[arg(help_heading = JUDGEMENT, long)]
    pub strict: bool,

    /// Also check this systemd unit (`service-active`), every cycle.
    #[arg(help_heading = JUDGEMENT, long, value_name = "NAME")]
    pub systemd_unit: Option<String>,
}
