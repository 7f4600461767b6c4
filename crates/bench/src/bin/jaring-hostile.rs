//! The hostile-input suite: what an attacker sends a running jaring server, with the server's peak
//! memory measured. Generated workbooks (zip bombs of whitespace and of one shared string, cells far
//! apart, a header with hundreds of thousands of junk rows), the damaged legacy files the fuzzer
//! found, formula cells, names with NUL and long extensions, a body over the limit, and slow clients
//! that send their headers a byte at a time, all at once from several connections.
//!
//! Fails (exit 1) when an answer is not the one a user should get (a bomb must be refused with a
//! bilingual reason that names no server path, 429 must carry `Retry-After`), when a slow client is
//! still connected after the header timeout, or when the server's peak resident memory (`VmHWM`)
//! rose more than `--max-growth-mib` over its idle memory. Prints one line per probe with figures;
//! `scripts/hostile` starts the server and runs it, on SQLite and PostgreSQL.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use jaring_synth::hostile;

#[derive(Parser)]
struct Args {
    /// The server, `http://127.0.0.1:PORT`.
    #[arg(long)]
    url: String,
    /// The server's process id, for its memory.
    #[arg(long)]
    pid: u32,
    /// Where generated files go.
    #[arg(long)]
    work: PathBuf,
    /// The server's data directory: no message may name it.
    #[arg(long)]
    data_dir: PathBuf,
    /// jaring's import fixtures (the fuzzer's damaged `.xls` files).
    #[arg(long, default_value = "tests/fixtures/import")]
    fixtures: PathBuf,
    /// The server's upload limit in MiB (a body one MiB over it must get 413).
    #[arg(long, default_value_t = 64)]
    max_upload_mib: u64,
    /// The server's header timeout in seconds.
    #[arg(long, default_value_t = 10)]
    header_timeout: u64,
    /// The bound on peak memory over idle, in MiB.
    #[arg(long, default_value_t = 512)]
    max_growth_mib: u64,
    /// Uploads in flight at once.
    #[arg(long, default_value_t = 4)]
    parallel: usize,
    /// Junk rows in the large legitimate-looking workbook.
    #[arg(long, default_value_t = 300_000)]
    junk_rows: u64,
}

/// A file to upload and what the answer must say.
struct Probe {
    name: String,
    path: PathBuf,
    /// The list kind it is uploaded as.
    kind: &'static str,
    /// 200 or 422.
    status: u16,
    /// Words the answer's message must hold (for 422).
    needle: &'static str,
}

struct Answer {
    status: u16,
    body: serde_json::Value,
    seconds: f64,
    retried: u32,
}

fn token() -> Result<String> {
    std::env::var("JARING_HOSTILE_TOKEN").context("JARING_HOSTILE_TOKEN: an admin API token")
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(600))
        .build()
}

/// Uploads `path` as `kind` under `file_name`, waiting out 429s as `Retry-After` says.
fn upload(url: &str, kind: &str, file_name: &str, path: &Path) -> Result<Answer> {
    let body = std::fs::read(path).with_context(|| path.display().to_string())?;
    let started = Instant::now();
    let mut retried = 0;
    loop {
        let response = agent()
            .post(&format!("{url}/api/v1/imports"))
            .query("kind", kind)
            .query("file_name", file_name)
            .set("Authorization", &format!("Bearer {}", token()?))
            .set("Content-Type", "application/octet-stream")
            .send_bytes(&body);
        let r = match response {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => bail!("{file_name}: {e}"),
        };
        let status = r.status();
        if status == 429 && retried < 20 {
            let wait: u64 = r
                .header("retry-after")
                .context("429 without Retry-After")?
                .parse()
                .context("Retry-After is not seconds")?;
            retried += 1;
            std::thread::sleep(Duration::from_secs(wait.min(5)));
            continue;
        }
        let text = r.into_string()?;
        let body = serde_json::from_str(&text)
            .with_context(|| format!("{file_name}: answer {status} is not JSON: {text:.200}"))?;
        return Ok(Answer {
            status,
            body,
            seconds: started.elapsed().as_secs_f64(),
            retried,
        });
    }
}

fn memory_kib(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("/proc/{pid}/status (is the server running?)"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} line"))
}

