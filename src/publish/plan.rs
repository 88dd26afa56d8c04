//! The pure planner: what the repository looks like (read with GETs only) plus the request
//! decide the one operation to perform. No I/O; every row of the lifecycle table is a case of
//! [`plan`], and the "edit only when different" rules are pure functions too.

use super::render::ForeignCommit;
use super::{Operation, PublishRequest};

/// Everything the planner needs, gathered with GET requests.
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
    /// The login commits and comments by the bot carry.
    pub bot_login: String,
    pub base: String,
    pub base_head: String,
    pub base_tree: String,
    /// The doc at the base head (`None`: not there).
    pub base_doc: Option<String>,
    /// Head commit of the bot's branch, if it exists.
    pub branch_head: Option<String>,
    /// Commits not made by the bot on a branch no open pull request uses (left by a run that
    /// could not open one, or by a closed pull request), when a new one is to be created.
    pub leftover_foreign: Vec<ForeignCommit>,
    pub open_pull: Option<OpenPull>,
    /// Newest closed, unmerged pull request from the bot's branch carrying a state marker.
    pub previously_closed: Option<ClosedPull>,
}

/// The bot's open pull request.
#[derive(Debug, Clone, Default)]
pub struct OpenPull {
    pub number: u64,
    pub url: String,
    pub head_sha: String,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    /// The doc at the pull request's head (`None`: not there).
    pub doc: Option<String>,
    /// Commits on the branch not made by the bot.
    pub foreign_commits: Vec<ForeignCommit>,
    /// The bot's comments carrying the sticky marker, oldest first.
    pub comments: Vec<StickyComment>,
    /// The head commit's first parent is the current base head (`--recreate` has nothing to
    /// rebuild when the doc is current too).
    pub on_base: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedPull {
    pub number: u64,
    pub content_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StickyComment {
    pub id: u64,
    pub body: String,
}

/// A commit on the branch, as far as identity goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitIdentity {
    pub sha: String,
    /// GitHub login of the author, when the author email belongs to an account.
    pub author_login: Option<String>,
    pub author_name: String,
    pub committer_login: Option<String>,
    pub committer_name: String,
}

/// What to do, decided from the lifecycle table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The doc on the base head is not the one the generation started from.
    Refuse { reason: String },
    /// No pull request, nothing to write.
    Nothing,
    /// Comment one line, close the pull request, delete the branch.
    Close { number: u64 },
    /// Base already matches but others committed: only the sticky comment says so.
    MarkNoLongerNeeded { number: u64 },
    /// Commit on the base, point the branch at it (creating or moving it), open the PR.
    Create,
    /// No pull request, but others committed on the branch left over: no push, the run's
    /// output says so until `--recreate`.
    PauseBranch,
    /// The pull request already carries the generated doc: edit texts and labels if needed.
    Refresh { number: u64 },
    /// New commit on the current base, branch force-moved to it in one step.
    Push { number: u64 },
    /// Others committed and the doc is stale: no push, the sticky comment explains.
    Pause { number: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishPlan {
    pub step: Step,
    pub operation: Operation,
    /// Short reason shown to people, empty when the operation says it all.
    pub note: String,
}

pub const NOTE_BASE_MATCHES: &str = "base already matches the generated doc";
pub const NOTE_PREVIOUSLY_CLOSED: &str = "previously closed";
pub const NOTE_PAUSED: &str = "paused: commits by others";
pub const NOTE_NO_LONGER_NEEDED: &str = "no longer needed: commits by others";
pub const NOTE_UP_TO_DATE: &str = "up to date";
pub const NOTE_RECREATED: &str = "recreated on base, discarding commits by others";
pub const NOTE_PAUSED_BRANCH: &str = "paused: commits by others on the branch";
pub const NOTE_WORKFLOWS_KEPT: &str =
    "committed on top of the branch: the base changed `.github/workflows/`";

/// Decides the operation. `content_hash` is the hash of `request.generated_doc`.
pub fn plan(state: &RemoteState, request: &PublishRequest, content_hash: &str) -> PublishPlan {
    let make = |step, operation, note: &str| PublishPlan {
        step,
        operation,
        note: note.to_string(),
    };
    if state.base_doc.as_deref() != Some(request.base_doc.as_str()) {
        let reason = match state.base_doc {
            None => format!(
                "`{}` does not exist on `{}` ({}); refusing to publish",
                request.doc_path,
                state.base,
                short(&state.base_head)
            ),
            Some(_) => format!(
                "`{}` on `{}` ({}) differs from the text this run generated from; refusing to \
                 overwrite a newer edit\nhint: update the checkout to the head of `{}` and run \
                 again",
                request.doc_path,
                state.base,
                short(&state.base_head),
                state.base
            ),
        };
        return make(Step::Refuse { reason }, Operation::None, "refused");
    }
    let base_matches = request.generated_doc == request.base_doc;
    match (&state.open_pull, base_matches) {
        (None, true) => make(Step::Nothing, Operation::None, NOTE_BASE_MATCHES),
        (Some(pull), true) if pull.foreign_commits.is_empty() => make(
            Step::Close {
                number: pull.number,
            },
            Operation::Closed,
            NOTE_BASE_MATCHES,
        ),
        (Some(pull), true) => make(
            Step::MarkNoLongerNeeded {
                number: pull.number,
            },
            Operation::None,
            NOTE_NO_LONGER_NEEDED,
        ),
        (None, false) => {
            let closed_same = state
                .previously_closed
                .as_ref()
                .is_some_and(|closed| closed.content_hash == content_hash);
            let foreign = &state.leftover_foreign;
            if closed_same && !request.recreate {
                make(Step::Nothing, Operation::None, NOTE_PREVIOUSLY_CLOSED)
            } else if !foreign.is_empty() && !request.recreate {
                let note = format!(
                    "{NOTE_PAUSED_BRANCH} `{}` ({}); pass `--recreate` to discard them",
                    request.branch,
                    who_made(foreign)
                );
                make(Step::PauseBranch, Operation::None, &note)
            } else if !foreign.is_empty() {
                let note = format!("{NOTE_RECREATED} ({})", who_made(foreign));
                make(Step::Create, Operation::Created, &note)
            } else {
                make(Step::Create, Operation::Created, "")
            }
        }
        (Some(pull), false) => {
            let number = pull.number;
            let carries_generated = pull.doc.as_deref() == Some(request.generated_doc.as_str());
            let foreign = !pull.foreign_commits.is_empty();
            let rebuild = request.recreate && (foreign || !pull.on_base);
            if carries_generated && !rebuild {
                make(Step::Refresh { number }, Operation::None, NOTE_UP_TO_DATE)
            } else if !foreign {
                make(Step::Push { number }, Operation::Updated, "")
            } else if request.recreate {
                let note = format!("{NOTE_RECREATED} ({})", who_made(&pull.foreign_commits));
                make(Step::Push { number }, Operation::Updated, &note)
            } else {
                make(Step::Pause { number }, Operation::None, NOTE_PAUSED)
            }
        }
    }
}

/// `abc1234 by alice, def5678 by bob` (at most five, outside names bounded).
fn who_made(commits: &[ForeignCommit]) -> String {
    let mut listed: Vec<String> = commits
        .iter()
        .take(5)
        .map(|c| {
            format!(
                "{} by {}",
                short(&c.sha),
                crate::ident::echo_at_most(&c.who, 60)
            )
        })
        .collect();
    if commits.len() > 5 {
        listed.push(format!("{} more", commits.len() - 5));
    }
    listed.join(", ")
}

/// Commits not made by `bot`: a commit is the bot's when its author is the bot and its
/// committer is the bot or GitHub itself (`web-flow`, which commits signed API and web edits).
pub fn foreign_commits(commits: &[CommitIdentity], bot: &str) -> Vec<ForeignCommit> {
    commits
        .iter()
        .filter_map(|commit| {
            let author = commit.author_login.as_deref();
            let committer = commit.committer_login.as_deref();
            let who = if author != Some(bot) {
                author.unwrap_or(&commit.author_name)
            } else if committer != Some(bot) && committer != Some("web-flow") {
                committer.unwrap_or(&commit.committer_name)
            } else {
                return None;
            };
            Some(ForeignCommit {
                sha: commit.sha.clone(),
                who: who.to_string(),
            })
        })
        .collect()
}

/// Which edits the sticky comment needs: keep the oldest, delete the rest, and create or
/// update so that the kept one reads `text`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommentEdits {
    pub create: bool,
    pub update: Option<u64>,
    pub delete: Vec<u64>,
}

pub fn comment_edits(existing: &[StickyComment], text: &str) -> CommentEdits {
    let mut sorted: Vec<&StickyComment> = existing.iter().collect();
    sorted.sort_by_key(|c| c.id);
    match sorted.split_first() {
        None => CommentEdits {
            create: true,
            ..CommentEdits::default()
        },
        Some((oldest, rest)) => CommentEdits {
            create: false,
            update: (oldest.body != text).then_some(oldest.id),
            delete: rest.iter().map(|c| c.id).collect(),
        },
    }
}

/// The title and body to send, each only when it differs from the pull request's.
pub fn pull_edits(pull: &OpenPull, title: &str, body: &str) -> (Option<String>, Option<String>) {
    (
        (pull.title != title).then(|| title.to_string()),
        (pull.body != body).then(|| body.to_string()),
    )
}

/// Requested labels the pull request lacks (GitHub compares label names case-insensitively).
pub fn missing_labels(present: &[String], wanted: &[String]) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for label in wanted {
        let label = label.trim();
        if label.is_empty()
            || present.iter().any(|p| p.eq_ignore_ascii_case(label))
            || missing.iter().any(|m| m.eq_ignore_ascii_case(label))
        {
            continue;
        }
        missing.push(label.to_string());
    }
    missing
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "base doc\n";
    const NEW: &str = "new doc\n";

