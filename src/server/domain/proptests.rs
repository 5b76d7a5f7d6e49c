//! Property tests of every parser at the edge: whatever text arrives, parsing never panics,
//! and what it accepts keeps the type's promise.
use proptest::prelude::*;

use super::{
    ApiKeySecret, EMITTED_EVENTS, EventFilter, HexColor, HttpsUrl, LinkToken, PhoneE164, WebhookName, WebhookUrl, cosmetic_from_query,
    short_text, validate_branding,
};
use crate::types::branding::Branding;

/// Text with the characters attacks are made of, mixed with anything at all.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        r#"[#0-9a-fA-F<>"'`;:(){}\\/ %&=?.@\-+\t\n\u{0}\u{202E}é]{0,40}"#,
        "(https?|javascript|data|ftp)://[a-z0-9.:@\\[\\]<>\"' /?#%-]{0,60}",
    ]
}

/// Characters that would let a value break out of an HTML attribute or CSS context.
fn breaks_out(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\') || c.is_whitespace() || c.is_control())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn phones_parse_to_8_to_15_digits_without_a_leading_zero(input in hostile()) {
        if let Ok(phone) = PhoneE164::parse("number", &input) {
            let d = phone.digits();
            prop_assert!((8..=15).contains(&d.len()));
            prop_assert!(d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0'));
            let again = PhoneE164::parse("number", &phone.e164()).unwrap();
            prop_assert_eq!(again.digits(), d);
            let masked = phone.masked();
            prop_assert!(masked.chars().filter(char::is_ascii_digit).count() <= 10);
            prop_assert!(masked.ends_with(&d[d.len() - 4..]));
        }
    }

    #[test]
    fn printed_phones_with_separators_parse(digits in "[1-9][0-9]{7,14}", seps in proptest::collection::vec("[ .()-]?", 15), plus: bool) {
        let mut printed = String::from(if plus { "+" } else { "" });
        for (i, c) in digits.chars().enumerate() {
            printed.push(c);
            printed.push_str(&seps[i % seps.len()]);
        }
        let phone = PhoneE164::parse("number", &printed).unwrap();
        prop_assert_eq!(phone.digits(), digits.as_str());
    }

    #[test]
    fn colours_are_exactly_hash_and_six_uppercase_hex_digits(input in hostile()) {
        if let Ok(colour) = HexColor::parse("c", &input) {
            let s = colour.as_str();
            prop_assert_eq!(s.len(), 7);
            prop_assert!(s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
        }
    }

    #[test]
    fn valid_colours_parse(hex in "[0-9a-fA-F]{6}") {
        let expected = format!("#{}", hex.to_ascii_uppercase());
        let colour = HexColor::parse("c", &format!(" #{hex} ")).unwrap();
        prop_assert_eq!(colour.as_str(), expected.as_str());
    }

    #[test]
    fn page_urls_are_https_credential_free_and_inert_in_markup(input in hostile()) {
        if let Ok(url) = HttpsUrl::parse("u", &input) {
            let s = url.as_str();
            let parsed = url::Url::parse(s).unwrap();
            let local = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            prop_assert!(parsed.scheme() == "https" || (parsed.scheme() == "http" && local), "{s}");
            prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
            prop_assert!(s.len() <= 2048);
            prop_assert!(!breaks_out(s), "{s:?} could break out of an attribute or a style");
        }
    }

    #[test]
    fn short_text_is_trimmed_bounded_and_free_of_control_characters(input in hostile(), max in 1usize..130) {
        if let Ok(text) = short_text("t", &input, max) {
            prop_assert!(text.chars().count() <= max);
            prop_assert!(!text.chars().any(char::is_control));
            prop_assert_eq!(text.trim(), text.as_str());
        }
    }

    #[test]
    fn webhook_urls_name_a_host_over_http_without_credentials(input in hostile()) {
        if let Ok(url) = WebhookUrl::parse("url", &input) {
            let u = url.url();
            prop_assert!(matches!(u.scheme(), "http" | "https"));
            prop_assert!(u.host().is_some());
            prop_assert!(u.username().is_empty() && u.password().is_none());
        }
    }

    #[test]
    fn webhook_names_are_bounded_and_printable(input in hostile()) {
        if let Ok(name) = WebhookName::parse("name", &input) {
            let s = name.as_str();
            prop_assert!(!s.is_empty() && s.chars().count() <= 100 && !s.chars().any(char::is_control));
        }
    }

    #[test]
    fn event_filters_hold_only_storable_names_and_survive_storage(input in proptest::collection::vec(
        prop_oneof![hostile(), proptest::sample::select(EMITTED_EVENTS).prop_map(|s: &str| s.to_owned()), Just("*".to_owned())], 0..6)) {
        if let Ok(filter) = EventFilter::parse("events", &input) {
            for name in filter.names() {
                prop_assert!(!name.is_empty() && !name.contains(',') && !name.chars().any(char::is_whitespace), "{name}");
            }
            prop_assert_eq!(EventFilter::from_stored(&filter.to_stored()), filter);
        }
    }

    #[test]
    fn like_patterns_escape_every_wildcard(kind in hostile()) {
        let pattern = EventFilter::like_pattern(&kind);
        let inner = &pattern[2..pattern.len() - 2];
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                prop_assert!(matches!(chars.next(), Some('%' | '_' | '\\')));
            } else {
                prop_assert!(c != '%' && c != '_', "{pattern}");
            }
        }
    }

    #[test]
    fn any_path_segment_is_a_token_to_look_up(raw in hostile()) {
        let token = LinkToken::from_path(&raw);
        let hash = token.hash();
        prop_assert_eq!(hash.len(), 64);
        prop_assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
        prop_assert_eq!(format!("{token:?}"), "LinkToken(…)");
    }

    #[test]
    fn any_header_is_a_key_to_look_up_and_never_printed_whole(raw in hostile()) {
        let key = ApiKeySecret::from_header(&raw);
        prop_assert_eq!(key.hash().as_str().len(), 64);
        prop_assert!(key.last4().chars().count() <= 4);
        prop_assert_eq!(format!("{key:?}"), format!("ApiKeySecret(…{})", key.last4()));
    }

    #[test]
    fn validated_branding_keeps_only_safe_values(
        logo in proptest::option::of(hostile()), primary in proptest::option::of(hostile()),
        background in proptest::option::of(hostile()), company in proptest::option::of(hostile()),
        subtitle in proptest::option::of(hostile()), support in proptest::option::of(hostile()),
    ) {
        let input = Branding {
            logo_url: logo, primary_color: primary, background_color: background, company_name: company,
            subtitle, support_url: support, default_redirect_url: None, hide_pilot_status_branding: None,
        };
        if let Ok(b) = validate_branding(&input) {
            assert_safe(&b)?;
        }
        let query: Vec<(String, String)> = [
            ("logoUrl", &input.logo_url), ("primaryColor", &input.primary_color), ("backgroundColor", &input.background_color),
            ("companyName", &input.company_name), ("subtitle", &input.subtitle),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
        .collect();
        assert_safe(&cosmetic_from_query(&query))?;
    }
}

fn assert_safe(b: &Branding) -> Result<(), TestCaseError> {
    for colour in [&b.primary_color, &b.background_color].into_iter().flatten() {
        prop_assert!(HexColor::parse("c", colour).is_ok(), "{colour}");
    }
    for url in [&b.logo_url, &b.support_url, &b.default_redirect_url].into_iter().flatten() {
        prop_assert!(!breaks_out(url), "{url:?}");
    }
    for text in [&b.company_name, &b.subtitle].into_iter().flatten() {
        prop_assert!(!text.chars().any(char::is_control) && text.chars().count() <= 120);
    }
    Ok(())
}
