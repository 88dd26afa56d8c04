//! `--discover`'s I/O driver: gather the sources, then run discovery's pure state machine
//! ([`crate::plan::Discovery`]) — fetch the `config.json`s it asks for and hand back each answer
//! (the text, or the error naming the model and URL) until it is done — then gather a serving
//! plan for each pick. Every decision (fingerprints, architectures, unreadable configs, which
//! repos to ask for) is the core's; this module only fetches. The machine asks for each repo at
//! most once, so the Hub sees at most one config request per candidate considered.

use std::sync::OnceLock;

use crate::discover::{
    candidates, gather_for_run, Decision, DiscoveryOptions, DiscoverySources, RunInputs,
};
use crate::doc::refresh::SectionOutcome;
use crate::doc::CoverageDoc;
use crate::plan::{tracked_models, Discovered, Discovery, Pick, Step};
use crate::request::Request;
use crate::resolve::serving_plan;
use crate::sources::dataset_tags::TagReading;
use crate::sources::serving::{CookbookIndex, ParsedConfigs, ServingSource};

/// Gathers the signals, drives the decision loop, and gathers the picks' serving plans. The
/// dataset's tags the `dataset` source reads are kept in `dataset_tags` for the lint.
pub async fn discover(
    request: &Request,
    sources: &DiscoverySources,
    doc: &CoverageDoc<'_>,
    sections: &[SectionOutcome],
    options: &DiscoveryOptions,
    dataset_tags: &OnceLock<TagReading>,
) -> Discovered {
    let run = RunInputs {
        request,
        doc,
        dataset_tags,
    };
    let signals = gather_for_run(sources, options, Some(run)).await;
    let supports = |class: &str| sources.catalog.supports(class);
    let mut discovery = Discovery::new(
        candidates(&signals),
        tracked_models(doc, sections),
        *options,
        &supports,
    );
    let decided = loop {
        match discovery.next_step() {
            Step::Fetch(repos) => {
                for (repo, fetched) in sources.hf.fetch_configs(&repos).await {
                    let answer = fetched.map(|file| file.text).map_err(Into::into);
                    discovery.config_read(repo, answer);
                }
            }
            Step::Done(decided) => break decided,
        }
    };
    let mut picks = Vec::new();
    for pick in decided.picks() {
        let joined = with_repackagings(&sources.cookbook, &pick, &decided.decisions);
        let serving = serving_plan(
            &request.sizes,
            joined.as_ref().unwrap_or(&sources.cookbook),
            &sources.hf,
            &pick.hf_repo_id,
            Some(&pick.config),
        )
        .await;
        picks.push((pick, serving));
    }
    Discovered {
        decisions: decided.decisions,
        picks,
        problems: signals.problems,
    }
}

