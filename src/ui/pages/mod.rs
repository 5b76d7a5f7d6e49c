pub mod admin;
mod connect;
mod home;

pub use connect::ConnectPage;
pub use home::HomePage;
