//! One integration-test binary: the real app on port 0 with a fresh database per test.
mod api_numbers;
mod api_numbers_lifecycle;
mod api_surface;
mod branding;
mod cli;
mod expiry;
mod helpers;
mod links;
mod multiprocess;
mod pages;
mod public_links;
mod restart;
mod sending;
mod store_contract;
