//! Server functions: thin, each calls the service layer and returns a `types` DTO.
pub mod admin;
mod server_info;

pub use server_info::get_server_info;
