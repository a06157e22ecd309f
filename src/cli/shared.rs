//! What several commands share: the global options, where data comes
//! from, theta, output; and the headings that order every `--help`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

// Options are listed by what they are for, in the order a reader decides:
// where data comes from, which symbols, how it is judged, how it is shown.
pub const SOURCE: &str = "Source and connection";
pub const SELECTION: &str = "Selection";
pub const JUDGEMENT: &str = "Judgement";
pub const PUBLISHING: &str = "Publishing";
pub const SERVING: &str = "Serving";
pub const OUTPUT: &str = "Output";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Redis URL (redis:// or rediss:// for TLS); repeat or comma-separate seeds with --cluster.
    /// Credentials may come from REDIS_USERNAME/REDIS_PASSWORD instead of the URL.
    #[arg(
        help_heading = SOURCE,
        long,
        global = true,
        env = "REDIS_URL",
        value_delimiter = ',',
        default_value = "redis://127.0.0.1:6379/0",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub redis_url: Vec<String>,

    /// Treat the URL(s) as Redis Cluster seed nodes.
    #[arg(help_heading = SOURCE, long, global = true)]
    pub cluster: bool,

    /// PEM file of the CA that signed the server certificate (rediss:// only).
    #[arg(help_heading = SOURCE, long, global = true, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// Do not verify the server certificate (rediss:// only; for test setups).
    #[arg(help_heading = SOURCE, long, global = true)]
    pub tls_insecure: bool,

    /// Give up connecting after this long.
    #[arg(help_heading = SOURCE, long, global = true, default_value = "2s", value_name = "DUR")]
    pub connect_timeout: String,

    /// Give up on any single Redis reply after this long.
    #[arg(help_heading = SOURCE, long, global = true, default_value = "2s", value_name = "DUR")]
    pub timeout: String,

    /// Key prefix of the upstream system.
    #[arg(help_heading = SOURCE, long, global = true, default_value = "quantum", value_name = "PREFIX")]
    pub prefix: String,

    /// Symbols must match this regular expression (anchored) before they become part of a key.
    #[arg(
        help_heading = SOURCE,
        long,
        global = true,
        default_value = crate::keys::DEFAULT_SYMBOL_PATTERN,
        value_name = "REGEX"
    )]
    pub symbol_pattern: String,

    /// When to colour output (also honours NO_COLOR and FORCE_COLOR).
    #[arg(help_heading = OUTPUT, long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How old a proposal may be, in `fresh` (and a snapshot's `stale`).
#[derive(Debug, Args)]
pub struct FreshnessArgs {
    /// A proposal older than this fails `fresh` (the upstream MetricsStale alert uses 30 s).
    #[arg(help_heading = JUDGEMENT, long, default_value = "30s", value_name = "DUR")]
    pub max_age: String,

    /// A timestamp further than this in the future fails `fresh` too.
    #[arg(help_heading = JUDGEMENT, long, default_value = "60s", value_name = "DUR")]
    pub max_skew: String,
}

/// Where a read command gets its data.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Read this proof pack instead of Redis.
    #[arg(help_heading = SOURCE, long, value_name = "PACK")]
    pub from: Option<PathBuf>,
}

/// Which theta to recompute with.
#[derive(Debug, Args)]
pub struct ThetaArgs {
    /// JSON object of theta fields overriding the kernel defaults (unknown fields are refused).
    #[arg(help_heading = JUDGEMENT, long, value_name = "FILE", conflicts_with = "theta_from_policy")]
    pub theta: Option<PathBuf>,

    /// Take theta from the policy hash's harvest_params, as the upstream publisher does.
    #[arg(help_heading = JUDGEMENT, long)]
    pub theta_from_policy: bool,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format on stdout.
    #[arg(help_heading = OUTPUT, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also write FORMAT to PATH (repeatable), e.g. --report junit=junit.xml.
    #[arg(help_heading = OUTPUT, long, value_name = "FORMAT=PATH")]
    pub report: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Junit,
    Markdown,
    Tap,
    Prometheus,
    Csv,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Tap,
        Format::Prometheus,
        Format::Csv,
    ];
}
