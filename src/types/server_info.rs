use serde::{Deserialize, Serialize};

/// What the home page shows about the running server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    pub version: String,
    pub database: String,
    pub sandbox: bool,
}
