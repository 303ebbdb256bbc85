//! API integration tests: the real server over HTTP, on SQLite and on PostgreSQL.
//! One test binary (faster to link) with a module per area.

mod fixtures;
mod helpers;

mod fixture_model;
mod groups;
mod requests;
mod session;
mod sync;
mod users;
