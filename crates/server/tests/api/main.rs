//! API integration tests: the real server over HTTP, on SQLite and on PostgreSQL.
//! One test binary (faster to link) with a module per area.

mod catalog_helpers;
mod data_support;
mod fixtures;
mod helpers;

mod cli;
mod fixture_model;
mod groups;
mod listing;
mod openapi;
mod pinboarddata;
mod requests;
mod searchdata;
mod session;
mod sharing;
mod sync;
mod tml_export;
mod tml_import;
mod tml_validation;
mod users;
