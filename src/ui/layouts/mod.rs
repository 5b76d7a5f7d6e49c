//! Page frames: the dashboard's navigation and the sign-in page's card.
mod admin_layout;

pub use admin_layout::{Admin, AdminLayout, AuthLayout, use_admin};
