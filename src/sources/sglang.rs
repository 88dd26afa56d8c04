//! SGLang's model catalog: which model classes SGLang registers, and the example HF repo ids its
//! supported-models docs list per family. Local files only.
//!
//! What it reads, from an SGLang checkout ([`SglangCatalog::from_dir`]):
//! - every top-level `python/sglang/srt/models/*.py` for a module-level `EntryClass = X`,
//!   `EntryClass = [X, Y]` or `EntryClass = (X, Y)` (multi-line, comments, trailing commas,
//!   `[A] + [B]`). A class is served when it equals `architectures[0]` of a model's
//!   `config.json`. Files without `EntryClass` and sub-folders are helpers and contribute nothing.
//! - the supported-models tables: the new MDX pages `docs_new/docs/supported-models/*.mdx` (HTML
//!   `<table>` with JSX `style={{…}}` attributes, ids in `<code>` or backticks) and the old
//!   Markdown pipe tables `docs/supported_models/**/*.md`. The family is the first column (or the
//!   one headed "family"), the ids come from the column headed "identifier". The new pages win
//!   when both list a repo id.
//!
//! Or, with no checkout, a compiled-in snapshot ([`SglangCatalog::bundled`]): `sglang_models.tsv`
//! (a copy of the reference list of model files and their `EntryClass` names) and
//! `sglang_doc_models.tsv` (the supported-models tables as family / repo id rows).
//!
//! Guarantees: never panics on input; an unreadable file or an `EntryClass` it cannot read is a
//! warning naming the file and line, and the other files still count. Every class is classified
//! by name alone ([`classify`]), so a checkout and the bundled list agree.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use super::serving::files_under;

/// What a registered class is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClassKind {
    /// A model SGLang serves for generation (text or multimodal).
    Generative,
    /// A speculative-decoding draft (NextN / MTP / Eagle / DSpark / DFlash / draft / assistant).
    Draft,
    /// Embedding, reward and classification models.
    Pooling,
    /// The generic `Transformers*` fallbacks, which serve no particular architecture.
    Fallback,
}

/// One class listed in one file's `EntryClass`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelClass {
    /// The file name inside `python/sglang/srt/models/`, e.g. `deepseek_v2.py`.
    pub file: String,
    pub class: String,
    pub kind: ClassKind,
}

/// The model classes SGLang registers and the repo ids its docs name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SglangCatalog {
    /// In file-name order, then `EntryClass` order. A class registered by two files appears twice.
    pub classes: Vec<ModelClass>,
    /// (family, repo id) from the supported-models tables, in document order, one row per repo id.
    pub doc_repo_ids: Vec<(String, String)>,
    /// `sglang dir <path>` or `bundled list (<date>)`.
    pub source: String,
    pub warnings: Vec<String>,
}

/// When the bundled snapshot was taken.
pub const BUNDLED_DATE: &str = "2026-11-27";
const BUNDLED_MODELS_TSV: &str = include_str!("sglang_models.tsv");
const BUNDLED_DOC_MODELS_TSV: &str = include_str!("sglang_doc_models.tsv");

