//! Connect-page branding: the eight documented fields.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// Branding as stored and shown; `null` means "not set here".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Branding {
    /// https URL of a logo shown instead of the company name.
    pub logo_url: Option<String>,
    /// `#RRGGBB` for buttons and accents.
    pub primary_color: Option<String>,
    /// `#RRGGBB` for the page background.
    pub background_color: Option<String>,
    /// Up to 60 characters.
    pub company_name: Option<String>,
    /// Up to 120 characters.
    pub subtitle: Option<String>,
    /// https URL for a "Need help?" link.
    pub support_url: Option<String>,
    /// https URL the page sends people to after connecting.
    pub default_redirect_url: Option<String>,
    /// Hides the "Powered by Pairlink" footer.
    pub hide_pilot_status_branding: Option<bool>,
}

/// `{"branding": {…}}`, the documented envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct BrandingOut {
    pub branding: Branding,
}

/// A partial update: an omitted field stays as it is, `null` clears it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BrandingPatch {
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub logo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub primary_color: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub background_color: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub subtitle: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub support_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub default_redirect_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<bool>))]
    pub hide_pilot_status_branding: Option<Option<bool>>,
}

/// `POST /api/branding/logo`: the stored logo; put `url` (or `path`) in `logoUrl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoOut {
    /// On the public base URL.
    pub url: String,
    /// The same, relative to this server (what the dashboard saves).
    pub path: String,
    pub key: String,
    pub mime_type: String,
    pub file_name: String,
    pub size_bytes: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_tell_omitted_from_null() {
        let patch: BrandingPatch = serde_json::from_str(r##"{"logoUrl": null, "primaryColor": "#112233"}"##).unwrap();
        assert_eq!(patch.logo_url, Some(None));
        assert_eq!(patch.primary_color, Some(Some("#112233".into())));
        assert_eq!(patch.subtitle, None);
    }

    #[test]
    fn branding_always_shows_all_eight_keys() {
        let value = serde_json::to_value(BrandingOut {
            branding: Branding::default(),
        })
        .unwrap();
        assert_eq!(value["branding"].as_object().unwrap().len(), 8);
    }
}
