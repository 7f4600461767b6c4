//! The eligibility-rule compiler (CEL clauses an administrator types into the programme page): any
//! text compiles or is refused with a reason; a compiled rule evaluates without panicking.
#![no_main]

use jaring_rules::{Clause, Facts, Rule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // One clause per line, `name: expression`, as the programme page takes them.
    let clauses: Vec<Clause> = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, e)| Clause::new(n.trim(), e.trim()))
        .collect();
    if let Ok(rule) = Rule::new(&clauses) {
        for facts in [
            Facts::default(),
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
            },
        ] {
            let _ = rule.evaluate(&facts);
        }
    }
});
