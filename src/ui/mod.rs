//! The isomorphic UI: compiles for the server (SSR) and the browser (hydrate).
pub mod i18n;
pub mod pages;
pub mod security;
pub mod theme;
