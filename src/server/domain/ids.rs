//! Prefixed opaque ids (`num_…`, `ten_…`): the prefix tells a reader what an id names,
//! the UUIDv7 body sorts by creation time.
use std::fmt;

macro_rules! prefixed_id {
    ($name:ident, $prefix:literal) => {
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, uuid::Uuid::now_v7().simple()))
            }

            /// Wraps a value that came from our own database or a path segment. Lookups decide
            /// whether it names anything, so a malformed id is simply "not found".
            pub fn from_trusted(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(TenantId, "ten_");
prefixed_id!(NumberId, "num_");
prefixed_id!(ApiKeyId, "key_");
prefixed_id!(EventId, "evt_");
prefixed_id!(LinkId, "lnk_");
prefixed_id!(TemplateId, "tpl_");
prefixed_id!(WebhookId, "whk_");
prefixed_id!(DeliveryId, "dlv_");
prefixed_id!(AttemptId, "att_");
prefixed_id!(UserId, "usr_");
prefixed_id!(SessionId, "ses_");
prefixed_id!(AuditId, "aud_");
prefixed_id!(LogoId, "logo_");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_are_unique() {
        let a = NumberId::generate();
        let b = NumberId::generate();
        assert!(a.as_str().starts_with("num_"));
        assert_eq!(a.as_str().len(), 4 + 32);
        assert_ne!(a, b);
    }

    #[test]
    fn ids_sort_by_creation() {
        let first = TenantId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = TenantId::generate();
        assert!(first < second);
    }
}
