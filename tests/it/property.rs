//! Property test over generated documents (random prose, tables, headings, emoji, CRLF):
//! a refresh against a dataset that agrees with every status returns the input byte for byte,
//! and refresh is idempotent. A small seeded generator keeps the dependency tree lean; each
//! failing seed is printed so it can be replayed.

use crate::support::plan_refresh;
use track_models::api::dataset::DefinitionIndex;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Prose words, including table and status look-alikes.
const WORDS: &[&str] = &[
    "kernel",
    "TP=8",
    "|",
    "`code`",
    "✅",
    "🟡",
    "❌",
    "—",
    "**bold**",
    "{/* c */}",
    "<br/>",
    "émoji🚀",
    "Coverage",
    "##",
    "-",
    "x|y",
    "\\|",
];

/// Words for inside a table cell: no unescaped pipe (that would be another cell).
const CELL_WORDS: &[&str] = &[
    "kernel",
    "TP=8",
    "`code`",
    "✅",
    "❌",
    "—",
    "**bold**",
    "émoji🚀",
    "x\\|y",
    "(if hidden=4096)",
];

struct Generated {
    text: String,
    index: DefinitionIndex,
}

fn generate(seed: u64) -> Generated {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let newline = if rng.below(3) == 0 { "\r\n" } else { "\n" };
    let four_state = rng.below(2) == 0;
    let mut index = DefinitionIndex::default();
    let mut body = String::new();
    let mut summary_rows = Vec::new();
    let mut next_name = 0;
    for section in 0..rng.below(6) {
        let title = format!("Model {section} {}", rng.pick(&["A", "B-2", "3.1 / 3.3"]));
        body.push_str(&format!("## {title}{newline}{newline}"));
        let (mut any_present, mut every_ready) = (false, true);
        // Counted since the previous heading or Coverage line, as the rule says.
        let (mut concrete, mut present) = (0, 0);
        for _ in 0..rng.below(3) {
            if rng.below(3) == 0 {
                body.push_str(&format!("### Part {}{newline}{newline}", rng.below(9)));
                (concrete, present) = (0, 0);
            }
            body.push_str(&format!(
                "| Definition | Op Type | Status |{newline}|---|---|:---:|{newline}"
            ));
            for _ in 0..rng.below(6) {
                if rng.below(4) == 0 {
                    let symbol = rng.pick(&["—", "❌ (op type not supported)", "✅"]);
                    every_ready &= symbol == "✅";
                    body.push_str(&format!(
                        "| MoE {} | moe | {symbol} |{newline}",
                        rng.pick(CELL_WORDS)
                    ));
                    continue;
                }
                next_name += 1;
                let name = format!("def_{next_name}");
                let status = rng.below(if four_state { 3 } else { 2 });
                let symbol = match status {
                    0 => "❌",
                    1 => {
                        index.insert_path(&format!("definitions/op/{name}.json"));
                        if four_state {
                            "🟡"
                        } else {
                            "✅"
                        }
                    }
                    _ => {
                        index.insert_path(&format!("definitions/op/{name}.json"));
                        index.insert_path(&format!("workloads/op/{name}.jsonl"));
                        "✅"
                    }
                };
                concrete += 1;
                present += usize::from(status > 0);
                any_present |= status > 0;
                every_ready &= symbol == "✅";
                let tail = if rng.below(3) == 0 {
                    format!(" ({})", rng.pick(CELL_WORDS))
                } else {
                    String::new()
                };
                body.push_str(&format!(
                    "| `{name}` | op TP={} | {symbol}{tail} |{newline}",
                    1 << rng.below(4)
                ));
            }
            body.push_str(newline);
            if rng.below(4) != 0 {
                body.push_str(&format!("**Coverage**: {present} / {concrete} definitions present. {}{newline}{newline}", rng.pick(WORDS)));
                (concrete, present) = (0, 0);
            }
        }
        for _ in 0..rng.below(3) {
            let words: Vec<&str> = (0..rng.below(8)).map(|_| rng.pick(WORDS)).collect();
            body.push_str(&format!("{}{newline}{newline}", words.join(" ")));
        }
        if rng.below(4) == 0 {
            body.push_str(&format!("```{newline}| Definition | Status |{newline}|---|---|{newline}| `fenced_x` | ✅ |{newline}```{newline}{newline}"));
        }
        let label = if !any_present {
            "❌ Not covered"
        } else if every_ready {
            "✅ Fully covered"
        } else {
            "🟡 Partial"
        };
        let shown = if rng.below(2) == 0 {
            title.to_uppercase().replace(' ', "")
        } else {
            title.clone()
        };
        summary_rows.push(format!("| {shown} | GQA | {label} |{newline}"));
    }
    let legend = if four_state {
        format!("- 🟡 definition only{newline}")
    } else {
        String::new()
    };
    let mut text = format!("---{newline}title: Generated{newline}---{newline}{newline}# Coverage{newline}{newline}{legend}{newline}");
    text.push_str(&format!("## Summary{newline}{newline}| Model | Architecture | Coverage |{newline}|---|---|:---:|{newline}"));
    text.push_str(&summary_rows.concat());
    text.push_str(newline);
    text.push_str(&body);
    if rng.below(2) == 0 {
        text.truncate(text.trim_end().len());
    }
    Generated { text, index }
}

