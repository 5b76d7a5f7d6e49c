//! `pairlink config`: every setting this process would use, where it came from (the code's
//! default, the config file, the environment) and the variable that sets it, secrets masked.
//! Built from the same layers as [`Config::load`], after the same checks, so what it prints
//! is what `serve` would run with.
use figment::{Figment, Source};
use serde_json::Value;

use super::{Config, masking};

/// One setting of the report.
#[derive(Debug, PartialEq)]
pub struct Line {
    pub name: String,
    /// As it would be used: a secret that is set shows `***`, the database URL no password.
    pub value: String,
    /// `default`, the config file's path, or `environment`.
    pub from: String,
    /// The environment variable that sets it.
    pub variable: String,
}

/// The report of `config`, loaded through `figment` (see [`Config::figment`]).
pub fn report(config: &Config, figment: &Figment) -> Vec<Line> {
    let Ok(Value::Object(values)) = masking(|| serde_json::to_value(config)) else {
        return Vec::new();
    };
    values
        .into_iter()
        .map(|(name, value)| Line {
            from: origin(figment, &name),
            variable: variable(&name),
            value: match value {
                Value::String(text) if text.is_empty() => "\"\"".into(),
                Value::String(text) => text,
                other => other.to_string(),
            },
            name,
        })
        .collect()
}

fn origin(figment: &Figment, name: &str) -> String {
    let Some(meta) = figment.find_metadata(name) else {
        return "default".into();
    };
    match &meta.source {
        Some(Source::File(path)) => path.display().to_string(),
        _ if meta.name.contains("environment") => "environment".into(),
        _ => "default".into(),
    }
}

/// `PAIRLINK_<NAME>`; the database's is the conventional `DATABASE_URL`.
fn variable(name: &str) -> String {
    match name {
        "database_url" => "DATABASE_URL".into(),
        _ => format!("PAIRLINK_{}", name.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use figment::providers::Serialized;

    use super::*;
    use crate::server::config::{Environment, SecretSetting};

    #[test]
    fn secrets_are_masked_and_each_setting_names_its_source_and_variable() {
        let figment = Figment::from(Serialized::defaults(Config::default())).merge(Environment::new([
            ("METRICS_TOKEN".to_owned(), "s3cr3t-value".to_owned()),
            ("DATABASE_URL".to_owned(), "postgres://app:hunter2@db/pairlink".to_owned()),
            ("SANDBOX".to_owned(), "1".to_owned()),
        ]));
        let config = Config::from_figment(figment.clone()).unwrap();
        assert_eq!(config.metrics_token, SecretSetting::new("s3cr3t-value"));
        let lines = report(&config, &figment);
        let line = |name: &str| lines.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("{name} reported"));
        let everything = format!("{lines:?}");
        assert!(!everything.contains("s3cr3t") && !everything.contains("hunter2"), "{everything}");
        assert_eq!(line("metrics_token").value, "***");
        assert_eq!(line("meta_token_key").value, "\"\"", "an unset secret says so");
        assert_eq!(line("database_url").value, "postgres://app:***@db/pairlink");
        assert_eq!(line("database_url").variable, "DATABASE_URL");
        assert_eq!(
            (line("sandbox").value.as_str(), line("sandbox").from.as_str()),
            ("true", "environment")
        );
        assert_eq!(line("soft_delete_days").from, "default");
        assert_eq!(line("soft_delete_days").variable, "PAIRLINK_SOFT_DELETE_DAYS");
        // Outside the report, a secret serializes as it is (figment's defaults need it).
        assert!(serde_json::to_string(&config).unwrap().contains("s3cr3t-value"));
    }
}
