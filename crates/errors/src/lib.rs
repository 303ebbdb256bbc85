//! Every error Searchlight can show a client, declared once.
//!
//! The table below is the single definition of each public error: its name, the HTTP status,
//! the Callosum error code ThoughtSpot clients know, and the message. Domain crates (identity,
//! catalog, search, engine) return [`Error`]; the HTTP layer turns it into the v1 error body
//! (`code`, `incident_id_guid`, `trace_id_guid`, `debug`). Messages are written for the person
//! who sent the request: they name the parameter, value or principal that was wrong and say
//! what was expected.
//!
//! Faults that are not the caller's doing go through [`Error::Internal`]: the client sees a
//! generic 500 with the incident id, the details go to the log.

use std::fmt;

/// Callosum error codes (reference/api-v1.md §3.1).
pub mod code {
    pub const INTERNAL: u32 = 10000;
    pub const BAD_REQUEST: u32 = 10002;
    pub const AUTHENTICATION: u32 = 10003;
}

/// Formats a list of names for messages: `a, b, c`.
pub struct NameList<'a>(pub &'a [String]);

impl fmt::Display for NameList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

macro_rules! error_table {
    ($(
        $(#[$doc:meta])*
        $name:ident $({ $($field:ident : $ty:ty),* $(,)? })? = ($status:literal, $code:expr, $message:literal)
    ),* $(,)?) => {
        /// A public error. See the module documentation.
        #[derive(Debug, thiserror::Error)]
        #[non_exhaustive]
        pub enum Error {
            $(
                $(#[$doc])*
                #[error($message)]
                $name $({ $($field: $ty),* })?,
            )*
            /// A fault inside the server (store unreachable, I/O error, a bug). Never caused by
            /// bad input; logged with the incident id.
            #[error("Internal error: {0}")]
            Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
        }

        impl Error {
            /// The HTTP status this error is answered with.
            pub fn status(&self) -> u16 {
                match self {
                    $(Self::$name { .. } => $status,)*
                    Self::Internal(_) => 500,
                }
            }

            /// The Callosum error code in the response body.
            pub fn code(&self) -> u32 {
                match self {
                    $(Self::$name { .. } => $code,)*
                    Self::Internal(_) => code::INTERNAL,
                }
            }

            /// The error's name in the table, for logs and tests.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$name { .. } => stringify!($name),)*
                    Self::Internal(_) => "Internal",
                }
            }
        }
    };
}

use code::{AUTHENTICATION, BAD_REQUEST, INTERNAL};

