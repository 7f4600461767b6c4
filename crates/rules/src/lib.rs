//! Eligibility rules for programmes, written as [CEL](https://cel.dev) expressions rather than an
//! invented language: a rule is a list of named clauses, all of which must hold. Keeping clauses apart
//! is what lets every decision explain itself ("excluded: a household member is ASN") and lets a
//! regency edit one condition without rewriting the rest.
//!
//! Rules are checked when saved: a syntax error, a misspelt variable (`desl`) or a clause that is not
//! true/false is refused with a clear message, never evaluated as a silent `false`.

use cel::{Context, Program, Value};
use serde::{Deserialize, Serialize};

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    /// Short name shown in explanations (Bahasa Indonesia), e.g. `usia 18–65`.
    pub name: String,
    /// CEL expression over the variables in [`VARIABLES`], e.g. `age >= 18 && age <= 65`.
    pub expr: String,
}

impl Clause {
    /// A clause from its name and expression.
    pub fn new(name: &str, expr: &str) -> Clause {
        Clause {
            name: name.into(),
            expr: expr.into(),
        }
    }
}

/// The facts about a person a rule may use, with what each means.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "age",
        "age in whole years on the evaluation date (null when the birth date is unknown)",
    ),
    ("alive", "the person is alive"),
    ("resident", "alive and not moved out of the regency"),
    ("sex", "'m' or 'f'"),
    (
        "desil",
        "DTSEN welfare decile 1–10 (null when not in DTSEN)",
    ),
    (
        "worker_category",
        "'rentan', 'informal', 'formal', 'perangkat_desa', 'civil_servant', 'not_working'",
    ),
    (
        "civil_servant",
        "the person is ASN (PNS/PPPK), TNI or Polri",
    ),
    (
        "household_civil_servant",
        "someone in the household (incl. the person) is ASN, TNI or Polri",
    ),
    (
        "household_official",
        "someone in the household (incl. the person) is a village official",
    ),
    (
        "covered",
        "already an active BPJS Ketenagakerjaan member (any programme)",
    ),
    ("village", "village code, e.g. '53.04.01.2001'"),
    ("district", "kecamatan code, e.g. '53.04.01'"),
];

/// What is known about one person when a rule is evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facts {
    /// Age in years.
    pub age: Option<i64>,
    /// Alive.
    pub alive: bool,
    /// Alive and living in the regency.
    pub resident: bool,
    /// `m`/`f`.
    pub sex: String,
    /// DTSEN decile.
    pub desil: Option<i64>,
    /// Worker-category code.
    pub worker_category: String,
    /// ASN/TNI/Polri.
    pub civil_servant: bool,
    /// A household member is ASN/TNI/Polri.
    pub household_civil_servant: bool,
    /// A household member is a village official.
    pub household_official: bool,
    /// Active member already.
    pub covered: bool,
    /// Village code.
    pub village: String,
    /// Kecamatan code.
    pub district: String,
}

/// Why a rule cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The rule has no clauses.
    #[error("aturan kosong / the rule has no clauses")]
    Empty,
    /// A clause has no name.
    #[error("klausa {0} tidak bernama / clause {0} has no name")]
    Unnamed(usize),
    /// CEL could not parse it.
    #[error("klausa '{clause}': sintaks salah / syntax error: {message}")]
    Syntax {
        /// Clause name.
        clause: String,
        /// The parser's message.
        message: String,
    },
    /// It names a variable that does not exist.
    #[error("klausa '{clause}': variabel '{variable}' tidak dikenal / unknown variable '{variable}' (known: {known})")]
    UnknownVariable {
        /// Clause name.
        clause: String,
        /// The unknown name.
        variable: String,
        /// The known names.
        known: String,
    },
    /// It does not give true or false (or fails) on a sample person.
    #[error(
        "klausa '{clause}' tidak menghasilkan benar/salah / does not give true or false: {message}"
    )]
    NotBoolean {
        /// Clause name.
        clause: String,
        /// What it gave instead.
        message: String,
    },
}

/// One clause's outcome for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseResult {
    /// Clause name.
    pub name: String,
    /// Whether it held. A clause that fails to evaluate (e.g. `age >= 18` with an unknown age) does not
    /// hold, and says why.
    pub passed: bool,
    /// Why it could not be evaluated, if so.
    pub error: Option<String>,
}