impl SglangCatalog {
    /// Reads an SGLang checkout rooted at `sglang_dir`.
    pub fn from_dir(sglang_dir: &Path) -> SglangCatalog {
        let mut catalog = SglangCatalog {
            classes: Vec::new(),
            doc_repo_ids: Vec::new(),
            source: format!("sglang dir {}", sglang_dir.display()),
            warnings: Vec::new(),
        };
        let models_dir = sglang_dir.join("python/sglang/srt/models");
        if models_dir.is_dir() {
            catalog.read_model_files(&models_dir);
        } else {
            // A partial checkout (docs only) must not make every model "implementation pending".
            catalog.classes = SglangCatalog::bundled().classes;
            catalog.source = format!(
                "sglang dir {} (model classes: bundled list ({BUNDLED_DATE}))",
                sglang_dir.display()
            );
            catalog.warnings.push(format!(
                "`{}` has no `python/sglang/srt/models`: SGLang's model classes come from the bundled list ({BUNDLED_DATE})\nhint: pass the root of a full SGLang checkout",
                sglang_dir.display()
            ));
        }

        let mut docs = Vec::new();
        let new_docs = sglang_dir.join("docs_new/docs/supported-models");
        if new_docs.is_dir() {
            match fs::read_dir(&new_docs) {
                Ok(entries) => {
                    let mut pages: Vec<_> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && has_extension(p, &["mdx", "md"]))
                        .collect();
                    pages.sort();
                    docs.extend(pages);
                }
                Err(err) => catalog
                    .warnings
                    .push(format!("`{}`: cannot list: {err}", new_docs.display())),
            }
        }
        let old_docs = sglang_dir.join("docs/supported_models");
        if old_docs.is_dir() {
            docs.extend(files_under(&old_docs, &["md"], &mut catalog.warnings));
        }
        let mut seen = HashSet::new();
        for page in docs {
            match super::serving::read_text(&page) {
                Ok(text) => {
                    for (family, repo_id) in parse_supported_models_doc(&text) {
                        if seen.insert(repo_id.to_lowercase()) {
                            catalog.doc_repo_ids.push((family, repo_id));
                        }
                    }
                }
                Err(err) => catalog
                    .warnings
                    .push(format!("`{}`: cannot read: {err}", page.display())),
            }
        }
        catalog
    }

    /// Reads the same files from memory: `files` maps repository paths to their text (a
    /// [`crate::sources::github_repo::RepoSnapshot`]). Only top-level
    /// `python/sglang/srt/models/*.py`, `docs_new/docs/supported-models/*.{mdx,md}` and
    /// `docs/supported_models/**/*.md` count. With no model file at all, the classes come from
    /// the bundled list (with a warning), as for a partial checkout.
    pub fn from_files(
        source: String,
        files: &std::collections::BTreeMap<String, String>,
    ) -> SglangCatalog {
        let mut catalog = SglangCatalog {
            classes: Vec::new(),
            doc_repo_ids: Vec::new(),
            source,
            warnings: Vec::new(),
        };
        let in_folder = |path: &str, folder: &str, nested: bool| {
            path.strip_prefix(folder)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| nested || !rest.contains('/'))
        };
        let mut model_files = 0;
        for (path, text) in files {
            if !(in_folder(path, "python/sglang/srt/models", false) && path.ends_with(".py")) {
                continue;
            }
            model_files += 1;
            let file = path.rsplit('/').next().unwrap_or(path);
            match parse_entry_class(text) {
                Ok(Some(classes)) => catalog.push_classes(file, classes),
                Ok(None) => {}
                Err(err) => catalog.warnings.push(format!(
                    "`{path}`:{}: cannot read `EntryClass`: {}; its classes are left out",
                    err.line, err.message
                )),
            }
        }
        if model_files == 0 {
            catalog.classes = SglangCatalog::bundled().classes;
            catalog.warnings.push(format!(
                "{}: no `python/sglang/srt/models/*.py`: SGLang's model classes come from the bundled list ({BUNDLED_DATE})",
                catalog.source
            ));
        }
        let new_docs = files.iter().filter(|(path, _)| {
            in_folder(path, "docs_new/docs/supported-models", false)
                && (path.ends_with(".mdx") || path.ends_with(".md"))
        });
        let old_docs = files.iter().filter(|(path, _)| {
            in_folder(path, "docs/supported_models", true) && path.ends_with(".md")
        });
        let mut seen = HashSet::new();
        for (_, text) in new_docs.chain(old_docs) {
            for (family, repo_id) in parse_supported_models_doc(text) {
                if seen.insert(repo_id.to_lowercase()) {
                    catalog.doc_repo_ids.push((family, repo_id));
                }
            }
        }
        catalog
    }

    fn read_model_files(&mut self, models_dir: &Path) {
        let entries = match fs::read_dir(models_dir) {
            Ok(entries) => entries,
            Err(err) => {
                self.warnings.push(format!(
                    "`{}`: cannot list: {err}\nhint: pass the root of an SGLang checkout",
                    models_dir.display()
                ));
                return;
            }
        };
        let mut files: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && has_extension(p, &["py"]))
            .collect();
        files.sort();
        for path in files {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = match super::serving::read_text(&path) {
                Ok(text) => text,
                Err(err) => {
                    self.warnings
                        .push(format!("`{}`: cannot read: {err:#}", path.display()));
                    continue;
                }
            };
            match parse_entry_class(&text) {
                Ok(Some(classes)) => self.push_classes(&file, classes),
                Ok(None) => {} // a helper
                Err(err) => self.warnings.push(format!(
                    "`{}`:{}: cannot read `EntryClass`: {}; its classes are left out",
                    path.display(),
                    err.line,
                    err.message
                )),
            }
        }
    }

    fn push_classes(&mut self, file: &str, classes: Vec<String>) {
        let mut seen = HashSet::new();
        for class in classes {
            if seen.insert(class.clone()) {
                self.classes.push(ModelClass {
                    file: file.to_string(),
                    kind: classify(&class),
                    class,
                });
            }
        }
    }

    /// The compiled-in snapshot, for runs without an SGLang checkout.
    pub fn bundled() -> SglangCatalog {
        let mut catalog = SglangCatalog {
            classes: Vec::new(),
            doc_repo_ids: Vec::new(),
            source: format!("bundled list ({BUNDLED_DATE})"),
            warnings: Vec::new(),
        };
        for line in data_lines(BUNDLED_MODELS_TSV, "file_name") {
            let mut columns = line.split('\t');
            let (Some(file), Some(entry_classes)) = (columns.next(), columns.next()) else {
                continue;
            };
            // `-` (no EntryClass) and `(not read)` (a helper by name) register nothing.
            if entry_classes == "-" || entry_classes.starts_with('(') {
                continue;
            }
            let classes = entry_classes
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect();
            catalog.push_classes(file, classes);
        }
        let mut seen = HashSet::new();
        for line in data_lines(BUNDLED_DOC_MODELS_TSV, "family") {
            let mut columns = line.split('\t');
            if let (Some(family), Some(repo_id)) = (columns.next(), columns.next()) {
                if seen.insert(repo_id.to_lowercase()) {
                    catalog
                        .doc_repo_ids
                        .push((family.to_string(), repo_id.to_string()));
                }
            }
        }
        catalog
    }

    /// Whether `architecture_class` (a config.json `architectures[0]`) is a generative class SGLang
    /// registers. Exact, case-sensitive: SGLang looks classes up by exact name.
    pub fn supports(&self, architecture_class: &str) -> bool {
        self.classes
            .iter()
            .any(|c| c.kind == ClassKind::Generative && c.class == architecture_class)
    }

    /// The registered classes that serve generation, in catalog order.
    pub fn generative_classes(&self) -> Vec<&ModelClass> {
        self.classes
            .iter()
            .filter(|c| c.kind == ClassKind::Generative)
            .collect()
    }

    /// Every registration of `class` (usually one; a few classes are listed by two files).
    pub fn find(&self, class: &str) -> Vec<&ModelClass> {
        self.classes.iter().filter(|c| c.class == class).collect()
    }
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Lines of a bundled TSV without `#` comments, blank lines and the header row.
fn data_lines<'a>(tsv: &'a str, first_header: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    tsv.lines().filter(move |line| {
        !line.trim().is_empty()
            && !line.starts_with('#')
            && line.split('\t').next() != Some(first_header)
    })
}

