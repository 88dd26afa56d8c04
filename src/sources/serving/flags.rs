//! SGLang launch flags, the rules both formats share: `--tp` / `--ep` / `--dp` in every
//! spelling, `--enable-dp-attention`, EP following TP under an all-to-all MoE backend, the
//! largest size accepted, and the DP-attention sanity warning.

use super::ServingConfig;

/// Largest TP / EP / DP size a serving config may give: beyond it the number is a typo, and it
/// would end up in definition names.
pub(super) const MAX_PARALLEL: u32 = 1024;

/// Parallelism read from SGLang launch flags; `None` means "not given".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct LaunchFlags {
    pub(super) tp: Option<u32>,
    pub(super) ep: Option<u32>,
    pub(super) dp: Option<u32>,
    pub(super) dp_attention: bool,
    /// An all-to-all MoE backend: EP defaults to TP.
    pub(super) ep_follows_tp: bool,
}

impl LaunchFlags {
    pub(super) fn override_with(&mut self, later: LaunchFlags) {
        self.tp = later.tp.or(self.tp);
        self.ep = later.ep.or(self.ep);
        self.dp = later.dp.or(self.dp);
        self.dp_attention |= later.dp_attention;
        self.ep_follows_tp |= later.ep_follows_tp;
    }

    pub(super) fn config(&self) -> ServingConfig {
        let tp = self.tp.unwrap_or(1);
        let ep = self.ep.unwrap_or(if self.ep_follows_tp { tp } else { 1 });
        ServingConfig::new(tp, ep, self.dp.unwrap_or(1), self.dp_attention)
    }
}

/// A launch size that cannot be used. `flag` is as the source spells it: `--tp` for a flag,
/// `tp:` for a YAML key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum FlagError {
    #[error("`{flag} {value}` is more than {MAX_PARALLEL}, the largest size accepted")]
    TooLarge { flag: String, value: String },
    #[error("`{flag} {value}` is not a positive integer")]
    NotPositive { flag: String, value: String },
    #[error("`{flag}` without a value")]
    NoValue { flag: String },
}

/// Reads the flags that matter from launch arguments. Each item may hold several
/// whitespace-separated tokens (`"--tp 8"`) or one (`"--tp"`, `"8"`); `--tp=8` works too.
pub(super) fn parse_launch_flags<'a>(
    items: impl IntoIterator<Item = &'a str>,
) -> Result<LaunchFlags, FlagError> {
    let tokens: Vec<&str> = items.into_iter().flat_map(str::split_whitespace).collect();
    let mut flags = LaunchFlags::default();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        i += 1;
        let Some(flag) = token.strip_prefix("--") else {
            continue;
        };
        let (name, inline_value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (flag, None),
        };
        let slot = match name {
            "tp" | "tp-size" | "tensor-parallel-size" => Some(&mut flags.tp),
            "ep" | "ep-size" | "expert-parallel-size" => Some(&mut flags.ep),
            "dp" | "dp-size" | "data-parallel-size" => Some(&mut flags.dp),
            _ => None,
        };
        if let Some(slot) = slot {
            let value = match inline_value {
                Some(value) => value,
                None if i < tokens.len() && !tokens[i].starts_with("--") => {
                    i += 1;
                    tokens[i - 1]
                }
                None => {
                    return Err(FlagError::NoValue {
                        flag: format!("--{name}"),
                    })
                }
            };
            let (flag, value_text) = (format!("--{name}"), value.to_string());
            match value.parse::<u32>() {
                Ok(n) if n > MAX_PARALLEL => {
                    return Err(FlagError::TooLarge {
                        flag,
                        value: value_text,
                    })
                }
                Ok(n) if n >= 1 => *slot = Some(n),
                _ => {
                    return Err(FlagError::NotPositive {
                        flag,
                        value: value_text,
                    })
                }
            }
            continue;
        }
        match name {
            "enable-dp-attention" => flags.dp_attention = true,
            "enable-ep-moe" | "enable-deepep-moe" => flags.ep_follows_tp = true,
            "moe-a2a-backend" => {
                let value = match inline_value {
                    Some(value) => Some(value),
                    None if i < tokens.len() && !tokens[i].starts_with("--") => {
                        i += 1;
                        Some(tokens[i - 1])
                    }
                    None => None,
                };
                if value.is_some_and(|v| !v.eq_ignore_ascii_case("none")) {
                    flags.ep_follows_tp = true;
                }
            }
            _ => {}
        }
    }
    Ok(flags)
}

pub(super) fn dp_attention_warning(config: &ServingConfig) -> Option<String> {
    (config.dp_attention && config.tp % config.dp != 0).then(|| {
        format!(
            "DP attention with dp {} that does not divide tp {}; attention TP taken as {}",
            config.dp,
            config.tp,
            config.attention_tp()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_flags_in_every_spelling() {
        let read = |items: &[&str]| parse_launch_flags(items.iter().copied()).map(|f| f.config());
        assert_eq!(
            read(&["--tp 8", "--ep 8"]),
            Ok(ServingConfig::new(8, 8, 1, false))
        );
        assert_eq!(
            read(&["--tp-size=4", "--dp-size", "4", "--enable-dp-attention"]),
            Ok(ServingConfig::new(4, 1, 4, true))
        );
        assert_eq!(
            read(&["--tensor-parallel-size 2 --expert-parallel-size 2"]),
            Ok(ServingConfig::new(2, 2, 1, false))
        );
        assert_eq!(
            read(&["--tp 4", "--moe-a2a-backend deepep"]),
            Ok(ServingConfig::new(4, 4, 1, false))
        );
        assert_eq!(
            read(&["--tp 4", "--moe-a2a-backend none"]),
            Ok(ServingConfig::new(4, 1, 1, false))
        );
        assert_eq!(
            read(&["--tp 8", "--ep-size 2", "--moe-a2a-backend=mooncake"]),
            Ok(ServingConfig::new(8, 2, 1, false))
        );
        assert_eq!(
            read(&["--model-path {{MODEL_NAME}}"]),
            Ok(ServingConfig::new(1, 1, 1, false))
        );
        let message = |items: &[&str]| read(items).unwrap_err().to_string();
        assert_eq!(
            message(&["--tp {{TP}}"]),
            "`--tp {{TP}}` is not a positive integer"
        );
        assert_eq!(message(&["--tp"]), "`--tp` without a value");
        assert_eq!(
            message(&["--ep=2048"]),
            "`--ep 2048` is more than 1024, the largest size accepted"
        );
    }
}
