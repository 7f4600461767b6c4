//! `jaring link`: the linkage engine on any two list files, or one list against itself.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use jaring_formats::people::{load_people, People, Roles};
use jaring_linkage::{link, one_to_one, Field, LinkRecord, Options, ScoredPair};

/// Column roles; `--nik NIK` names the column in both files, `--nik "NIK,NIK KTP"` left and right.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RoleArgs {
    /// Record-id column (default: found by heading, else the line number).
    #[arg(long)]
    id: Option<String>,
    /// NIK column.
    #[arg(long)]
    nik: Option<String>,
    /// Name column.
    #[arg(long)]
    name: Option<String>,
    /// Date-of-birth column.
    #[arg(long)]
    birth_date: Option<String>,
    /// Sex column.
    #[arg(long)]
    sex: Option<String>,
    /// Village-code column.
    #[arg(long)]
    region: Option<String>,
    /// Column roles from a TOML file with `[left]` and `[right]` tables (keys `id`, `nik`, `name`,
    /// `birth_date`, `sex`, `region`); flags given as well win.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// One side of a `--config` file.
#[derive(serde::Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct SideConfig {
    id: Option<String>,
    nik: Option<String>,
    name: Option<String>,
    birth_date: Option<String>,
    sex: Option<String>,
    region: Option<String>,
}

/// A `--config` file.
#[derive(serde::Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RoleConfig {
    #[serde(default)]
    left: SideConfig,
    #[serde(default)]
    right: SideConfig,
}

impl RoleArgs {
    /// Roles for the left (`side = 0`) or right (`side = 1`) file: flags first, then the config file,
    /// then (for what neither names) the headings found by synonym.
    fn side(&self, side: usize) -> Result<Roles> {
        let config: RoleConfig = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                toml::from_str(&text).with_context(|| {
                    format!(
                        "{}: expected [left] and [right] with id, nik, name, birth_date, sex, region",
                        path.display()
                    )
                })?
            }
            None => RoleConfig::default(),
        };
        let file = if side == 0 { config.left } else { config.right };
        let pick = |v: &Option<String>, from_file: Option<String>| {
            v.as_ref()
                .map(|s| match s.split_once(',') {
                    Some((l, r)) => if side == 0 { l } else { r }.trim().to_string(),
                    None => s.clone(),
                })
                .or(from_file)
        };
        Ok(Roles {
            id: pick(&self.id, file.id),
            nik: pick(&self.nik, file.nik),
            name: pick(&self.name, file.name),
            birth_date: pick(&self.birth_date, file.birth_date),
            sex: pick(&self.sex, file.sex),
            region: pick(&self.region, file.region),
        })
    }
}

fn load(path: &Path, roles: &Roles) -> Result<People> {
    let people = load_people(path, roles, jaring_domain::today())
        .with_context(|| format!("cannot read {}", path.display()))?;
    let columns: Vec<String> = people
        .columns
        .iter()
        .map(|(r, h)| format!("{r}={h}"))
        .collect();
    eprintln!(
        "{}: {} records ({})",
        path.display(),
        people.records.len(),
        columns.join(", ")
    );
    Ok(people)
}

/// Runs the command.
#[allow(clippy::too_many_arguments)]
pub fn run(
    left: Option<PathBuf>,
    right: Option<PathBuf>,
    dedupe: Option<PathBuf>,
    out: &Path,
    roles: &RoleArgs,
    one_to_one_only: bool,
    min_probability: f64,
    term_frequency: bool,
) -> Result<()> {
    let started = Instant::now();
    let (l, r, self_link) = match (left, right, dedupe) {
        (_, _, Some(file)) => {
            let p = load(&file, &roles.side(0)?)?;
            (p.records.clone(), p.records, true)
        }
        (Some(a), Some(b), None) => (
            load(&a, &roles.side(0)?)?.records,
            load(&b, &roles.side(1)?)?.records,
            false,
        ),
        _ => bail!("give two files (LEFT RIGHT) or --dedupe FILE"),
    };
    let options = Options {
        term_frequency,
        ..Options::default()
    };
    let linkage = if self_link {
        jaring_linkage::dedupe(&l, &options)
    } else {
        link(&l, &r, &options)
    };
    let mut pairs: Vec<ScoredPair> = linkage
        .pairs
        .iter()
        .filter(|p| p.probability >= min_probability && (!self_link || p.left < p.right))
        .cloned()
        .collect();
    if one_to_one_only && !self_link {
        pairs = one_to_one(&pairs);
    }
    let clusters = self_link.then(|| clusters(l.len(), &pairs));
    write(out, &l, &r, &pairs, &linkage.model, clusters.as_deref())?;
    let b = &linkage.blocking;
    eprintln!(
        "{} candidate pairs (per rule: {:?}; {} oversized blocks skipped) → {} pairs written to {} in {:.2} s",
        b.candidate_pairs,
        b.pairs_per_rule,
        b.oversized_blocks,
        pairs.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Groups records connected by pairs (union–find): each duplicate group gets the smallest index as id.
fn clusters(n: usize, pairs: &[ScoredPair]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for p in pairs {
        let (a, b) = (
            root(&mut parent, p.left as usize),
            root(&mut parent, p.right as usize),
        );
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    (0..n).map(|i| root(&mut parent, i)).collect()
}

fn write(
    out: &Path,
    l: &[LinkRecord],
    r: &[LinkRecord],
    pairs: &[ScoredPair],
    model: &jaring_linkage::Model,
    clusters: Option<&[usize]>,
) -> Result<()> {
    let mut w =
        csv::Writer::from_path(out).with_context(|| format!("cannot write {}", out.display()))?;
    let mut header = vec![
        "left_id".to_string(),
        "right_id".into(),
        "left_name".into(),
        "right_name".into(),
        "probability".into(),
        "weight".into(),
    ];
    if clusters.is_some() {
        header.push("cluster".into());
    }
    for f in Field::ALL {
        header.push(format!("{}_level", f.name()));
        header.push(format!("{}_weight", f.name()));
    }
    w.write_record(&header)?;
    for p in pairs {
        let (a, b) = (&l[p.left as usize], &r[p.right as usize]);
        let mut row = vec![
            a.id.clone(),
            b.id.clone(),
            a.name.joined(),
            b.name.joined(),
            format!("{:.6}", p.probability),
            format!("{:.2}", p.weight),
        ];
        if let Some(c) = clusters {
            row.push(l[c[p.left as usize]].id.clone());
        }
        for c in model.explain(&p.gamma) {
            row.push(c.level.unwrap_or("missing").to_string());
            row.push(format!("{:.2}", c.weight));
        }
        let safe = jaring_formats::csv_safe_record(row.iter().map(String::as_str));
        w.write_record(safe.iter().map(|c| c.as_bytes()))?;
    }
    w.flush()?;
    Ok(())
}