/// Classifies a registered class by its name.
///
/// - `Transformers*` → [`ClassKind::Fallback`].
/// - names containing `NextN`, `MTP`, `Eagle`, `DSpark`, `DFlash`, `DraftModel` or `Assistant`
///   → [`ClassKind::Draft`] (`DeepseekV3ForCausalLMNextN`, `Eagle3DeepseekV2ForCausalLM`,
///   `Gemma4AssistantForCausalLM`).
/// - names containing `Embedding`, `Bidirectional`, `ForSequenceClassification`,
///   `ForClassification` or `RewardModel`, and the bare encoder classes SGLang registers for
///   embeddings (`BertModel`, `Contriever`, `CLIPModel`, `XLMRobertaModel`, `Qwen3Model`,
///   `MistralModel`) → [`ClassKind::Pooling`]. Those six are listed by name because a bare
///   `…Model` is not enough: `ChatGLMModel` and `PixtralVisionModel` are generative.
/// - everything else → [`ClassKind::Generative`].
pub fn classify(class: &str) -> ClassKind {
    const DRAFT_MARKERS: [&str; 7] = [
        "NextN",
        "MTP",
        "Eagle",
        "DSpark",
        "DFlash",
        "DraftModel",
        "Assistant",
    ];
    const POOLING_MARKERS: [&str; 5] = [
        "Embedding",
        "Bidirectional",
        "ForSequenceClassification",
        "ForClassification",
        "RewardModel",
    ];
    const BARE_ENCODERS: [&str; 6] = [
        "BertModel",
        "Contriever",
        "CLIPModel",
        "XLMRobertaModel",
        "Qwen3Model",
        "MistralModel",
    ];
    if class.starts_with("Transformers") {
        ClassKind::Fallback
    } else if DRAFT_MARKERS.iter().any(|m| class.contains(m)) {
        ClassKind::Draft
    } else if POOLING_MARKERS.iter().any(|m| class.contains(m)) || BARE_ENCODERS.contains(&class) {
        ClassKind::Pooling
    } else {
        ClassKind::Generative
    }
}

