//! The isomorphic UI: compiles for the server (SSR) and the browser (hydrate).
pub mod pages;
