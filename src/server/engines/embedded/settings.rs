//! The embedded engine's part of the configuration, checked at start-up.
use std::{path::PathBuf, time::Duration};

use whatsapp_rust::waproto::whatsapp as wa;

use crate::server::config::{Config, ConfigError};

#[derive(Clone, Debug)]
pub struct EmbeddedSettings {
    pub data_dir: PathBuf,
    /// `None`: WhatsApp's own websocket.
    pub ws_url: Option<String>,
    /// `None`: learnt from WhatsApp at connect.
    pub version: Option<(u32, u32, u32)>,
    pub device_os: String,
    pub connect_timeout: Duration,
    pub confirm_disconnect: Duration,
    pub resume_stagger: Duration,
    pub lease: Duration,
}

impl EmbeddedSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            data_dir: PathBuf::from(&config.embedded_data_dir),
            ws_url: Some(config.embedded_ws_url.clone()).filter(|u| !u.is_empty()),
            version: parse_version(&config.embedded_wa_version),
            device_os: config.embedded_device_os.clone(),
            connect_timeout: Duration::from_secs(config.embedded_connect_timeout_seconds),
            confirm_disconnect: Duration::from_secs(config.embedded_disconnect_confirm_seconds),
            resume_stagger: Duration::from_millis(config.embedded_resume_stagger_millis),
            lease: Duration::from_secs(config.embedded_lease_seconds),
        }
    }

    /// How often leases are renewed and orphans looked for.
    pub fn tick(&self) -> Duration {
        self.lease / 3
    }

    /// What the phone's "Linked devices" shows: a browser name WhatsApp accepts.
    pub fn device_props(&self) -> wa::DeviceProps {
        wa::DeviceProps {
            os: Some(self.device_os.clone()),
            platform_type: Some(wa::device_props::PlatformType::CHROME),
            ..Default::default()
        }
    }

    pub fn device_name(&self) -> String {
        whatsapp_rust::wacore::pair_code::derive_companion_platform(&self.device_props()).1
    }
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next()??, parts.next()??, parts.next()??, parts.next()) {
        (a, b, c, None) => Some((a, b, c)),
        _ => None,
    }
}

pub fn validate_config(config: &Config) -> Result<(), ConfigError> {
    let invalid = |field, message: &str| {
        Err(ConfigError::Invalid {
            field,
            message: message.into(),
        })
    };
    if !matches!(config.default_engine.as_str(), "" | "sandbox" | "embedded" | "evolution") {
        return invalid("default_engine", "must be empty, \"sandbox\", \"embedded\" or \"evolution\"");
    }
    if config.default_engine == "evolution" && config.evolution_url.is_empty() {
        return invalid("default_engine", "\"evolution\" needs evolution_url");
    }
    if config.default_engine == "sandbox" && !config.sandbox {
        return invalid("default_engine", "\"sandbox\" needs sandbox = true");
    }
    if config.default_engine == "embedded" && !config.embedded_engine {
        return invalid("default_engine", "\"embedded\" needs embedded_engine = true");
    }
    if config.embedded_data_dir.trim().is_empty() {
        return invalid("embedded_data_dir", "must name a folder");
    }
    let url = &config.embedded_ws_url;
    if !(url.is_empty() || url.starts_with("ws://") || url.starts_with("wss://")) {
        return invalid("embedded_ws_url", "must start with ws:// or wss://");
    }
    if !config.embedded_wa_version.is_empty() && parse_version(&config.embedded_wa_version).is_none() {
        return invalid("embedded_wa_version", "must look like 2.3000.1026131876");
    }
    // WhatsApp refuses pairing codes from devices whose name is not `Browser (OS)` with an
    // OS it knows; whatsapp-rust rewrites unknown ones, so a rewrite means a bad value.
    let settings = EmbeddedSettings::from_config(config);
    if settings.device_name() != format!("Chrome ({})", config.embedded_device_os) {
        return invalid(
            "embedded_device_os",
            "must be an OS WhatsApp accepts, e.g. Windows, Mac OS or Linux",
        );
    }
    if config.embedded_connect_timeout_seconds == 0 || config.embedded_disconnect_confirm_seconds == 0 {
        return invalid("embedded_connect_timeout_seconds", "embedded timeouts must be at least 1 second");
    }
    if !(3..=3600).contains(&config.embedded_lease_seconds) {
        return invalid("embedded_lease_seconds", "must be 3 to 3600");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_have_three_parts() {
        assert_eq!(parse_version("2.3000.1026131876"), Some((2, 3000, 1_026_131_876)));
        assert_eq!(parse_version("2.3000"), None);
        assert_eq!(parse_version("2.3000.1.4"), None);
        assert_eq!(parse_version("a.b.c"), None);
    }

    #[test]
    fn the_phone_sees_a_browser_name() {
        let config = Config::default();
        assert_eq!(EmbeddedSettings::from_config(&config).device_name(), "Chrome (Windows)");
        let mac = Config {
            embedded_device_os: "Mac OS".into(),
            ..Config::default()
        };
        assert!(
            validate_config(&mac).is_ok(),
            "{}",
            EmbeddedSettings::from_config(&mac).device_name()
        );
        let bad = Config {
            embedded_device_os: "Pairlink".into(),
            ..Config::default()
        };
        assert!(validate_config(&bad).unwrap_err().to_string().contains("embedded_device_os"));
    }

    #[test]
    fn the_default_engine_is_checked() {
        let sandbox_off = Config {
            default_engine: "sandbox".into(),
            ..Config::default()
        };
        assert!(validate_config(&sandbox_off).is_err());
        let unknown = Config {
            default_engine: "telegram".into(),
            ..Config::default()
        };
        assert!(validate_config(&unknown).unwrap_err().to_string().contains("default_engine"));
    }
}
