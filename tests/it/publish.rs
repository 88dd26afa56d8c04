//! Publishing against a stateful fake GitHub on loopback: every row of the lifecycle table,
//! second runs, people pushing, closed pull requests, concurrent runs, API failures on every
//! endpoint, dry runs, the token, Actions outputs and escaping. No network, no process env.

pub(crate) mod fake;

use std::time::Duration;

use fake::{FakeGitHub, ACTIONS_BOT, DOC_PATH, REPO, TOKEN};
use track_models::api::cli::DEFAULT_BRANCH;
use track_models::api::doc::Status;
use track_models::api::publish::gha::Actions;
use track_models::api::publish::render::{content_hash, BODY_END, BODY_START, COMMENT_MARKER};
use track_models::api::publish::{
    publish, publish_with_actions, GitHub, Operation, PublishError, PublishOutcome, PublishRequest,
};
use track_models::api::report::{Action, DefinitionReport, ModelReport, Report};

const BASE_DOC: &str =
    "# Model coverage\n\n| Model | Coverage |\n|---|---|\n| Qwen3 8B | 🟡 Partial |\n";
const NEW_DOC: &str = "# Model coverage\n\n| Model | Coverage |\n|---|---|\n| Qwen3 8B | ✅ Fully covered |\n| NewModel | ❌ Not covered |\n";
const NEWER_DOC: &str = "# Model coverage\n\n| Model | Coverage |\n|---|---|\n| Qwen3 8B | ✅ Fully covered |\n| NewModel | 🟡 Partial |\n";
const BRANCH: &str = DEFAULT_BRANCH;

fn definition(name: &str, op: &str, status: Status, before: Option<Status>) -> DefinitionReport {
    DefinitionReport {
        name: name.into(),
        op_type: op.into(),
        tp: None,
        ep: None,
        status,
        why: None,
        before,
    }
}

fn model(
    name: &str,
    repo: Option<&str>,
    action: Action,
    before: Option<&str>,
    after: &str,
    definitions: Vec<DefinitionReport>,
) -> ModelReport {
    ModelReport {
        name: name.into(),
        hf_repo_id: repo.map(Into::into),
        action,
        summary_before: before.map(Into::into),
        summary_after: after.into(),
        definitions,
    }
}

fn report() -> Report {
    let mut report = Report {
        models: vec![
            model(
                "Qwen3 8B",
                Some("Qwen/Qwen3-8B"),
                Action::Refreshed,
                Some("🟡 Partial"),
                "✅ Fully covered",
                vec![definition(
                    "gqa_paged_decode_h32_kv8_d128_ps1",
                    "gqa_paged",
                    Status::Ready,
                    Some(Status::NoWorkload),
                )],
            ),
            model(
                "NewModel",
                Some("org/NewModel"),
                Action::Added,
                None,
                "❌ Not covered",
                vec![
                    definition("gemm_n4096_k4096", "gemm", Status::Missing, None),
                    definition("rmsnorm_h4096", "rmsnorm", Status::Missing, None),
                ],
            ),
        ],
        missing_definitions: vec![],
        problems: vec![
            "docs/model_coverage.mdx:12: unknown status `?` in the NewModel table".into(),
        ],
        ..Report::default()
    };
    report.collect_missing();
    report
}

fn request(base_doc: &str, generated: &str) -> PublishRequest {
    PublishRequest {
        repository: REPO.into(),
        branch: BRANCH.into(),
        base: None,
        labels: vec!["automated".into(), "docs".into()],
        recreate: false,
        dry_run: false,
        doc_path: DOC_PATH.into(),
        base_doc: base_doc.into(),
        generated_doc: generated.into(),
    }
}

/// A client of the fake that never sleeps for rate limits (it records the waits instead,
/// within the default budget).
fn client(fake: &FakeGitHub) -> GitHub {
    let (waits, _) = crate::support::recording_waits(600);
    GitHub::new(&fake.uri(), TOKEN)
        .unwrap()
        .with_server_url("https://github.com")
        .with_write_interval(Duration::ZERO)
        .with_waits(waits)
}

async fn run(fake: &FakeGitHub, request: &PublishRequest) -> anyhow::Result<PublishOutcome> {
    publish(&client(fake), request, &report()).await
}

/// A fake whose base has BASE_DOC and an open bot pull request carrying NEW_DOC.
async fn with_pull_request() -> (FakeGitHub, u64) {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    fake.clear_log();
    (fake, outcome.pull_request.unwrap().0)
}

fn head_of(fake: &FakeGitHub, branch: &str) -> Option<String> {
    fake.lock().refs.get(branch).cloned()
}

#[tokio::test]
async fn base_matches_and_no_pull_request_makes_no_write() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let outcome = run(&fake, &request(BASE_DOC, BASE_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(outcome.note, "base already matches the generated doc");
    assert_eq!(outcome.pull_request, None);
    assert_eq!(fake.writes(), Vec::<String>::new());
    let main = head_of(&fake, "main").unwrap();
    let paths: Vec<String> = fake.requests().into_iter().map(|l| l.path).collect();
    assert_eq!(
        paths,
        [
            "/user".to_string(),
            "/repos/o/r".into(),
            "/repos/o/r/git/ref/heads/main".into(),
            format!("/repos/o/r/git/commits/{main}"),
            format!("/repos/o/r/contents/docs/model_coverage.mdx?ref={main}"),
            "/repos/o/r/git/ref/heads/track-models/coverage".into(),
            "/repos/o/r/pulls?state=open&head=o%3Atrack-models%2Fcoverage&sort=created&direction=desc&per_page=100".into(),
        ]
    );
}

#[tokio::test]
async fn creates_branch_commit_and_pull_request_then_a_second_run_writes_nothing() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let main_before = head_of(&fake, "main").unwrap();
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(
        fake.writes(),
        [
            "POST create_blob",
            "POST create_tree",
            "POST create_commit",
            "POST create_ref",
            "POST create_pull",
            "POST create_comment",
            "POST add_labels",
        ]
    );
    assert_eq!(outcome.operation, Operation::Created);
    assert_eq!(outcome.operation.to_string(), "created");
    assert_eq!(outcome.note, "");
    let (number, url) = outcome.pull_request.clone().unwrap();
    assert_eq!(url, format!("https://github.com/o/r/pull/{number}"));
    let head = head_of(&fake, BRANCH).unwrap();
    assert_eq!(outcome.head_sha.as_deref(), Some(head.as_str()));
    {
        let state = fake.lock();
        let commit = &state.commits[&head];
        assert_eq!(commit.parents, std::slice::from_ref(&main_before));
        assert_eq!(commit.author.as_deref(), Some("coverage-bot"));
        assert_eq!(state.doc_on(BRANCH).as_deref(), Some(NEW_DOC));
        // Only the doc changed: every other file is the base's.
        let base_tree = &state.trees[&state.commits[&main_before].tree];
        let tree = &state.trees[&commit.tree];
        let changed: Vec<&String> = tree
            .keys()
            .filter(|k| tree.get(*k) != base_tree.get(*k))
            .collect();
        assert_eq!(changed, [DOC_PATH]);
        assert_eq!(state.doc_on("main").as_deref(), Some(BASE_DOC));
    }
    let commit_request = fake
        .requests()
        .into_iter()
        .find(|l| l.route == "create_commit")
        .unwrap();
    assert!(
        commit_request.body.get("author").is_none()
            && commit_request.body.get("committer").is_none()
    );
    let ref_request = fake
        .requests()
        .into_iter()
        .find(|l| l.route == "create_ref")
        .unwrap();
    assert_eq!(ref_request.body["ref"], "refs/heads/track-models/coverage");
    let pull = fake.pull(number);
    assert!(pull.open);
    assert_eq!((pull.head.as_str(), pull.base.as_str()), (BRANCH, "main"));
    assert_eq!(pull.title, "docs: update model coverage (1 model added)");
    assert_eq!(pull.body, outcome.body);
    assert_eq!(pull.labels, ["automated", "docs"]);
    assert!(pull.body.starts_with(BODY_START) && pull.body.ends_with(BODY_END));
    assert!(pull.body.contains(&format!(
        "<!-- track-models:state content={} -->",
        content_hash(NEW_DOC)
    )));
    let comments = fake.comments_on(number);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, outcome.comment);
    assert!(comments[0].body.starts_with(COMMENT_MARKER));

    fake.clear_log();
    let again = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert_eq!(again.operation, Operation::None);
    assert_eq!(again.note, "up to date");
    assert_eq!(again.pull_request, outcome.pull_request);
    assert_eq!(again.head_sha, outcome.head_sha);
}