/// Why an `EntryClass` could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryClassError {
    /// 1-based line of the `EntryClass` assignment.
    pub line: usize,
    pub message: String,
}

/// The classes of a module-level `EntryClass` in Python source; `Ok(None)` when there is none
/// (a helper file). When the module assigns `EntryClass` twice the last assignment wins, as in
/// Python. Indented assignments are not module-level and are ignored.
pub fn parse_entry_class(source: &str) -> Result<Option<Vec<String>>, EntryClassError> {
    let lines: Vec<&str> = source.lines().collect();
    let mut result = None;
    let mut i = 0;
    while i < lines.len() {
        let start = i + 1;
        let Some(rest) = lines[i].strip_prefix("EntryClass") else {
            i += 1;
            continue;
        };
        let rest = rest.trim_start();
        // `EntryClass = …` or `EntryClass: List[type] = …`; not `EntryClass == …` or
        // `EntryClassFoo = …`.
        let value = if let Some(annotated) = rest.strip_prefix(':') {
            annotated.split_once('=').map(|(_, v)| v)
        } else {
            rest.strip_prefix('=').filter(|v| !v.starts_with('='))
        };
        let Some(value) = value else {
            i += 1;
            continue;
        };
        let mut expression = strip_python_comment(value).trim().to_string();
        loop {
            let open = bracket_depth(&expression) > 0;
            let continued = expression.ends_with('\\');
            if !open && !continued {
                break;
            }
            if continued {
                expression.pop();
            }
            i += 1;
            let Some(next) = lines.get(i) else {
                return Err(EntryClassError {
                    line: start,
                    message: "the file ends inside the `EntryClass` value".to_string(),
                });
            };
            expression.push(' ');
            expression.push_str(strip_python_comment(next).trim());
        }
        let classes = parse_class_list(&expression).map_err(|problem| EntryClassError {
            line: start,
            message: problem.to_string(),
        })?;
        result = Some(classes);
        i += 1;
    }
    Ok(result)
}

fn strip_python_comment(line: &str) -> &str {
    // Class names hold no `#`, and `EntryClass` values hold no strings.
    line.split_once('#').map_or(line, |(code, _)| code)
}

fn bracket_depth(text: &str) -> i32 {
    text.chars().fold(0, |depth, c| match c {
        '[' | '(' | '{' => depth + 1,
        ']' | ')' | '}' => depth - 1,
        _ => depth,
    })
}

/// Why an `EntryClass` value is not a list of classes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ClassListError {
    #[error("`EntryClass =` without a value")]
    Empty,
    #[error("`{0}` is not a list literal")]
    NotAList(String),
    #[error("`{0}` is not a class name")]
    NotAClass(String),
}