/// The generated and collected files with the answers they must get.
fn probes(args: &Args) -> Result<Vec<Probe>> {
    std::fs::create_dir_all(&args.work)?;
    let at = |name: &str| args.work.join(name);
    let mut probes = Vec::new();
    let mut add = |name: &str, path: PathBuf, kind, status, needle| {
        probes.push(Probe {
            name: name.into(),
            path,
            kind,
            status,
            needle,
        })
    };
    hostile::whitespace_bomb(&at("spasi.xlsx"), 768 << 20)?;
    add(
        "zip bomb: 768 MiB of whitespace",
        at("spasi.xlsx"),
        "registry",
        422,
        "rusak atau dibuat untuk merusak",
    );
    hostile::shared_string_bomb(&at("teks.xlsx"), 768 << 20)?;
    add(
        "one shared string of 768 MiB",
        at("teks.xlsx"),
        "registry",
        422,
        "sharedstrings.xml",
    );
    hostile::far_cells(&at("jauh.xlsx"))?;
    add(
        "cells at A1 and XFD1048576",
        at("jauh.xlsx"),
        "registry",
        422,
        "terlalu luas",
    );
    hostile::junk_rows(&at("sampah.xlsx"), args.junk_rows)?;
    add(
        "header and junk rows",
        at("sampah.xlsx"),
        "registry",
        200,
        "",
    );
    hostile::formula_cells_csv(&at("rumus.csv"))?;
    add("formula cells", at("rumus.csv"), "registry", 200, "");
    for (file, needle) in [
        ("37_looping_chain.xls", "rusak"),
        ("41_declared_trillion_cells.xls", "rusak"),
        ("42_cells_far_apart.xls", "rusak"),
        ("38_overflowing_reference.xlsx", "tidak dapat"),
    ] {
        add(
            &format!("fuzzer finding {file}"),
            args.fixtures.join(file),
            "registry",
            422,
            needle,
        );
    }
    Ok(probes)
}

/// Checks one answer; returns a problem, if any.
fn judge(probe: &Probe, a: &Answer, data_dir: &str, junk_rows: u64) -> Option<String> {
    let message = a.body["error"]["message"].as_str().unwrap_or("");
    if a.status != probe.status {
        return Some(format!(
            "answered {} (wanted {}): {}",
            a.status, probe.status, a.body
        ));
    }
    if a.status == 422 {
        if !message.contains(probe.needle) || !message.contains(" / ") {
            return Some(format!(
                "message lacks '{}' or English: {message}",
                probe.needle
            ));
        }
        if message.contains(data_dir) || message.contains("/tmp") || message.contains("upload-") {
            return Some(format!("message shows a server path: {message}"));
        }
    }
    if probe.name.starts_with("header and junk") {
        let rejected = a.body["import"]["rejected"].as_u64().unwrap_or(0);
        if rejected != junk_rows {
            return Some(format!("{rejected} of {junk_rows} junk rows rejected"));
        }
    }
    None
}

/// Opens `n` connections that send a request line and then a header byte every second; returns how
/// many the server closed within the header timeout and a little more.
fn slow_clients(url: &str, n: usize, timeout: Duration) -> Result<usize> {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let started = Instant::now();
    let mut open: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(addr)?;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")?;
            s.set_read_timeout(Some(Duration::from_millis(50)))?;
            Ok(s)
        })
        .collect::<std::io::Result<_>>()?;
    let mut closed = 0;
    let deadline = timeout + Duration::from_secs(3);
    while !open.is_empty() && started.elapsed() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        open.retain_mut(|s| {
            let alive = s.write_all(b"a").is_ok() && {
                let mut buf = [0u8; 256];
                match s.read(&mut buf) {
                    Ok(0) => false,
                    Ok(_) => false, // an answer (408 or 400) before closing: it gave up on us
                    Err(e) => matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ),
                }
            };
            if !alive {
                closed += 1;
            }
            alive
        });
    }
    Ok(closed)
}

