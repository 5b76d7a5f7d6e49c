//! Meta access tokens (and the PINs we set) at rest use the server's cipher (`crypto`) under
//! `meta_token_key`.
pub use crate::server::crypto::{DecryptError, TokenCipher};