/// `X`, `[X, Y,]`, `(X, Y)` or `[X] + [Y]`.
fn parse_class_list(expression: &str) -> Result<Vec<String>, ClassListError> {
    let expression = expression.trim();
    if expression.is_empty() {
        return Err(ClassListError::Empty);
    }
    let terms = split_top_level(expression, '+');
    let mut classes = Vec::new();
    for term in &terms {
        let term = term.trim();
        let inner = term
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .or_else(|| term.strip_prefix('(').and_then(|t| t.strip_suffix(')')));
        match inner {
            Some(inner) => {
                for item in split_top_level(inner, ',') {
                    let item = item.trim();
                    if item.is_empty() {
                        continue; // a trailing comma
                    }
                    classes.push(class_name(item)?);
                }
            }
            None if terms.len() == 1 => classes.push(class_name(term)?),
            None => return Err(ClassListError::NotAList(term.to_string())),
        }
    }
    Ok(classes)
}

fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A class name, or the last part of a dotted one (`module.Class`).
fn class_name(item: &str) -> Result<String, ClassListError> {
    let name = item.rsplit('.').next().unwrap_or(item);
    let valid = item.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    });
    if valid {
        Ok(name.to_string())
    } else {
        Err(ClassListError::NotAClass(item.to_string()))
    }
}

/// (family, repo id) rows of the supported-models tables in a Markdown or MDX page, in document
/// order: HTML `<table>`s first, then Markdown pipe tables. Rows without a repo id (a family
/// "coming soon") are left out.
pub fn parse_supported_models_doc(text: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for table in html_tables(text) {
        let mut columns = Columns::default();
        for row in html_rows(table) {
            if row.iter().all(|cell| cell.header) {
                columns = Columns::from_header(row.iter().map(|c| clean_cell(c.text)));
                continue;
            }
            let cells: Vec<&str> = row.iter().map(|c| c.text).collect();
            rows.extend(columns.rows(&cells));
        }
    }
    rows.extend(pipe_table_rows(text));
    rows
}

/// Which column holds the family and which the repo ids.
#[derive(Debug, Clone, Copy)]
struct Columns {
    family: usize,
    ids: usize,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns { family: 0, ids: 1 }
    }
}

impl Columns {
    fn from_header(header: impl Iterator<Item = String>) -> Columns {
        let header: Vec<String> = header.map(|h| h.to_lowercase()).collect();
        let ids = header
            .iter()
            .position(|h| h.contains("identifier") || h.contains("hugging") || h.contains("hf id"))
            .unwrap_or(1);
        let family = header
            .iter()
            .enumerate()
            .position(|(i, h)| i != ids && (h.contains("family") || h.contains("model")))
            .unwrap_or(0);
        Columns { family, ids }
    }

    fn rows(&self, cells: &[&str]) -> Vec<(String, String)> {
        let (Some(family), Some(ids)) = (cells.get(self.family), cells.get(self.ids)) else {
            return Vec::new();
        };
        let family = clean_cell(family);
        if family.is_empty() {
            return Vec::new();
        }
        repo_ids_in_cell(ids)
            .into_iter()
            .map(|id| (family.clone(), id))
            .collect()
    }
}

struct HtmlCell<'a> {
    text: &'a str,
    header: bool,
}

/// The insides of every `<table …>…</table>`.
fn html_tables(text: &str) -> Vec<&str> {
    elements(text, "table")
}

/// The cells of every `<tr>` in a table.
fn html_rows(table: &str) -> Vec<Vec<HtmlCell<'_>>> {
    elements(table, "tr").into_iter().map(html_cells).collect()
}

/// The insides of every `<tag …>…</tag>` in `text` (an unclosed last one runs to the end).
fn elements<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = find_tag(rest, tag) {
        let after = &rest[open..];
        let Some(start) = tag_end(after) else {
            break;
        };
        let body = &after[start..];
        let end = find_ignore_case(body, &format!("</{tag}")).unwrap_or(body.len());
        found.push(&body[..end]);
        rest = &body[end..];
    }
    found
}

