//! Configuration: built-in defaults, then a TOML file (`--config`, or `shenas.toml` where present), then
//! `SHENAS_`-prefixed environment variables (`SHENAS_DATABASE_URL`, `SHENAS_LISTEN`, …), then command-line flags.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://shenas.db` (embedded, the default) or `postgres://user@host/db`.
    pub database_url: String,
    pub listen: String,
    /// Where Prometheus scrapes `/metrics`; empty to disable.
    pub metrics_listen: String,
    pub captcha: bool,
    pub rate_limits: bool,
    /// `json` (default) or `pretty`.
    pub log_format: String,
    pub demo: DemoConfig,
    /// Fee schedules by Solar Hijri year (`[[fees]] from_year = 1398, issuance_rials = …`); empty for the
    /// programme's published figures.
    #[serde(default)]
    pub fees: Vec<domain::FeeSchedule>,
    /// A holiday table (`date_jalali,name_fa,name_en`) replacing the one carried in the product.
    #[serde(default)]
    pub holidays_file: Option<String>,
    /// A bank gateway with the sandbox bank's JSON shape; unset for the built-in sandbox bank.
    #[serde(default)]
    pub gateway_url: Option<String>,
    /// Where the bank sends customers back (absolute when the bank is elsewhere).
    #[serde(default = "default_callback")]
    pub callback_url: String,
    /// The mobile-ownership service (`POST {national_code, mobile}` → `{matched}`); unset to answer from the
    /// registry's own numbers.
    #[serde(default)]
    pub ownership_url: Option<String>,
}

fn default_callback() -> String {
    "/api/v1/payments/callback".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoConfig {
    pub persons: u64,
    pub offices: usize,
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://shenas.db".into(),
            listen: "127.0.0.1:8080".into(),
            metrics_listen: "127.0.0.1:9464".into(),
            captcha: true,
            rate_limits: true,
            log_format: "json".into(),
            demo: DemoConfig {
                persons: 50_000,
                offices: synth::DEFAULT_OFFICES,
                seed: 1403,
            },
            fees: Vec::new(),
            holidays_file: None,
            gateway_url: None,
            callback_url: default_callback(),
            ownership_url: None,
        }
    }
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                anyhow::ensure!(
                    f.exists(),
                    "configuration file {} does not exist",
                    f.display()
                );
                fig = fig.merge(Toml::file(f));
            }
            None => fig = fig.merge(Toml::file("shenas.toml")),
        }
        let cfg: Config = fig.merge(Env::prefixed("SHENAS_").split("__")).extract()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    /// Defaults, then the file, then `SHENAS_` variables, each overriding the one before.
    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns figment's own (large) error
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "shenas.toml",
                "listen = \"0.0.0.0:9000\"\ncaptcha = false\n[demo]\npersons = 10\n",
            )?;
            let cfg = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(cfg.listen, "0.0.0.0:9000");
            assert!(!cfg.captcha);
            assert_eq!(cfg.demo.persons, 10);
            assert_eq!(cfg.database_url, "sqlite://shenas.db");
            jail.set_env("SHENAS_LISTEN", "127.0.0.1:7000");
            jail.set_env("SHENAS_DATABASE_URL", "postgres://x@y/z");
            jail.set_env("SHENAS_DEMO__PERSONS", "20");
            let cfg = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(cfg.listen, "127.0.0.1:7000");
            assert_eq!(cfg.database_url, "postgres://x@y/z");
            assert_eq!(cfg.demo.persons, 20);
            assert!(Config::load(Some(std::path::Path::new("missing.toml"))).is_err());
            Ok(())
        });
    }
}