error_table! {
    // ---- every request ----------------------------------------------------------------
    /// POST without the `X-Requested-By` header.
    MissingRequestedBy = (400, BAD_REQUEST,
        "Missing header X-Requested-By: every POST request must carry it (any value, e.g. 'X-Requested-By: ThoughtSpot')"),
    MissingParameter { name: String } = (400, BAD_REQUEST,
        "Missing required parameter '{name}'"),
    InvalidParameter { name: String, value: String, expected: String } = (400, BAD_REQUEST,
        "Invalid value '{value}' for parameter '{name}': expected {expected}"),
    /// The body could not be read as the content type it declares.
    MalformedBody { content_type: String, reason: String } = (400, BAD_REQUEST,
        "Could not read the {content_type} request body: {reason}"),
    /// A body longer than the endpoint reads. `limit` is human-readable ("1 MiB").
    BodyTooLarge { limit: String } = (413, BAD_REQUEST,
        "The request body is larger than this endpoint accepts ({limit}): send less, or split the request"),
    /// The body did not arrive in time (a client sending a byte now and then).
    BodyTimeout { seconds: u64 } = (408, BAD_REQUEST,
        "The request body did not arrive within {seconds} s"),
    UnsupportedContentType { content_type: String, expected: String } = (415, BAD_REQUEST,
        "Unsupported content type '{content_type}': this endpoint reads its parameters from {expected}"),
    UnknownEndpoint { method: String, path: String } = (404, BAD_REQUEST,
        "No endpoint {method} {path}: see /external/swagger for the endpoints this server provides"),
    MethodNotAllowed { method: String, path: String } = (405, BAD_REQUEST,
        "Method {method} is not allowed on {path}"),

    // ---- sessions and authorization -----------------------------------------------------
    NotLoggedIn = (401, AUTHENTICATION,
        "Not logged in: no valid session. Log in with POST /callosum/v1/tspublic/v1/session/login and send the JSESSIONID cookie back"),
    WrongCredentials { username: String } = (401, AUTHENTICATION,
        "Unable to authenticate user {username}: wrong username or password"),
    PrivilegeRequired { user: String, privilege: String, action: String } = (403, AUTHENTICATION,
        "User '{user}' may not {action}: this needs the {privilege} privilege"),
    ObjectAccessDenied { user: String, object: String } = (403, AUTHENTICATION,
        "User '{user}' has no access to {object}"),

    // ---- users and groups ---------------------------------------------------------------
    UnknownUser { name: String } = (400, BAD_REQUEST,
        "No user found with the given username: {name}"),
    UnknownGroup { name: String } = (400, BAD_REQUEST,
        "No group found with the given name: {name}"),
    UnknownPrivilege { name: String, allowed: String } = (400, BAD_REQUEST,
        "Unknown privilege '{name}': expected one of {allowed}"),
    WrongCurrentPassword { name: String } = (401, AUTHENTICATION,
        "The current password given for '{name}' is wrong"),
    SamePassword = (400, BAD_REQUEST,
        "New password cannot be the same as current password"),
    EmptyPassword = (400, BAD_REQUEST,
        "The new password must not be empty"),
    BuiltinOwnershipTransfer { name: String } = (400, BAD_REQUEST,
        "Ownership cannot be transferred to or from the built-in user '{name}'"),
    /// Revoking ADMINISTRATION from the Administrator group would leave no administrator.
    BuiltinPrivilegeRemoval { group: String } = (400, BAD_REQUEST,
        "The built-in group '{group}' always holds ADMINISTRATION: removing it would leave the server without administrators"),
    SameOwnershipUsers { name: String } = (400, BAD_REQUEST,
        "fromUserName and toUserName are both '{name}': nothing to transfer"),

    // ---- user/sync ----------------------------------------------------------------------
    SyncPrincipalsNotJson { reason: String } = (400, BAD_REQUEST,
        "Parameter 'principals' is not a JSON array of principals: {reason}"),
    SyncMissingName { index: usize } = (400, BAD_REQUEST,
        "Principal #{index} in 'principals' has no name"),
    SyncInvalidField { principal: String, field: String, reason: String } = (400, BAD_REQUEST,
        "Principal '{principal}': invalid '{field}': {reason}"),
    SyncUnknownType { principal: String, value: String } = (400, BAD_REQUEST,
        "Principal '{principal}' has unknown principalTypeEnum '{value}': expected LOCAL_USER or LOCAL_GROUP (or LDAP_USER, SAML_USER, OIDC_USER, LDAP_GROUP)"),
    SyncDuplicatePrincipal { kind: String, name: String } = (400, BAD_REQUEST,
        "The {kind} '{name}' appears more than once in 'principals'"),
    SyncUnknownParent { principal: String, group: String } = (400, BAD_REQUEST,
        "Principal '{principal}' names group '{group}' in groupNames, but no such group exists or is in 'principals'"),
    SyncMembershipCycle { cycle: String } = (400, BAD_REQUEST,
        "Group memberships in 'principals' form a cycle: {cycle}"),
    SyncBuiltinChange { name: String, reason: String } = (400, BAD_REQUEST,
        "Principal '{name}' is built in and cannot be changed by user/sync: {reason}"),

    // ---- concurrent writers -------------------------------------------------------------
    /// Another request (on this server or another one sharing the store) changed what this
    /// one had read before it could write, or held the store's write lock too long; the
    /// request was tried once more and changed nothing. `what`: "the users and groups",
    /// "the object '…'", ….
    ConcurrentChange { what: String } = (409, BAD_REQUEST,
        "Another request was changing {what} at the same time, so this request changed nothing: send it again"),

    // ---- catalog ------------------------------------------------------------------------
    /// An object id that does not exist, or that the caller may not read (the two are
    /// indistinguishable on purpose).
    UnknownObject { kind: String, id: String } = (400, BAD_REQUEST,
        "No {kind} with id '{id}' exists, or you do not have access to it"),
    UnknownMetadataType { value: String, allowed: String } = (400, BAD_REQUEST,
        "Invalid metadata type '{value}': expected one of {allowed}"),
    UnknownMetadataSubtype { value: String, object_type: String, allowed: String } = (400, BAD_REQUEST,
        "Invalid metadata subtype '{value}' for type {object_type}: expected one of {allowed}"),
    /// `import_objects` is not a list of TML documents.
    ImportObjectsUnreadable { reason: String } = (400, BAD_REQUEST,
        "Parameter 'import_objects' must be a list of TML documents (a JSON array of YAML or JSON strings): {reason}"),
    /// Changing who may see an object needs its owner or an administrator.
    NotObjectOwner { user: String, object: String } = (403, AUTHENTICATION,
        "User '{user}' may not change the sharing of '{object}': only its owner or an administrator may"),
    /// Changing an object (tagging it) needs its owner, an administrator or a MODIFY share;
    /// `object` is the name of an object the caller may read.
    ObjectNotModifiable { user: String, object: String } = (403, AUTHENTICATION,
        "User '{user}' may not change '{object}': only its owner, an administrator or a user or group it is shared with MODIFY may"),
    InvalidSharePermission { reason: String } = (400, BAD_REQUEST,
        "Parameter 'permission' is not a valid sharing permission: {reason}"),
    UnknownPrincipalId { id: String } = (400, BAD_REQUEST,
        "No user or group with id '{id}' exists"),

    // ---- search -------------------------------------------------------------------------
    // Positions are 0-based character offsets into the query string.
    /// The query string is empty (or holds only spaces and commas).
    SearchEmptyQuery = (400, BAD_REQUEST,
        "Cannot create Answer from empty query"),
    /// `[token]` names no column or synonym. `suggestions` is empty or
    /// ` Did you mean: <up to 3 names>?`.
    SearchUnknownColumn { token: String, suggestions: String } = (400, BAD_REQUEST,
        "Search did not find \"{token}\" in your data or metadata.{suggestions}"),
    /// A word, keyword or character that cannot stand where it is.
    SearchUnknownToken { token: String, position: usize } = (400, BAD_REQUEST,
        "Search did not find \"{token}\" in your data or metadata (at character {position})."),
    /// An incomplete phrase (`[revenue] >` with no value, `between 1` with no `and`). `found`
    /// is a quoted token or "the end of the search".
    SearchExpected { expected: String, after: String, found: String, position: usize } = (400, BAD_REQUEST,
        "Search expected {expected} after \"{after}\" (at character {position}) but found {found}"),
    /// A ThoughtSpot keyword Searchlight does not implement yet (`growth of`, `vs`, `in`, …).
    SearchUnsupported { token: String, position: usize } = (400, BAD_REQUEST,
        "\"{token}\" (at character {position}) is not supported yet"),
    /// A date bucket or date keyword not bound to a column (`monthly` instead of `[Order Date].monthly`).
    SearchUnboundDateKeyword { token: String, position: usize } = (400, BAD_REQUEST,
        "\"{token}\" (at character {position}) must be bound to a date column with a dot, e.g. [Order Date].'{token}'"),
    /// A value that does not fit the column's type or range.
    SearchInvalidValue { column: String, value: String, expected: String } = (400, BAD_REQUEST,
        "Invalid value \"{value}\" for column \"{column}\": expected {expected}"),
    /// A column used in a way its type or kind does not allow.
    SearchInvalidColumnUse { column: String, reason: String } = (400, BAD_REQUEST,
        "Column \"{column}\" cannot be used this way: {reason}"),
    /// An aggregation that does not apply to the column's type (`sum [Ship Mode]`).
    SearchInvalidAggregation { aggregation: String, column: String, data_type: String } = (400, BAD_REQUEST,
        "Cannot compute \"{aggregation}\" of column \"{column}\": it is a {data_type} column"),
    /// `top n` / `bottom n` with no measure and no `by` column.
    SearchRankingWithoutMeasure { keyword: String, position: usize } = (400, BAD_REQUEST,
        "\"{keyword}\" (at character {position}) needs a measure to rank by: add a measure such as [Revenue] to the search, or name the ranking column with \"{keyword} n by [column]\""),
    /// A keyword that may appear once (`top`, `bottom`) appears again.
    SearchDuplicateKeyword { token: String, position: usize } = (400, BAD_REQUEST,
        "\"{token}\" (at character {position}) can appear only once in a search"),
    /// Every column of the search is only used in filters.
    SearchNoOutputColumns = (400, BAD_REQUEST,
        "The search has no columns to show: every column in it is only used in a filter. Add a column such as [Revenue]"),
    /// A model (worksheet) filter whose text holds something other than filters.
    SearchNotAFilter { filter: String, found: String } = (400, BAD_REQUEST,
        "Model filter \"{filter}\" may contain only filters, but \"{found}\" is not a filter"),
    /// A bad pinboarddata runtime filter (`col<n>`/`op<n>`/`val<n>`).
    SearchInvalidRuntimeFilter { column: String, op: String, reason: String } = (400, BAD_REQUEST,
        "Invalid runtime filter on column \"{column}\" with operator \"{op}\": {reason}"),

    // ---- engine -------------------------------------------------------------------------
    /// The search ran longer than the configured query timeout and was cancelled.
    QueryTimeout { seconds: String, source_name: String } = (400, BAD_REQUEST,
        "The search took longer than {seconds} s and was cancelled: add filters or use fewer columns to make the search on '{source_name}' faster, or ask the administrator to raise the query timeout"),
    /// A table's files are missing or unreadable when a search runs (or finding them means
    /// looking at too many folder entries). `path` is the table's location as its TML names
    /// it (relative to its connection's folder), never an absolute server path; so is any
    /// path in `reason`.
    TableFilesUnavailable { table: String, path: String, reason: String } = (400, BAD_REQUEST,
        "The data of table '{table}' cannot be read from {path}: {reason}"),
    /// A file of a table resolves, links followed, outside the folders this server may read
    /// when a search opens it (a link placed or swapped in after the import). `path` and
    /// `file` are relative to the connection's folder; the roots are not listed.
    TableFileOutsideRoots { table: String, path: String, file: String } = (400, BAD_REQUEST,
        "The data of table '{table}' cannot be read from {path}: {file} leads outside the folders this server may read (see file_roots in the configuration)"),
    /// A column the model uses is missing from the table's files or cannot be read as its
    /// declared type. `path` is as in `TableFilesUnavailable`.
    TableColumnUnavailable { table: String, column: String, path: String, reason: String } = (400, BAD_REQUEST,
        "Column '{column}' of table '{table}' cannot be read from {path}: {reason}"),
    /// A value in the data does not fit its column's declared type (found while the search ran).
    SearchDataUnreadable { source_name: String, reason: String } = (400, BAD_REQUEST,
        "The data of '{source_name}' could not be read while searching: {reason}"),
    /// The search needs table instances that the source's joins do not connect.
    SourceTablesNotJoined { source_name: String, tables: String } = (400, BAD_REQUEST,
        "The search needs the tables {tables} of '{source_name}', but the joins of '{source_name}' do not connect them"),
    /// The database of a table's connection cannot be reached, refuses the connection's
    /// credentials or refuses the query (while the search ran). `reason` says which, never
    /// with the password; other sources keep answering.
    DataSourceUnavailable { table: String, connection: String, reason: String } = (400, BAD_REQUEST,
        "The data of table '{table}' cannot be read from connection '{connection}': {reason}"),

    // ---- limits and throttling ----------------------------------------------------------
    /// Logins refused while an account or a client address is locked after failed logins
    /// (`Retry-After` says when to come back). Code 10003 (authentication), not 10002: the
    /// request is well formed and it is the authentication step that refuses it, so clients
    /// that treat 10003 as "not logged in" handle it as they handle a wrong password rather
    /// than as a malformed call. `subject` is "for user NAME" or "from this client address".
    TooManyLoginAttempts { subject: String, retry_after_secs: u64 } = (429, AUTHENTICATION,
        "Too many failed logins {subject}: try again in {retry_after_secs} s"),
    /// The server has no capacity for this work right now (`what` completes "too busy to …";
    /// `Retry-After` says when to try again). Code 10000: nothing was wrong with the request,
    /// and the server, not the caller, could not serve it; unlike [`Error::Internal`] the
    /// message is shown and nothing is logged as a fault.
    Overloaded { what: String, retry_after_secs: u64 } = (503, INTERNAL,
        "The server is too busy to {what} right now: try again in {retry_after_secs} s"),
    /// A search text longer than the server accepts (`max_query_length`), refused before it
    /// is read. `length` and `limit` are in characters.
    SearchQueryTooLong { length: usize, limit: usize } = (400, BAD_REQUEST,
        "The search is {length} characters long, and a search may have at most {limit}: shorten it, or split it into several searches"),
    /// A search text of more tokens (columns, words, values, operators, punctuation) than
    /// the server accepts (`max_query_tokens`), refused as soon as the lexer counts one more.
    SearchTooManyTokens { limit: usize } = (400, BAD_REQUEST,
        "The search has more than {limit} parts (columns, words, values and symbols), the most a search may have: shorten it, or split it into several searches"),
    /// One column name, value, word or run of spaces longer than the lexer takes
    /// (`limit` bytes), refused before it is read.
    SearchTokenTooLong { position: usize, limit: usize } = (400, BAD_REQUEST,
        "The search has a name, value or word longer than {limit} bytes (at character {position}): shorten it"),
    /// A search needed more memory than the searches running at once may hold together
    /// (`query_memory_limit_mb`) and was stopped; the server goes on. `limit` is
    /// human-readable ("4096 MB").
    QueryMemoryExceeded { source_name: String, limit: String } = (400, BAD_REQUEST,
        "The search on '{source_name}' needed more memory than searches may use ({limit} for all the searches running at once) and was stopped: add filters or use fewer columns, try again when fewer searches run, or ask the administrator to raise the query memory limit"),
}

