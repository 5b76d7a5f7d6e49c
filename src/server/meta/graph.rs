//! A typed client for the few Meta Graph API calls we make (ENGINES.md §4). The base URL and
//! version come from configuration so tests point it at a stand-in. Tokens travel only in the
//! `Authorization` header (or the query where Graph wants them) and are never logged.
use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::{Value, json};

use crate::server::config::{Config, SecretSetting};

/// The phone fields we read (§4.3 step 4).
pub const PHONE_FIELDS: &str = "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,platform_type,status,throughput,messaging_limit_tier";
pub const WABA_FIELDS: &str = "id,name,currency,timezone_id,message_template_namespace";
pub const WABA_PHONE_FIELDS: &str = "id,display_phone_number,verified_name,quality_rating,status,platform_type";

#[derive(Clone)]
pub struct Graph {
    http: reqwest::Client,
    /// `https://graph.facebook.com/v26.0`, no trailing slash.
    base: String,
    app_id: String,
    app_secret: SecretSetting,
}

/// Graph's error envelope, or why there was none.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GraphError {
    #[error("Meta answered {status} (code {code}{}): {message}", .subcode.map(|s| format!(", subcode {s}")).unwrap_or_default())]
    Api {
        status: u16,
        code: i64,
        subcode: Option<i64>,
        message: String,
    },
    #[error("Meta did not answer in time")]
    Timeout,
    #[error("Meta could not be reached: {0}")]
    Unreachable(String),
    #[error("Meta's answer was not understood: {0}")]
    Decode(String),
}

/// What kind of failure a Graph error is, for our error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// 190: invalid, expired or revoked token.
    Token,
    /// 100: an unknown id or a bad parameter.
    BadId,
    /// 200..299 and 10: the token lacks a permission.
    Permission,
    /// 133005: the two-step PIN does not match.
    PinMismatch,
    /// The other 1330xx registration errors (too many attempts, re-verification…).
    Pin,
    /// 132xxx: template missing, unapproved or with the wrong parameters.
    Template,
    /// Rate and spam limits: 4, 17, 32, 613, 80007, 130429, 131048, 131056.
    RateLimited,
    /// Recipient problems: 131030 (not in the test allow-list), 131026, 131047…
    Recipient,
    /// Meta did not answer, or answered something else.
    Unavailable,
    Other,
}

impl GraphError {
    pub fn class(&self) -> ErrorClass {
        let Self::Api { code, status, .. } = self else {
            return ErrorClass::Unavailable;
        };
        match *code {
            190 => ErrorClass::Token,
            100 => ErrorClass::BadId,
            10 | 200..=299 => ErrorClass::Permission,
            133005 => ErrorClass::PinMismatch,
            133000..=133099 => ErrorClass::Pin,
            132000..=132999 => ErrorClass::Template,
            4 | 17 | 32 | 613 | 80007 | 130429 | 131048 | 131056 => ErrorClass::RateLimited,
            131000..=131999 => ErrorClass::Recipient,
            _ if *status >= 500 => ErrorClass::Unavailable,
            _ => ErrorClass::Other,
        }
    }

    /// Meta's "this authorization code has expired" (subcode 36007): the person took longer
    /// than the code lives, which is not the same as a code that was never valid.
    pub fn code_expired(&self) -> bool {
        match self {
            Self::Api { subcode, message, .. } => *subcode == Some(36007) || message.to_ascii_lowercase().contains("expired"),
            _ => false,
        }
    }

    /// How Meta refused a contacts or history synchronisation (`smb_app_data`).
    pub fn sync_refusal(&self) -> Option<SyncRefusal> {
        let Self::Api { message, .. } = self else { return None };
        let m = message.to_ascii_lowercase();
        if m.contains("already") {
            Some(SyncRefusal::AlreadyStarted)
        } else if matches!(self.class(), ErrorClass::BadId | ErrorClass::Other) {
            Some(SyncRefusal::NotEligible)
        } else {
            None
        }
    }

    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// What `smb_app_data` synchronises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncType {
    Contacts,
    History,
}

impl SyncType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "smb_app_state_sync",
            Self::History => "history",
        }
    }
}

