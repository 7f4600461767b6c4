//! Soak test: a bounded mixed load against a running jaring server for a fixed time, with the server's
//! memory and the requests' latency recorded every interval. Run by `scripts/soak`, which starts the
//! server on a demo database; figures and the plot go to docs/BENCHMARKS.md.
//!
//! Bounded means a fixed number of clients, each pacing itself to a fixed request rate, so the server is
//! measured at a steady, known load rather than pushed until it falls over (that is `wrk`'s job).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Parser)]
struct Args {
    /// Server base URL (`http://127.0.0.1:8080`).
    #[arg(long)]
    url: String,
    /// Bearer token of a regency administrator.
    #[arg(long, env = "JARING_SOAK_TOKEN")]
    token: String,
    /// Process id of the server, whose resident memory is sampled.
    #[arg(long)]
    pid: u32,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 1800)]
    seconds: u64,
    /// Sampling interval, in seconds.
    #[arg(long, default_value_t = 60)]
    interval: u64,
    /// Reading clients.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Requests per second each reading client sends at most.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Seconds between list imports.
    #[arg(long, default_value_t = 20)]
    import_every: u64,
    /// Seconds between approvals.
    #[arg(long, default_value_t = 3)]
    approve_every: u64,
    /// Intervals of warm-up: caches (SQLite's page cache, up to 64 MiB per pooled connection, the
    /// name index) fill during them; memory growth is measured after.
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Growth of resident memory allowed after the warm-up, in MiB; more fails the run.
    #[arg(long, default_value_t = 64)]
    max_growth_mib: u64,
    /// Where to write the per-interval figures (CSV).
    #[arg(long)]
    out: PathBuf,
}

/// Latencies and outcomes of one kind of request within one interval.
#[derive(Default, Clone)]
struct Tally {
    micros: Vec<u64>,
    errors: u64,
}

#[derive(Default)]
struct Recorder {
    current: BTreeMap<&'static str, Tally>,
    /// First error messages, to show what went wrong.
    samples: Vec<String>,
}

impl Recorder {
    fn record(&mut self, kind: &'static str, took: Duration, outcome: Result<(), String>) {
        let t = self.current.entry(kind).or_default();
        t.micros.push(took.as_micros() as u64);
        if let Err(e) = outcome {
            t.errors += 1;
            if self.samples.len() < 20 {
                self.samples.push(format!("{kind}: {e}"));
            }
        }
    }
}

struct Client {
    agent: ureq::Agent,
    url: String,
    auth: String,
}

