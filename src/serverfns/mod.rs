//! Server functions: thin, each calls the service layer and returns a `types` DTO.
mod server_info;

pub use server_info::get_server_info;
