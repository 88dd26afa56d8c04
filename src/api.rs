//! The crate's public surface, and all of it: what the binary (`main.rs`), the benchmarks, the
//! fuzz targets and the integration tests use. Every module of the crate is private; each module
//! here re-exports, under the same path, the few items of the module of that name that are used
//! from outside (`api::doc::CoverageDoc` is `crate::doc::CoverageDoc`). Anything not named here
//! is seen by the dead-code lint, so an item no caller needs does not build.
//!
//! The binary needs `cli`, `console` and `run`; the benchmarks and the fuzz targets the parsers
//! (`doc`, `arch`, `sources::serving`) and `run`; the integration tests reach the pure core
//! directly where a run through the binary could not pin a rule down.
//!
//! A few items exist for those callers alone, as seams to inject what a run reads from its
//! environment: `discover::DiscoveryOptions::new` and `discover::Signals::with` (discovery's
//! inputs without the network), `discover::gather` and `discover::DiscoverySources`'
//! `from_vars` (sources at loopback fakes), `github::rate_limit::Waits::new` and
//! `sources::hf::Sleeper` (the clock and the sleep), `publish::GitHub::from_vars`/`with_waits`
//! and `publish::publish` (publishing without Actions files), `sources::trace_dir::load` and
//! `cli::DEFAULT_BRANCH`. Everything else here is code the binary runs, named so that tests can
//! call it directly.

/// Reading a Hugging Face `config.json` into an architecture.
pub mod arch {
    pub use crate::arch::{parse_config, sanitize_json, Architecture, ConfigError};
}
/// The command line (`track-models --help`).
pub mod cli {
    pub use crate::cli::{Cli, DEFAULT_BRANCH};
}
/// The binary's stderr: the log subscriber, error rendering, the workflow-command guard.
pub mod console {
    pub use crate::console::{install_subscriber, render_error, CommandGuard};
}
/// The dataset as a name index.
pub mod dataset {
    pub use crate::dataset::DefinitionIndex;
}
/// Discovery: sources, their signals, the merge into candidates and the decision.
pub mod discover {
    pub use crate::discover::display_name::display_name;
    pub use crate::discover::{
        candidates, day0_from_clone, decide, gather, parse_openrouter_models, parse_router_models,
        parse_timestamp, why_these_models_markdown, Candidate, CatalogError, Date, Day0File,
        Day0Match, Decision, DecisionKind, DiscoveryOptions, DiscoverySources, HfList, HfListKind,
        MatchedBy, ServingCount, Signals, Source, TiedBy, TrackedModel, COOKBOOK_REPO_IDS,
        DATASET_MODELS, DAY0_FILES, HF_LISTS, MAX_CATALOG_BYTES, PROVIDERS,
        PROVIDER_CATALOG_REACHED, SGLANG_CATALOG_REPO_IDS, SGLANG_CLASSES,
    };
    /// Display names of discovered models and the keys they are compared by.
    pub mod display_name {
        pub use crate::discover::display_name::{name_key, tracked_name_keys};
    }
}
/// The coverage document: parsing, its blocks, and the status refresh by splicing.
pub mod doc {
    pub use crate::doc::{Block, CoverageDoc, DocError, Status};
    /// The status refresh of a parsed document.
    pub mod refresh {
        pub use crate::doc::refresh::refresh;
    }
    /// Markdown table rows, read without allocating per cell.
    pub mod table {
        pub use crate::doc::table::{is_delimiter, parse_row, Cells, MAX_CELLS};
    }
}
/// GitHub: the user agent every call sends, and rate-limit waits.
pub mod github {
    pub use crate::github::USER_AGENT;
    /// Waits on primary and secondary rate limits, with an injectable sleep.
    pub mod rate_limit {
        pub use crate::github::rate_limit::{Sleep, Waits};
    }
}
/// The lint: rows against configs, dataset tags against the doc.
pub mod lint {
    pub use crate::lint::{
        lint, Finding, FindingKind, LintInputs, SectionConfig, TracedDefinition,
    };
    /// The dims lint's verdict on a row's sizes.
    pub mod dims {
        pub use crate::lint::dims::{ConfigCandidates, Verdict};
    }
}
/// Definition names derived from an architecture and the sizes it is served with.
pub mod naming {
    pub use crate::naming::{derive, Derivation, ExpectedDefinition, Origin, Parallelism};
}
/// What to write next: the Summary labels counted per doc version.
pub mod next {
    pub use crate::next::{LabelCounts, TrendPoint};
}
/// Onboarding requests and where a model's serving sizes came from.
pub mod onboard {
    pub use crate::onboard::{ConfigFiles, ModelRequest, ServingOrigin, ServingPlan};
}
/// The one planning core: refresh, onboarding and discovery composed into a run plan.
pub mod plan {
    pub use crate::plan::{onboarding_base, plan_run, Job, Onboard, Plan, RunPlan, ServingConfigs};
}
/// Publishing: the pull request and its comment.
pub mod publish {
    pub use crate::publish::{
        publish, publish_with_actions, GitHub, Operation, PublishError, PublishOutcome,
        PublishRequest,
    };
    /// GitHub Actions files (outputs, job summary).
    pub mod gha {
        pub use crate::publish::gha::Actions;
    }
    /// The PR comment's rendering and its limits.
    pub mod render {
        pub use crate::publish::render::{
            content_hash, render_comment, Notice, RenderContext, BODY_END, BODY_START,
            COMMENT_MARKER, MAX_CHARS,
        };
    }
}
/// The run's report.
pub mod report {
    pub use crate::report::{Action, DefinitionReport, ModelReport, Report};
}
/// Serving sizes as a validated request carries them.
pub mod request {
    pub use crate::request::Sizes;
}
/// Serving sizes (TP/EP) for a model, with their fallback chain.
pub mod resolve {
    pub use crate::resolve::serving_plan;
}
/// One run of the tool, as the binary calls it.
pub mod run {
    pub use crate::run::{run, RunStatus};
}
/// Reading from outside: the Hub, serving configs, SGLang, the trace dir.
pub mod sources {
    /// The Hugging Face Hub client on the standard cache.
    pub mod hf {
        pub use crate::sources::hf::{
            ConfigFile, ConfigSummary, DatasetListing, Gated, HfClient, HfConfig, HfError, Limits,
            ListedFile, ModelInfo, ModelQuery, ProviderMapping, RetryPolicy, Sleeper,
        };
    }
    /// SGLang cookbook YAML and docs_new JSX serving configs.
    pub mod serving {
        pub use crate::sources::serving::{
            parse_cookbook_yaml, parse_jsx_config, CookbookIndex, ParsedConfigs, ServingConfig,
            ServingSource,
        };
    }
    /// Where serving data comes from (bundled, a clone, or live).
    pub mod serving_data {
        pub use crate::sources::serving_data::{load, ServingData, ServingDataOptions};
    }
    /// SGLang's supported-model catalog.
    pub mod sglang {
        pub use crate::sources::sglang::{
            classify, ClassKind, ModelClass, SglangCatalog, BUNDLED_DATE,
        };
    }
    /// A local flashinfer-trace folder read into a name index.
    pub mod trace_dir {
        pub use crate::sources::trace_dir::load;
    }
}
/// Row statuses and their labels.
pub mod status {
    pub use crate::status::Status;
}
