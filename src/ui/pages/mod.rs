pub mod admin;
mod connect;
mod home;

#[cfg(feature = "hydrate")]
pub use connect::hydrate as connect_hydrate;
pub use connect::{ConnectApp, ConnectDocument};
pub use home::HomePage;
