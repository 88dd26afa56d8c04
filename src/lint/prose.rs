//! Stale prose: a `**Coverage**:` line whose words contradict its own numbers.
//!
//! Rule (the numbers are the refreshed ones; the words are people's and are never edited):
//! - `N / N …` (N > 0) whose words still say `Missing` — "14 / 14 definitions present. Missing: MLA
//!   ragged prefill definition.";
//! - `N / M …` with N < M whose words say `Fully covered`;
//! - `N / M …` with N > 0 whose words say no definition matches ("No existing definitions
//!   match this architecture").
//!
//! A line whose total is not a number (`0 / ?`) is never judged.

/// Why the words of a Coverage line contradict its numbers, if they do.
pub fn contradiction(present: u64, total: u64, words: &str) -> Option<String> {
    let lower = words.to_ascii_lowercase();
    // `0 / 0`: nothing concrete to count, so "Missing" may speak of unmapped modules.
    if present == total && total > 0 && has_word(&lower, "missing") {
        return Some(format!(
            "the Coverage line says \"Missing\" but {present} / {total} definitions are present"
        ));
    }
    if present < total && lower.contains("fully covered") {
        return Some(format!(
            "the Coverage line says \"Fully covered\" but only {present} / {total} definitions are present"
        ));
    }
    if present > 0 && lower.contains("no existing definitions match") {
        return Some(format!(
            "the Coverage line says no existing definitions match but {present} / {total} are present"
        ));
    }
    None
}

/// `word` as a whole word of `text` (ASCII letters around it end it).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        before.is_none_or(|c| !c.is_ascii_alphabetic())
            && after.is_none_or(|c| !c.is_ascii_alphabetic())
    })
}

#[cfg(test)]
mod tests {
    use super::contradiction;

    #[test]
    fn words_against_numbers() {
        assert!(contradiction(
            14,
            14,
            " definitions present. Missing: MLA ragged prefill definition."
        )
        .is_some());
        assert!(contradiction(
            13,
            14,
            " definitions present. Missing: MLA ragged prefill definition."
        )
        .is_none());
        assert!(contradiction(13, 14, " definitions present. Fully covered.").is_some());
        assert!(contradiction(8, 8, " definitions present. Fully covered.").is_none());
        assert!(contradiction(
            3,
            12,
            " referenced definitions present. No existing definitions match this architecture."
        )
        .is_some());
        assert!(contradiction(
            0,
            12,
            " referenced definitions present. No existing definitions match this architecture."
        )
        .is_none());
        assert!(contradiction(0, 0, " present. Missing: a lightning_attn definition.").is_none());
        // "Missing" as part of another word is not the word.
        assert!(contradiction(5, 5, " present. Nothing is missingno.").is_none());
    }
}