/// Meta's refusals of a synchronisation: it runs once per onboarding, and only for a
/// number that came from the WhatsApp Business app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncRefusal {
    AlreadyStarted,
    NotEligible,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DebugToken {
    #[serde(default)]
    pub is_valid: bool,
    pub app_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// 0 = never expires.
    #[serde(default)]
    pub expires_at: i64,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub granular_scopes: Vec<GranularScope>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GranularScope {
    pub scope: String,
    #[serde(default)]
    pub target_ids: Option<Vec<String>>,
}

impl DebugToken {
    /// Whether the token may act on `waba` for `scope`: granular scopes name their targets;
    /// a scope without targets covers every asset the token can reach.
    pub fn grants(&self, scope: &str, waba: &str) -> bool {
        match self.granular_scopes.iter().find(|g| g.scope == scope) {
            Some(GranularScope { target_ids: Some(ids), .. }) => ids.iter().any(|id| id == waba),
            Some(_) => true,
            None => self.scopes.iter().any(|s| s == scope),
        }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Waba {
    pub id: String,
    pub name: Option<String>,
    pub currency: Option<String>,
    pub timezone_id: Option<String>,
    pub message_template_namespace: Option<String>,
}

/// A phone number as Graph describes it; every field but `id` may be missing.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
pub struct Phone {
    pub id: String,
    pub display_phone_number: Option<String>,
    pub verified_name: Option<String>,
    pub quality_rating: Option<String>,
    pub code_verification_status: Option<String>,
    pub name_status: Option<String>,
    pub platform_type: Option<String>,
    pub status: Option<String>,
    pub throughput: Option<Value>,
    pub messaging_limit_tier: Option<String>,
}

impl Phone {
    /// Registered for the Cloud API (`NOT_APPLICABLE` means not registered yet).
    pub fn on_cloud_api(&self) -> bool {
        self.platform_type.as_deref() == Some("CLOUD_API")
    }
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
struct Success {
    #[serde(default)]
    success: bool,
}

/// A template message to send: name, language and the one parameter of an authentication
/// template (its code, repeated in the copy-code button as Meta requires).
pub struct TemplateMessage<'a> {
    pub to_digits: &'a str,
    pub name: &'a str,
    pub language: &'a str,
    pub code: &'a str,
}

impl Graph {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self {
            http,
            base: format!(
                "{}/{}",
                config.meta_graph_url.trim_end_matches('/'),
                config.meta_graph_version.trim_matches('/')
            ),
            app_id: config.meta_app_id.clone(),
            app_secret: config.meta_app_secret.clone(),
        })
    }

    /// `GET /debug_token`: what the token is, for which app, with which scopes.
    pub async fn debug_token(&self, token: &str) -> Result<DebugToken, GraphError> {
        let out: Data<DebugToken> = self
            .call(Method::GET, "debug_token", Some(token), &[("input_token", token)], None)
            .await?;
        Ok(out.data)
    }

    /// `GET /oauth/access_token`: Embedded Signup's code for a business token.
    pub async fn exchange_code(&self, code: &str) -> Result<String, GraphError> {
        #[derive(Deserialize)]
        struct Token {
            access_token: String,
        }
        let query = [
            ("client_id", self.app_id.as_str()),
            ("client_secret", self.app_secret.expose()),
            ("code", code),
        ];
        let out: Token = self.call(Method::GET, "oauth/access_token", None, &query, None).await?;
        Ok(out.access_token)
    }

    pub async fn waba(&self, token: &str, waba: &str) -> Result<Waba, GraphError> {
        self.call(Method::GET, waba, Some(token), &[("fields", WABA_FIELDS)], None).await
    }

    pub async fn waba_phones(&self, token: &str, waba: &str) -> Result<Vec<Phone>, GraphError> {
        let path = format!("{waba}/phone_numbers");
        let out: Data<Vec<Phone>> = self
            .call(Method::GET, &path, Some(token), &[("fields", WABA_PHONE_FIELDS)], None)
            .await?;
        Ok(out.data)
    }

    pub async fn phone(&self, token: &str, phone: &str) -> Result<Phone, GraphError> {
        self.call(Method::GET, phone, Some(token), &[("fields", PHONE_FIELDS)], None).await
    }

    /// `POST /{phone}/register`: puts the number on the Cloud API with its two-step PIN.
    pub async fn register(&self, token: &str, phone: &str, pin: &str) -> Result<(), GraphError> {
        let body = json!({ "messaging_product": "whatsapp", "pin": pin });
        let out: Success = self
            .call(Method::POST, &format!("{phone}/register"), Some(token), &[], Some(body))
            .await?;
        succeeded(out)
    }

    /// `POST /{phone}/smb_app_data`: asks Meta to send a WhatsApp Business app number's
    /// contacts (`smb_app_state_sync`) or chat history (`history`) through our webhooks.
    /// Meta takes each once, within 24 hours of onboarding; returns its request id.
    pub async fn smb_app_data(&self, token: &str, phone: &str, sync: SyncType) -> Result<String, GraphError> {
        let body = json!({ "messaging_product": "whatsapp", "sync_type": sync.as_str() });
        let out: Value = self
            .call(Method::POST, &format!("{phone}/smb_app_data"), Some(token), &[], Some(body))
            .await?;
        Ok(out["request_id"].as_str().unwrap_or_default().to_owned())
    }

    /// `POST /{waba}/subscribed_apps`: the WABA's webhooks come to our app.
    pub async fn subscribe_app(&self, token: &str, waba: &str) -> Result<(), GraphError> {
        let out: Success = self
            .call(Method::POST, &format!("{waba}/subscribed_apps"), Some(token), &[], None)
            .await?;
        succeeded(out)
    }

    /// `POST /{phone}/messages` with a template; returns the `wamid`.
    pub async fn send_template(&self, token: &str, phone: &str, m: &TemplateMessage<'_>) -> Result<String, GraphError> {
        let text = json!([{ "type": "text", "text": m.code }]);
        let body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": m.to_digits,
            "type": "template",
            "template": {
                "name": m.name,
                "language": { "code": m.language },
                "components": [
                    { "type": "body", "parameters": text },
                    { "type": "button", "sub_type": "url", "index": "0", "parameters": text },
                ],
            },
        });
        let out: Value = self
            .call(Method::POST, &format!("{phone}/messages"), Some(token), &[], Some(body))
            .await?;
        out["messages"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Decode("no message id in the answer".into()))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<T, GraphError> {
        let mut req = self.http.request(method, format!("{}/{path}", self.base)).query(query);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_string());
        }
        let res = req.send().await.map_err(transport)?;
        let status = res.status();
        let text = res.text().await.map_err(transport)?;
        if !status.is_success() {
            return Err(api_error(status.as_u16(), &text));
        }
        serde_json::from_str(&text).map_err(|e| GraphError::Decode(e.to_string()))
    }
}

