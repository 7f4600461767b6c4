//! `jaring serve` options: flags, then the environment, then a TOML config file, then defaults.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use jaring_store::Database;
use serde::Deserialize;

/// How to run the web server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "JARING_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// A TOML file with any of: listen, database, secure_cookies, data_dir, max_upload_mb,
    /// max_imports, trusted_proxies.
    #[arg(long, env = "JARING_CONFIG")]
    pub config: Option<PathBuf>,
    /// Mark cookies Secure (run behind a TLS-terminating reverse proxy).
    #[arg(long, env = "JARING_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Where uploaded files' error reports are kept (default: beside the database).
    #[arg(long, env = "JARING_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Reverse proxies whose X-Forwarded-For names the client, comma-separated addresses or
    /// networks (127.0.0.1, 10.0.0.0/8); sign-in limits count per client behind them.
    #[arg(long, env = "JARING_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// A file holding the key civil registries sign death events with (HMAC-SHA256); the intake
    /// endpoints (`/api/v1/intake/…`) are off without a key. `JARING_INTAKE_KEY` gives the key itself.
    #[arg(long, env = "JARING_INTAKE_KEY_FILE")]
    pub intake_key_file: Option<PathBuf>,
}

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Database URL or SQLite path.
    pub database: Option<String>,
    /// Secure cookies.
    pub secure_cookies: Option<bool>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Largest upload in MiB.
    pub max_upload_mb: Option<usize>,
    /// Imports run at once.
    pub max_imports: Option<usize>,
    /// Trusted reverse proxies (addresses or networks).
    pub trusted_proxies: Option<Vec<String>>,
    /// File holding the death-event intake key.
    pub intake_key_file: Option<PathBuf>,
}

/// `jaring serve` without arguments, for plain `jaring`.
#[derive(clap::Parser)]
struct NoArguments {
    #[command(flatten)]
    options: ServeArgs,
}

impl ServeArgs {
    /// The options as the environment (`JARING_LISTEN`, `JARING_CONFIG`, …) gives them.
    pub fn from_environment() -> ServeArgs {
        use clap::Parser;
        NoArguments::parse_from(["jaring"]).options
    }

    /// Reads the config file, if any.
    pub fn file(&self) -> Result<ConfigFile> {
        match &self.config {
            None => Ok(ConfigFile::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("config file {} is not valid", p.display()))
            }
        }
    }
}

/// The intake key: from `JARING_INTAKE_KEY`, else the key file; a key shorter than 16 characters
/// is refused (it would be guessable).
fn intake_key(file: Option<&PathBuf>) -> Result<Option<jaring_web::Secret>> {
    let key = match std::env::var("JARING_INTAKE_KEY") {
        Ok(k) if !k.trim().is_empty() => Some(k.trim().to_string()),
        _ => match file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read intake key file {}", p.display()))?
                    .trim()
                    .to_string(),
            ),
            None => None,
        },
    };
    match key {
        Some(k) if k.len() < 16 => anyhow::bail!(
            "kunci penerimaan terlalu pendek (min. 16 karakter) / intake key too short (at least 16 characters)"
        ),
        Some(k) => Ok(Some(jaring_web::Secret::new(k))),
        None => Ok(None),
    }
}

/// Starts the server for `db` (opened from `url`) with these options.
pub fn serve(db: Database, url: &str, args: &ServeArgs) -> Result<()> {
    let file = args.file()?;
    let listen = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let data_dir = args
        .data_dir
        .clone()
        .or(file.data_dir)
        .unwrap_or_else(|| default_data_dir(url));
    let proxies = if args.trusted_proxies.is_empty() {
        file.trusted_proxies.unwrap_or_default()
    } else {
        args.trusted_proxies.clone()
    };
    let defaults = jaring_web::ServerConfig::default();
    let config = jaring_web::ServerConfig {
        secure_cookies: args.secure_cookies || file.secure_cookies.unwrap_or(false),
        data_dir,
        max_upload: file
            .max_upload_mb
            .map_or(defaults.max_upload, |mib| mib << 20),
        max_imports: file.max_imports.unwrap_or(defaults.max_imports).max(1),
        trusted_proxies: proxies
            .iter()
            .map(|p| parse_network(p))
            .collect::<Result<_>>()?,
        timeouts: defaults.timeouts,
        intake_key: intake_key(
            args.intake_key_file
                .as_ref()
                .or(file.intake_key_file.as_ref()),
        )?,
    };
    // Built before the runtime starts: its start-up queries use the blocking database clients, and
    // PostgreSQL's cannot run on an async worker thread (it starts a runtime of its own).
    let state = jaring_web::AppState::with_config(db.clone(), config);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen} (is another program using it? try --listen 127.0.0.1:8081)"))?;
        let addr = listener.local_addr()?;
        // A closed stdout (`jaring serve | head`, a supervisor that stopped reading) must not stop the
        // server, so these lines ignore write errors instead of panicking like println! would.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "jaring berjalan di / is running at http://{addr}/  ({})", db.describe());
        let _ = writeln!(out, "Tekan Ctrl-C untuk berhenti / press Ctrl-C to stop.");
        let _ = out.flush();
        jaring_web::serve(state, listener).await?;
        Ok(())
    })
}

/// A trusted proxy as an address (`10.0.0.1`) or a network (`10.0.0.0/8`).
fn parse_network(text: &str) -> Result<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .with_context(|| {
            format!("trusted proxy '{text}' is not an address or network (10.0.0.1, 10.0.0.0/8)")
        })
}

/// `jaring.db` keeps its files in `jaring-data/` beside it; PostgreSQL deployments in `./jaring-data`.
pub fn default_data_dir(url: &str) -> PathBuf {
    if url.starts_with("postgres") {
        return PathBuf::from("jaring-data");
    }
    let path = Path::new(url.strip_prefix("sqlite://").unwrap_or(url));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "jaring".into());
    path.with_file_name(format!("{stem}-data"))
}