#[test]
fn refresh_without_status_changes_is_byte_identical_and_idempotent() {
    for seed in 0..400 {
        let generated = generate(seed);
        let plan = plan_refresh(&generated.text, &generated.index)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{}", generated.text));
        assert!(
            plan.text == generated.text,
            "seed {seed}: changed a consistent doc:\n{}\n---\n{}",
            generated.text,
            plan.text
        );
        let empty = DefinitionIndex::default();
        let once = plan_refresh(&generated.text, &empty).unwrap().text;
        let twice = plan_refresh(&once, &empty).unwrap().text;
        assert!(once == twice, "seed {seed}: refresh is not idempotent");
    }
}

// ------------------------------------------------------------------ mutation fuzzing

/// Damage a doc, a JSX snippet or a YAML file could suffer: cut lines, unclosed fences and
/// comments, stray CRs, symbols in the wrong place, deep nesting, random bytes.
const MUTATIONS: &[&str] = &[
    "```",
    "~~~~",
    "{/*",
    "*/}",
    "\r",
    "---",
    "## Summary",
    "##Summary",
    "| Definition | Status |",
    "|---|---|",
    "| `def_1` | ✅ |",
    "\u{200b}",
    "\u{feff}",
    "❌",
    "✅\u{fe0f}",
    "**Coverage**: 9 / 9",
    "{",
    "[",
    "}",
    "]",
    "\"",
    "'",
    "`",
    "- ",
    ": ",
    "\n",
    "\\",
    "é",
];

/// Applies `count` random mutations at random char boundaries of `text`.
fn mutate(rng: &mut Rng, text: &str, count: usize) -> String {
    let mut text = text.to_string();
    for _ in 0..count {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let at = boundaries[rng.below(boundaries.len())];
        match rng.below(6) {
            // Cut a span.
            0 => {
                let end = boundaries[rng.below(boundaries.len())].max(at);
                let end = end.min(at + 200);
                let end = (end..=text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap();
                text.replace_range(at..end, "");
            }
            // Deep nesting.
            1 => {
                let open = rng.pick(&["[", "{", "{a: ", "- ", " "]);
                text.insert_str(at, &open.repeat(1 + rng.below(5000)));
            }
            _ => text.insert_str(at, rng.pick(MUTATIONS)),
        }
    }
    text
}

#[test]
fn damaged_docs_never_panic_and_a_successful_refresh_is_a_fixed_point() {
    let mut rng = Rng(0x5eed_0013);
    let mut refused = 0;
    for seed in 0..300 {
        let generated = generate(seed);
        let count = 1 + rng.below(4);
        let damaged = mutate(&mut rng, &generated.text, count);
        match plan_refresh(&damaged, &generated.index) {
            Err(error) => {
                refused += 1;
                assert!(error.line >= 1, "seed {seed}: line 0 in {error:?}");
            }
            Ok(plan) => {
                let again = plan_refresh(&plan.text, &generated.index)
                    .unwrap_or_else(|e| panic!("seed {seed}: the refreshed doc is refused: {e}"));
                assert!(
                    again.text == plan.text,
                    "seed {seed}: a refresh of the refreshed doc changed it:\n{damaged}"
                );
            }
        }
    }
    // The damage is real: some docs must be refused, most still read.
    assert!((1..300).contains(&refused), "{refused} of 300 refused");
}

#[test]
fn damaged_jsx_and_yaml_never_panic_or_overflow() {
    use std::path::Path;
    use track_models::api::sources::serving::{parse_cookbook_yaml, parse_jsx_config};

    let root = crate::support::root().join("tests/fixtures");
    let jsx = std::fs::read_to_string(
        root.join("sglang/docs_new/src/snippets/configs/moonshotai/kimi-k2.jsx"),
    )
    .unwrap();
    let yaml = std::fs::read_to_string(root.join("cookbook/v0.5.6/kimi-k2.yaml")).unwrap();
    // The undamaged files read.
    assert!(!parse_jsx_config(&jsx, Path::new("k.jsx"))
        .sources
        .is_empty());
    assert!(!parse_cookbook_yaml(&yaml, Path::new("k.yaml"))
        .sources
        .is_empty());
    let mut rng = Rng(0x5eed_1013);
    for round in 0..150 {
        let count = 1 + rng.below(4);
        let damaged = mutate(&mut rng, &jsx, count);
        let parsed = parse_jsx_config(&damaged, Path::new("k.jsx"));
        for warning in &parsed.warnings {
            assert!(warning.starts_with("`k.jsx`"), "round {round}: {warning}");
        }
        let damaged = mutate(&mut rng, &yaml, count);
        let parsed = parse_cookbook_yaml(&damaged, Path::new("k.yaml"));
        for warning in &parsed.warnings {
            assert!(warning.starts_with("`k.yaml`"), "round {round}: {warning}");
        }
    }
}
