//! Property test over generated documents (random prose, tables, headings, emoji, CRLF):
//! a refresh against a dataset that agrees with every status returns the input byte for byte,
//! and refresh is idempotent. A small seeded generator keeps the dependency tree lean; each
//! failing seed is printed so it can be replayed.

use track_models::dataset::DefinitionIndex;
use track_models::plan::plan_refresh;

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
