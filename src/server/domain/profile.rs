//! What a platform says about one number beyond pairing: how long message data may be kept
//! (`piiMode`, `piiRetentionDays`) and the documented per-number `settings`. Stored as one JSON
//! object on the number; parsed here so that what is stored is always well formed.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Invalid;

pub const PII_MODES: &[&str] = &["RELAY_ONLY", "STORE_X_DAYS", "STORE_INDEFINITE"];

/// The documented settings and whether each is a switch (the one text is the answer sent to
/// a rejected caller).
const SETTINGS: &[(&str, Kind)] = &[
    ("historyImportEnabled", Kind::Switch),
    ("webhookHistoricalMessages", Kind::Switch),
    ("ignoreNewsletters", Kind::Switch),
    ("markReadOnSend", Kind::Switch),
    ("alwaysOnline", Kind::Switch),
    ("rejectCall", Kind::Switch),
    ("msgRejectCall", Kind::Text),
    ("readMessages", Kind::Switch),
    ("ignoreGroups", Kind::Switch),
    ("ignoreStatus", Kind::Switch),
];

const MAX_TEXT: usize = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Switch,
    Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NumberProfile {
    /// We relay and keep no message content, so a number starts as `RELAY_ONLY`.
    pub pii_mode: String,
    pub pii_retention_days: Option<u32>,
    pub settings: Map<String, Value>,
}

impl Default for NumberProfile {
    fn default() -> Self {
        Self {
            pii_mode: PII_MODES[0].into(),
            pii_retention_days: None,
            settings: Map::new(),
        }
    }
}

/// A partial change, as `PATCH /v1/numbers/{id}` sends it.
#[derive(Clone, Debug, Default)]
pub struct ProfilePatch {
    pub pii_mode: Option<String>,
    pub pii_retention_days: Option<i64>,
    pub settings: Option<Value>,
}

impl ProfilePatch {
    pub fn is_empty(&self) -> bool {
        self.pii_mode.is_none() && self.pii_retention_days.is_none() && self.settings.is_none()
    }
}

impl NumberProfile {
    /// The profile a new number is born with: `settings` as `POST /v1/numbers` sends them.
    pub fn from_settings(settings: Option<&Value>) -> Result<(Self, Vec<String>), Invalid> {
        let mut profile = Self::default();
        let unknown = match settings {
            Some(value) => profile.merge_settings(value)?,
            None => Vec::new(),
        };
        Ok((profile, unknown))
    }

    /// Applies a change; returns the setting names it ignored (not documented ones). Settings
    /// merge key by key (`null` removes one), as a partial update should.
    pub fn apply(&mut self, patch: &ProfilePatch) -> Result<Vec<String>, Invalid> {
        let mut next = self.clone();
        if let Some(mode) = &patch.pii_mode {
            let mode = mode.trim().to_ascii_uppercase();
            if !PII_MODES.contains(&mode.as_str()) {
                return Err(Invalid::new("piiMode", format!("must be one of {}", PII_MODES.join(", "))));
            }
            next.pii_mode = mode;
        }
        if let Some(days) = patch.pii_retention_days {
            let days = u32::try_from(days)
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| Invalid::new("piiRetentionDays", "must be a whole number of days from 1 to 3650"))?;
            next.pii_retention_days = Some(days);
        }
        if next.pii_mode == "STORE_X_DAYS" && next.pii_retention_days.is_none() {
            return Err(Invalid::new("piiRetentionDays", "is required with piiMode STORE_X_DAYS"));
        }
        let unknown = match &patch.settings {
            Some(value) => next.merge_settings(value)?,
            None => Vec::new(),
        };
        *self = next;
        Ok(unknown)
    }

    fn merge_settings(&mut self, value: &Value) -> Result<Vec<String>, Invalid> {
        let Value::Object(given) = value else {
            return Err(Invalid::new("settings", "must be an object"));
        };
        let mut unknown = Vec::new();
        for (key, value) in given {
            let Some((name, kind)) = SETTINGS.iter().find(|(name, _)| name == key) else {
                unknown.push(key.clone());
                continue;
            };
            let field = || format!("settings.{name}");
            match (kind, value) {
                (_, Value::Null) => {
                    self.settings.remove(*name);
                }
                (Kind::Switch, Value::Bool(_)) => {
                    self.settings.insert((*name).into(), value.clone());
                }
                (Kind::Text, Value::String(text)) if text.chars().count() <= MAX_TEXT && !text.chars().any(char::is_control) => {
                    self.settings.insert((*name).into(), value.clone());
                }
                (Kind::Switch, _) => return Err(Invalid::new(field(), "must be true or false")),
                (Kind::Text, _) => {
                    return Err(Invalid::new(
                        field(),
                        format!("must be text of at most {MAX_TEXT} characters, on one line"),
                    ));
                }
            }
        }
        Ok(unknown)
    }

    /// A switch's value, `false` when never set.
    pub fn switch(&self, name: &str) -> bool {
        self.settings.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.settings.get(name).and_then(Value::as_str)
    }

    /// Stored form; never fails for a parsed profile.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// A stored profile; an unreadable one (never written by us) reads as the default.
    pub fn from_stored(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(value: Value) -> ProfilePatch {
        ProfilePatch {
            pii_mode: value["piiMode"].as_str().map(str::to_owned),
            pii_retention_days: value["piiRetentionDays"].as_i64(),
            settings: value.get("settings").cloned(),
        }
    }

    #[test]
    fn settings_merge_key_by_key_and_unknown_keys_are_reported() {
        let (mut p, unknown) = NumberProfile::from_settings(Some(&json!({"rejectCall": true, "foo": 1}))).unwrap();
        assert_eq!((p.settings.len(), unknown), (1, vec!["foo".to_owned()]));
        p.apply(&patch(json!({"settings": {"msgRejectCall": "Busy", "rejectCall": null}})))
            .unwrap();
        assert_eq!(serde_json::to_value(&p.settings).unwrap(), json!({"msgRejectCall": "Busy"}));
        assert!(!p.switch("rejectCall") && p.text("msgRejectCall") == Some("Busy"));
        assert_eq!(NumberProfile::from_stored(&p.to_stored()), p);
        assert_eq!(NumberProfile::from_stored("garbage"), NumberProfile::default());
    }

    #[test]
    fn bad_values_name_their_field_and_change_nothing() {
        let mut p = NumberProfile::default();
        for (bad, field) in [
            (json!({"piiMode": "KEEP"}), "piiMode"),
            (json!({"piiRetentionDays": 0}), "piiRetentionDays"),
            (json!({"piiRetentionDays": 3651}), "piiRetentionDays"),
            (json!({"piiMode": "STORE_X_DAYS"}), "piiRetentionDays"),
            (json!({"settings": []}), "settings"),
            (json!({"settings": {"alwaysOnline": "yes"}}), "settings.alwaysOnline"),
            (json!({"settings": {"msgRejectCall": "a\nb"}}), "settings.msgRejectCall"),
            (
                json!({"piiMode": "relay_only", "settings": {"readMessages": 1}}),
                "settings.readMessages",
            ),
        ] {
            assert_eq!(p.apply(&patch(bad.clone())).unwrap_err().field, field, "{bad}");
            assert_eq!(p, NumberProfile::default(), "{bad}");
        }
        p.apply(&patch(json!({"piiMode": "store_x_days", "piiRetentionDays": 30}))).unwrap();
        assert_eq!((p.pii_mode.as_str(), p.pii_retention_days), ("STORE_X_DAYS", Some(30)));
    }
}
