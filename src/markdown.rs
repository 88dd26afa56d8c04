//! Escaping text from outside (model names, repo ids, notes, config values) before it lands in
//! Markdown or MDX, so it cannot break a table, open JSX, start code, or ping anyone — and
//! reading such text back as the plain name it stands for.
//!
//! Two audiences: GitHub (pull request, comments, reports: [`escape_inline`], which also keeps
//! `@` and `&` from forming mentions or entities) and the docs site (the doc:
//! [`escape_doc`], where `@` stays a plain `@`). Escape once, at render time; names travel
//! plain ([`plain_text`]).

/// Escapes inline text for GitHub Markdown (a table cell, a list item, a heading): `\` `|`
/// `<` `>` `{` `}` `` ` `` `*` `_` `[` `]` get a backslash, `&` becomes `&amp;` (so `&#64;`
/// cannot turn into an `@`), and `@` is followed by a zero-width space so `@name` never
/// becomes a mention. Line breaks become spaces.
pub fn escape_inline(text: &str) -> String {
    escape(text, true)
}

/// Escapes inline text for the MDX doc: like [`escape_inline`], but `@` and `&` stay as they
/// are (the docs site pings nobody).
pub fn escape_doc(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, github: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '|' | '<' | '>' | '{' | '}' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '@' if github => out.push_str("@\u{200b}"),
            '&' if github => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The plain text an escaped inline Markdown/MDX fragment (such as a doc heading) stands for:
/// backslash escapes and zero-width characters removed, character references (`&amp;`,
/// `&#64;`, `&#x40;`, …) decoded. For reports, step outputs and JSON.
pub fn plain_text(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(c) = rest.chars().next() {
        let width = c.len_utf8();
        match c {
            '\\' => {
                let next = rest[1..].chars().next();
                match next {
                    Some(n) if n.is_ascii_punctuation() => {
                        out.push(n);
                        rest = &rest[1 + n.len_utf8()..];
                        continue;
                    }
                    _ => out.push('\\'),
                }
            }
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            '&' => {
                if let Some((decoded, used)) = character_reference(rest) {
                    out.push(decoded);
                    rest = &rest[used..];
                    continue;
                }
                out.push('&');
            }
            _ => out.push(c),
        }
        rest = &rest[width..];
    }
    out
}

/// A failure reason made fit for the doc, which is published: URLs (an endpoint, a mirror) and
/// absolute local paths (a `--config-file`, a cache folder) become `(URL)` / `(local path)`;
/// the full reason stays on stderr and in the report. Tokens are whitespace-separated; quotes,
/// backticks and brackets around them are kept.
pub fn redact_locations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, token) in text.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        let core_start = token
            .find(|c: char| !"`'\"([<{".contains(c))
            .unwrap_or(token.len());
        let core = &token[core_start..];
        let url = core
            .find("://")
            .is_some_and(|at| at > 0 && core[..at].bytes().all(|b| b.is_ascii_alphabetic()));
        let path = core.starts_with('/') || core.starts_with("~/");
        if !(url || path) {
            out.push_str(token);
            continue;
        }
        let end = core
            .find(|c: char| "`'\")]>},;".contains(c))
            .map_or(token.len(), |at| core_start + at);
        let end = core_start
            + token[core_start..end]
                .trim_end_matches(['.', ':', ','])
                .len();
        out.push_str(&token[..core_start]);
        out.push_str(if url { "(URL)" } else { "(local path)" });
        out.push_str(&token[end..]);
    }
    out
}

/// A character reference at the start of `text` (`&amp;`, `&#64;`, `&#x40;`): the character
/// and the bytes it took.
fn character_reference(text: &str) -> Option<(char, usize)> {
    let end = text.get(..12.min(text.len()))?.find(';')?;
    let name = &text[1..end];
    let decoded = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "commat" => '@',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((decoded, end + 1))
}

/// Escapes prose for the doc we compose around values from outside (notes, reasons): like
/// [`escape_doc`], except that a backtick code span whose content is a plain identifier
/// (`[A-Za-z0-9_.:/-]+`) is kept as code.
pub fn escape_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        out.push_str(&escape_doc(&rest[..open]));
        let after = &rest[open + 1..];
        let span = after
            .find('`')
            .map(|close| &after[..close])
            .filter(|inner| {
                !inner.is_empty()
                    && inner
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.:/-".contains(&b))
            });
        match span {
            Some(inner) => {
                out.push('`');
                out.push_str(inner);
                out.push('`');
                rest = &after[inner.len() + 1..];
            }
            None => {
                out.push_str("\\`");
                rest = after;
            }
        }
    }
    out.push_str(&escape_doc(rest));
    out
}

/// Text for inside a backtick code span: backticks and pipes cannot be escaped there, so they
/// are replaced (a definition name never contains either).
pub fn code_span(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '/',
            '\r' | '\n' => ' ',
            _ => c,
        })
        .collect();
    format!("`{clean}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_redacted() {
        assert_eq!(
            redact_locations("reading the config file `/home/ci/x/config.json` for `m`: not found"),
            "reading the config file `(local path)` for `m`: not found"
        );
        assert_eq!(
            redact_locations("GET http://127.0.0.1:9/api/models/a/b: timed out (after 3 tries)"),
            "GET (URL): timed out (after 3 tries)"
        );
        assert_eq!(
            redact_locations("`org/repo` is gated; ratio 3/4 (see https://hf.co/x)."),
            "`org/repo` is gated; ratio 3/4 (see (URL))."
        );
    }

    #[test]
    fn hostile_names() {
        assert_eq!(
            escape_inline("a|b<c>{d}`e` @bob"),
            "a\\|b\\<c\\>\\{d\\}\\`e\\` @\u{200b}bob"
        );
        assert_eq!(escape_inline("Qwen3 8B"), "Qwen3 8B");
        assert_eq!(
            escape_inline("&#64;team &#x40;org/t"),
            "&amp;#64;team &amp;#x40;org/t"
        );
        assert_eq!(escape_doc("a|b @bob & co"), "a\\|b @bob & co");
        assert_eq!(code_span("x|`y"), "`x/'y`");
        assert_eq!(
            escape_prose("`quant_method` fp8 <b> `a b` `"),
            "`quant_method` fp8 \\<b\\> \\`a b\\` \\`"
        );
    }

    #[test]
    fn plain_text_undoes_any_escaping() {
        for name in [
            "Evil | <b> {x} `y` @bob & co",
            "Qwen3 8B",
            "C:\\path",
            "a_b*c[d]",
        ] {
            assert_eq!(plain_text(&escape_inline(name)), name);
            assert_eq!(plain_text(&escape_doc(name)), name);
        }
        assert_eq!(
            plain_text("&#64;team and &#x40;org/t &amp; x"),
            "@team and @org/t & x"
        );
        assert_eq!(plain_text("a\u{200b}b &unknown; & c"), "ab &unknown; & c");
    }
}