    fn request(generated: &str) -> PublishRequest {
        PublishRequest {
            repository: "o/r".into(),
            branch: "track-models/coverage".into(),
            base: None,
            labels: vec![],
            recreate: false,
            dry_run: false,
            doc_path: "docs/model_coverage.mdx".into(),
            base_doc: BASE.into(),
            generated_doc: generated.into(),
        }
    }

    fn state(pull: Option<OpenPull>) -> RemoteState {
        RemoteState {
            bot_login: "bot".into(),
            base: "main".into(),
            base_head: "b".repeat(40),
            base_tree: "t".into(),
            base_doc: Some(BASE.into()),
            branch_head: pull.as_ref().map(|p| p.head_sha.clone()),
            leftover_foreign: vec![],
            open_pull: pull,
            previously_closed: None,
        }
    }

    fn pull(doc: &str, foreign: bool) -> OpenPull {
        OpenPull {
            number: 7,
            head_sha: "h".into(),
            doc: Some(doc.into()),
            foreign_commits: if foreign {
                vec![ForeignCommit {
                    sha: "c".into(),
                    who: "alice".into(),
                }]
            } else {
                vec![]
            },
            ..OpenPull::default()
        }
    }

    fn decide(state: &RemoteState, request: &PublishRequest) -> (Step, Operation, String) {
        let plan = plan(state, request, "sha256:x");
        (plan.step, plan.operation, plan.note)
    }

