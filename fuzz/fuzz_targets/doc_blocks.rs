//! Any text as a coverage doc: the locator (fences, code spans, MDX comments, front matter,
//! tables) never panics, and a refresh is a fixed point — refreshing its own output changes
//! nothing and warns the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use track_models::api::dataset::DefinitionIndex;
use track_models::api::doc::refresh::refresh;
use track_models::api::doc::CoverageDoc;

fuzz_target!(|text: &str| {
    let index = DefinitionIndex::from_paths([
        "definitions/gemm/gemm_n1_k1.json",
        "workloads/gemm/gemm_n1_k1.jsonl",
        "definitions/rmsnorm/rmsnorm_h1.json",
    ]);
    let Ok(doc) = CoverageDoc::parse(text) else {
        return;
    };
    for block in &doc.blocks {
        if let track_models::api::doc::Block::Table(table) = block {
            for row in std::iter::once(&table.header).chain(&table.rows) {
                for cell in row.cells.iter() {
                    assert!(cell.start <= cell.end && cell.end <= text.len());
                }
            }
        }
    }
    let Ok(first) = refresh(&doc, &index) else {
        return;
    };
    let again = CoverageDoc::parse(&first.text).expect("a refreshed doc parses");
    let second = refresh(&again, &index).expect("a refreshed doc refreshes");
    assert_eq!(first.text, second.text, "a refresh is a fixed point");
});