/// A rule's verdict on one person, clause by clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// All clauses held.
    pub eligible: bool,
    /// Each clause.
    pub clauses: Vec<ClauseResult>,
}

impl Decision {
    /// Names of the clauses that excluded the person.
    pub fn failed(&self) -> Vec<&str> {
        self.clauses
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// A validated, compiled rule.
pub struct Rule {
    clauses: Vec<(Clause, Program)>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.clauses.iter().map(|(c, _)| c))
            .finish()
    }
}

fn context(f: &Facts) -> Context<'static, 'static> {
    let mut c = Context::default();
    let opt = |v: Option<i64>| v.map(Value::Int).unwrap_or(Value::Null);
    // add_variable only fails for values that cannot be converted; these are plain scalars.
    let _ = c.add_variable("age", opt(f.age));
    let _ = c.add_variable("alive", f.alive);
    let _ = c.add_variable("resident", f.resident);
    let _ = c.add_variable("sex", f.sex.clone());
    let _ = c.add_variable("desil", opt(f.desil));
    let _ = c.add_variable("worker_category", f.worker_category.clone());
    let _ = c.add_variable("civil_servant", f.civil_servant);
    let _ = c.add_variable("household_civil_servant", f.household_civil_servant);
    let _ = c.add_variable("household_official", f.household_official);
    let _ = c.add_variable("covered", f.covered);
    let _ = c.add_variable("village", f.village.clone());
    let _ = c.add_variable("district", f.district.clone());
    c
}