    #[test]
    fn lifecycle_table() {
        use Operation as O;
        let n = 7;
        let cases: Vec<(RemoteState, PublishRequest, Step, O, &str)> = vec![
            (
                state(None),
                request(BASE),
                Step::Nothing,
                O::None,
                NOTE_BASE_MATCHES,
            ),
            (
                state(Some(pull(NEW, false))),
                request(BASE),
                Step::Close { number: n },
                O::Closed,
                NOTE_BASE_MATCHES,
            ),
            (
                state(Some(pull(NEW, true))),
                request(BASE),
                Step::MarkNoLongerNeeded { number: n },
                O::None,
                NOTE_NO_LONGER_NEEDED,
            ),
            (state(None), request(NEW), Step::Create, O::Created, ""),
            (
                state(Some(pull(NEW, false))),
                request(NEW),
                Step::Refresh { number: n },
                O::None,
                NOTE_UP_TO_DATE,
            ),
            (
                state(Some(pull(NEW, true))),
                request(NEW),
                Step::Refresh { number: n },
                O::None,
                NOTE_UP_TO_DATE,
            ),
            (
                state(Some(pull("old\n", false))),
                request(NEW),
                Step::Push { number: n },
                O::Updated,
                "",
            ),
            (
                state(Some(pull("old\n", true))),
                request(NEW),
                Step::Pause { number: n },
                O::None,
                NOTE_PAUSED,
            ),
        ];
        for (index, (state, request, step, operation, note)) in cases.into_iter().enumerate() {
            assert_eq!(
                decide(&state, &request),
                (step, operation, note.to_string()),
                "row {index}"
            );
        }
    }

    #[test]
    fn previously_closed_and_recreate() {
        let mut closed = state(None);
        closed.previously_closed = Some(ClosedPull {
            number: 3,
            content_hash: "sha256:x".into(),
        });
        assert_eq!(
            decide(&closed, &request(NEW)),
            (
                Step::Nothing,
                Operation::None,
                NOTE_PREVIOUSLY_CLOSED.into()
            )
        );
        let mut other = closed.clone();
        other.previously_closed.as_mut().unwrap().content_hash = "sha256:y".into();
        assert_eq!(decide(&other, &request(NEW)).0, Step::Create);
        let mut recreate = request(NEW);
        recreate.recreate = true;
        assert_eq!(decide(&closed, &recreate).0, Step::Create);
        let paused = state(Some(pull("old\n", true)));
        assert_eq!(
            decide(&paused, &recreate),
            (
                Step::Push { number: 7 },
                Operation::Updated,
                "recreated on base, discarding commits by others (c by alice)".into()
            )
        );
        // --recreate also drops others' commits when the doc itself is current.
        let current = state(Some(pull(NEW, true)));
        assert_eq!(decide(&current, &recreate).0, Step::Push { number: 7 });
    }