impl Client {
    fn get(&self, path: &str) -> Result<serde_json::Value, String> {
        let r = self
            .agent
            .get(&format!("{}{path}", self.url))
            .set("Authorization", &self.auth)
            .call()
            .map_err(|e| format!("GET {path}: {e}"))?;
        let text = r.into_string().map_err(|e| format!("GET {path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("GET {path}: {e}"))
    }

    fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Result<u16, String> {
        match self
            .agent
            .post(&format!("{}{path}", self.url))
            .set("Authorization", &self.auth)
            .set("Content-Type", content_type)
            .send_bytes(body)
        {
            Ok(r) => Ok(r.status()),
            // Someone else decided first: expected now and then, not a failure.
            Err(ureq::Error::Status(409, _)) => Ok(409),
            Err(e) => Err(format!("POST {path}: {e}")),
        }
    }
}

/// Resident memory (VmRSS) of a process, in KiB.
fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status (is the server running?)"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .context("no VmRSS line")
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Names and ids to ask about, taken from the server itself.
struct Sample {
    ids: Vec<i64>,
    words: Vec<String>,
    regions: Vec<String>,
}

fn sample(c: &Client) -> Result<Sample> {
    let mut ids = Vec::new();
    let mut words = Vec::new();
    for page in 1..=8 {
        let v = c
            .get(&format!("/api/v1/persons?per_page=200&page={page}"))
            .map_err(anyhow::Error::msg)?;
        for p in v["items"].as_array().into_iter().flatten() {
            if let Some(id) = p["id"].as_i64() {
                ids.push(id);
            }
            if let Some(w) = p["name"].as_str().and_then(|n| n.split_whitespace().last()) {
                words.push(w.to_string());
            }
        }
    }
    words.sort();
    words.dedup();
    let cov = c
        .get("/api/v1/coverage?region=53.04")
        .map_err(anyhow::Error::msg)?;
    let mut regions = vec!["53.04".to_string()];
    for r in cov["rows"].as_array().into_iter().flatten() {
        if let Some(code) = r["code"].as_str() {
            regions.push(code.to_string());
        }
    }
    if ids.is_empty() || words.is_empty() {
        bail!("the server has no residents to ask about");
    }
    Ok(Sample {
        ids,
        words,
        regions,
    })
}

/// One reading request of the mix: searches, resident pages, coverage, the review queue, the overview.
fn read_once(c: &Client, s: &Sample, rng: &mut ChaCha8Rng) -> (&'static str, Result<(), String>) {
    let roll = rng.gen_range(0..100);
    let (kind, path) = match roll {
        0..=39 => (
            "search",
            format!(
                "/api/v1/persons?q={}",
                s.words[rng.gen_range(0..s.words.len())].replace(' ', "%20")
            ),
        ),
        40..=64 => (
            "person",
            format!("/api/v1/persons/{}", s.ids[rng.gen_range(0..s.ids.len())]),
        ),
        65..=79 => (
            "coverage",
            format!(
                "/api/v1/coverage?region={}",
                s.regions[rng.gen_range(0..s.regions.len())]
            ),
        ),
        80..=94 => (
            "proposals",
            format!(
                "/api/v1/proposals?status=pending&page={}",
                rng.gen_range(1..=5)
            ),
        ),
        _ => ("overview", "/api/v1/overview".to_string()),
    };
    (kind, c.get(&path).map(|_| ()))
}

/// A DTSEN extract of `rows` rows; `round` changes the welfare decile so every round is new content,
/// and every third round repeats the previous file (which must change nothing).
fn dtsen_file(round: u64, rows: usize) -> Vec<u8> {
    let content_round = if round % 3 == 2 { round - 1 } else { round };
    let mut out = String::from(
        "ID_DTSEN,ID_KELUARGA,NO_KK,NIK,NAMA,JENIS_KELAMIN,TANGGAL_LAHIR,HUBUNGAN_KELUARGA,KODE_WILAYAH,DESIL\n",
    );
    for i in 0..rows {
        let n = (content_round as usize * rows + i) % 9000 + 1;
        let day = 1 + i % 28;
        out.push_str(&format!(
            "S{content_round}-{i},K{n},53040124111{n:05},53040116117{n:05},WARGA UJI {n},{},1978-11-{day:02},KEPALA KELUARGA,5304012001,{}\n",
            1 + i % 2,
            1 + (content_round % 10),
        ));
    }
    out.into_bytes()
}

fn main() -> Result<()> {
    let args = Args::parse();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .build();
    let client = Arc::new(Client {
        agent,
        url: args.url.trim_end_matches('/').to_string(),
        auth: format!("Bearer {}", args.token),
    });
    let sample = Arc::new(sample(&client)?);
    let recorder = Arc::new(Mutex::new(Recorder::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for n in 0..args.clients {
        let (c, s) = (client.clone(), sample.clone());
        // Seeded per client, so runs are repeatable.
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64 + 1);
        workers.push(paced(
            &stop,
            &recorder,
            Duration::from_secs_f64(1.0 / args.rate.max(0.01)),
            move |_| read_once(&c, &s, &mut rng),
        ));
    }
    let c = client.clone();
    workers.push(paced(
        &stop,
        &recorder,
        Duration::from_secs(args.import_every.max(1)),
        move |round| {
            let outcome = c
                .post(
                    &format!("/api/v1/imports?kind=dtsen&file_name=dtsen-soak-{round}.csv"),
                    "text/csv",
                    &dtsen_file(round, 300),
                )
                .and_then(|s| {
                    (s == 200 || s == 201)
                        .then_some(())
                        .ok_or(format!("import answered {s}"))
                });
            ("import", outcome)
        },
    ));
    let c = client.clone();
    workers.push(paced(
        &stop,
        &recorder,
        Duration::from_secs(args.approve_every.max(1)),
        move |_| {
            let outcome = c
                .get("/api/v1/proposals?status=pending&band=auto&per_page=1")
                .and_then(|v| match v["items"][0]["id"].as_i64() {
                    // Nothing left to approve is not an error of the server.
                    None => Ok(()),
                    Some(id) => {
                        let body = format!("{{\"version\":{}}}", v["items"][0]["version"]);
                        c.post(
                            &format!("/api/v1/proposals/{id}/approve"),
                            "application/json",
                            body.as_bytes(),
                        )
                        .and_then(|s| {
                            (s == 200 || s == 409)
                                .then_some(())
                                .ok_or(format!("approve answered {s}"))
                        })
                    }
                });
            ("approve", outcome)
        },
    ));

    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?,
    );
    writeln!(
        out,
        "minute,rss_mib,requests,errors,p50_ms,p95_ms,p99_ms,max_ms,search_p95_ms,person_p95_ms,coverage_p95_ms,proposals_p95_ms,import_p95_ms,approve_p95_ms"
    )?;
    println!("minute  rss MiB  requests  errors  p50 ms  p95 ms  p99 ms  max ms");
    let start = Instant::now();
    let intervals = (args.seconds / args.interval.max(1)).max(1);
    let mut baseline: Option<u64> = None;
    let mut peak_rss = 0;
    let mut peak_after = 0;
    let (mut total_requests, mut total_errors) = (0u64, 0u64);
    for i in 1..=intervals {
        let due = start + Duration::from_secs(i * args.interval);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let taken = std::mem::take(
            &mut recorder
                .lock()
                .map_err(|_| anyhow::anyhow!("recorder poisoned"))?
                .current,
        );
        let rss = rss_kib(args.pid)?;
        peak_rss = peak_rss.max(rss);
        let mut all: Vec<u64> = taken.values().flat_map(|t| t.micros.clone()).collect();
        all.sort_unstable();
        let errors: u64 = taken.values().map(|t| t.errors).sum();
        let p95_of = |k: &str| {
            let mut v = taken.get(k).map(|t| t.micros.clone()).unwrap_or_default();
            v.sort_unstable();
            percentile(&v, 0.95) as f64 / 1000.0
        };
        let ms = |p: f64| percentile(&all, p) as f64 / 1000.0;
        let minute = (i * args.interval) as f64 / 60.0;
        writeln!(
            out,
            "{minute:.2},{:.1},{},{errors},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1},{:.1}",
            rss as f64 / 1024.0,
            all.len(),
            ms(0.5),
            ms(0.95),
            ms(0.99),
            all.last().copied().unwrap_or(0) as f64 / 1000.0,
            p95_of("search"),
            p95_of("person"),
            p95_of("coverage"),
            p95_of("proposals"),
            p95_of("import"),
            p95_of("approve"),
        )?;
        out.flush()?;
        println!(
            "{minute:6.2}  {:7.1}  {:8}  {errors:6}  {:6.1}  {:6.1}  {:6.1}  {:6.1}",
            rss as f64 / 1024.0,
            all.len(),
            ms(0.5),
            ms(0.95),
            ms(0.99),
            all.last().copied().unwrap_or(0) as f64 / 1000.0
        );
        total_requests += all.len() as u64;
        total_errors += errors;
        if i == args.warmup.clamp(1, intervals) {
            baseline = Some(rss);
        } else if baseline.is_some() {
            peak_after = peak_after.max(rss);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))??;
    }
    let baseline = baseline.unwrap_or(0);
    let growth_mib = peak_after.saturating_sub(baseline) / 1024;
    println!(
        "total: {total_requests} requests, {total_errors} errors; resident memory after the warm-up {:.1} MiB, peak after it {:.1} MiB (growth {growth_mib} MiB, bound {} MiB), peak overall {:.1} MiB",
        baseline as f64 / 1024.0,
        peak_after as f64 / 1024.0,
        args.max_growth_mib,
        peak_rss as f64 / 1024.0,
    );
    let samples = recorder
        .lock()
        .map_err(|_| anyhow::anyhow!("recorder poisoned"))?
        .samples
        .clone();
    for s in &samples {
        eprintln!("error: {s}");
    }
    if total_errors > 0 {
        bail!("{total_errors} requests failed");
    }
    if growth_mib > args.max_growth_mib {
        bail!(
            "resident memory grew {growth_mib} MiB, more than the {} MiB allowed",
            args.max_growth_mib
        );
    }
    Ok(())
}

/// One client: runs `job` (given its round number) until the run stops, at most once per `period`,
/// recording the latency and outcome of each round under the kind the job names.
fn paced(
    stop: &Arc<AtomicBool>,
    recorder: &Arc<Mutex<Recorder>>,
    period: Duration,
    mut job: impl FnMut(u64) -> (&'static str, Result<(), String>) + Send + 'static,
) -> std::thread::JoinHandle<Result<()>> {
    let (stop, recorder) = (stop.clone(), recorder.clone());
    std::thread::spawn(move || {
        let mut round = 0;
        while !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            let (kind, outcome) = job(round);
            let took = started.elapsed();
            recorder
                .lock()
                .map_err(|_| anyhow::anyhow!("recorder poisoned"))?
                .record(kind, took, outcome);
            round += 1;
            sleep_unless_stopped(&stop, period.saturating_sub(took));
        }
        Ok(())
    })
}

/// Sleeps up to `d`, waking early when the run stops.
fn sleep_unless_stopped(stop: &AtomicBool, d: Duration) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100).min(until - Instant::now()));
    }
}
