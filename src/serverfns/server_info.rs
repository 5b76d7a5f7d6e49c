use leptos::prelude::*;

use crate::{error::AppError, types::server_info::ServerInfo};

/// Version, database backend and whether the sandbox is on.
#[server(endpoint = "server_info")]
pub async fn get_server_info() -> Result<ServerInfo, AppError> {
    let state = expect_context::<crate::server::state::AppState>();
    Ok(ServerInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.store.backend().into(),
        sandbox: state.config.sandbox,
    })
}
