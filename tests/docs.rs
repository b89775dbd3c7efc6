//! The rule documentation as users read it: `stemlint explain` for every rule and the
//! `stemlint rules` table, pinned with insta so that moving the docs around (doc comments,
//! macros, generated tables) cannot change a word of them unnoticed.

use std::process::Command;

fn stemlint(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .args(args)
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "stemlint {args:?} failed");
    String::from_utf8(output.stdout).expect("the docs are UTF-8")
}

#[test]
fn every_rule_explained() {
    let table = stemlint(&["rules"]);
    let ids: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(ids.len() >= 30, "the rules table lists every rule: {ids:?}");
    let mut text = String::new();
    for id in ids {
        text.push_str(&format!("===== {id}\n{}", stemlint(&["explain", id])));
    }
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("explain_all", text);
        insta::assert_snapshot!("rules_table", table);
    });
}
