//! The isomorphic UI: compiles for the server (SSR) and the browser (hydrate).
pub mod assets;
pub mod components;
pub mod i18n;
pub mod layouts;
pub mod live;
pub mod pages;
pub mod security;
pub mod theme;