fn html_cells(row: &str) -> Vec<HtmlCell<'_>> {
    let mut cells = Vec::new();
    let mut rest = row;
    loop {
        let td = find_tag(rest, "td");
        let th = find_tag(rest, "th");
        let (open, header) = match (td, th) {
            (Some(d), Some(h)) if h < d => (h, true),
            (Some(d), _) => (d, false),
            (None, Some(h)) => (h, true),
            (None, None) => break,
        };
        let after = &rest[open..];
        let Some(start) = tag_end(after) else {
            break;
        };
        let body = &after[start..];
        let close = if header { "</th" } else { "</td" };
        let end = find_ignore_case(body, close).unwrap_or(body.len());
        cells.push(HtmlCell {
            text: &body[..end],
            header,
        });
        rest = &body[end..];
    }
    cells
}

/// Byte offset of the next `<name` start tag (followed by a space, `>` or `/`).
fn find_tag(text: &str, name: &str) -> Option<usize> {
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(found) = find_ignore_case(&text[from..], &needle) {
        let at = from + found;
        let next = text[at + needle.len()..].chars().next();
        if next.is_none_or(|c| c.is_whitespace() || c == '>' || c == '/') {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.to_ascii_lowercase();
    haystack.char_indices().map(|(i, _)| i).find(|&i| {
        haystack.as_bytes()[i..]
            .iter()
            .take(needle.len())
            .map(u8::to_ascii_lowercase)
            .eq(needle.bytes())
    })
}

/// Offset just past the `>` that ends the tag starting at `tag[0] == '<'`, skipping `>` inside
/// quotes and JSX `{…}` attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth -= 1,
            (None, '>') if depth <= 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Rows of Markdown pipe tables. A header row is one followed by a `|---|` row; rows after a
/// blank line keep the last header (the real generative table has such a stray row).
fn pipe_table_rows(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut rows = Vec::new();
    let mut columns = Columns::default();
    let mut in_fence = false;
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || !line.starts_with('|') {
            continue;
        }
        let Some((cells, separator)) = pipe_row(line) else {
            continue;
        };
        if separator {
            continue;
        }
        let next_is_separator = lines
            .get(i + 1)
            .and_then(|l| pipe_row(l.trim()))
            .is_some_and(|(_, separator)| separator);
        if next_is_separator {
            columns = Columns::from_header(cells.iter().map(|c| clean_cell(c)));
            continue;
        }
        rows.extend(columns.rows(&cells.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    rows
}

/// The trimmed cells of a pipe-table row and whether it is the `|---|` delimiter row, split by
/// the doc's own table reader: `\|` stays inside a cell and reads as `|`.
fn pipe_row(line: &str) -> Option<(Vec<String>, bool)> {
    let row = crate::doc::table::parse_row(line, 0, 0, line.len())?;
    let separator = crate::doc::table::is_delimiter(line, &row);
    let cells = (0..row.cells.len())
        .filter_map(|i| row.cell(line, i))
        .map(|cell| cell.replace("\\|", "|"))
        .collect();
    Some((cells, separator))
}

/// Repo ids in an identifier cell: the `<code>` and backtick spans that look like `org/name`;
/// when there are no such spans, the plain words that do.
fn repo_ids_in_cell(cell: &str) -> Vec<String> {
    let mut spans: Vec<String> = Vec::new();
    let mut rest = cell;
    while let Some(open) = find_ignore_case(rest, "<code") {
        let after = &rest[open..];
        let Some(start) = tag_end(after) else {
            break;
        };
        let body = &after[start..];
        let end = find_ignore_case(body, "</code").unwrap_or(body.len());
        spans.push(decode_entities(&body[..end]));
        rest = &body[end..];
    }
    // Odd pieces between backticks are code spans; an unclosed last one is not.
    let pieces: Vec<&str> = cell.split('`').collect();
    for (i, inside) in pieces.iter().enumerate() {
        if i % 2 == 1 && i + 1 < pieces.len() {
            spans.push(decode_entities(inside));
        }
    }
    let mut ids: Vec<String> = spans
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| looks_like_repo_id(s))
        .collect();
    if ids.is_empty() {
        ids = clean_cell(cell)
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .map(|w| w.trim_end_matches('.'))
            .filter(|w| looks_like_repo_id(w))
            .map(String::from)
            .collect();
    }
    let mut seen = HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

fn looks_like_repo_id(text: &str) -> bool {
    let Some((org, name)) = text.split_once('/') else {
        return false;
    };
    let part_ok = |part: &str| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    part_ok(org) && part_ok(name)
}

/// A cell as plain text: tags, `**`, backticks and entities removed, whitespace collapsed.
fn clean_cell(cell: &str) -> String {
    let mut text = String::new();
    let mut rest = cell;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let after = &rest[open..];
        let is_tag = after[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/');
        match tag_end(after).filter(|_| is_tag) {
            Some(end) => rest = &after[end..],
            None => {
                text.push('<');
                rest = &after[1..];
            }
        }
    }
    text.push_str(rest);
    let text = decode_entities(&text.replace("**", "").replace('`', ""));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_class_forms() {
        let read = |s: &str| parse_entry_class(s).unwrap();
        assert_eq!(read("EntryClass = A\n"), Some(vec!["A".to_string()]));
        assert_eq!(
            read("EntryClass=[A, B,]  # two\n"),
            Some(vec!["A".into(), "B".into()])
        );
        assert_eq!(
            read("EntryClass = [\n    A,  # first\n    # B,\n    m.C,\n]\n"),
            Some(vec!["A".into(), "C".into()])
        );
        assert_eq!(read("EntryClass: list = (A,)\n"), Some(vec!["A".into()]));
        assert_eq!(
            read("EntryClass = [A] + [\n B]\n"),
            Some(vec!["A".into(), "B".into()])
        );
        assert_eq!(
            read("EntryClass = A\nEntryClass = B\n"),
            Some(vec!["B".into()])
        );
        assert_eq!(
            read("if x:\n    EntryClass = A\nEntryClassNames = 1\n"),
            None
        );
        assert_eq!(
            parse_entry_class("x = 1\nEntryClass = [A,\n"),
            Err(EntryClassError {
                line: 2,
                message: "the file ends inside the `EntryClass` value".into()
            })
        );
        assert_eq!(
            parse_entry_class("EntryClass = make()\n")
                .unwrap_err()
                .message,
            "`make()` is not a class name"
        );
    }

    #[test]
    fn repo_id_cells() {
        assert_eq!(
            repo_ids_in_cell(
                "`Qwen/Qwen3-0.6B`, `Qwen/Qwen3-30B-A3B` `Qwen/Qwen3-Next-80B-A3B-Instruct `"
            ),
            vec![
                "Qwen/Qwen3-0.6B",
                "Qwen/Qwen3-30B-A3B",
                "Qwen/Qwen3-Next-80B-A3B-Instruct"
            ]
        );
        assert_eq!(
            repo_ids_in_cell("<code>openai/gpt-oss-20b</code>, <code>openai/gpt-oss-120b</code>"),
            vec!["openai/gpt-oss-20b", "openai/gpt-oss-120b"]
        );
        assert_eq!(
            repo_ids_in_cell("e.g. liuhaotian/llava-v1.5-13b"),
            vec!["liuhaotian/llava-v1.5-13b"]
        );
        assert!(repo_ids_in_cell("Coming soon").is_empty());
    }

    #[test]
    fn pipe_cells_keep_escaped_pipes() {
        let text = "| Model family | Example HuggingFace identifier |\n\
                    |:---|---|\n\
                    | Acme A \\| B | `acme/a-1` |\n\
                    | Orbit | `orbit/o-2` |\n";
        assert_eq!(
            pipe_table_rows(text),
            vec![
                ("Acme A | B".to_string(), "acme/a-1".to_string()),
                ("Orbit".to_string(), "orbit/o-2".to_string()),
            ]
        );
    }
}
