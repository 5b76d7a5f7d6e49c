//! Tenant colours made safe to read: text on a tenant's colour is black or white, whichever
//! contrasts more (WCAG relative luminance), so no choice of colours makes the page unreadable.

/// `#RRGGBB` → (r, g, b); anything else → `None`.
pub fn parse_hex(hex: &str) -> Option<(u8, u8, u8)> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some((channel(0)?, channel(2)?, channel(4)?))
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The WCAG contrast ratio of two colours, 1 to 21.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

pub const DARK_TEXT: &str = "#0F172A";
pub const LIGHT_TEXT: &str = "#FFFFFF";

/// Black-ish or white text for a background, whichever reads better.
pub fn readable_on(background: &str) -> &'static str {
    let Some(bg) = parse_hex(background) else { return DARK_TEXT };
    let dark = parse_hex(DARK_TEXT).unwrap_or_default();
    if contrast(bg, dark) >= contrast(bg, (255, 255, 255)) {
        DARK_TEXT
    } else {
        LIGHT_TEXT
    }
}

/// The CSS custom properties the page's classes read (`bg-[var(--brand)]` and so on).
pub fn css_vars(primary: &str, background: &str) -> String {
    let primary = parse_hex(primary).map_or("#047857".to_owned(), |_| primary.to_owned());
    let background = parse_hex(background).map_or("#F8FAFC".to_owned(), |_| background.to_owned());
    format!(
        "--brand:{primary};--on-brand:{};--page:{background};--on-page:{};",
        readable_on(&primary),
        readable_on(&background)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_text_colour_that_reads() {
        assert_eq!(readable_on("#FFFFFF"), DARK_TEXT);
        assert_eq!(readable_on("#000000"), LIGHT_TEXT);
        assert_eq!(readable_on("#FFEB3B"), DARK_TEXT, "yellow wants dark text");
        assert_eq!(readable_on("#1D4ED8"), LIGHT_TEXT, "blue wants white text");
        assert_eq!(readable_on("nonsense"), DARK_TEXT);
    }

    #[test]
    fn the_chosen_text_always_reaches_aa_for_large_text() {
        for r in (0..=255).step_by(51) {
            for g in (0..=255).step_by(51) {
                for b in (0..=255).step_by(51) {
                    let bg = format!("#{r:02X}{g:02X}{b:02X}");
                    let text = parse_hex(readable_on(&bg)).unwrap();
                    assert!(contrast(parse_hex(&bg).unwrap(), text) >= 3.0, "{bg}");
                }
            }
        }
    }

    #[test]
    fn css_vars_fall_back_on_bad_input() {
        assert_eq!(
            css_vars("x", "#000000"),
            "--brand:#047857;--on-brand:#FFFFFF;--page:#000000;--on-page:#FFFFFF;"
        );
    }
}
