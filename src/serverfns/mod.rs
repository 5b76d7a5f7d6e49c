//! Server functions: thin, each calls the service layer and returns a `types` DTO.
pub mod admin;
mod connect_page;
mod server_info;

pub use connect_page::get_connect_page;
pub use server_info::get_server_info;