fn succeeded(out: Success) -> Result<(), GraphError> {
    if out.success {
        Ok(())
    } else {
        Err(GraphError::Decode("Meta did not report success".into()))
    }
}

fn transport(err: reqwest::Error) -> GraphError {
    if err.is_timeout() {
        GraphError::Timeout
    } else {
        // Without the URL: its query may carry a code or the app secret.
        GraphError::Unreachable(err.without_url().to_string())
    }
}

fn api_error(status: u16, body: &str) -> GraphError {
    let v: Value = serde_json::from_str(body).unwrap_or_default();
    let e = &v["error"];
    GraphError::Api {
        status,
        code: e["code"].as_i64().unwrap_or(0),
        subcode: e["error_subcode"].as_i64(),
        message: e["message"].as_str().unwrap_or("no error message").chars().take(300).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64) -> GraphError {
        GraphError::Api {
            status: 400,
            code,
            subcode: None,
            message: String::new(),
        }
    }

    #[test]
    fn graph_codes_fall_into_classes() {
        assert_eq!(api(190).class(), ErrorClass::Token);
        assert_eq!(api(100).class(), ErrorClass::BadId);
        assert_eq!(api(200).class(), ErrorClass::Permission);
        assert_eq!(api(10).class(), ErrorClass::Permission);
        assert_eq!(api(133005).class(), ErrorClass::PinMismatch);
        assert_eq!(api(133016).class(), ErrorClass::Pin);
        assert_eq!(api(132001).class(), ErrorClass::Template);
        assert_eq!(api(130429).class(), ErrorClass::RateLimited);
        assert_eq!(api(4).class(), ErrorClass::RateLimited);
        assert_eq!(api(131030).class(), ErrorClass::Recipient);
        assert_eq!(api(1).class(), ErrorClass::Other);
        assert_eq!(GraphError::Timeout.class(), ErrorClass::Unavailable);
    }

    #[test]
    fn expired_codes_and_sync_refusals_are_told_apart() {
        let with = |code, subcode, message: &str| GraphError::Api {
            status: 400,
            code,
            subcode,
            message: message.into(),
        };
        assert!(with(100, Some(36007), "This authorization code has expired.").code_expired());
        assert!(!with(100, None, "Invalid verification code format.").code_expired());
        assert_eq!(
            with(100, None, "Sync was already initiated for this phone number").sync_refusal(),
            Some(SyncRefusal::AlreadyStarted)
        );
        assert_eq!(
            with(100, None, "The phone number is not eligible").sync_refusal(),
            Some(SyncRefusal::NotEligible)
        );
        assert_eq!(with(190, None, "Invalid OAuth access token").sync_refusal(), None);
        assert_eq!(GraphError::Timeout.sync_refusal(), None);
    }

    #[test]
    fn the_error_envelope_is_read() {
        let e = api_error(
            400,
            r#"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}"#,
        );
        assert!(
            matches!(
                e,
                GraphError::Api {
                    code: 190,
                    subcode: Some(463),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(api_error(502, "<html>").class(), ErrorClass::Unavailable);
    }

    #[test]
    fn granular_scopes_name_the_wabas_a_token_reaches() {
        let t: DebugToken = serde_json::from_value(json!({
            "is_valid": true, "expires_at": 0,
            "scopes": ["whatsapp_business_messaging", "whatsapp_business_management"],
            "granular_scopes": [{"scope": "whatsapp_business_messaging", "target_ids": ["111"]},
                                {"scope": "whatsapp_business_management"}]
        }))
        .unwrap();
        assert!(t.grants("whatsapp_business_messaging", "111"));
        assert!(!t.grants("whatsapp_business_messaging", "222"));
        assert!(t.grants("whatsapp_business_management", "222"));
        assert!(!t.grants("business_management", "111"));
    }
}
