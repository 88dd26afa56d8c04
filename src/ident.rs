//! Identifiers that come from outside (an API answer, a cached file, a flag) checked before they
//! touch the file system or a log line: the one place every cache asks "is this safe as a path
//! component?" and every message asks "how much of this outside string may I echo?".
//!
//! Each check is a whitelist of characters and lengths, so `/dev/zero`, `../x`, an empty string
//! and a 7 MB answer are all refused by the same rule.

use std::borrow::Cow;

/// A git object id as GitHub answers it: exactly 40 lowercase hex digits (SHA-1).
pub fn is_git_sha(sha: &str) -> bool {
    sha.len() == 40 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A Hub commit id or ref value: 4 to 64 ASCII letters and digits (one path component).
pub fn is_hub_commit(sha: &str) -> bool {
    (4..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A Hub ETag used as a blob file name: 1 to 128 of letters, digits, `-`, `_`, `.`, not
/// starting with `.`.
pub fn is_hub_etag(etag: &str) -> bool {
    (1..=128).contains(&etag.len())
        && !etag.starts_with('.')
        && etag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A Hub repo id: `org/name` (or a legacy bare `name`) of letters, digits, `-`, `_`, `.`; no
/// part starting or ending with `-` or `.`; no `--` or `..` (a cache folder
/// `models--{org}--{name}` must map back to one repo); at most 96 bytes.
pub fn is_hub_repo_id(repo: &str) -> bool {
    let part_ok = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && !part.starts_with(['-', '.'])
            && !part.ends_with(['-', '.'])
    };
    let mut parts = repo.split('/');
    let (first, second, rest) = (parts.next(), parts.next(), parts.next());
    repo.len() <= 96
        && rest.is_none()
        && first.is_some_and(part_ok)
        && second.is_none_or(part_ok)
        && !repo.contains("--")
        && !repo.contains("..")
}

/// A branch or tag name as `git check-ref-format --branch` accepts it, limited to 255 bytes
/// of printable ASCII: no `..`, `@{`, `//`, control characters, space, `~^:?*[\`, no leading
/// `-` or `/`, no trailing `/` or `.`, no component starting with `.` or ending in `.lock`.
pub fn is_git_ref(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 || name.starts_with(['-', '/']) {
        return false;
    }
    if name.ends_with(['/', '.']) || name.contains("..") || name.contains("@{") || name == "@" {
        return false;
    }
    let bad_byte = |b: u8| b <= b' ' || b == 0x7f || b"~^:?*[\\".contains(&b);
    if name.bytes().any(bad_byte) {
        return false;
    }
    name.split('/')
        .all(|part| !part.is_empty() && !part.starts_with('.') && !part.ends_with(".lock"))
}

/// A relative path inside a repository or cache: `/`-separated normal components (no empty
/// component, no `.` or `..`, no leading `/`, no NUL or control character), at most 1,024 bytes.
pub fn is_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 1024
        && !path.bytes().any(|b| b < b' ' || b == 0x7f || b == b'\\')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// How many characters of an outside string a message echoes by default.
pub const ECHO_CHARS: usize = 200;

/// `text` for a message: at most [`ECHO_CHARS`] characters, control characters shown as `�`,
/// and a longer text cut with `… (N bytes)` saying how long it was.
pub fn echo(text: &str) -> Cow<'_, str> {
    echo_at_most(text, ECHO_CHARS)
}

/// [`echo`] with another bound.
pub fn echo_at_most(text: &str, max_chars: usize) -> Cow<'_, str> {
    let clean = |c: char| !c.is_control();
    let mut chars = text.char_indices();
    let cut = chars.nth(max_chars).map(|(at, _)| at);
    match cut {
        None if text.chars().all(clean) => Cow::Borrowed(text),
        None => Cow::Owned(
            text.chars()
                .map(|c| if clean(c) { c } else { '�' })
                .collect(),
        ),
        Some(at) => {
            let shown: String = text[..at]
                .chars()
                .map(|c| if clean(c) { c } else { '�' })
                .collect();
            Cow::Owned(format!("{shown}… ({} bytes)", text.len()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_shas_are_forty_lowercase_hex_digits() {
        assert!(is_git_sha("0123456789abcdef0123456789abcdef01234567"));
        for bad in [
            "/dev/zero",
            "0123456789ABCDEF0123456789ABCDEF01234567",
            "0123456789abcdef0123456789abcdef0123456",
            "0123456789abcdef0123456789abcdef012345678",
            "../../../../../../../../../../../etc/pas",
            "",
        ] {
            assert!(!is_git_sha(bad), "{bad:?}");
        }
    }

    #[test]
    fn hub_commits_and_etags_are_single_path_components() {
        assert!(is_hub_commit("main"));
        assert!(is_hub_commit("0123456789abcdef0123456789abcdef01234567"));
        assert!(!is_hub_commit("a/b"));
        assert!(!is_hub_commit("abc"));
        assert!(!is_hub_commit(&"a".repeat(65)));
        assert!(is_hub_etag("a1b2-c3.d_4"));
        assert!(!is_hub_etag(".."));
        assert!(!is_hub_etag("a/b"));
        assert!(!is_hub_etag(""));
        assert!(!is_hub_etag(&"a".repeat(129)));
    }

    #[test]
    fn hub_repo_ids_map_to_one_cache_folder() {
        for good in [
            "Qwen/Qwen3-8B",
            "gpt2",
            "meta-llama/Llama-3.1-8B",
            "a_b/c.d",
        ] {
            assert!(is_hub_repo_id(good), "{good:?}");
        }
        for bad in [
            "", "/", "a/", "/a", "a/b/c", "a--b/c", "a/b..c", "../a", "-a/b", "a./b", "a/b ",
            "a/b\0", "a\\b",
        ] {
            assert!(!is_hub_repo_id(bad), "{bad:?}");
        }
        assert!(is_hub_repo_id(&format!("o/{}", "a".repeat(94))));
        assert!(!is_hub_repo_id(&format!("o/{}", "a".repeat(95))));
    }

    #[test]
    fn refs_follow_check_ref_format() {
        for good in ["main", "track-models/coverage", "v1.2.3", "release/2026-12"] {
            assert!(is_git_ref(good), "{good:?}");
        }
        for bad in [
            "", "-x", "/x", "x/", "x.", "a..b", "a@{b", "@", "a b", "a~1", "a^", "a:b", "a?", "a*",
            "a[b", "a\\b", "a//b", ".hidden", "a/.b", "x.lock", "a/b.lock", "a\u{7f}",
        ] {
            assert!(!is_git_ref(bad), "{bad:?}");
        }
        assert!(!is_git_ref(&"a".repeat(256)));
    }

    #[test]
    fn relative_paths_have_normal_components_only() {
        assert!(is_relative_path(
            "docs_new/src/snippets/configs/moonshotai/kimi-k3.jsx"
        ));
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "./a",
            "a//b",
            "a/",
            "a\0b",
            "a\\b",
            "a\nb",
        ] {
            assert!(!is_relative_path(bad), "{bad:?}");
        }
        assert!(!is_relative_path(&"a".repeat(1025)));
    }

    #[test]
    fn echo_cuts_long_text_and_masks_control_characters() {
        assert_eq!(echo("main"), "main");
        assert_eq!(echo("a\nb\u{1b}[31m"), "a�b�[31m");
        let long = "é".repeat(300);
        let shown = echo(&long);
        assert_eq!(shown, format!("{}… (600 bytes)", "é".repeat(200)));
        assert_eq!(echo_at_most("abcdef", 3), "abc… (6 bytes)");
        assert_eq!(echo_at_most("abc", 3), "abc");
    }
}
