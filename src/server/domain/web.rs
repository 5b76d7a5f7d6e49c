//! Colours and URLs people configure: `#RRGGBB`, and https URLs (plain http only for this
//! machine, for development).
use super::Invalid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexColor(String);

impl HexColor {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        let ok = s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit());
        if ok {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(Invalid::new(field, "must be a colour like #1A2B3C"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsUrl(String);

impl HttpsUrl {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if s.len() > 2048 {
            return Err(Invalid::new(field, "must be at most 2048 characters"));
        }
        // The URL is kept as given and lands in page attributes: characters that could end
        // an attribute or a string there are refused rather than trusted to escaping.
        if s.chars()
            .any(|c| matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\') || c.is_whitespace() || c.is_control())
        {
            return Err(Invalid::new(
                field,
                "must not contain spaces, quotes, backslashes or angle brackets",
            ));
        }
        let url = url::Url::parse(s).map_err(|_| Invalid::new(field, "must be an absolute https:// URL"))?;
        let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        match url.scheme() {
            "https" if url.host_str().is_some() => {}
            "http" if local => {}
            _ => return Err(Invalid::new(field, "must be an absolute https:// URL")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Invalid::new(field, "must not carry a user name or password"));
        }
        // Kept as written: parsing only checks it, so people find back what they entered.
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Plain text shown on a page: trimmed, no control characters, at most `max` characters.
pub fn short_text(field: &'static str, input: &str, max: usize) -> Result<String, Invalid> {
    let s = input.trim();
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(field, "must not contain control characters"));
    }
    if s.chars().count() > max {
        return Err(Invalid::new(field, format!("must be at most {max} characters")));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_six_hex_digits() {
        assert_eq!(HexColor::parse("c", "#1a2b3c").unwrap().as_str(), "#1A2B3C");
        for bad in ["1a2b3c", "#1a2b3", "#1a2b3g", "#1a2b3c4", "red", ""] {
            assert!(HexColor::parse("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_must_be_https_except_on_this_machine() {
        assert!(HttpsUrl::parse("u", "https://acme.example/logo.png").is_ok());
        assert!(HttpsUrl::parse("u", "http://localhost:3000/x").is_ok());
        assert!(HttpsUrl::parse("u", "http://127.0.0.1/x").is_ok());
        for bad in [
            "http://acme.example",
            "javascript:alert(1)",
            "ftp://x",
            "//acme.example",
            "https://user:pw@acme.example",
            "acme.example",
            "data:text/html,hi",
        ] {
            assert!(HttpsUrl::parse("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_text_limits_length_and_control_characters() {
        assert_eq!(short_text("t", "  Acme  ", 60).unwrap(), "Acme");
        assert!(short_text("t", &"x".repeat(61), 60).is_err());
        assert!(short_text("t", "a\u{0}b", 60).is_err());
        assert_eq!(short_text("t", &"é".repeat(60), 60).unwrap().chars().count(), 60);
    }
}
