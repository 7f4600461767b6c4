//! The `jaring` binary as a new user drives it: real process, real database file, real HTTP.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use sha2::{Digest, Sha256};

fn jaring() -> Command {
    let mut cmd = Command::cargo_bin("jaring").unwrap();
    cmd.env_remove("JARING_DATABASE_URL")
        .env_remove("JARING_LISTEN");
    cmd
}

/// A running `jaring serve`, killed on drop; requests carry `token` when set.
struct Server {
    child: Child,
    url: String,
    token: Option<String>,
}

/// An API token for a demo account of the database in `dir`.
fn token(dir: &Path, database: &str, user: &str) -> String {
    let out = jaring()
        .current_dir(dir)
        .args(["--database", database, "user", "token", user])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Server {
    fn start(dir: &Path, args: &[&str]) -> Server {
        Server::start_with(dir, args, true)
    }

    /// `drain = false` closes the server's stdout right after its address line.
    fn start_with(dir: &Path, args: &[&str], drain: bool) -> Server {
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("jaring"))
            .args(args)
            .env_remove("JARING_DATABASE_URL")
            .env("JARING_LISTEN", "127.0.0.1:0")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(i) = line.find("http://") {
                break line[i..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string();
            }
        };
        if drain {
            std::thread::spawn(move || lines.for_each(drop));
        }
        Server {
            child,
            url,
            token: None,
        }
    }

    fn with_token(mut self, token: String) -> Server {
        self.token = Some(token);
        self
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut request = ureq::get(&format!("{}{path}", self.url));
        if let Some(t) = &self.token {
            request = request.set("Authorization", &format!("Bearer {t}"));
        }
        match request.call() {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("GET {path}: {e}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn nik_command_explains_valid_and_broken_numbers() {
    jaring()
        .args(["nik", "5304014512150615"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Perempuan lahir 05-12-2015")
                .and(predicate::str::contains("Lamaknen")),
        );
    jaring()
        .args(["nik", "5.30412E+15", "5304120208910001"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("notasi ilmiah")
                .and(predicate::str::contains("scientific notation")),
        );
    jaring()
        .args(["nik", "--kk", "5304991503180007"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("530499"));
}

#[test]
fn regions_command_lists_belu_kecamatan() {
    let out = jaring()
        .args(["regions", "53.04"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 12);
    assert!(text.starts_with("53.04.01\tLamaknen"));
    jaring()
        .args(["regions", "53.99"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no such region"));
}

fn file_digest(path: &Path) -> String {
    format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn generate_writes_deterministic_files_with_consistent_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        jaring()
            .args(["generate", "--persons", "5000", "--seed", "7", "--out"])
            .arg(out)
            .assert()
            .success()
            .stdout(predicate::str::contains("5000 penduduk"));
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["persons"], 5000);
    for (file, rows) in manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f[0].as_str().unwrap(), f[1].as_u64().unwrap()))
    {
        assert_eq!(
            file_digest(&a.join(file)),
            file_digest(&b.join(file)),
            "{file} is deterministic"
        );
        let mut reader = csv::Reader::from_path(a.join(file)).unwrap();
        assert_eq!(reader.records().count() as u64, rows, "{file}");
    }
    // every registry NIK is valid and unique
    let mut reader = csv::Reader::from_path(a.join("registry.csv")).unwrap();
    let mut seen = std::collections::HashSet::new();
    for r in reader.records() {
        let r = r.unwrap();
        if !r[2].is_empty() {
            jaring_domain::Nik::parse(&r[2]).unwrap();
            assert!(seen.insert(r[2].to_string()));
        }
    }
    jaring()
        .args(["generate", "--persons", "10", "--region", "53.99", "--out"])
        .arg(dir.path().join("c"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("no such region"));
}

#[test]
fn demo_prepares_belu_and_the_server_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    jaring()
        .current_dir(dir.path())
        .args(["demo", "--no-serve", "--persons", "3000", "--seed", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3000 penduduk"));
    assert!(dir.path().join("jaring-demo.db").exists());

    let admin = token(dir.path(), "jaring-demo.db", "admin");
    let server =
        Server::start(dir.path(), &["--database", "jaring-demo.db", "serve"]).with_token(admin);
    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(home.contains("Kabupaten Belu"), "{home}");
    assert!(home.contains("Lamaknen") && home.contains("Nanaet Duabesi"));
    assert!(home.contains("Data demo sintetis"));
    assert!(home.contains("Sinkronisasi daftar luar") && home.contains("Daftar kematian Dukcapil"));
    assert!(home.len() < 100_000, "page is {} bytes", home.len());

    let (status, json) = server.get("/api/v1/overview");
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["region"]["persons"], 3000);
    assert_eq!(v["districts"].as_array().unwrap().len(), 12);
    assert_eq!(v["villages"].as_array().unwrap().len(), 81);
    let district_sum: i64 = v["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["persons"].as_i64().unwrap())
        .sum();
    assert_eq!(district_sum, 3000);
    // the demo imported and synchronised the four external lists
    let lists = v["lists"].as_array().unwrap();
    assert_eq!(lists.len(), 4, "{lists:?}");
    for l in lists {
        let staged = l["staged"].as_i64().unwrap();
        assert!(staged > 0);
        assert_eq!(
            l["auto"].as_i64().unwrap()
                + l["review"].as_i64().unwrap()
                + l["no_match"].as_i64().unwrap(),
            staged
        );
        assert!(
            l["auto"].as_i64().unwrap() * 10 >= staged * 8,
            "most records match: {l}"
        );
    }

    // Coverage: the demo's October snapshot, villages summing to kecamatan and regency.
    assert!(
        home.contains("cakupan UCJ") && home.contains(" %"),
        "{home}"
    );
    let (status, json) = server.get("/api/v1/coverage?month=2026-10");
    assert_eq!(status, 200, "{json}");
    let c: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(c["from_snapshot"], true);
    let rows = c["rows"].as_array().unwrap();
    let regency = rows.iter().find(|r| r["code"] == "53.04").unwrap();
    let villages: Vec<_> = rows.iter().filter(|r| r["level"] == "desa").collect();
    assert_eq!(villages.len(), 81);
    let sum = |k: &str| villages.iter().map(|r| r[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(regency["numerator"].as_i64().unwrap(), sum("numerator"));
    assert_eq!(regency["denominator"].as_i64().unwrap(), sum("denominator"));
    assert!(regency["numerator"].as_i64().unwrap() > 0);
    let bp = regency["rate_basis_points"].as_i64().unwrap();
    assert_eq!(
        bp,
        (regency["numerator"].as_i64().unwrap() * 20_000
            + regency["denominator"].as_i64().unwrap())
            / (2 * regency["denominator"].as_i64().unwrap())
    );
    let (status, json) = server.get("/api/v1/coverage?region=53.04.01&month=2026-10&live=true");
    assert_eq!(status, 200);
    let live: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(live["from_snapshot"], false);
    assert_eq!(live["rows"][0]["code"], "53.04.01");
    assert_eq!(server.get("/api/v1/coverage?month=oktober").0, 422);
    assert_eq!(server.get("/api/v1/coverage?region=bukan-kode").0, 422);
    assert_eq!(server.get("/api/v1/coverage?region=53.99").0, 404);

    let (status, atambua) = server.get("/wilayah/53.04.12");
    assert_eq!(status, 200);
    assert!(atambua.contains("Kecamatan Kota Atambua"));
    assert_eq!(
        atambua.matches("<tr>").count(),
        (1 + 4) + 4,
        "breakdown: header + 4 kelurahan; ranking: the same 4"
    );
    assert_eq!(server.get("/wilayah/53.04.99").0, 404);
    assert_eq!(server.get("/wilayah/bukan-kode").0, 404);
    assert_eq!(server.get("/healthz"), (200, "ok".to_string()));

    // a second demo run starts fresh rather than doubling the data
    drop(server);
    jaring()
        .current_dir(dir.path())
        .args(["demo", "--no-serve", "--persons", "1000"])
        .assert()
        .success();
    let admin = token(dir.path(), "jaring-demo.db", "admin");
    let server =
        Server::start(dir.path(), &["--database", "jaring-demo.db", "serve"]).with_token(admin);
    let v: serde_json::Value = serde_json::from_str(&server.get("/api/v1/overview").1).unwrap();
    assert_eq!(v["region"]["persons"], 1000);
}

#[test]
fn jaring_without_arguments_creates_jaring_db_and_serves_a_welcome() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (status, page) = server.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("Basis data masih kosong"), "{page}");
    assert!(page.contains("jaring user add"), "{page}");
    assert!(dir.path().join("jaring.db").exists());
    assert_eq!(server.get("/api/v1/overview").0, 401);
}

#[test]
fn migrate_reports_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    jaring()
        .current_dir(dir.path())
        .args(["--database", "x.db", "migrate"])
        .assert()
        .success()
        .stdout(predicate::str::contains("schema version 17"));
    jaring()
        .args(["--database", "mysql://nope", "migrate"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("unsupported database URL"));
}

#[test]
fn server_keeps_running_when_its_stdout_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &[], false);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.get("/healthz"), (200, "ok".to_string()));
}

#[test]
fn link_finds_the_deaths_of_registry_residents_with_explanations() {
    let dir = tempfile::tempdir().unwrap();
    jaring()
        .args(["generate", "--persons", "6000", "--seed", "4", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let out = dir.path().join("matches.csv");
    jaring()
        .arg("link")
        .arg(dir.path().join("registry.csv"))
        .arg(dir.path().join("deaths.csv"))
        .args(["--one-to-one", "--min-probability", "0.99", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("candidate pairs"));
    let mut truth = std::collections::HashMap::new();
    for r in csv::Reader::from_path(dir.path().join("ground_truth.csv"))
        .unwrap()
        .records()
    {
        let r = r.unwrap();
        if &r[0] == "deaths" {
            truth.insert(r[1].to_string(), r[2].to_string());
        }
    }
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "left_id");
    assert!(
        headers.iter().any(|h| h == "nik_level")
            && headers.iter().any(|h| h == "birth_date_weight")
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let in_registry = truth.values().filter(|p| !p.is_empty()).count();
    let correct = rows
        .iter()
        .filter(|r| truth.get(&r[1]) == Some(&r[0].to_string()))
        .count();
    assert!(
        rows.len() as f64 >= 0.95 * in_registry as f64,
        "{} of {in_registry} found",
        rows.len()
    );
    assert!(
        correct as f64 >= 0.99 * rows.len() as f64,
        "{correct} of {} correct",
        rows.len()
    );
    // each explained level is one the engine knows
    let levels = headers.iter().position(|h| h == "nik_level").unwrap();
    assert!(rows.iter().all(|r| [
        "exact",
        "one digit different",
        "two digits swapped",
        "damaged prefix agrees",
        "different",
        "missing"
    ]
    .contains(&&r[levels])));
}

/// Runs `jaring --database jaring-demo.db ARGS` in `dir`: exit code, stdout, stderr.
fn on_demo(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = jaring()
        .current_dir(dir)
        .args(["--database", "jaring-demo.db"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn review_commands_apply_and_revert_and_audit_verify_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    jaring()
        .current_dir(dir.path())
        .args(["demo", "--no-serve", "--persons", "3000", "--seed", "2"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Usulan / proposals"));
    let run = |args: &[&str]| on_demo(dir.path(), args);
    let (code, list, _) = run(&[
        "review",
        "list",
        "--kind",
        "mark_deceased",
        "--band",
        "auto",
    ]);
    assert_eq!(code, Some(0));
    let first: i64 = list
        .lines()
        .find(|l| l.starts_with('#'))
        .and_then(|l| l[1..].split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a pending death proposal");
    let (code, shown, _) = run(&["review", "show", &first.to_string()]);
    assert_eq!(code, Some(0));
    assert!(
        shown.contains("\"life_status\"") && shown.contains("\"explanation\""),
        "{shown}"
    );

    let (code, out, _) = run(&[
        "review",
        "approve",
        "--all-auto",
        "--kind",
        "mark_deceased",
        "--actor",
        "admin",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("gagal / failed: 0"), "{out}");
    // Approving again is refused with who did it.
    let (code, _, err) = run(&["review", "approve", &first.to_string()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("already applied (by cli:admin)"), "{err}");
    let (code, out, _) = run(&[
        "review",
        "revert",
        &first.to_string(),
        "--reason",
        "salah orang",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let (_, shown, _) = run(&["review", "show", &first.to_string()]);
    assert!(shown.contains("status: reverted"), "{shown}");
    let (code, _, err) = run(&["review", "reject", &first.to_string(), "--reason", " "]);
    assert_eq!(code, Some(1));
    assert!(err.contains("reason"), "{err}");

    // An operator moves resident 1 to another village (code typed without dots); approved, it applies.
    let (code, out, err) = run(&[
        "review",
        "edit",
        "1",
        "--set",
        "village_code=5304012002",
        "--reason",
        "pindah domisili",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let edit: String = out
        .split('#')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let (code, _, err) = run(&["review", "approve", &edit, "--actor", "kasi_pemerintahan"]);
    assert_eq!(code, Some(0), "{err}");
    let (_, history, _) = run(&["audit", "log", "--person", "1"]);
    assert!(
        history.contains("53.04.01.2002") && history.contains("kasi_pemerintahan"),
        "{history}"
    );
    let (code, _, err) = run(&["review", "edit", "1", "--set", "nik=123", "--reason", "x"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not a valid nik"), "{err}");

    let (code, out, _) = run(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("intact"), "{out}");
    let (_, log, _) = run(&["audit", "log", "--actor", "cli:admin", "--limit", "5"]);
    assert_eq!(log.lines().count(), 5, "{log}");

    // Someone edits one entry directly in the database: verify names it and fails.
    let db =
        jaring_store::Database::open(dir.path().join("jaring-demo.db").to_str().unwrap()).unwrap();
    let mut conn = db.conn().unwrap();
    let original = conn
        .query_opt("SELECT actor FROM audit_log WHERE seq = 10", &[])
        .unwrap()
        .unwrap()
        .text(0)
        .unwrap();
    let n = conn
        .execute(
            "UPDATE audit_log SET actor = 'someone_else' WHERE seq = 10",
            &[],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(conn);
    let (code, out, _) = run(&["audit", "verify"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("TAMPERED") && out.contains("entri/entry 10: content does not match"),
        "{out}"
    );
    // Deleting the newest entry (covering one's tracks) is caught too.
    let mut conn = db.conn().unwrap();
    conn.execute(
        "UPDATE audit_log SET actor = $1 WHERE seq = 10",
        &[jaring_store::Value::Text(original)],
    )
    .unwrap();
    let (code, _, _) = run(&["audit", "verify"]);
    assert_eq!(
        code,
        Some(0),
        "restoring the original value restores the chain"
    );
    conn.execute(
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
        &[],
    )
    .unwrap();
    let (code, out, _) = run(&["audit", "verify"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("newest entries are missing"), "{out}");
}

#[test]
fn coverage_gap_budget_and_rules_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    jaring()
        .current_dir(dir.path())
        .args(["demo", "--no-serve", "--persons", "3000", "--seed", "4"])
        .assert()
        .success();
    let run = |args: &[&str]| on_demo(dir.path(), args);
    // The demo took October's snapshot; the regency line carries its parts.
    let (code, out, err) = run(&["coverage", "--at", "2026-10"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("snapshot") && out.contains("Kabupaten Belu"),
        "{out}"
    );
    let regency = out.lines().find(|l| l.starts_with("53.04 ")).unwrap();
    assert!(
        regency.contains('%') && regency.contains(" / "),
        "{regency}"
    );
    let (_, trend, _) = run(&["coverage", "--trend"]);
    assert!(trend.contains("2026-10"), "{trend}");

    let csv_path = dir.path().join("gap.csv");
    let (code, out, err) = run(&[
        "gap",
        "--region",
        "53.04.01",
        "--at",
        "2026-10",
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let n: usize = out.split_whitespace().next().unwrap().parse().unwrap();
    assert!(n > 0, "{out}");
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        text.starts_with("\u{feff}No,ID,NIK,Nama"),
        "{}",
        &text[..40]
    );
    assert_eq!(text.lines().count(), n + 1);
    // The first on the list is explained as eligible, clause by clause.
    let first_id = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    let (_, why, _) = run(&[
        "gap", "--region", "53.04.01", "--at", "2026-10", "--person", &first_id,
    ]);
    assert!(
        why.contains("MEMENUHI SYARAT / eligible") && why.matches('✓').count() == 7,
        "{why}"
    );

    let (code, out, err) = run(&["budget", "--target", "100", "--at", "2026-10"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("Jumlah / total") && out.contains("per tahun/year"),
        "{out}"
    );
    let (_, out, _) = run(&["budget", "--budget", "20160000", "--at", "2026-10"]);
    assert!(
        out.contains("+100 pekerja/workers") && out.contains("Rp 20.160.000 per tahun"),
        "{out}"
    );

    // A rule with a typo is refused and the old rule stays.
    let rule = dir.path().join("rule.toml");
    std::fs::write(
        &rule,
        "[[clause]]\nname = \"desil\"\nexpr = \"desl <= 4\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "programme",
        "rule",
        "bpu_apbd_kab",
        "--set",
        rule.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown variable 'desl'"), "{err}");
    let (_, out, _) = run(&["programme", "rule", "bpu_apbd_kab"]);
    assert!(out.contains("(bawaan / default)"), "{out}");
    std::fs::write(
        &rule,
        "[[clause]]\nname = \"desil 1\"\nexpr = \"desil == 1 && !covered\"\n",
    )
    .unwrap();
    let (code, out, _) = run(&[
        "programme",
        "rule",
        "bpu_apbd_kab",
        "--set",
        rule.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("desil == 1"), "{out}");
    let (code, _, err) = run(&["programme", "grace", "13"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("0–12"), "{err}");
    let (code, out, _) = run(&["programme", "grace", "2"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("grace period: 2"), "{out}");
    let (_, list, _) = run(&["programme", "list"]);
    assert!(
        list.contains("pu_perangkat_desa") && list.contains("Rp 13.262"),
        "{list}"
    );
}

#[test]
fn link_reads_column_roles_from_a_toml_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.csv"),
        "Kode,Nomor KTP,Nama Warga,Tgl Lhr\n1,5304011611780001,Yohanes Bere,1978-11-16\n2,5304015203850002,Maria Hoar,1985-03-12\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.csv"),
        "Urut,KTP,Nama Almarhum,Lahir\n7,5304011611780001,YOHANES BERE,16/11/1978\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("roles.toml"),
        "[left]\nid = \"Kode\"\nnik = \"Nomor KTP\"\nname = \"Nama Warga\"\nbirth_date = \"Tgl Lhr\"\n\n[right]\nid = \"Urut\"\nnik = \"KTP\"\nname = \"Nama Almarhum\"\nbirth_date = \"Lahir\"\n",
    )
    .unwrap();
    jaring()
        .current_dir(dir.path())
        .args([
            "link",
            "a.csv",
            "b.csv",
            "--config",
            "roles.toml",
            "--out",
            "out.csv",
        ])
        .assert()
        .success();
    let out = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let line = out.lines().nth(1).expect("one pair");
    assert!(
        line.starts_with("1,7,") && line.contains(",exact,"),
        "{out}"
    );
    // A misspelt key is an error that says what is expected, not a silent default.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[left]\nnama = \"Nama Warga\"\n",
    )
    .unwrap();
    jaring()
        .current_dir(dir.path())
        .args([
            "link", "a.csv", "b.csv", "--config", "bad.toml", "--out", "out.csv",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("expected [left] and [right]"));
}

#[test]
fn user_commands_add_list_token_disable() {
    let dir = tempfile::tempdir().unwrap();
    let db = "akun.db";
    jaring()
        .current_dir(dir.path())
        .args(["--database", db, "demo", "--no-serve", "--persons", "500"])
        .assert()
        .success()
        .stdout(predicate::str::contains("belu-demo-2026"));
    // The password comes from standard input (a terminal would be asked without echo).
    jaring()
        .current_dir(dir.path())
        .args([
            "--database",
            db,
            "user",
            "add",
            "maria",
            "--role",
            "operator_kecamatan",
            "--region",
            "53.04.01",
            "--name",
            "Maria Hoar",
        ])
        .write_stdin("kopi-pagi-atambua\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("maria"));
    // Wrong level for the role, short password, taken name: refused with the reason.
    jaring()
        .current_dir(dir.path())
        .args([
            "--database",
            db,
            "user",
            "add",
            "ani",
            "--role",
            "operator_desa",
            "--region",
            "53.04",
        ])
        .write_stdin("kopi-pagi-atambua\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("operator_desa"));
    jaring()
        .current_dir(dir.path())
        .args([
            "--database",
            db,
            "user",
            "add",
            "ani",
            "--role",
            "auditor",
            "--region",
            "53.04",
        ])
        .write_stdin("pendek\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("10"));
    jaring()
        .current_dir(dir.path())
        .args([
            "--database",
            db,
            "user",
            "add",
            "maria",
            "--role",
            "auditor",
            "--region",
            "53.04",
        ])
        .write_stdin("kopi-pagi-atambua\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("sudah dipakai"));
    jaring()
        .current_dir(dir.path())
        .args(["--database", db, "user", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("maria").and(predicate::str::contains("operator_kecamatan")),
        );
    let token = token(dir.path(), db, "maria");
    assert!(token.starts_with("jrg_") && token.len() == 68, "{token}");
    jaring()
        .current_dir(dir.path())
        .args(["--database", db, "user", "disable", "maria"])
        .assert()
        .success();
    jaring()
        .current_dir(dir.path())
        .args(["--database", db, "user", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nonaktif"));
    let server = Server::start(dir.path(), &["--database", db, "serve"]).with_token(token);
    assert_eq!(
        server.get("/api/v1/me").0,
        401,
        "a disabled account's token is revoked"
    );
    jaring()
        .current_dir(dir.path())
        .args(["--database", db, "audit", "verify"])
        .assert()
        .success();
}

#[test]
fn claim_and_export_commands_from_death_to_payment() {
    let dir = tempfile::tempdir().unwrap();
    let db = "klaim.db";
    let run = |args: &[&str]| {
        let out = jaring()
            .current_dir(dir.path())
            .args(["--database", db])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["demo", "--no-serve", "--persons", "3000", "--seed", "5"]);
    run(&["review", "approve", "--all-auto", "--kind", "mark_deceased"]);
    let list = run(&["claim", "list", "--status", "candidate"]);
    let id = list
        .lines()
        .next()
        .and_then(|l| l.trim_start_matches('#').split_whitespace().next())
        .expect("a claim candidate after approving deaths")
        .to_string();
    let shown = run(&["claim", "show", &id]);
    assert!(shown.contains("akta_kematian"), "{shown}");
    run(&[
        "claim",
        "update",
        &id,
        "--heir",
        "Maria Hoar:spouse",
        "--doc",
        "kartu_bpjs",
        "--doc",
        "ktp_peserta",
        "--doc",
        "ktp_ahli_waris",
        "--doc",
        "akta_kematian",
        "--doc",
        "kk",
        "--doc",
        "surat_ahli_waris",
    ]);
    run(&["claim", "submit", &id, "--on", "2026-11-02"]);
    let verified = run(&["claim", "verify", &id, "--on", "2026-11-03"]);
    assert!(verified.contains("verified"), "{verified}");
    assert!(verified.contains("Biaya pemakaman") && verified.contains("Rp 10.000.000"));
    assert!(verified.contains("JUMLAH / TOTAL"), "{verified}");
    run(&["claim", "pay", &id, "--on", "2026-11-05"]);
    // The table is data: a new regulation's figures replace it for claims verified afterwards.
    let table = run(&["claim", "table"]);
    assert!(table.contains("\"jkm_lump_sum\": 20000000"), "{table}");
    std::fs::write(
        dir.path().join("tabel.json"),
        table
            .replace("20000000", "25000000")
            .replace("PP 82/2019", "PP baru"),
    )
    .unwrap();
    let replaced = run(&["claim", "table", "--set", "tabel.json"]);
    assert!(
        replaced.contains("\"jkm_lump_sum\": 25000000"),
        "{replaced}"
    );
    let shown = run(&["claim", "show", &id]);
    assert!(
        shown.contains("Rp 20.000.000"),
        "a verified claim keeps its amounts: {shown}"
    );
    let totals = run(&["claim", "totals"]);
    assert!(totals.contains("2026-11"), "{totals}");
    let out = run(&["export", "claims", "--out", "klaim.xlsx"]);
    assert!(out.contains("1 baris"), "{out}");
    assert!(dir.path().join("klaim.xlsx").exists());
    let out = run(&[
        "export",
        "coverage",
        "--month",
        "2026-10",
        "--out",
        "cakupan.csv",
    ]);
    assert!(
        out.contains("94 baris"),
        "regency + 12 kecamatan + 81 villages: {out}"
    );
    run(&["audit", "verify"]);
}

/// `jaring serve` starts and answers on every backend (PostgreSQL's blocking client once aborted the
/// server at start: "Cannot start a runtime from within a runtime").
#[test]
fn serve_starts_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mut databases = vec![("x.db".to_string(), None)];
    if let Ok(url) = std::env::var("JARING_TEST_POSTGRES_URL") {
        let schema = format!("jaring_serve_{}", std::process::id());
        let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let sep = if url.contains('?') { '&' } else { '?' };
        databases.push((
            format!("{url}{sep}options=-c%20search_path%3D{schema}"),
            Some((admin, schema)),
        ));
    }
    for (database, pg) in databases {
        {
            let server = Server::start(dir.path(), &["--database", &database, "serve"]);
            let (status, body) = server.get("/healthz");
            assert_eq!(status, 200, "{database}: {body}");
            assert_eq!(server.get("/masuk").0, 200, "{database}");
            assert_eq!(server.get("/api/v1/overview").0, 401, "{database}");
        }
        if let Some((mut admin, schema)) = pg {
            admin
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .unwrap();
        }
    }
}

/// Issue #17, must show: on a fresh database, a registry import followed by one that renames, moves
/// and marks dead a resident; the changes wait for review, and once approved `audit log --person`
/// shows each with before, after and the command line's actor; the chain verifies.
#[test]
fn a_persons_history_shows_every_change_of_an_import_with_its_actor() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = jaring()
            .current_dir(dir.path())
            .args(["--database", "riwayat.db"])
            .args(args)
            .env("USER", "sekdes")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let header = "NIK,No KK,Nama,Jenis Kelamin,Tempat Lahir,Tanggal Lahir,Alamat,Kode Desa,Hubungan dalam Keluarga,Status Perkawinan,Pekerjaan,Status Hidup,Tanggal Meninggal\n";
    std::fs::write(
        dir.path().join("awal.csv"),
        format!("{header}5304015205900001,5304010101200001,Maria Luruk,P,Kewar,1990-05-12,Dusun 1,53.04.01.2001,Istri,Kawin,Petani/Pekebun,Hidup,\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ubah.csv"),
        format!("{header}5304015205900001,5304010101200001,Maria Luruk Bere,P,Kewar,1990-05-12,Dusun 2,53.04.01.2002,Istri,Kawin,Petani/Pekebun,Hidup,\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mati.csv"),
        format!("{header}5304015205900001,5304010101200001,Maria Luruk Bere,P,Kewar,1990-05-12,Dusun 2,53.04.01.2002,Istri,Kawin,Petani/Pekebun,Meninggal,2026-11-03\n"),
    )
    .unwrap();
    let (code, out) = run(&["import", "--kind", "registry", "awal.csv"]);
    assert_eq!(code, Some(0), "{out}");
    let approve_pending = |what: &str| {
        let (_, list) = run(&["review", "list"]);
        let ids: Vec<String> = list
            .lines()
            .filter(|l| l.starts_with('#'))
            .filter_map(|l| l[1..].split_whitespace().next().map(str::to_string))
            .collect();
        assert!(!ids.is_empty(), "{what}: a proposal waits: {list}");
        for id in ids {
            let (code, out) = run(&["review", "approve", &id]);
            assert_eq!(code, Some(0), "{what}: {out}");
        }
    };
    let (code, out) = run(&["import", "--kind", "registry", "ubah.csv"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("menunggu tinjauan"), "{out}");
    approve_pending("rename and move");
    let (code, out) = run(&["import", "--kind", "registry", "mati.csv"]);
    assert_eq!(code, Some(0), "{out}");
    approve_pending("death");
    let (code, history) = run(&["audit", "log", "--person", "1", "--limit", "100"]);
    assert_eq!(code, Some(0), "{history}");
    for (before, after) in [
        ("Maria Luruk\"", "Maria Luruk Bere"),
        ("53.04.01.2001", "53.04.01.2002"),
        ("alive", "deceased"),
    ] {
        assert!(
            history
                .lines()
                .any(|l| l.contains(before) && l.contains(after) && l.contains("cli:sekdes")),
            "{before} → {after} by cli:sekdes: {history}"
        );
    }
    let (code, out) = run(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{out}");
}

/// An import that could take no row fails (exit 1); one that took some and refused others exits 2;
/// both name the columns the file carries that nothing reads.
#[test]
fn import_exit_codes_tell_nothing_imported_from_some_rows_refused() {
    let dir = tempfile::tempdir().unwrap();
    let header = "NIK,No KK,Nama,Jenis Kelamin,Tanggal Lahir,Kode Desa,Golongan Darah\n";
    std::fs::write(
        dir.path().join("semua-salah.csv"),
        format!("{header}123,5304010101200001,Satu,L,1980-01-01,53.04.01.2001,O\n456,5304010101200001,Dua,P,1981-01-01,53.04.01.2001,O\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sebagian.csv"),
        format!("{header}5304011203850002,5304010101200001,Yohanes Mau,L,1985-03-12,53.04.01.2001,O\n456,5304010101200001,Dua,P,1981-01-01,53.04.01.2001,O\n"),
    )
    .unwrap();
    let run = |file: &str| {
        jaring()
            .current_dir(dir.path())
            .args(["--database", "t.db", "import", "--kind", "registry", file])
            .output()
            .unwrap()
    };
    let all = run("semua-salah.csv");
    assert_eq!(
        all.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&all.stdout)
    );
    let some = run("sebagian.csv");
    assert_eq!(
        some.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&some.stdout)
    );
    let text = String::from_utf8_lossy(&some.stdout);
    assert!(
        text.contains("kolom tidak dipakai / columns not used: Golongan Darah"),
        "{text}"
    );
}