/// Reads the error report of the formula-cell import; fails on a cell a spreadsheet would run.
fn formula_report(url: &str, a: &Answer) -> Result<usize> {
    let link = a.body["import"]["error_file"]
        .as_str()
        .context("the formula cells were all accepted: no error report")?;
    let text = agent()
        .get(&format!("{url}{link}"))
        .set("Authorization", &format!("Bearer {}", token()?))
        .call()?
        .into_string()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut cells = 0;
    for record in reader.records() {
        for cell in record?.iter() {
            cells += 1;
            let numeric = cell.parse::<f64>().is_ok();
            // A signed number stays a number (a spreadsheet reads it as one, runs nothing).
            if cell.starts_with(['=', '@', '\t', '\r'])
                || (cell.starts_with(['+', '-']) && !numeric)
            {
                bail!("cell {cell:?} would run as a formula");
            }
        }
    }
    if !text.contains("'=1+1") {
        bail!("the formula cell is not in the report, quoted: {text:.300}");
    }
    Ok(cells)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let url = args.url.trim_end_matches('/').to_string();
    let data_dir = std::fs::canonicalize(&args.data_dir)
        .unwrap_or(args.data_dir.clone())
        .display()
        .to_string();
    let probes = probes(&args)?;
    ureq::get(&format!("{url}/healthz")).call()?;
    let idle = memory_kib(args.pid, "VmRSS:")?;
    println!(
        "hostile inputs against {url}: idle {} MiB, {} uploads, {} at once",
        idle >> 10,
        probes.len() * 2,
        args.parallel
    );
    let mut failures = Vec::new();

    // Slow clients hold connections while the uploads run.
    let slow = {
        let (url, timeout) = (url.clone(), Duration::from_secs(args.header_timeout));
        std::thread::spawn(move || slow_clients(&url, 32, timeout))
    };

    // Every file twice, several at once: bombs in parallel add up if they are not bounded.
    let queue: Arc<Mutex<Vec<(usize, &Probe)>>> = Arc::new(Mutex::new(
        probes
            .iter()
            .enumerate()
            .chain(probes.iter().enumerate())
            .collect(),
    ));
    let results: Mutex<Vec<(usize, Answer)>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..args.parallel {
            scope.spawn(|| loop {
                let Some((i, probe)) = queue.lock().ok().and_then(|mut q| q.pop()) else {
                    return;
                };
                let name = probe
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string());
                match upload(&url, probe.kind, &name.unwrap_or_default(), &probe.path) {
                    Ok(a) => results.lock().map(|mut r| r.push((i, a))).unwrap_or(()),
                    Err(e) => errors
                        .lock()
                        .map(|mut r| r.push(format!("{e:#}")))
                        .unwrap_or(()),
                }
            });
        }
    });
    failures.extend(errors.into_inner().unwrap_or_default());
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    for (i, a) in &results {
        let probe = &probes[*i];
        let verdict = judge(probe, a, &data_dir, args.junk_rows);
        let size = std::fs::metadata(&probe.path).map(|m| m.len()).unwrap_or(0);
        let message = a.body["error"]["message"].as_str().unwrap_or("");
        println!(
            "  {:<40} {:>9} B  {}  {:>6.2} s  retried {}  {}",
            probe.name,
            size,
            a.status,
            a.seconds,
            a.retried,
            verdict
                .as_deref()
                .unwrap_or(&message.chars().take(90).collect::<String>())
        );
        if let Some(v) = verdict {
            failures.push(format!("{}: {v}", probe.name));
        }
    }

    // The formula cells come back in the error report neutralised (OWASP: a leading quote).
    if let Some((_, a)) = results
        .iter()
        .find(|(i, _)| probes[*i].name == "formula cells")
    {
        match formula_report(&url, a) {
            Ok(cells) => println!(
                "  {:<40} {cells} cells checked in the error report",
                "formula cells neutralised"
            ),
            Err(e) => failures.push(format!("formula cells: {e:#}")),
        }
    }

    // Names and sizes.
    let small = args.work.join("rumus.csv");
    for (name, label) in [
        ("desa\0.csv", "NUL in the name"),
        (
            &format!("desa.{}", "x".repeat(300)) as &str,
            "300-character extension",
        ),
    ] {
        let a = upload(&url, "registry", name, &small)?;
        println!("  {label:<40} {:>9}    {}", "", a.status);
        if a.status != 422 {
            failures.push(format!("{label}: answered {}", a.status));
        }
    }
    let over = args.work.join("besar.csv");
    std::fs::File::create(&over)?.set_len((args.max_upload_mib + 1) << 20)?;
    let a = upload(&url, "registry", "besar.csv", &over)?;
    println!(
        "  {:<40} {:>9} B  {}  {}",
        "body over the upload limit",
        (args.max_upload_mib + 1) << 20,
        a.status,
        a.body["error"]["code"]
    );
    if a.status != 413 || a.body["error"]["code"] != "too_large" {
        failures.push(format!("over the limit: {} {}", a.status, a.body));
    }

    let closed = slow
        .join()
        .map_err(|_| anyhow::anyhow!("slow clients panicked"))??;
    println!(
        "  {:<40} {closed} of 32 closed within {} s + 3 s",
        "slow clients (a header byte a second)", args.header_timeout
    );
    if closed < 32 {
        failures.push(format!("{} slow clients still connected", 32 - closed));
    }
    ureq::get(&format!("{url}/healthz"))
        .call()
        .context("the server no longer answers")?;

    let peak = memory_kib(args.pid, "VmHWM:")?;
    let growth = peak.saturating_sub(idle) >> 10;
    println!(
        "  peak memory {} MiB = idle {} MiB + {growth} MiB (bound {} MiB)",
        peak >> 10,
        idle >> 10,
        args.max_growth_mib
    );
    if growth > args.max_growth_mib {
        failures.push(format!(
            "peak memory rose {growth} MiB over idle (bound {} MiB)",
            args.max_growth_mib
        ));
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAILED: {f}");
        }
        bail!("{} hostile-input probes failed", failures.len());
    }
    println!("all hostile-input probes held");
    Ok(())
}