impl Error {
    /// Wraps an internal fault.
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid_parameter(
        name: impl Into<String>,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Self::InvalidParameter {
            name: name.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// Shorthand for [`Error::MissingParameter`].
    pub fn missing_parameter(name: impl Into<String>) -> Self {
        Self::MissingParameter { name: name.into() }
    }

    /// Whether the caller is at fault (4xx) rather than the server (5xx).
    pub fn is_client_error(&self) -> bool {
        self.status() < 500
    }

    /// Whether this is a fault inside the server ([`Error::Internal`]): its details stay in
    /// the log and the client gets a generic message. Every other error, 5xx ones such as
    /// [`Error::Overloaded`] included, is shown as its message.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Internal(_))
    }

    /// Seconds the client should wait before trying again (the `Retry-After` header), for
    /// errors that pass by themselves.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyLoginAttempts {
                retry_after_secs, ..
            }
            | Self::Overloaded {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// Shorthand for [`Error::ConcurrentChange`].
    pub fn concurrent_change(what: impl Into<String>) -> Self {
        Self::ConcurrentChange { what: what.into() }
    }

    /// Whether another writer got in the way ([`Error::ConcurrentChange`]): worth one retry.
    pub fn is_concurrent_change(&self) -> bool {
        matches!(self, Self::ConcurrentChange { .. })
    }
}

/// Result with the public error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_maps_status_code_and_message() {
        let err = Error::UnknownUser {
            name: "guest9".into(),
        };
        assert_eq!(err.status(), 400);
        assert_eq!(err.code(), 10002);
        assert_eq!(err.name(), "UnknownUser");
        assert_eq!(
            err.to_string(),
            "No user found with the given username: guest9"
        );

        let err = Error::NotLoggedIn;
        assert_eq!((err.status(), err.code()), (401, 10003));

        let err = Error::internal("disk full");
        assert_eq!((err.status(), err.code()), (500, 10000));
        assert!(!err.is_client_error());
    }
}
