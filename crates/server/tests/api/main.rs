//! API integration tests: the real server over HTTP, on SQLite and on PostgreSQL.
//! One test binary (faster to link) with a module per area.

mod catalog_helpers;
mod data_support;
mod fixtures;
mod helpers;

mod answer_cache;
mod cli;
mod concurrency;
mod config_env;
mod fault_injection;
mod file_safety;
mod fixture_model;
mod groups;
mod hostile_input;
mod listing;
mod login_limits;
mod openapi;
mod pinboarddata;
mod postgres_source;
mod requests;
mod search_limits;
mod searchdata;
mod secrets_and_tags;
mod session;
mod sharing;
mod sync;
mod tml_export;
mod tml_import;
mod tml_validation;
mod users;