#[tokio::test]
async fn body_and_comment_match_the_fixtures() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    // `TRACK_MODELS_BLESS=1` rewrites the fixtures after a deliberate change.
    let dir = crate::support::root().join("tests/fixtures/publish");
    if std::env::var_os("TRACK_MODELS_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("body.md"), format!("{}\n", outcome.body)).unwrap();
        std::fs::write(dir.join("comment.md"), &outcome.comment).unwrap();
    }
    let fixture = |name: &str| crate::support::fixture(&format!("publish/{name}"));
    assert_eq!(outcome.body, fixture("body.md").trim_end_matches('\n'));
    assert_eq!(outcome.comment, fixture("comment.md"));
}

#[tokio::test]
async fn people_text_outside_the_markers_is_kept_and_only_changed_text_is_edited() {
    let (fake, number) = with_pull_request().await;
    let body = fake.pull(number).body;
    let edited = format!("Reviewed by the team.\n\n{body}\n\nCloses #3\n");
    fake.lock()
        .pulls
        .iter_mut()
        .for_each(|p| p.body = edited.clone());
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert_eq!(outcome.body, edited);

    // The bot's section was edited by hand: only the body is sent back, people's text kept.
    let tampered = edited.replace("### Totals", "### Totals (edited)");
    fake.lock()
        .pulls
        .iter_mut()
        .for_each(|p| p.body = tampered.clone());
    fake.lock()
        .comments
        .iter_mut()
        .for_each(|c| c.body.push_str("\nedited"));
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), ["PATCH update_pull", "PATCH update_comment"]);
    let patch = fake
        .requests()
        .into_iter()
        .find(|l| l.route == "update_pull")
        .unwrap();
    assert!(patch.body.get("title").is_none());
    assert_eq!(fake.pull(number).body, edited);
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(fake.comments_on(number)[0].body, outcome.comment);
}

#[tokio::test]
async fn stale_pull_request_gets_one_new_commit_on_the_current_base_by_fast_forward() {
    let (fake, number) = with_pull_request().await;
    let old_head = head_of(&fake, BRANCH).unwrap();
    let main_now = fake.push_as("main", "maintainer", "README.md", "# r, edited\n");
    let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(
        fake.writes(),
        [
            "POST create_blob",
            "POST create_tree",
            "POST create_commit",
            "PATCH update_ref",
            "PATCH update_pull"
        ]
    );
    assert_eq!(outcome.operation, Operation::Updated);
    let head = head_of(&fake, BRANCH).unwrap();
    assert_ne!(head, old_head);
    assert_eq!(outcome.head_sha.as_deref(), Some(head.as_str()));
    assert_eq!(outcome.pull_request.as_ref().unwrap().0, number);
    let state = fake.lock();
    // A merge of the current base and the head read: on the base, and a fast-forward.
    assert_eq!(state.commits[&head].parents, [main_now, old_head]);
    assert_eq!(state.doc_on(BRANCH).as_deref(), Some(NEWER_DOC));
    assert_eq!(
        state.file_at(&head, "README.md").as_deref(),
        Some("# r, edited\n")
    );
    let moved = state.log.iter().find(|l| l.route == "update_ref").unwrap();
    assert_eq!(
        moved.body,
        serde_json::json!({ "sha": head, "force": false })
    );
    assert!(state.pulls[0].open);
    assert!(state.pulls[0].body.contains(&content_hash(NEWER_DOC)));
}

#[tokio::test]
async fn base_matches_closes_the_bot_pull_request_and_deletes_the_branch() {
    let (fake, number) = with_pull_request().await;
    fake.edit_base_doc("maintainer", NEW_DOC);
    let outcome = run(&fake, &request(NEW_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(
        fake.writes(),
        ["POST create_comment", "PATCH update_pull", "POST graphql"]
    );
    assert_eq!(outcome.operation, Operation::Closed);
    assert_eq!(outcome.pull_request.as_ref().unwrap().0, number);
    assert_eq!(outcome.head_sha, None);
    assert!(!fake.pull(number).open);
    assert_eq!(head_of(&fake, BRANCH), None);
    let comments = fake.comments_on(number);
    let last = &comments.last().unwrap().body;
    assert_eq!(
        last,
        "`docs/model_coverage.mdx` on `main` already matches what track-models generates, so this \
         pull request is no longer needed; closing it and deleting `track-models/coverage`."
    );
    assert_eq!(last.lines().count(), 1);
}

/// A maintainer pushes while the run closes the pull request: the branch is re-read right
/// before the delete and kept, and the run says so.
#[tokio::test]
async fn a_push_while_closing_keeps_the_branch() {
    let (fake, _) = with_pull_request().await;
    fake.edit_base_doc("maintainer", NEW_DOC);
    let pushed = fake.push_before("update_pull", BRANCH, "maintainer", "keep this\n");
    let outcome = run(&fake, &request(NEW_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), ["POST create_comment", "PATCH update_pull"]);
    let pushed = pushed.lock().unwrap().clone();
    assert_eq!(head_of(&fake, BRANCH), Some(pushed.clone()));
    assert_eq!(outcome.operation, Operation::Closed);
    assert_eq!(
        outcome.note,
        format!(
            "base already matches the generated doc; the branch `{BRANCH}` is kept: it moved to \
             {} during the run",
            &pushed[..7]
        )
    );
    assert_eq!(outcome.head_sha, Some(pushed));
}

/// A maintainer pushes between the re-read right before the delete and the delete itself:
/// the delete is a compare-and-swap (GraphQL `updateRefs`, `beforeOid` = the head re-read),
/// GitHub refuses it, and the branch is kept with its push, and the note says so.
#[tokio::test]
async fn a_push_between_the_reread_and_the_delete_keeps_the_branch() {
    let (fake, _) = with_pull_request().await;
    let head = head_of(&fake, BRANCH).unwrap();
    fake.edit_base_doc("maintainer", NEW_DOC);
    let pushed = fake.push_before("graphql", BRANCH, "maintainer", "keep this\n");
    let outcome = run(&fake, &request(NEW_DOC, NEW_DOC)).await.unwrap();
    let pushed = pushed.lock().unwrap().clone();
    assert_eq!(head_of(&fake, BRANCH), Some(pushed.clone()));
    assert_eq!(fake.guarded_moves(), [serde_json::json!(head)]);
    assert_eq!(outcome.operation, Operation::Closed);
    assert_eq!(
        outcome.note,
        format!(
            "base already matches the generated doc; the branch `{BRANCH}` is kept: it moved to \
             {} during the run",
            &pushed[..7]
        )
    );
    assert_eq!(outcome.head_sha, Some(pushed));
}

/// A push after the run read the pull request and before it writes anything: the re-read
/// before closing sees it, the run reads again, and the pull request stays open with the
/// "no longer needed" note instead.
#[tokio::test]
async fn a_push_before_closing_leaves_the_pull_request_open() {
    let (fake, number) = with_pull_request().await;
    fake.edit_base_doc("maintainer", NEW_DOC);
    fake.push_before("list_comments", BRANCH, "alice", "alice's edit\n");
    let outcome = run(&fake, &request(NEW_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), ["PATCH update_comment"]);
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(outcome.note, "no longer needed: commits by others");
    assert!(fake.pull(number).open);
}

/// The bot's branch is deleted between the run's read and its write (GitHub closes the pull
/// request): it is created again with a new pull request, not an error.
#[tokio::test]
async fn a_branch_deleted_between_read_and_write_is_created_again() {
    let (fake, number) = with_pull_request().await;
    fake.before("create_commit", |state| {
        state.delete_branch(BRANCH);
    });
    let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert!(!fake.pull(number).open, "GitHub closed it with its branch");
    assert_eq!(outcome.operation, Operation::Created);
    let new = outcome.pull_request.unwrap().0;
    assert_ne!(new, number);
    assert!(fake.pull(new).open);
    assert_eq!(fake.lock().doc_on(BRANCH).as_deref(), Some(NEWER_DOC));
}

/// A run could not open its pull request (the branch is kept, by design); a maintainer
/// pushes to that branch. The next run does not move it: it pauses and says why, in the
/// run's output since there is no pull request. `--recreate` discards the push and says so.
#[tokio::test]
async fn a_maintainers_push_on_a_leftover_branch_pauses_until_recreate() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.fail("create_pull", 500, Some(1));
    run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap_err();
    assert!(head_of(&fake, BRANCH).is_some() && fake.open_pulls().is_empty());
    let pushed = fake.push_as(BRANCH, "maintainer", DOC_PATH, "a maintainer's fix\n");
    fake.clear_log();

    let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert_eq!(head_of(&fake, BRANCH), Some(pushed.clone()));
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(
        outcome.note,
        format!(
            "paused: commits by others on the branch `{BRANCH}` ({} by maintainer); pass \
             `--recreate` to discard them",
            &pushed[..7]
        )
    );

    // The same push landing between the read and the write of a run that found the leftover
    // branch clean: the re-read before the (forced) move sees it, and the run pauses.
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.fail("create_pull", 500, Some(1));
    run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap_err();
    let late = fake.push_before("create_commit", BRANCH, "maintainer", "late fix\n");
    fake.clear_log();
    let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::None);
    let late = late.lock().unwrap().clone();
    assert_eq!(head_of(&fake, BRANCH), Some(late.clone()));
    assert!(outcome
        .note
        .starts_with("paused: commits by others on the branch"));
    assert!(!fake
        .writes()
        .iter()
        .any(|w| w.contains("_ref") || w.contains("graphql")));

    let mut recreate = request(BASE_DOC, NEWER_DOC);
    recreate.recreate = true;
    let outcome = run(&fake, &recreate).await.unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    assert_eq!(
        outcome.note,
        format!(
            "recreated on base, discarding commits by others ({} by maintainer)",
            &late[..7]
        )
    );
    assert_eq!(fake.lock().doc_on(BRANCH).as_deref(), Some(NEWER_DOC));
    assert_eq!(fake.ref_moves(), [serde_json::json!(true)]);
}

