//! Shapes that cross the wire: REST bodies and server-function results. No database rows and
//! no secrets that were not meant to be shown.
pub mod numbers;
pub mod server_info;
pub mod webhooks;
