//! Any line as a pipe-table row: cells are in order, inside the line, never more than
//! `MAX_CELLS` located, and counted all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use track_models::api::doc::table::{is_delimiter, parse_row, MAX_CELLS};

fuzz_target!(|line: &str| {
    let line = line.split(['\n', '\r']).next().unwrap_or_default();
    let Some(row) = parse_row(line, 0, 0, line.len()) else {
        assert!(!line.trim_start_matches(' ').starts_with('|') || line.starts_with("    "));
        return;
    };
    assert!(row.cells.len() <= MAX_CELLS);
    assert!(row.len() >= row.cells.len());
    assert_eq!(row.len() > MAX_CELLS, row.cells.len() == MAX_CELLS && row.len() != MAX_CELLS);
    let mut previous = 0;
    for (index, cell) in row.cells.iter().enumerate() {
        assert!(previous <= cell.start && cell.start <= cell.end && cell.end <= line.len());
        previous = cell.end;
        // Every cell is text between pipes: reading it never splits a character.
        let _ = row.cell(line, index).expect("the cell exists");
        let trimmed = row.trimmed_range(line, index).expect("the cell exists");
        assert!(cell.start <= trimmed.start && trimmed.end <= cell.end);
    }
    let _ = is_delimiter(line, &row);
});
