//! Phone numbers in E.164: a country code and subscriber number, 8 to 15 digits in all.
use super::Invalid;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Accepts `+5511999999999`, `5511999999999` and the same with spaces, dots, dashes or
    /// parentheses between digits, because people paste numbers the way they are printed.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let mut digits = String::with_capacity(body.len());
        for c in body.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(Invalid::new(field, "must be a phone number in E.164 form, like +5511999999999")),
            }
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(Invalid::new(field, "must have 8 to 15 digits including the country code"));
        }
        if digits.starts_with('0') {
            return Err(Invalid::new(field, "must start with a country code (no leading 0)"));
        }
        Ok(Self(digits))
    }

    pub fn from_trusted(digits: impl Into<String>) -> Self {
        Self(digits.into())
    }

    /// Digits only, as the REST API shows `number`.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// With the leading `+`, as webhooks show phones.
    pub fn e164(&self) -> String {
        format!("+{}", self.0)
    }

    /// `+` and the first six digits, `****`, the last four: enough for a person to recognise
    /// their own number on a public page, not enough to learn someone else's.
    pub fn masked(&self) -> String {
        let d = &self.0;
        let head = &d[..6.min(d.len())];
        let tail = &d[d.len().saturating_sub(4)..];
        format!("+{head}****{tail}")
    }
}

impl std::fmt::Debug for PhoneE164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plus_or_bare_digits_and_separators() {
        for input in ["+5511999999999", "5511999999999", " +55 (11) 99999-9999 ", "55.11.99999.9999"] {
            assert_eq!(PhoneE164::parse("number", input).unwrap().digits(), "5511999999999", "{input}");
        }
    }

    #[test]
    fn rejects_letters_short_long_and_leading_zero() {
        for input in [
            "",
            "+",
            "abc",
            "+55 11 9999x9999",
            "1234567",
            "1234567890123456",
            "05511999999999",
            "++5511999999999",
        ] {
            let err = PhoneE164::parse("number", input).unwrap_err();
            assert_eq!(err.field, "number", "{input}");
        }
    }

    #[test]
    fn masks_all_but_the_first_six_and_last_four_digits() {
        let phone = PhoneE164::parse("number", "+5511999998888").unwrap();
        assert_eq!(phone.masked(), "+551199****8888");
        assert_eq!(phone.e164(), "+5511999998888");
        assert_eq!(format!("{phone:?}"), "+551199****8888");
    }
}