    #[test]
    fn others_commits_on_a_leftover_branch_pause_until_recreate() {
        let mut leftover = state(None);
        leftover.branch_head = Some("d".repeat(40));
        leftover.leftover_foreign = vec![ForeignCommit {
            sha: "abcdef1234".into(),
            who: "maintainer".into(),
        }];
        assert_eq!(
            decide(&leftover, &request(NEW)),
            (
                Step::PauseBranch,
                Operation::None,
                "paused: commits by others on the branch `track-models/coverage` (abcdef1 by \
                 maintainer); pass `--recreate` to discard them"
                    .into()
            )
        );
        let mut recreate = request(NEW);
        recreate.recreate = true;
        assert_eq!(
            decide(&leftover, &recreate),
            (
                Step::Create,
                Operation::Created,
                "recreated on base, discarding commits by others (abcdef1 by maintainer)".into()
            )
        );
        // Nothing to publish: the branch is left alone.
        assert_eq!(decide(&leftover, &request(BASE)).0, Step::Nothing);
    }

    #[test]
    fn newer_edit_on_base_is_refused() {
        let mut moved = state(None);
        moved.base_doc = Some("someone's edit\n".into());
        let (step, operation, _) = decide(&moved, &request(NEW));
        assert_eq!(operation, Operation::None);
        match step {
            Step::Refuse { reason } => assert!(
                reason.starts_with("`docs/model_coverage.mdx` on `main` (bbbbbbb) differs"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        moved.base_doc = None;
        assert!(matches!(
            decide(&moved, &request(NEW)).0,
            Step::Refuse { .. }
        ));
    }

    #[test]
    fn identities() {
        let commit = |author: Option<&str>, committer: Option<&str>| CommitIdentity {
            sha: "s".into(),
            author_login: author.map(Into::into),
            author_name: "A Name".into(),
            committer_login: committer.map(Into::into),
            committer_name: "C Name".into(),
        };
        let commits = [
            commit(Some("bot"), Some("bot")),
            commit(Some("bot"), Some("web-flow")),
            commit(Some("alice"), Some("web-flow")),
            commit(Some("bot"), Some("bob")),
            commit(None, Some("bot")),
            commit(Some("bot"), None),
        ];
        let who: Vec<String> = foreign_commits(&commits, "bot")
            .into_iter()
            .map(|c| c.who)
            .collect();
        assert_eq!(who, ["alice", "bob", "A Name", "C Name"]);
    }

    #[test]
    fn comment_and_label_edits() {
        let c = |id, body: &str| StickyComment {
            id,
            body: body.into(),
        };
        assert_eq!(
            comment_edits(&[], "t"),
            CommentEdits {
                create: true,
                ..Default::default()
            }
        );
        assert_eq!(comment_edits(&[c(5, "t")], "t"), CommentEdits::default());
        assert_eq!(
            comment_edits(&[c(9, "t"), c(5, "old")], "t"),
            CommentEdits {
                create: false,
                update: Some(5),
                delete: vec![9]
            }
        );
        assert_eq!(
            missing_labels(
                &["Bot".into()],
                &["bot".into(), "docs".into(), "docs".into(), " ".into()]
            ),
            ["docs"]
        );
    }

    #[test]
    fn who_made_lists_five_commits_then_counts_the_rest() {
        let commits = |n: usize| -> Vec<ForeignCommit> {
            (0..n)
                .map(|i| ForeignCommit {
                    sha: format!("{i}{}", "a".repeat(39)),
                    who: format!("user{i}"),
                })
                .collect()
        };
        assert_eq!(who_made(&commits(1)), "0aaaaaa by user0");
        assert_eq!(
            who_made(&commits(5)),
            "0aaaaaa by user0, 1aaaaaa by user1, 2aaaaaa by user2, 3aaaaaa by user3, \
             4aaaaaa by user4"
        );
        assert_eq!(
            who_made(&commits(6)),
            "0aaaaaa by user0, 1aaaaaa by user1, 2aaaaaa by user2, 3aaaaaa by user3, \
             4aaaaaa by user4, 1 more"
        );
    }
}