/// The serving configs with those of the pick's repackagings filed under the pick's own repo
/// id too, so its serving plan is the union of both (`amd/Qwen3.5-397B-A17B-MXFP4`'s TP 2 joins
/// `Qwen/Qwen3.5-397B-A17B`'s TP 4, 6, 8, 16); `None` when no repackaging has any.
fn with_repackagings(
    cookbook: &CookbookIndex,
    pick: &Pick,
    decisions: &[Decision],
) -> Option<CookbookIndex> {
    let picked = decisions
        .iter()
        .find(|d| d.candidate.hf_repo_id.as_deref() == Some(pick.hf_repo_id.as_str()))?;
    let sources: Vec<ServingSource> = picked
        .candidate
        .repackagings
        .iter()
        .flat_map(|repackaging| cookbook.serving(&repackaging.repo_id))
        .map(|source| ServingSource {
            repo_id: pick.hf_repo_id.clone(),
            ..source
        })
        .collect();
    if sources.is_empty() {
        return None;
    }
    let mut joined = cookbook.clone();
    joined.add(ParsedConfigs {
        repo_ids: vec![pick.hf_repo_id.clone()],
        sources,
        warnings: Vec::new(),
        unread: None,
    });
    Some(joined)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::discover::{Candidate, DecisionKind, Lineage, Source, TiedBy};
    use crate::onboard::ServingOrigin;
    use crate::request::Sizes;
    use crate::sources::hf::{HfClient, HfConfig};
    use crate::sources::serving::ServingConfig;

    fn serving(repo: &str, file: &str, tp: u32, hardware: &str) -> ServingSource {
        ServingSource {
            repo_id: repo.to_string(),
            config: ServingConfig::new(tp, 1, 1, false),
            hardware: hardware.to_string(),
            file: PathBuf::from(file),
        }
    }

    /// The measured failure: `amd/Qwen3.5-397B-A17B-MXFP4` serves at TP 2 only, the original at
    /// TP 4/6/8/16. Folded, the original's section gets the union; the index itself is left
    /// as it was.
    #[tokio::test]
    async fn a_repackagings_serving_sizes_join_its_originals() {
        let (qwen, amd) = ("Qwen/Qwen3.5-397B-A17B", "amd/Qwen3.5-397B-A17B-MXFP4");
        let mut cookbook = CookbookIndex::default();
        cookbook.add(ParsedConfigs {
            repo_ids: vec![qwen.to_string(), amd.to_string()],
            sources: vec![
                serving(qwen, "qwen3.5.jsx", 4, "H200"),
                serving(qwen, "qwen3.5.jsx", 8, "H200"),
                serving(qwen, "Qwen3.5.yaml", 6, "MI300X"),
                serving(qwen, "Qwen3.5.yaml", 16, "H100"),
                serving(amd, "qwen3.5-mxfp4.jsx", 2, "MI355X"),
            ],
            warnings: Vec::new(),
            unread: None,
        });
        let pick = Pick {
            hf_repo_id: qwen.to_string(),
            display_name: "Qwen3.5 397B A17B".to_string(),
            config: "{}".to_string(),
        };
        let folded = Candidate {
            sources: vec![Source::COOKBOOK],
            repackagings: vec![Lineage {
                repo_id: amd.to_string(),
                via: TiedBy::Name,
            }],
            ..Candidate::blank(qwen.to_string())
        };
        let decisions = [Decision {
            candidate: folded.clone(),
            decision: DecisionKind::Added,
            reason: String::new(),
        }];
        let joined = with_repackagings(&cookbook, &pick, &decisions).unwrap();
        let home = tempfile::tempdir().unwrap();
        let mut config = HfConfig::new("http://127.0.0.1:9", home.path().join("hub"));
        config.offline = true;
        let hf = HfClient::new(config).unwrap();
        let plan = serving_plan(&Sizes::default(), &joined, &hf, qwen, None).await;
        assert_eq!(plan.attention_tp, vec![2, 4, 6, 8, 16]);
        assert_eq!(
            plan.origin,
            ServingOrigin::Cookbook(
                [
                    "TP=16 on H100",
                    "TP=2 on MI355X",
                    "TP=4 on H200",
                    "TP=6 on MI300X",
                    "TP=8 on H200"
                ]
                .map(String::from)
                .to_vec(),
                crate::onboard::ConfigFiles::Cookbook
            )
        );
        assert_eq!(hf.requests_made(), 0);
        // The original alone, and an unfolded pick: its own sizes only.
        let alone = serving_plan(&Sizes::default(), &cookbook, &hf, qwen, None).await;
        assert_eq!(alone.attention_tp, vec![4, 6, 8, 16]);
        let unfolded = [Decision {
            candidate: Candidate {
                repackagings: Vec::new(),
                ..folded
            },
            decision: DecisionKind::Added,
            reason: String::new(),
        }];
        assert!(with_repackagings(&cookbook, &pick, &unfolded).is_none());
        assert_eq!(cookbook.serving(qwen).len(), 4);
    }
}