/// `--recreate` with a push landing during the run: the re-read before the forced move sees
/// it, the run reads again, and the push is discarded only once it is known, and named.
#[tokio::test]
async fn recreate_discards_a_push_made_during_the_run_and_says_so() {
    let (fake, number) = with_pull_request().await;
    let carol = fake.push_before("create_commit", BRANCH, "carol", "carol's edit\n");
    let mut recreate = request(BASE_DOC, NEWER_DOC);
    recreate.recreate = true;
    let outcome = run(&fake, &recreate).await.unwrap();
    assert_eq!(outcome.operation, Operation::Updated);
    let carol = carol.lock().unwrap().clone();
    assert_eq!(
        outcome.note,
        format!(
            "recreated on base, discarding commits by others ({} by carol)",
            &carol[..7]
        )
    );
    assert_eq!(fake.lock().doc_on(BRANCH).as_deref(), Some(NEWER_DOC));
    assert!(fake.pull(number).open);
}

/// The fake's GraphQL `updateRefs` answers as GitHub does: HTTP 200 with `data.updateRefs:
/// null` and an `errors` array when a `beforeOid` is stale (nothing moves, across all the
/// updates of the mutation) or the token lacks `contents: write`; the move when it holds.
#[tokio::test]
async fn the_fakes_update_refs_refuses_a_stale_before_oid_like_github() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let main = head_of(&fake, "main").unwrap();
    let other = fake
        .lock()
        .commit_file(Some(&main), "alice", DOC_PATH, "alice\n");
    let side = fake.push_as("side", "bob", DOC_PATH, "bob\n");
    let update = |name: &str, before: &str, after: &str| {
        serde_json::json!({
            "name": format!("refs/heads/{name}"),
            "beforeOid": before,
            "afterOid": after,
            "force": true,
        })
    };
    let post = |updates: Vec<serde_json::Value>| {
        let url = format!("{}/graphql", fake.uri());
        async move {
            let body = serde_json::json!({
                "query": "mutation($input: UpdateRefsInput!) { updateRefs(input: $input) { \
                          clientMutationId } }",
                "variables": { "input": {
                    "repositoryId": fake::REPO_NODE_ID,
                    "refUpdates": updates,
                }},
            });
            let reply = reqwest::Client::new()
                .post(url)
                .header("user-agent", "test")
                .header("x-github-api-version", "2022-11-28")
                .bearer_auth(TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = reply.status().as_u16();
            (status, reply.json::<serde_json::Value>().await.unwrap())
        }
    };
    let refused = |kind: &str, message: &str| {
        serde_json::json!({
            "data": { "updateRefs": null },
            "errors": [{
                "type": kind,
                "path": ["updateRefs"],
                "locations": [{ "line": 1, "column": 40 }],
                "message": message,
            }],
        })
    };

    // `side` is not at `main`: the whole mutation is refused, `main` included.
    let stale = post(vec![
        update("main", &main, &other),
        update("side", &main, &other),
    ])
    .await;
    let message = format!("cannot lock ref 'refs/heads/side': is at {side} but expected {main}");
    assert_eq!(stale, (200, refused("UNPROCESSABLE", &message)));
    assert_eq!(head_of(&fake, "main"), Some(main.clone()));
    assert_eq!(head_of(&fake, "side"), Some(side.clone()));

    // A token without `contents: write` is refused the same way, nothing moves.
    let read_only = [("contents".to_string(), "read".to_string())];
    fake.lock().permissions = Some(read_only.into_iter().collect());
    let forbidden = post(vec![update("main", &main, &other)]).await;
    let message = "Resource not accessible by integration";
    assert_eq!(forbidden, (200, refused("FORBIDDEN", message)));
    assert_eq!(head_of(&fake, "main"), Some(main.clone()));

    // With `contents: write` and `beforeOid` where the branch is, it moves (forced; `side`
    // lacks the workflow file `other` has, so that takes `workflows: write` too).
    let write = [("contents", "write"), ("workflows", "write")].map(|(k, v)| (k.into(), v.into()));
    fake.lock().permissions = Some(write.into_iter().collect());
    let moved = post(vec![update("side", &side, &other)]).await;
    let done = serde_json::json!({ "data": { "updateRefs": { "clientMutationId": null } } });
    assert_eq!(moved, (200, done));
    assert_eq!(head_of(&fake, "side"), Some(other));
}

/// A forced move GitHub refuses while the branch is still where the run read it (here: the
/// token lost `contents: write`) is not taken for a race: the run fails (no retry), naming
/// the call, GitHub's message and what the token needs.
#[tokio::test]
async fn a_refused_forced_move_on_an_unmoved_branch_fails_with_githubs_words() {
    let (fake, _) = with_pull_request().await;
    let head = head_of(&fake, BRANCH);
    fake.before("graphql", |state| {
        let read = [
            ("contents", "read"),
            ("pull_requests", "write"),
            ("issues", "write"),
        ];
        state.permissions = Some(read.map(|(k, v)| (k.into(), v.into())).into());
    });
    let mut recreate = request(BASE_DOC, NEWER_DOC);
    recreate.recreate = true;
    let error = run(&fake, &recreate).await.unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "moving the branch `track-models/coverage` in o/r (GraphQL `updateRefs`): Resource not \
         accessible by integration\nhint: changing the branch needs `contents: write` (in a \
         workflow: `permissions: contents: write`)"
    );
    assert_eq!(head_of(&fake, BRANCH), head);
    assert_eq!(fake.ref_moves(), [serde_json::json!(true)]);
}