impl Rule {
    /// Compiles and checks every clause.
    pub fn new(clauses: &[Clause]) -> Result<Rule, RuleError> {
        if clauses.is_empty() {
            return Err(RuleError::Empty);
        }
        let sample = context(&Facts {
            age: Some(30),
            alive: true,
            resident: true,
            sex: "f".into(),
            desil: Some(3),
            worker_category: "rentan".into(),
            village: "53.04.01.2001".into(),
            district: "53.04.01".into(),
            ..Facts::default()
        });
        let mut compiled = Vec::new();
        for (i, clause) in clauses.iter().enumerate() {
            if clause.name.trim().is_empty() {
                return Err(RuleError::Unnamed(i + 1));
            }
            let program = Program::compile(&clause.expr).map_err(|e| RuleError::Syntax {
                clause: clause.name.clone(),
                message: e.to_string(),
            })?;
            let references = program.references();
            if let Some(unknown) = references
                .variables()
                .into_iter()
                .find(|v| !VARIABLES.iter().any(|(k, _)| k == v))
            {
                return Err(RuleError::UnknownVariable {
                    clause: clause.name.clone(),
                    variable: unknown.to_string(),
                    known: VARIABLES
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            match program.execute(&sample) {
                Ok(Value::Bool(_)) => {}
                Ok(other) => {
                    return Err(RuleError::NotBoolean {
                        clause: clause.name.clone(),
                        message: format!("{other:?}"),
                    })
                }
                Err(e) => {
                    return Err(RuleError::NotBoolean {
                        clause: clause.name.clone(),
                        message: e.to_string(),
                    })
                }
            }
            compiled.push((clause.clone(), program));
        }
        Ok(Rule { clauses: compiled })
    }

    /// The clauses.
    pub fn clauses(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().map(|(c, _)| c)
    }

    /// Evaluates every clause (not stopping at the first failure, so the explanation is complete).
    pub fn evaluate(&self, facts: &Facts) -> Decision {
        let ctx = context(facts);
        let clauses: Vec<ClauseResult> = self
            .clauses
            .iter()
            .map(|(c, p)| match p.execute(&ctx) {
                Ok(Value::Bool(b)) => ClauseResult {
                    name: c.name.clone(),
                    passed: b,
                    error: None,
                },
                Ok(other) => ClauseResult {
                    name: c.name.clone(),
                    passed: false,
                    error: Some(format!("not true/false: {other:?}")),
                },
                Err(e) => ClauseResult {
                    name: c.name.clone(),
                    passed: false,
                    error: Some(e.to_string()),
                },
            })
            .collect();
        Decision {
            eligible: clauses.iter().all(|c| c.passed),
            clauses,
        }
    }
}

/// The default rule for subsidised vulnerable-worker (BPU) programmes (PRODUCT.md §5, DOMAIN.md §1.5,
/// §4.4): working age, resident, poor, vulnerable or informal, no civil servant or village official in
/// the household, not yet covered.
pub fn default_rentan_rule() -> Vec<Clause> {
    vec![
        Clause::new(
            "usia 18–65 / age 18–65",
            "age != null && age >= 18 && age <= 65",
        ),
        Clause::new("penduduk hidup / alive resident", "alive && resident"),
        Clause::new(
            "desil DTSEN ≤ 5 / DTSEN decile ≤ 5",
            "desil != null && desil <= 5",
        ),
        Clause::new(
            "pekerja rentan atau informal / vulnerable or informal worker",
            "worker_category in ['rentan', 'informal']",
        ),
        Clause::new(
            "tidak ada ASN/TNI/Polri dalam KK / no civil servant in the household",
            "!household_civil_servant",
        ),
        Clause::new(
            "tidak ada perangkat desa dalam KK / no village official in the household",
            "!household_official",
        ),
        Clause::new("belum terlindungi / not yet covered", "!covered"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poor_farmer() -> Facts {
        Facts {
            age: Some(40),
            alive: true,
            resident: true,
            sex: "m".into(),
            desil: Some(2),
            worker_category: "rentan".into(),
            village: "53.04.01.2001".into(),
            district: "53.04.01".into(),
            ..Facts::default()
        }
    }

    #[test]
    fn the_default_rule_explains_every_exclusion() {
        let rule = Rule::new(&default_rentan_rule()).unwrap();
        let d = rule.evaluate(&poor_farmer());
        assert!(d.eligible, "{d:?}");
        assert_eq!(d.clauses.len(), 7);

        let mut f = poor_farmer();
        f.household_civil_servant = true;
        f.age = Some(70);
        let d = rule.evaluate(&f);
        assert!(!d.eligible);
        assert_eq!(
            d.failed(),
            vec![
                "usia 18–65 / age 18–65",
                "tidak ada ASN/TNI/Polri dalam KK / no civil servant in the household"
            ]
        );
        // Edges of the age band and the decile.
        for (age, ok) in [(17, false), (18, true), (65, true), (66, false)] {
            let mut f = poor_farmer();
            f.age = Some(age);
            assert_eq!(rule.evaluate(&f).eligible, ok, "age {age}");
        }
        let mut f = poor_farmer();
        f.desil = Some(6);
        assert_eq!(
            rule.evaluate(&f).failed(),
            vec!["desil DTSEN ≤ 5 / DTSEN decile ≤ 5"]
        );
        // Unknown facts exclude, and say so, rather than passing by accident.
        let mut f = poor_farmer();
        f.age = None;
        f.desil = None;
        let d = rule.evaluate(&f);
        assert_eq!(d.failed().len(), 2, "{d:?}");
    }

    #[test]
    fn mistakes_are_refused_when_the_rule_is_saved() {
        let typo = Rule::new(&[Clause::new("desil", "desl <= 4")]).unwrap_err();
        assert!(matches!(&typo, RuleError::UnknownVariable { variable, .. } if variable == "desl"));
        assert!(typo.to_string().contains("unknown variable 'desl'"));
        let syntax = Rule::new(&[Clause::new("usia", "age >= && 18")]).unwrap_err();
        assert!(matches!(syntax, RuleError::Syntax { .. }));
        let not_bool = Rule::new(&[Clause::new("usia", "age + 1")]).unwrap_err();
        assert!(
            matches!(not_bool, RuleError::NotBoolean { .. }),
            "{not_bool}"
        );
        assert_eq!(Rule::new(&[]).unwrap_err(), RuleError::Empty);
        assert_eq!(
            Rule::new(&[Clause::new(" ", "alive")]).unwrap_err(),
            RuleError::Unnamed(1)
        );
    }

    #[test]
    fn clauses_can_use_regions_and_membership() {
        let rule = Rule::new(&[
            Clause::new("Kecamatan Lamaknen", "district == '53.04.01'"),
            Clause::new("desa tertentu", "village.startsWith('53.04.01.20')"),
        ])
        .unwrap();
        assert!(rule.evaluate(&poor_farmer()).eligible);
        let mut f = poor_farmer();
        f.district = "53.04.02".into();
        assert_eq!(rule.evaluate(&f).failed(), vec!["Kecamatan Lamaknen"]);
    }
}
