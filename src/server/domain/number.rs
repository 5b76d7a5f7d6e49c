//! The number lifecycle vocabulary of the API: `OPEN`, `CONNECTING`, `CLOSE`.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NumberState {
    /// Paired and online.
    Open,
    /// A linking window is open: a QR or pairing code is live.
    Connecting,
    /// Not paired; a new link or QR is needed.
    Close,
}

impl NumberState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Connecting => "CONNECTING",
            Self::Close => "CLOSE",
        }
    }

    /// Reads a value we wrote ourselves; anything unknown is treated as not paired.
    pub fn from_stored(value: &str) -> Self {
        match value {
            "OPEN" => Self::Open,
            "CONNECTING" => Self::Connecting,
            _ => Self::Close,
        }
    }
}

/// Which rail a number is on, in the documented vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Provider {
    /// Linked as a companion device by QR or pairing code.
    PilotStatus,
    /// Meta's Cloud API.
    Meta,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PilotStatus => "PILOT_STATUS",
            Self::Meta => "META",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        if value == "META" { Self::Meta } else { Self::PilotStatus }
    }
}

/// The longest display name, in characters.
pub const NAME_MAX_CHARS: usize = 100;

/// A number's display name, which the customer chose and which goes into the WhatsApp message
/// that carries the pairing link ("Hi {{name}}! …"). Letters, digits, spaces and the
/// punctuation names use; nothing that makes a name read as a link, an address or markup
/// (`/ : @ < > { } \`), no control or invisible formatting characters (which can reorder or
/// hide the message's text), at most [`NAME_MAX_CHARS`].
pub fn parse_display_name(field: &'static str, input: Option<&str>) -> Result<String, super::Invalid> {
    let name = input.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err(super::Invalid::new(field, "is required"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(super::Invalid::new(field, "must be at most 100 characters"));
    }
    if let Some(c) = name.chars().find(|c| !name_char(*c)) {
        return Err(super::Invalid::new(
            field,
            format!("may not contain {c:?}: letters, digits, spaces and . , ' & ( ) - _ + # ! ? only"),
        ));
    }
    Ok(name.to_owned())
}

/// A name stored before the rules above, made safe to put in a message: what they refuse is
/// dropped, and it is cut to the longest allowed.
pub fn message_safe_name(name: &str) -> String {
    name.chars()
        .filter(|c| name_char(*c))
        .take(NAME_MAX_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric()
        || c == ' '
        || ".,'’&()-_+#!?".contains(c)
        // Combining marks: accents written as two code points (e + ◌́).
        || ('\u{0300}'..='\u{036f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_storage() {
        for s in [NumberState::Open, NumberState::Connecting, NumberState::Close] {
            assert_eq!(NumberState::from_stored(s.as_str()), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for p in [Provider::PilotStatus, Provider::Meta] {
            assert_eq!(Provider::from_stored(p.as_str()), p);
        }
    }

    #[test]
    fn display_names_are_plain_words() {
        for good in [
            "Ana",
            "Joe's Café (Centro)",
            "Loja 42 - Matriz",
            "São João & Filhos",
            "Ｔｏｋｙｏ 店",
        ] {
            assert_eq!(parse_display_name("name", Some(good)).unwrap(), good, "{good}");
        }
        assert_eq!(parse_display_name("name", Some("  Ana  ")).unwrap(), "Ana");
        for bad in [
            "",
            "  ",
            "pay at https://evil.example",
            "a@b",
            "<b>hi</b>",
            "{{link}}",
            "line\nbreak",
            "tab\there",
            "right\u{202e}to left",
            "zero\u{200b}width",
            "back\\slash",
        ] {
            assert!(parse_display_name("name", Some(bad)).is_err(), "{bad:?}");
        }
        assert!(parse_display_name("name", Some(&"a".repeat(100))).is_ok());
        assert!(parse_display_name("name", Some(&"é".repeat(101))).is_err());
        assert!(parse_display_name("name", None).is_err());
    }

    #[test]
    fn old_names_are_cleaned_for_messages() {
        assert_eq!(message_safe_name("Ana\u{202e} https://x.io"), "Ana httpsx.io");
        assert_eq!(message_safe_name(&"b".repeat(300)).len(), 100);
    }
}