/// A hostile repository answer (a 7 MB default branch) is refused, and echoed bounded.
#[tokio::test]
async fn a_hostile_default_branch_is_refused_and_echoed_bounded() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().default_branch = "a".repeat(7 << 20);
    let error = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.starts_with(
            "reading the repository o/r: GitHub answered a default branch that is not a branch \
             name: `aaaa"
        ),
        "{}",
        &message[..200]
    );
    assert!(message.len() < 400, "{} bytes", message.len());
    assert_eq!(fake.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn base_matches_but_commits_by_others_leave_the_pull_request_open() {
    let (fake, number) = with_pull_request().await;
    fake.push_as(BRANCH, "alice", "docs/notes.md", "notes\n");
    fake.edit_base_doc("maintainer", NEW_DOC);
    let outcome = run(&fake, &request(NEW_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), ["PATCH update_comment"]);
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(outcome.note, "no longer needed: commits by others");
    assert!(fake.pull(number).open);
    let comment = &fake.comments_on(number)[0].body;
    assert!(comment.contains("> **No longer needed.**"), "{comment}");
    assert!(comment.contains("by `alice`"));
}

#[tokio::test]
async fn commits_by_others_pause_and_recreate_overwrites_them() {
    let (fake, number) = with_pull_request().await;
    let human = fake.push_as(BRANCH, "alice", DOC_PATH, "alice's version\n");
    let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(fake.writes(), ["PATCH update_comment"]);
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(outcome.note, "paused: commits by others");
    assert_eq!(head_of(&fake, BRANCH), Some(human.clone()));
    let comment = fake.comments_on(number)[0].body.clone();
    assert!(
        comment.contains("> **Paused.** `track-models/coverage` has commits by others"),
        "{comment}"
    );
    assert!(comment.contains("`track-models --publish --recreate`"));
    assert!(comment.contains(&format!("`{}` by `alice`", &human[..7])));

    // Paused runs stay quiet.
    fake.clear_log();
    run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(fake.writes(), Vec::<String>::new());

    let mut recreate = request(BASE_DOC, NEWER_DOC);
    recreate.recreate = true;
    let outcome = run(&fake, &recreate).await.unwrap();
    assert_eq!(outcome.operation, Operation::Updated);
    assert_eq!(
        outcome.note,
        format!(
            "recreated on base, discarding commits by others ({} by alice)",
            &human[..7]
        )
    );
    let head = head_of(&fake, BRANCH).unwrap();
    let state = fake.lock();
    assert_eq!(state.commits[&head].parents, [state.refs["main"].clone()]);
    assert_eq!(state.doc_on(BRANCH).as_deref(), Some(NEWER_DOC));
    assert!(
        state.pulls[0].open,
        "moving the branch must not close the pull request"
    );
    drop(state);
    assert!(!fake.comments_on(number)[0].body.contains("Paused"));
}

/// A person pushes to the bot's branch between the run's read and its ref update: either the
/// re-read right before the update sees it (no update sent), or GitHub's fast-forward check
/// refuses the update (`force: false`). Either way the run reads again and pauses.
#[tokio::test]
async fn a_push_between_reading_and_moving_pauses_instead_of_overwriting() {
    for (route, moves) in [("create_commit", 0), ("update_ref", 1)] {
        let (fake, number) = with_pull_request().await;
        let bob = fake.push_before(route, BRANCH, "bob", "bob's edit\n");
        let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
        let mut expected = vec!["POST create_blob", "POST create_tree", "POST create_commit"];
        expected.extend(std::iter::repeat_n("PATCH update_ref", moves));
        expected.push("PATCH update_comment");
        assert_eq!(fake.writes(), expected, "{route}");
        let forced = fake.ref_moves().into_iter().filter(|f| f != false);
        assert_eq!(forced.count(), 0, "{route}");
        assert_eq!(outcome.operation, Operation::None);
        assert_eq!(outcome.note, "paused: commits by others");
        let bob = bob.lock().unwrap().clone();
        assert_eq!(head_of(&fake, BRANCH), Some(bob.clone()));
        assert_eq!(outcome.head_sha, Some(bob));
        assert!(fake.comments_on(number)[0].body.contains("by `bob`"));
    }
}

#[tokio::test]
async fn closed_without_merging_is_not_reopened_with_the_same_content() {
    let (fake, number) = with_pull_request().await;
    fake.close(number);
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert_eq!(outcome.operation, Operation::None);
    assert_eq!(outcome.note, "previously closed");

    // New content: a new pull request, reusing the branch left behind.
    let outcome = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    let writes = fake.writes();
    assert!(
        writes.contains(&"POST graphql".to_string())
            && !writes.contains(&"POST create_ref".to_string()),
        "{writes:?}"
    );
    let (second, _) = outcome.pull_request.unwrap();
    assert_ne!(second, number);
    assert_eq!(fake.open_pulls().len(), 1);
    assert_eq!(fake.lock().doc_on(BRANCH).as_deref(), Some(NEWER_DOC));

    // --recreate reopens even the content that was closed.
    fake.close(second);
    fake.clear_log();
    assert_eq!(
        run(&fake, &request(BASE_DOC, NEWER_DOC))
            .await
            .unwrap()
            .note,
        "previously closed"
    );
    let mut recreate = request(BASE_DOC, NEWER_DOC);
    recreate.recreate = true;
    assert_eq!(
        run(&fake, &recreate).await.unwrap().operation,
        Operation::Created
    );
}

#[tokio::test]
async fn merged_pull_request_is_not_previously_closed() {
    let (fake, number) = with_pull_request().await;
    fake.merge(number);
    let outcome = run(&fake, &request(NEW_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(
        (outcome.operation, fake.writes().len()),
        (Operation::None, 0)
    );
    let outcome = run(&fake, &request(NEW_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::Created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_runs_end_with_one_pull_request_and_one_comment() {
    for round in 0..6 {
        let fake = FakeGitHub::start(BASE_DOC).await;
        fake.lock().latency = Duration::from_millis(1);
        let github = client(&fake);
        let report = report();
        let request = request(BASE_DOC, NEW_DOC);
        let delay = Duration::from_millis(round * 2);
        let (a, b) = tokio::join!(publish(&github, &request, &report), async {
            tokio::time::sleep(delay).await;
            publish(&github, &request, &report).await
        });
        let (a, b) = (a.unwrap(), b.unwrap());
        let pulls = fake.lock().pulls.clone();
        assert_eq!(pulls.len(), 1, "round {round}: {pulls:?}");
        assert!(pulls[0].open);
        let number = pulls[0].number;
        assert_eq!(a.pull_request.as_ref().unwrap().0, number);
        assert_eq!(b.pull_request.as_ref().unwrap().0, number);
        let comments = fake.comments_on(number);
        assert_eq!(comments.len(), 1, "round {round}: {comments:?}");
        assert_eq!(comments[0].body, a.comment);
        assert_eq!(fake.lock().doc_on(BRANCH).as_deref(), Some(NEW_DOC));
        assert_eq!(pulls[0].labels, ["automated", "docs"]);
        // A third run finds nothing to do.
        fake.clear_log();
        publish(&github, &request, &report).await.unwrap();
        assert_eq!(fake.writes(), Vec::<String>::new(), "round {round}");

        // Someone deleted the sticky comment: two runs racing to put it back leave one.
        fake.lock().comments.clear();
        fake.clear_log();
        let (a, b) = tokio::join!(publish(&github, &request, &report), async {
            tokio::time::sleep(delay).await;
            publish(&github, &request, &report).await
        });
        assert_eq!(a.unwrap().operation, Operation::None);
        assert_eq!(b.unwrap().operation, Operation::None);
        let comments = fake.comments_on(number);
        assert_eq!(comments.len(), 1, "round {round}: {comments:?}");
    }
}

/// Each window two runs can race in, made deterministic: "the other run" acts right before
/// this run's request reaches GitHub.
#[tokio::test]
async fn losing_each_race_to_another_run_still_ends_with_one_pull_request_and_one_comment() {
    let windows: &[(&str, &str)] = &[
        ("create_ref", "branch"),
        ("create_ref", "branch+pull"),
        ("create_pull", "pull"),
        ("create_comment", "comment"),
    ];
    for &(route, other) in windows {
        let fake = FakeGitHub::start(BASE_DOC).await;
        let other_comment = format!("{COMMENT_MARKER}\nfrom the other run");
        let text = other_comment.clone();
        fake.before(route, move |state| {
            if other.contains("branch") {
                state.branch_as_bot(BRANCH, NEW_DOC);
            }
            if other.contains("pull") {
                state.pull_as_bot(BRANCH, "other run's body");
            }
            if other == "comment" {
                let number = state.pulls[0].number;
                state.comment_as_bot(number, &text);
            }
        });
        let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await;
        let outcome = outcome.unwrap_or_else(|e| panic!("{route} {other}: {e:#}"));
        let pulls = fake.lock().pulls.clone();
        assert_eq!(pulls.len(), 1, "{route} {other}");
        assert!(pulls[0].open);
        assert_eq!(outcome.pull_request.as_ref().unwrap().0, pulls[0].number);
        assert_eq!(pulls[0].body, outcome.body, "{route} {other}");
        assert_eq!(pulls[0].labels, ["automated", "docs"]);
        assert_eq!(fake.lock().doc_on(BRANCH).as_deref(), Some(NEW_DOC));
        let comments = fake.comments_on(pulls[0].number);
        assert_eq!(comments.len(), 1, "{route} {other}: {comments:?}");
        assert_eq!(comments[0].body, outcome.comment);
        if other == "comment" {
            // The oldest (the other run's) is kept and brought up to date; ours is deleted.
            assert_eq!(
                fake.writes()[fake.writes().len() - 4..],
                [
                    "POST create_comment",
                    "DELETE delete_comment",
                    "PATCH update_comment",
                    "POST add_labels"
                ]
            );
        }
    }
}

#[tokio::test]
async fn duplicate_sticky_comments_keep_the_oldest_found_on_any_page() {
    let (fake, number) = with_pull_request().await;
    let sticky = fake.comments_on(number)[0].clone();
    {
        let mut state = fake.lock();
        // People's comments first, so the bot's are on later pages (2 per page).
        state.comments.retain(|c| c.id != sticky.id);
        for i in 0..5 {
            state.comments.push(fake::Comment {
                id: 1000 + i,
                issue: number,
                user: "alice".into(),
                body: format!("comment {i}"),
            });
        }
        // A look-alike by someone else is never touched.
        state.comments.push(fake::Comment {
            id: 2000,
            issue: number,
            user: "mallory".into(),
            body: format!("{COMMENT_MARKER}\nfake"),
        });
        state.comments.push(fake::Comment {
            id: 3000,
            ..sticky.clone()
        });
        state.comments.push(fake::Comment {
            id: 3001,
            ..sticky.clone()
        });
    }
    run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(fake.writes(), ["DELETE delete_comment"]);
    let ids: Vec<u64> = fake.comments_on(number).iter().map(|c| c.id).collect();
    assert_eq!(ids, [1000, 1001, 1002, 1003, 1004, 2000, 3000]);
    let pages = fake
        .requests()
        .iter()
        .filter(|l| l.route == "list_comments")
        .count();
    assert_eq!(pages, 4);
}

#[tokio::test]
async fn actions_token_identity_when_get_user_is_forbidden() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().token_login = None;
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    let number = outcome.pull_request.unwrap().0;
    assert_eq!(fake.comments_on(number)[0].user, ACTIONS_BOT);
    fake.clear_log();
    let again = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(
        (again.operation, again.note.as_str()),
        (Operation::None, "up to date")
    );
    assert_eq!(fake.writes(), Vec::<String>::new());
    // Its own commits are not "commits by others": a new doc is pushed, not paused.
    let updated = run(&fake, &request(BASE_DOC, NEWER_DOC)).await.unwrap();
    assert_eq!(updated.operation, Operation::Updated);
}

/// A GitHub App token commits as `<app-slug>[bot]` and may not read `GET /user`: with
/// `TRACK_MODELS_BOT_LOGIN` naming it, the bot's own commits are not "commits by others".
#[tokio::test]
async fn app_token_identity_comes_from_the_bot_login() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().app_login = Some("coverage-app[bot]".into());
    let app = |fake: &FakeGitHub| client(fake).with_bot_login("coverage-app[bot]");
    let outcome = publish(&app(&fake), &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    let updated = publish(&app(&fake), &request(BASE_DOC, NEWER_DOC), &report())
        .await
        .unwrap();
    assert_eq!(
        updated.operation,
        Operation::Updated,
        "its own commit is not someone else's"
    );
    // Without the login (`GET /user` is forbidden to it, as to the Actions token), the bot
    // learns it from its own pull request's author: its commits are its own, its comment is
    // found and edited, not duplicated.
    let again = publish(&client(&fake), &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    assert_eq!(
        (again.operation, again.note.as_str()),
        (Operation::Updated, "")
    );
    let number = again.pull_request.unwrap().0;
    let comments = fake.comments_on(number);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].user, "coverage-app[bot]");
    // A person's commit still pauses it.
    fake.push_as(BRANCH, "alice", "notes.md", "hi\n");
    let paused = publish(&client(&fake), &request(BASE_DOC, NEWER_DOC), &report())
        .await
        .unwrap();
    assert_eq!(
        (paused.operation, paused.note.as_str()),
        (Operation::None, "paused: commits by others")
    );
}

#[tokio::test]
async fn labels_are_retried_after_a_422() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().label_422s = 2;
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    let number = outcome.pull_request.unwrap().0;
    assert_eq!(fake.pull(number).labels, ["automated", "docs"]);
    assert_eq!(
        fake.writes()
            .iter()
            .filter(|w| *w == "POST add_labels")
            .count(),
        3
    );
}

/// Only GitHub's "not indexed yet" 422 is retried; any other label 422 is a warning at once.
#[tokio::test]
async fn other_label_422s_are_not_retried() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.fail("add_labels", 422, None);
    let outcome = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    assert_eq!(
        fake.writes()
            .iter()
            .filter(|w| *w == "POST add_labels")
            .count(),
        1
    );
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
}

fn client_with(fake: &FakeGitHub, waits: track_models::api::github::rate_limit::Waits) -> GitHub {
    client(fake).with_waits(waits)
}

/// A 429 with `retry-after` is waited out as asked and sent again; the sleep is injected, so
/// the test counts the waits instead of taking them.
#[tokio::test]
async fn retry_after_is_honoured_and_sent_again() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().retry_after = Some(7);
    fake.fail("create_blob", 429, Some(1));
    let (waits, slept) = crate::support::recording_waits(600);
    let github = client_with(&fake, waits);
    let outcome = publish(&github, &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    assert_eq!(*slept.lock().unwrap(), [Duration::from_secs(7)]);
    assert_eq!(outcome.operation, Operation::Created);
    let blobs = fake
        .writes()
        .iter()
        .filter(|w| *w == "POST create_blob")
        .count();
    assert_eq!(blobs, 2);
}

/// GitHub's secondary limit as it usually comes: 403, no `retry-after`, requests remaining.
/// It is named as a rate limit, waited for (a minute, then doubling) within the run's
/// budget, and a limited `GET /user` is never taken for the Actions token: the personal
/// token's login is read once the limit passes, or the run fails naming the limit.
#[tokio::test]
async fn a_secondary_rate_limit_without_retry_after_is_waited_for_within_the_budget() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().secondary_limit = true;
    fake.lock().retry_after = None;
    fake.fail("get_user", 403, Some(2));
    let (waits, slept) = crate::support::recording_waits(600);
    let github = client_with(&fake, waits);
    let outcome = publish(&github, &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    assert_eq!(
        *slept.lock().unwrap(),
        [Duration::from_secs(60), Duration::from_secs(120)]
    );
    assert_eq!(outcome.operation, Operation::Created);
    let number = outcome.pull_request.unwrap().0;
    assert_eq!(fake.comments_on(number)[0].user, "coverage-bot");

    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().secondary_limit = true;
    fake.lock().retry_after = None;
    fake.fail("get_user", 403, None);
    let (waits, slept) = crate::support::recording_waits(100);
    let error = publish(
        &client_with(&fake, waits),
        &request(BASE_DOC, NEW_DOC),
        &report(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "reading the token's user (`GET /user`): 403 You have exceeded a secondary rate limit. \
         Please wait a few minutes before you try again.\nhint: rate limited (secondary rate \
         limit); retry in a few minutes; waited 60 s of this run's 100 s budget \
         (`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS`)"
    );
    assert_eq!(*slept.lock().unwrap(), [Duration::from_secs(60)]);
    assert_eq!(fake.writes(), Vec::<String>::new());
}

/// A refused connection fails the call at once: one attempt, no wait.
#[tokio::test]
async fn a_refused_connection_fails_at_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (waits, slept) = crate::support::recording_waits(600);
    let github = GitHub::new(&closed, TOKEN).unwrap().with_waits(waits);
    let error = publish(&github, &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.starts_with("reading the token's user (`GET /user`): "),
        "{message}"
    );
    assert!(message.contains("Connection refused"), "{message}");
    assert!(slept.lock().unwrap().is_empty());
}

/// A 403 on a write names the permission GitHub says it accepts.
#[tokio::test]
async fn a_missing_permission_is_named_from_the_accepted_permissions_header() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().permissions = Some(
        [("contents", "read"), ("pull_requests", "write")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let error = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap_err();
    assert_eq!(
        format!("{error:#}"),
        "creating the blob for `docs/model_coverage.mdx` in o/r: 403 Resource not accessible by \
         integration\nhint: the token lacks a permission this call needs (GitHub accepts: \
         contents=write); in a workflow grant it under `permissions:`"
    );
}

#[tokio::test]
async fn a_newer_edit_on_base_is_never_overwritten() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.edit_base_doc("alice", "alice's newer edit\n");
    let error = run(&fake, &request(BASE_DOC, NEW_DOC)).await.unwrap_err();
    assert!(matches!(
        error.downcast_ref::<PublishError>(),
        Some(PublishError::BaseChanged(_))
    ));
    let message = format!("{error:#}");
    assert!(
        message.starts_with("`docs/model_coverage.mdx` on `main` (") && message.contains(") differs from the text this run generated from; refusing to overwrite a newer edit\nhint: update the checkout"),
        "{message}"
    );
    assert_eq!(fake.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn paths_under_dot_github_are_refused_before_any_request() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    for path in [
        ".github/workflows/ci.yml",
        ".GitHub/x.md",
        "../docs/x.mdx",
        "/docs/x.mdx",
        "docs//x.mdx",
        "",
    ] {
        let mut bad = request(BASE_DOC, NEW_DOC);
        bad.doc_path = path.into();
        let error = run(&fake, &bad).await.unwrap_err();
        assert!(
            matches!(
                error.downcast_ref::<PublishError>(),
                Some(PublishError::InvalidRequest(_))
            ),
            "{path}"
        );
    }
    let mut bad = request(BASE_DOC, NEW_DOC);
    bad.doc_path = ".github/workflows/ci.yml".into();
    assert_eq!(
        run(&fake, &bad).await.unwrap_err().to_string(),
        "refusing to write `.github/workflows/ci.yml`: the bot never writes under `.github/`"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn explicit_base_skips_the_repository_lookup() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let mut explicit = request(BASE_DOC, NEW_DOC);
    explicit.base = Some("main".into());
    run(&fake, &explicit).await.unwrap();
    assert!(!fake.requests().iter().any(|l| l.route == "get_repo"));
    explicit.base = Some(BRANCH.into());
    let error = run(&fake, &explicit).await.unwrap_err();
    assert!(error.to_string().contains("is also the base"), "{error}");
}

/// Scenario a failure is injected into: which requests it makes.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    /// No pull request yet: create.
    Create,
    /// Open pull request, stale doc, the sticky comment edited and duplicated: update.
    Update,
    /// Open pull request, base already matches: close.
    Close,
}

async fn scenario(kind: Scenario) -> (FakeGitHub, PublishRequest) {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let request = scenario_on(&fake, &client(&fake), kind).await;
    (fake, request)
}

/// Resets `fake` and brings it to the state of `kind`.
async fn scenario_on(fake: &FakeGitHub, github: &GitHub, kind: Scenario) -> PublishRequest {
    fake.reset(BASE_DOC);
    if let Scenario::Create = kind {
        return request(BASE_DOC, NEW_DOC);
    }
    let created = publish(github, &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    let number = created.pull_request.unwrap().0;
    fake.clear_log();
    match kind {
        Scenario::Create => unreachable!(),
        Scenario::Update => {
            let mut state = fake.lock();
            let mut copy = state
                .comments
                .iter()
                .find(|c| c.issue == number)
                .unwrap()
                .clone();
            copy.id = 9999;
            state.comments.push(copy);
            state
                .comments
                .iter_mut()
                .for_each(|c| c.body.push_str("\nstale"));
            request(BASE_DOC, NEWER_DOC)
        }
        Scenario::Close => {
            fake.edit_base_doc("maintainer", NEW_DOC);
            request(NEW_DOC, NEW_DOC)
        }
    }
}

/// What one injected failure must come to (see the test below).
fn check_failure(
    fake: &FakeGitHub,
    (route, status, call): (&str, u16, &str),
    what: &str,
    result: anyhow::Result<PublishOutcome>,
) {
    match (route, status) {
        // Answers, not failures.
        ("get_user", 403) | ("delete_comment", 404) => {
            assert!(result.is_ok(), "{what}: {result:?}");
        }
        // Labels are best-effort: the pull request and its comment stand, the failure
        // is a warning naming the call.
        ("add_labels", _) => {
            let outcome = result.unwrap_or_else(|e| panic!("{what}: {e:#}"));
            assert_eq!(outcome.warnings.len(), 1, "{what}");
            let warning = &outcome.warnings[0];
            assert!(
                warning.starts_with(&format!("labels automated, docs not added: {call}")),
                "{what}: {warning}"
            );
            assert!(warning.contains(&format!(": {status} injected")), "{what}");
            assert!(!warning.contains(TOKEN), "{what}");
            let number = outcome.pull_request.unwrap().0;
            assert_eq!(fake.comments_on(number).len(), 1, "{what}");
        }
        ("get_ref", 404) => assert_eq!(
            result.unwrap_err().to_string(),
            "the base branch `main` does not exist in o/r",
            "{what}"
        ),
        ("get_contents", 404) => assert!(
            result
                .unwrap_err()
                .to_string()
                .starts_with("`docs/model_coverage.mdx` does not exist on `main`"),
            "{what}"
        ),
        _ => {
            let message = format!("{:#}", result.expect_err(what));
            assert!(message.starts_with(call), "{what}: {message}");
            assert!(
                message.contains(&format!(": {status} injected failure for Bearer ***")),
                "{what}: {message}"
            );
            let hint = match status {
                401 => "\nhint: `GITHUB_TOKEN` is missing, expired or revoked",
                403 => "\nhint: the token needs `contents: write`",
                404 => "\nhint: check `GITHUB_REPOSITORY`",
                // Over a minute: not waited for, reported.
                429 => "\nhint: rate limited; retry in 61 s",
                500 | 502 => "\nhint: GitHub failed to answer; run again later",
                _ => "",
            };
            assert!(message.contains(hint), "{what}: {message}");
            assert!(!message.contains(TOKEN), "{what}");
        }
    }
}

#[tokio::test]
async fn api_failures_name_the_call_and_leave_no_half_written_branch() {
    use Scenario::*;
    let cases: &[(Scenario, &str, &str)] = &[
        (Create, "get_user", "reading the token's user (`GET /user`)"),
        (Create, "get_repo", "reading the repository o/r"),
        (Create, "get_ref", "reading the branch `main` of o/r"),
        (Create, "get_commit", "reading the commit `"),
        (
            Create,
            "get_contents",
            "reading `docs/model_coverage.mdx` at `",
        ),
        (
            Create,
            "list_pulls",
            "listing open pull requests from `track-models/coverage` in o/r",
        ),
        (
            Create,
            "create_blob",
            "creating the blob for `docs/model_coverage.mdx` in o/r",
        ),
        (Create, "create_tree", "creating the tree for o/r"),
        (Create, "create_commit", "creating the commit for o/r"),
        (
            Create,
            "create_ref",
            "creating the branch `track-models/coverage` in o/r",
        ),
        (
            Create,
            "create_pull",
            "opening the pull request from `track-models/coverage` in o/r",
        ),
        (Create, "add_labels", "adding labels to pull request #"),
        (Create, "create_comment", "commenting on pull request #"),
        (
            Create,
            "list_comments",
            "listing the comments of pull request #",
        ),
        (
            Update,
            "list_pull_commits",
            "listing the commits of pull request #",
        ),
        (
            Update,
            "list_comments",
            "listing the comments of pull request #",
        ),
        (
            Update,
            "update_ref",
            "moving the branch `track-models/coverage` in o/r",
        ),
        (Update, "update_pull", "editing pull request #"),
        (Update, "update_comment", "editing comment "),
        (Update, "delete_comment", "deleting comment 9999 in o/r"),
        (Close, "create_comment", "commenting on pull request #"),
        (Close, "update_pull", "closing pull request #"),
        (
            Close,
            "graphql",
            "deleting the branch `track-models/coverage` in o/r (GraphQL `updateRefs`)",
        ),
    ];
    let fake = FakeGitHub::start(BASE_DOC).await;
    let github = client(&fake);
    // Each scenario is set up once and restored before every case.
    let mut prepared = Vec::new();
    for kind in [Create, Update, Close] {
        let request = scenario_on(&fake, &github, kind).await;
        prepared.push((kind as usize, fake.lock().snapshot(), request));
    }
    for &(kind, route, call) in cases {
        for status in [401u16, 403, 404, 422, 429, 500, 502] {
            let (_, snapshot, request) = &prepared[kind as usize];
            fake.restore(snapshot);
            fake.lock().echo_auth_in_errors = true;
            let before = fake.lock().refs.clone();
            fake.fail(route, status, None);
            let result = publish(&github, request, &report()).await;
            let what = format!("{kind:?} {route} {status}");
            check_failure(&fake, (route, status, call), &what, result);
            // No half-written branch: every ref is where it was, or on a commit carrying the
            // generated doc; the base never moves.
            let state = fake.lock();
            assert_eq!(state.refs.get("main"), before.get("main"), "{what}");
            if let Some(head) = state.refs.get(BRANCH) {
                let doc = state.file_at(head, DOC_PATH);
                assert!(
                    before.get(BRANCH) == Some(head)
                        || doc.as_deref() == Some(request.generated_doc.as_str()),
                    "{what}: branch at a commit with {doc:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn dry_run_makes_only_get_requests() {
    let paused = async {
        let (fake, _) = with_pull_request().await;
        fake.push_as(BRANCH, "alice", DOC_PATH, "alice\n");
        (fake, request(BASE_DOC, NEWER_DOC))
    };
    let cases = vec![
        (scenario(Scenario::Create).await, Operation::Created, ""),
        (scenario(Scenario::Update).await, Operation::Updated, ""),
        (
            scenario(Scenario::Close).await,
            Operation::Closed,
            "base already matches the generated doc",
        ),
        (paused.await, Operation::None, "paused: commits by others"),
    ];
    for ((fake, mut request), operation, note) in cases {
        fake.clear_log();
        request.dry_run = true;
        // A dry run needs read access only.
        fake.lock().permissions = Some(
            [("contents", "read"), ("pull_requests", "read")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        let (refs, pulls, comments) = {
            let state = fake.lock();
            (
                state.refs.clone(),
                format!("{:?}", state.pulls),
                format!("{:?}", state.comments),
            )
        };
        let outcome = run(&fake, &request).await.unwrap();
        let methods: Vec<String> = fake.requests().iter().map(|l| l.method.clone()).collect();
        assert!(
            !methods.is_empty() && methods.iter().all(|m| m == "GET"),
            "{methods:?}"
        );
        assert_eq!(
            (outcome.operation, outcome.note.as_str()),
            (operation, note)
        );
        assert!(outcome.body.contains(BODY_START) && outcome.body.contains(BODY_END));
        assert!(outcome.comment.starts_with(COMMENT_MARKER));
        let state = fake.lock();
        assert_eq!(state.refs, refs);
        assert_eq!(format!("{:?}", state.pulls), pulls);
        assert_eq!(format!("{:?}", state.comments), comments);
    }
}

fn actions_env(dir: &std::path::Path, on: bool) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| match name {
        "GITHUB_ACTIONS" if on => Some("true".into()),
        "GITHUB_OUTPUT" => Some(dir.join("output").display().to_string()),
        "GITHUB_STEP_SUMMARY" => Some(dir.join("summary.md").display().to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn actions_outputs_summary_groups_and_annotations() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let dir = tempfile::tempdir().unwrap();
    let mut report = report();
    report.models.push(model(
        "Second New",
        None,
        Action::Added,
        None,
        "❌ Not covered",
        vec![],
    ));
    report.problems = (1..=12)
        .map(|i| format!("docs/model_coverage.mdx:{i}: problem {i}"))
        .collect();
    report.problems[11] = "Qwen/Qwen3: fetching config.json: 50% failed".into();
    let mut log = Vec::new();
    let mut actions = Actions::from_vars(actions_env(dir.path(), true), &mut log);
    let outcome = publish_with_actions(
        &client(&fake),
        &request(BASE_DOC, NEW_DOC),
        &report,
        &mut actions,
    )
    .await
    .unwrap();
    drop(actions);
    let log = String::from_utf8(log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines[0], format!("::add-mask::{TOKEN}"));
    let warnings: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::warning"))
        .collect();
    assert_eq!(warnings.len(), 10);
    assert_eq!(
        warnings[0],
        "::warning file=docs/model_coverage.mdx,line=1::problem 1"
    );
    assert_eq!(
        lines[11],
        "2 more problems not annotated (all are listed in the job summary)"
    );
    let groups: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::group::"))
        .collect();
    assert_eq!(
        groups,
        [
            "::group::track-models: reading the repository",
            "::group::track-models: committing",
            "::group::track-models: opening the pull request",
        ]
    );
    assert_eq!(lines.iter().filter(|l| **l == "::endgroup::").count(), 3);
    assert_eq!(*lines.last().unwrap(), "::endgroup::");
    assert!(lines.contains(&"plan: created"));

    let output = std::fs::read_to_string(dir.path().join("output")).unwrap();
    let (number, url) = outcome.pull_request.clone().unwrap();
    let head = outcome.head_sha.clone().unwrap();
    let out: Vec<&str> = output.lines().collect();
    assert_eq!(out[0], format!("pull-request-number={number}"));
    assert_eq!(out[1], format!("pull-request-url={url}"));
    assert_eq!(out[2], "pull-request-operation=created");
    assert_eq!(out[3], format!("pull-request-head-sha={head}"));
    let delimiter = out[4].strip_prefix("models-added<<").unwrap();
    assert!(
        delimiter.len() == 45
            && delimiter.starts_with("ghadelimiter_")
            && delimiter[13..].chars().all(|c| c.is_ascii_hexdigit()),
        "{delimiter}"
    );
    assert_eq!(out[5..8], ["NewModel", "Second New", delimiter]);
    // One missing-definitions line per name, single-line here as `name=value`? No: two names.
    let second = out[8].strip_prefix("missing-definitions<<").unwrap();
    assert_ne!(second, delimiter);
    assert_eq!(out[9..], ["gemm_n4096_k4096", "rmsnorm_h4096", second]);
    assert!(output.ends_with(&format!("{second}\n")));

    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert_eq!(summary, outcome.summary);
    assert_eq!(
        outcome.summary, outcome.comment,
        "a small report is the same in both"
    );

    // Off Actions: nothing written anywhere.
    let quiet = tempfile::tempdir().unwrap();
    let mut off_log = Vec::new();
    let mut off = Actions::from_vars(actions_env(quiet.path(), false), &mut off_log);
    publish_with_actions(
        &client(&fake),
        &request(BASE_DOC, NEW_DOC),
        &report,
        &mut off,
    )
    .await
    .unwrap();
    drop(off);
    assert!(off_log.is_empty());
    assert!(!quiet.path().join("output").exists() && !quiet.path().join("summary.md").exists());
}

#[tokio::test]
async fn the_token_never_appears_in_outputs_errors_or_debug() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    fake.lock().echo_auth_in_errors = true;
    let dir = tempfile::tempdir().unwrap();
    let github = client(&fake);
    assert!(!format!("{github:?}").contains(TOKEN));
    assert!(format!("{github:?}").contains("Secret(***)"));
    let mut log = Vec::new();
    let mut actions = Actions::from_vars(actions_env(dir.path(), true), &mut log);
    let outcome = publish_with_actions(
        &github,
        &request(BASE_DOC, NEW_DOC),
        &report(),
        &mut actions,
    )
    .await
    .unwrap();
    // A failing run: the server echoes the Authorization header into its error message.
    fake.fail("update_ref", 500, None);
    let failed = publish_with_actions(
        &github,
        &request(BASE_DOC, NEWER_DOC),
        &report(),
        &mut actions,
    )
    .await
    .unwrap_err();
    drop(actions);
    let log = String::from_utf8(log).unwrap();
    let texts = [
        format!("{outcome:?}"),
        outcome.body.clone(),
        outcome.comment.clone(),
        format!("{failed}"),
        format!("{failed:#}"),
        format!("{failed:?}"),
        std::fs::read_to_string(dir.path().join("output")).unwrap(),
        std::fs::read_to_string(dir.path().join("summary.md")).unwrap(),
    ];
    for text in &texts {
        assert!(!text.contains(TOKEN), "{text}");
    }
    assert!(format!("{failed:#}").contains("500 injected failure for Bearer ***"));
    let with_token: Vec<&str> = log.lines().filter(|l| l.contains(TOKEN)).collect();
    assert_eq!(
        with_token,
        [
            format!("::add-mask::{TOKEN}"),
            format!("::add-mask::{TOKEN}")
        ]
    );
    assert!(log.contains("::error::moving the branch `track-models/coverage` in o/r: 500 injected failure for Bearer ***"));
    // Missing token: a clear message, nothing else.
    let error = GitHub::from_vars(|_| None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`GITHUB_TOKEN` is not set\nhint: `--publish` needs a token that can write contents and pull requests"
    );
}

#[tokio::test]
async fn hostile_names_cannot_break_the_table_or_ping_anyone() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let hostile = "Evil|<script>{x}`y` @octocat &#64;team &#x40;org/admins";
    let mut report = report();
    report.models.push(model(
        hostile,
        Some("org/`bad|id` @octocat"),
        Action::Added,
        None,
        "❌ Not covered",
        vec![definition(
            "gemm_n4096_k4096",
            "gemm",
            Status::Missing,
            None,
        )],
    ));
    report.models.push(model(
        hostile,
        None,
        Action::Refreshed,
        Some("✅ Fully covered"),
        "🟡 Partial",
        vec![],
    ));
    report
        .problems
        .push(format!("{hostile}: config.json missing"));
    report.collect_missing();
    let outcome = publish(&client(&fake), &request(BASE_DOC, NEW_DOC), &report)
        .await
        .unwrap();
    let escaped = "Evil\\|\\<script\\>\\{x\\}\\`y\\` @\u{200b}octocat &amp;#64;team \
                   &amp;#x40;org/admins";
    for text in [&outcome.body, &outcome.comment] {
        // Code spans never mention anyone; outside them every `@` is broken up, and no `&`
        // starts a character reference that would render as one.
        assert!(!outside_code_spans(text).contains("@octocat"), "{text}");
        assert!(!outside_code_spans(text).contains("&#"), "{text}");
        assert!(!text.contains("<script>"), "{text}");
        assert!(!text.contains("{x}"));
        assert!(text.contains(escaped), "{text}");
        assert!(text.contains("(`org/'bad/id' @octocat`)"), "{text}");
        // Every table row keeps its column count: unescaped pipes only between cells.
        for line in text.lines().filter(|l| l.starts_with('|')) {
            let cells = unescaped_pipes(line);
            assert!(cells == 4 || cells == 5, "{line}");
        }
    }
    assert!(outcome
        .body
        .contains(&format!("| {escaped} | ✅ Fully covered | 🟡 Partial |")));
    assert!(outcome
        .comment
        .contains(&format!("- `gemm_n4096_k4096` — NewModel, {escaped}")));
}

fn outside_code_spans(text: &str) -> String {
    let mut out = String::new();
    let (mut escaped, mut in_code) = (false, false);
    for c in text.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '`' if !escaped => in_code = !in_code,
            _ => {
                escaped = false;
                if !in_code {
                    out.push(c);
                }
            }
        }
    }
    out
}

fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => count += 1,
            _ => escaped = false,
        }
    }
    count
}

#[tokio::test]
async fn body_and_comment_stay_under_the_size_limit() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let mut report = report();
    for i in 0..3000 {
        report.models.push(model(
            &format!("Model number {i} with a rather long display name"),
            Some("org/repo"),
            Action::Added,
            None,
            "❌ Not covered",
            vec![],
        ));
    }
    let outcome = publish(&client(&fake), &request(BASE_DOC, NEW_DOC), &report)
        .await
        .unwrap();
    assert!(
        outcome.body.chars().count() <= 60_000,
        "{}",
        outcome.body.chars().count()
    );
    assert!(outcome.comment.chars().count() <= 60_000);
    let link = "the doc is [docs/model\\_coverage.mdx](https://github.com/o/r/blob/track-models/coverage/docs/model_coverage.mdx) on `track-models/coverage`.";
    assert!(outcome.body.contains(link));
    assert!(outcome.body.ends_with(BODY_END));
    assert!(outcome.body.contains(&content_hash(NEW_DOC)));
    assert!(outcome.comment.contains(link));
    let number = outcome.pull_request.unwrap().0;
    assert_eq!(fake.pull(number).body, outcome.body);
}

/// A missing-definitions list far over GitHub's limits and a body people filled to the brim:
/// the body and the comment are sent under 65,536 characters (the fake refuses more, as GitHub
/// does), the cut comment closes its `<details>` and ends with a visible note, and the job
/// summary keeps the whole list.
#[tokio::test]
async fn a_missing_definitions_list_far_over_the_limits_still_publishes() {
    let (fake, number) = with_pull_request().await;
    let refused = client(&fake)
        .create_comment(REPO, number, &"x".repeat(65_537))
        .await
        .unwrap_err();
    assert!(
        format!("{refused:#}").contains(": 422 Validation Failed"),
        "{refused:#}"
    );
    {
        let mut state = fake.lock();
        let pull = state.pulls.iter_mut().find(|p| p.number == number).unwrap();
        let words = "Reviewer notes, pasted logs, a checklist. ".repeat(760);
        pull.body = format!("{words}\n\n{}\n\n{words}", pull.body);
        assert!(pull.body.chars().count() > 65_536 - 1_000);
    }
    let mut report = report();
    let definitions: Vec<DefinitionReport> = (0..3_000)
        .map(|i| {
            let op = ["gemm", "rmsnorm", "gqa_paged"][i % 3];
            definition(
                &format!("{op}_n{i}_k{}_a_long_generated_definition_name", i * 7),
                op,
                Status::Missing,
                None,
            )
        })
        .collect();
    report.models.push(model(
        "Huge Model",
        Some("org/Huge"),
        Action::Added,
        None,
        "❌ Not covered",
        definitions,
    ));
    report.collect_missing();
    assert_eq!(report.missing_definitions.len(), 3_002);
    let outcome = publish(&client(&fake), &request(BASE_DOC, NEWER_DOC), &report)
        .await
        .unwrap();
    assert_eq!(outcome.operation, Operation::Updated);
    let pull = fake.pull(number);
    assert!(
        pull.body.chars().count() <= 65_536,
        "{}",
        pull.body.chars().count()
    );
    assert!(pull.body.starts_with("Reviewer notes"));
    assert!(pull.body.contains(&content_hash(NEWER_DOC)));
    let comment = &fake.comments_on(number)[0].body;
    assert!(
        comment.chars().count() <= 65_536,
        "{}",
        comment.chars().count()
    );
    assert_eq!(
        comment.matches("<details>").count(),
        comment.matches("</details>").count(),
        "every <details> is closed"
    );
    let note = comment
        .find("> [!NOTE]\n> Truncated to fit GitHub's size limit: the full report is in the job summary")
        .expect("a visible note");
    assert!(comment.rfind("</details>").unwrap() < note);
    let last = "gqa_paged_n2999_k20993_a_long_generated_definition_name";
    assert!(!comment.contains(last));
    assert!(
        outcome.summary.contains(last),
        "the summary keeps the whole list"
    );
    assert!(!outcome.summary.contains("Truncated"));
}

#[tokio::test]
async fn an_api_url_with_a_path_prefix_is_kept_on_every_request() {
    let fake = FakeGitHub::start(BASE_DOC).await;
    let github = GitHub::new(&format!("{}/api/v3/", fake.uri()), TOKEN).unwrap();
    assert_eq!(github.server_url(), fake.uri());
    let outcome = publish(&github, &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    assert_eq!(outcome.operation, Operation::Created);
    let requests = fake.requests();
    assert!(
        requests.iter().all(|l| l.path.starts_with("/api/v3/")),
        "{requests:?}"
    );
    // One `User-Agent`, ours (octocrab's default builder would add a second one).
    assert!(
        requests
            .iter()
            .all(|l| l.user_agents == [track_models::api::github::USER_AGENT]),
        "{:?}",
        requests.iter().map(|l| &l.user_agents).collect::<Vec<_>>()
    );
    // The comment listing follows `rel="next"` under the prefix too.
    let number = outcome.pull_request.unwrap().0;
    for i in 0..3 {
        fake.lock().comment_as_bot(number, &format!("note {i}"));
    }
    fake.clear_log();
    publish(&github, &request(BASE_DOC, NEW_DOC), &report())
        .await
        .unwrap();
    assert_eq!(fake.writes(), Vec::<String>::new());
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|l| l.route == "list_comments")
        .map(|l| l.path)
        .collect();
    assert_eq!(
        pages,
        [
            format!("/api/v3/repos/o/r/issues/{number}/comments?per_page=100&page=1"),
            format!("/api/v3/repos/o/r/issues/{number}/comments?per_page=100&page=2"),
        ]
    );
}

/// A finished command's stdout and stderr, as text.
fn texts(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The binary end to end: `--refresh-status --publish` from a checkout, against the stateful
/// fake. A dry run writes nothing; the real run opens one PR with the refreshed doc and sets
/// the Actions outputs; the next run writes nothing; the token never shows.
#[tokio::test(flavor = "multi_thread")]
async fn the_binary_publishes_one_pull_request_then_nothing() {
    let base_doc = crate::support::fixture("refresh/sample-4state.mdx");
    let refreshed = crate::support::fixture("refresh/expected-4state.mdx");
    let github = FakeGitHub::start(&base_doc).await;
    let checkout = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(checkout.path().join("docs")).unwrap();
    std::fs::write(checkout.path().join(fake::DOC_PATH), &base_doc).unwrap();
    let outputs = checkout.path().join("github-output");
    let summary = checkout.path().join("step-summary");
    let token = fake::TOKEN;
    // Only the `::add-mask::` line Actions needs may carry it.
    let leaks = |text: &str| {
        text.lines()
            .any(|l| l.contains(token) && !l.starts_with("::add-mask::"))
    };
    let run_with = |extra: &[&str], env: &[(&str, &str)]| {
        let trace = crate::support::trace_dir();
        std::process::Command::new(env!("CARGO_BIN_EXE_track-models"))
            .current_dir(checkout.path())
            .args([
                "--refresh-status",
                "--doc",
                fake::DOC_PATH,
                "--trace-dir",
                trace.to_str().unwrap(),
                "--publish",
            ])
            .args(extra)
            .env("GITHUB_TOKEN", token)
            .env("GITHUB_REPOSITORY", "o/r")
            .env("GITHUB_API_URL", github.uri())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env_remove("GITHUB_WORKSPACE")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    };
    let run = |extra: &[&str]| run_with(extra, &[]);

    let dry = run(&["--dry-run"]);
    let (out, err) = texts(&dry);
    assert_eq!(dry.status.code(), Some(0), "{err}");
    assert!(err.contains("pull request: would be created"), "{err}");
    assert!(out.contains("--- pull request body ---\n"), "{out}");
    assert!(out.contains("<!-- track-models:start -->"), "{out}");
    assert_eq!(
        github.writes(),
        Vec::<String>::new(),
        "a dry run only reads"
    );
    assert!(!leaks(&out) && !leaks(&err));

    let real = run(&[]);
    let (out, err) = texts(&real);
    assert_eq!(real.status.code(), Some(0), "{err}");
    assert!(err.contains("pull request: created #"), "{err}");
    assert_eq!(github.open_pulls().len(), 1);
    assert_eq!(
        github.lock().doc_on(BRANCH).as_deref(),
        Some(refreshed.as_str())
    );
    let written = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        written.contains("pull-request-operation<<")
            || written.contains("pull-request-operation=created"),
        "{written}"
    );
    assert!(written.contains("created"), "{written}");
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("Missing definitions"));
    assert!(!leaks(&out) && !leaks(&err) && !written.contains(token));
    assert!(
        out.contains(&format!("::add-mask::{token}")),
        "the token is masked for Actions"
    );

    github.clear_log();
    let again = run(&[]);
    assert_eq!(again.status.code(), Some(0), "{}", texts(&again).1);
    assert_eq!(
        github.writes(),
        Vec::<String>::new(),
        "nothing changed: no write"
    );
    assert_eq!(github.open_pulls().len(), 1);

    // A secondary rate limit with no wait budget left (`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS`
    // is 0): named as a rate limit, not a permission problem, and never taken for the Actions
    // token.
    github.lock().secondary_limit = true;
    github.lock().retry_after = None;
    github.fail("get_user", 403, None);
    let limited = run_with(&[], &[("TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS", "0")]);
    let err = String::from_utf8_lossy(&limited.stderr).into_owned();
    assert_eq!(limited.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "reading the token's user (`GET /user`): 403 You have exceeded a secondary rate \
             limit. Please wait a few minutes before you try again.\nhint: rate limited \
             (secondary rate limit); retry in a few minutes; waited 0 s of this run's 0 s budget \
             (`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS`)"
        ),
        "{err}"
    );
}
