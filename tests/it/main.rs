//! One integration-test binary: the real app on port 0 with a fresh database per test.
mod api_numbers;
mod api_numbers_lifecycle;
mod api_surface;
mod cli;
mod helpers;
mod pages;
mod receiver;
mod restart;
mod store_contract;
mod store_webhooks;
mod webhooks_api;
mod webhooks_delivery;
mod webhooks_guard;
mod webhooks_restart;
