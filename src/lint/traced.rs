//! The dataset's own tags against the doc: which section a `model:<slug>` tag belongs to.
//!
//! Rule: a slug (`llama-3.1-8b`, `qwen3-next`, `deepseek-r1`) belongs to the `##` section whose
//! words — heading split at spaces, `/` and `-`, plus the repo name of its generated marker —
//! contain every word of the slug; when several do, the one with the fewest other words; a tie
//! is no match (never a guess). `deepseek-v3` is `DeepSeek V3 / R1`'s, not `DeepSeek V3.2`'s
//! (`v3` ≠ `v3.2`); `llama-3.3-70b` is `Llama 3.1 / 3.3 70B`'s.

use std::collections::BTreeSet;

/// The words a section is known by.
pub fn section_words(title: &str, hf_repo_id: Option<&str>) -> BTreeSet<String> {
    let mut words = words(title);
    if let Some(repo) = hf_repo_id {
        words.extend(words_of(repo.rsplit('/').next().unwrap_or(repo)));
    }
    words
}

/// The section (index into `sections`) a slug belongs to, if exactly one fits best.
pub fn section_for(slug: &str, sections: &[BTreeSet<String>]) -> Option<usize> {
    let wanted = words_of(slug);
    if wanted.is_empty() {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    let mut tied = false;
    for (index, words) in sections.iter().enumerate() {
        if !wanted.is_subset(words) {
            continue;
        }
        let extra = words.len() - wanted.len();
        match best {
            Some((_, fewest)) if extra > fewest => {}
            Some((_, fewest)) if extra == fewest => tied = true,
            _ => {
                best = Some((index, extra));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(index, _)| index)
}

/// How many words a repo name has beyond the slug's, when it has all of them
/// (`qwen3-14b` in `Qwen/Qwen3-14B-Base`: 1); `None` when it lacks one.
pub fn extra_words(slug: &str, repo_id: &str) -> Option<usize> {
    let wanted = words_of(slug);
    let have = words_of(repo_id.rsplit('/').next().unwrap_or(repo_id));
    (!wanted.is_empty() && wanted.is_subset(&have)).then(|| have.len() - wanted.len())
}

fn words(title: &str) -> BTreeSet<String> {
    words_of(title)
}

/// Lower-case words split at whitespace, `/`, `-` and `_` (`.` stays: `3.1` is one word).
fn words_of(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '/' | '-' | '_' | '(' | ')' | ','))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_find_their_sections() {
        let titles = [
            "DeepSeek V3 / R1",
            "DeepSeek V3.2",
            "Llama 3.1 8B",
            "Llama 3.1 / 3.3 70B",
            "Llama 4 Scout 17B-16E",
            "Qwen3 Next 80B A3B",
            "Qwen3 235B A22B",
        ];
        let sections: Vec<_> = titles.iter().map(|t| section_words(t, None)).collect();
        let find = |slug| section_for(slug, &sections).map(|i| titles[i]);
        assert_eq!(find("deepseek-v3"), Some("DeepSeek V3 / R1"));
        assert_eq!(find("deepseek-r1"), Some("DeepSeek V3 / R1"));
        assert_eq!(find("deepseek-v3.2"), Some("DeepSeek V3.2"));
        assert_eq!(find("llama-3.1-8b"), Some("Llama 3.1 8B"));
        assert_eq!(find("llama-3.3-70b"), Some("Llama 3.1 / 3.3 70B"));
        assert_eq!(find("llama-4-scout-17b-16e"), Some("Llama 4 Scout 17B-16E"));
        assert_eq!(find("qwen3-next"), Some("Qwen3 Next 80B A3B"));
        assert_eq!(find("qwen3-235b"), Some("Qwen3 235B A22B"));
        assert_eq!(find("qwen3-14b"), None);
        assert_eq!(find("gemma-3-27b"), None);
        // The marker's repo name counts as the section's words.
        let marked = [section_words("Kimi", Some("moonshotai/Kimi-K2-Instruct"))];
        assert_eq!(section_for("kimi-k2", &marked), Some(0));
        // Two equally good sections: no guess.
        let twins = [section_words("Foo 1B", None), section_words("Foo 1B", None)];
        assert_eq!(section_for("foo-1b", &twins), None);
    }
}
