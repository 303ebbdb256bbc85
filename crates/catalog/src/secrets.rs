//! Connection secrets: passwords are kept out of stored and exported TML, and encrypted at
//! rest.
//!
//! A connection's TML can give its password two ways. `password_env` (preferred) names an
//! environment variable the server reads when it connects: nothing secret is stored at all.
//! A `password` property is taken out of the document: the stored TML (and so every export)
//! holds [`PLACEHOLDER`] in its place, and the connection's definition keeps the password
//! sealed with ChaCha20-Poly1305 under the server's secret key ([`Secrets`]). Importing a
//! document whose password is the placeholder keeps the stored password (an export imported
//! back changes nothing) as long as host, port, database and user stay the same; a real
//! value replaces it. Other properties whose names look secret (`private_key`, `passphrase`,
//! `client_secret`, `token`, …) are not used by Searchlight: their values are replaced by the
//! placeholder and kept nowhere.
//!
//! The key is the `secret_key` setting (`SEARCHLIGHT_SECRET_KEY`; the base64 of 32 bytes)
//! or, when none is configured, the file [`KEY_FILE`] in the data dir, generated (mode 0600)
//! the first time a password is stored, which the log says. [`Secrets::connection_password`]
//! is the one place a stored password is read in the clear. Nothing here logs a password or
//! puts one in an error.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use searchlight_errors::{Error, Result};
use searchlight_store::{HeaderQuery, HeaderSort, ObjectRecord, ObjectWrite, Viewer};

use crate::Catalog;
use crate::model::{ConnectionDef, Definition};
use crate::source::PostgresConnection;

/// What exports show in place of a secret; an import that finds it keeps the stored secret.
pub const PLACEHOLDER: &str = "********";

/// The file in the data dir that holds the generated key when none is configured.
pub const KEY_FILE: &str = "secret.key";

/// The version prefix of a sealed value.
const SEALED_PREFIX: &str = "v1:";
/// Bound into every sealed value (associated data): it opens only as a connection password.
const ASSOCIATED_DATA: &[u8] = b"searchlight connection password v1";
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;

/// A password sealed under the server's key: `v1:` and the base64 of the nonce and the
/// ciphertext. Its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedSecret(String);

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedSecret(..)")
    }
}

/// Why a secret could not be sealed or opened. It says nothing of the secret.
#[derive(Debug)]
pub enum SecretError {
    /// This catalog has no key (one built without [`Catalog::with_secrets`]).
    NoKey,
    /// The key file could not be read or created: why (for the server's log).
    Key(String),
    /// Encryption failed.
    Sealing,
    /// A sealed value that is malformed or was sealed under another key.
    Unreadable,
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoKey => f.write_str("no secret key is configured for connection passwords"),
            Self::Key(reason) => write!(
                f,
                "the secret key for connection passwords is unavailable: {reason}"
            ),
            Self::Sealing => f.write_str("a connection password could not be encrypted"),
            Self::Unreadable => f.write_str(
                "a stored connection password cannot be decrypted with this server's secret key \
                 (was secret_key changed, or secret.key replaced?)",
            ),
        }
    }
}

impl std::error::Error for SecretError {}

/// The server's key for connection passwords. Cheap to clone.
#[derive(Clone)]
pub struct Secrets {
    inner: Arc<Inner>,
}

struct Inner {
    /// Where the generated key is (created at first need); `None` with a configured key, or
    /// with no key at all.
    key_file: Option<PathBuf>,
    cipher: OnceLock<ChaCha20Poly1305>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("key_file", &self.inner.key_file)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// Secrets under `configured` (the `secret_key` setting: the base64 of 32 bytes), or,
    /// without one, under the key in `data_dir`/[`KEY_FILE`], generated there the first time
    /// a password is stored. A malformed configured key is an error that does not quote it.
    pub fn new(configured: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        let cipher = OnceLock::new();
        let key_file = match configured.map(str::trim).filter(|key| !key.is_empty()) {
            Some(text) => {
                let configured =
                    cipher_from_text(text).map_err(|reason| format!("secret_key: {reason}"))?;
                let _ = cipher.set(configured);
                None
            }
            None => Some(data_dir.join(KEY_FILE)),
        };
        Ok(Self {
            inner: Arc::new(Inner { key_file, cipher }),
        })
    }

    /// No key: storing a password fails (the import says why); `password_env` still works.
    pub fn none() -> Self {
        Self {
            inner: Arc::new(Inner {
                key_file: None,
                cipher: OnceLock::new(),
            }),
        }
    }

    fn cipher(&self) -> Result<&ChaCha20Poly1305, SecretError> {
        if let Some(cipher) = self.inner.cipher.get() {
            return Ok(cipher);
        }
        let path = self.inner.key_file.as_deref().ok_or(SecretError::NoKey)?;
        let loaded = load_or_create(path).map_err(SecretError::Key)?;
        Ok(self.inner.cipher.get_or_init(|| loaded))
    }

    /// Seals a password under the key (a fresh random nonce each time).
    pub fn seal(&self, password: &str) -> Result<SealedSecret, SecretError> {
        let cipher = self.cipher()?;
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: password.as_bytes(),
                    aad: ASSOCIATED_DATA,
                },
            )
            .map_err(|_| SecretError::Sealing)?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        Ok(SealedSecret(format!(
            "{SEALED_PREFIX}{}",
            BASE64.encode(bytes)
        )))
    }

    /// Opens a sealed password. Never log what it returns.
    pub fn open(&self, sealed: &SealedSecret) -> Result<String, SecretError> {
        let cipher = self.cipher()?;
        let bytes = sealed
            .0
            .strip_prefix(SEALED_PREFIX)
            .and_then(|text| BASE64.decode(text).ok())
            .ok_or(SecretError::Unreadable)?;
        let (nonce, ciphertext) = bytes
            .split_at_checked(NONCE_LEN)
            .ok_or(SecretError::Unreadable)?;
        // Exactly NONCE_LEN bytes: the conversion cannot fail.
        let nonce: &Nonce = nonce.into();
        let plain = cipher
            .decrypt(
                nonce,
                Payload {
                    msg: ciphertext,
                    aad: ASSOCIATED_DATA,
                },
            )
            .map_err(|_| SecretError::Unreadable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Unreadable)
    }

    /// The password to connect to a PostgreSQL connection with: the value of the
    /// environment variable `password_env` names when it is set, else the stored password,
    /// opened; `None` when the connection has neither. The one place a connection password
    /// is read in the clear: never log what it returns.
    pub fn connection_password(
        &self,
        connection: &PostgresConnection,
    ) -> Result<Option<String>, SecretError> {
        if let Some(name) = connection.password_env.as_deref()
            && let Ok(value) = std::env::var(name)
        {
            return Ok(Some(value));
        }
        connection
            .password
            .as_ref()
            .map(|sealed| self.open(sealed))
            .transpose()
    }
}

/// The cipher under the key in `path`, generating the file (mode 0600) when there is none.
fn load_or_create(path: &Path) -> Result<ChaCha20Poly1305, String> {
    if let Some(cipher) = read_key_file(path)? {
        return Ok(cipher);
    }
    let key = ChaCha20Poly1305::generate_key(&mut OsRng);
    let cipher = ChaCha20Poly1305::new(&key);
    let text = format!("{}\n", BASE64.encode(key));
    // Written beside it, then linked into place: nobody reads half a key, and of two servers
    // that start together the second uses the key the first linked.
    let temporary = path.with_file_name(format!(".{KEY_FILE}.{}", uuid::Uuid::new_v4().simple()));
    write_private(&temporary, text.as_bytes())
        .map_err(|err| format!("cannot write {}: {err}", temporary.display()))?;
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {
            tracing::warn!(
                "generated the secret key for connection passwords in {} (no secret_key is \
                 configured): back it up with the store, without it stored passwords cannot be \
                 read; servers sharing one store need the same key (set secret_key or \
                 SEARCHLIGHT_SECRET_KEY)",
                path.display()
            );
            Ok(cipher)
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path)?
            .ok_or_else(|| format!("{} vanished while it was created", path.display())),
        Err(err) => Err(format!("cannot create {}: {err}", path.display())),
    }
}

/// The cipher under the key in `path`, or `None` when there is no such file.
fn read_key_file(path: &Path) -> Result<Option<ChaCha20Poly1305>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
    };
    warn_if_others_may_read(path);
    cipher_from_text(&text)
        .map(Some)
        .map_err(|reason| format!("{}: {reason}", path.display()))
}

#[cfg(unix)]
fn warn_if_others_may_read(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            "{} can be read by other users of this machine: make it private (chmod 600)",
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_others_may_read(_path: &Path) {}

/// Creates `path` (which must not exist) readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A cipher from a key as configured: the base64 of 32 bytes. Errors never quote the text.
fn cipher_from_text(text: &str) -> Result<ChaCha20Poly1305, String> {
    const EXPECTED: &str =
        "expected the base64 of 32 random bytes, such as `openssl rand -base64 32` prints";
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|_| format!("not base64; {EXPECTED}"))?;
    if bytes.len() != KEY_LEN {
        return Err(format!("{} bytes long; {EXPECTED}", bytes.len()));
    }
    ChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| format!("not a key; {EXPECTED}"))
}

// ---- secrets in TML ----------------------------------------------------------------------

/// Whether a connection property (or field) of this name holds a secret: the name mentions
/// a password, secret, passphrase, private key or token. Names ending in `_env` name an
/// environment variable (`password_env`) and are not secrets.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    if name.ends_with("_env") {
        return false;
    }
    [
        "password",
        "passwd",
        "secret",
        "passphrase",
        "private_key",
        "token",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// Whether a value holds something to hide: not null, not empty, not the placeholder.
fn holds_secret(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty() && text != PLACEHOLDER,
        _ => true,
    }
}

/// Replaces every secret of a connection document's tree with [`PLACEHOLDER`]: the `value`
/// of each property whose `key` names a secret, and any field whose own name does. Other
/// documents are left alone. Returns whether anything changed.
pub fn redact_connection_tree(tree: &mut Value) -> bool {
    let Some(body) = tree.get_mut("connection") else {
        return false;
    };
    let mut changed = false;
    let mut pending: Vec<&mut Value> = vec![body];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items.iter_mut()),
            Value::Object(map) => {
                let secret_property = map
                    .get("key")
                    .and_then(Value::as_str)
                    .is_some_and(is_secret_name);
                for (name, item) in map.iter_mut() {
                    let secret = is_secret_name(name) || (secret_property && name == "value");
                    if !secret {
                        pending.push(item);
                    } else if holds_secret(item) {
                        *item = Value::String(PLACEHOLDER.to_string());
                        changed = true;
                    }
                }
            }
            _ => {}
        }
    }
    changed
}

// ---- the catalog's use of them -------------------------------------------------------------

/// Whether two connections reach the same server as the same user: a placeholder keeps the
/// stored password only then (otherwise a user who may change the connection could send the
/// stored password to a server of their own).
fn same_server(a: &PostgresConnection, b: &PostgresConnection) -> bool {
    a.host.eq_ignore_ascii_case(&b.host)
        && a.port == b.port
        && a.database == b.database
        && a.user == b.user
}

impl Catalog {
    /// The server's key for connection passwords.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// The password to connect to a PostgreSQL connection with; see
    /// [`Secrets::connection_password`]. A password that cannot be opened is an internal
    /// error (the log says why; nothing of the password).
    pub fn connection_password(&self, connection: &PostgresConnection) -> Result<Option<String>> {
        self.secrets
            .connection_password(connection)
            .map_err(Error::internal)
    }

    /// The sealed password of a PostgreSQL connection document: none when `given` (its
    /// `password` property) is absent; the stored one when `given` is the placeholder and
    /// the document still reaches the same server, or when it is the stored password itself
    /// (so that importing an export again changes nothing); else `given`, newly sealed.
    /// Errors name the property and never the password.
    pub(crate) fn resolve_password(
        &self,
        connection: &PostgresConnection,
        given: Option<&str>,
        existing: Option<&ObjectRecord>,
    ) -> Result<Option<SealedSecret>, String> {
        let Some(given) = given else {
            return Ok(None);
        };
        let stored = existing
            .and_then(|record| record.definition.as_deref())
            .and_then(|text| Definition::from_json(text).ok())
            .and_then(|definition| match definition {
                Definition::Connection(ConnectionDef::Postgres(stored)) => Some(stored),
                _ => None,
            });
        let stored = stored
            .as_ref()
            .and_then(|s| s.password.as_ref().map(|sealed| (s, sealed)));
        if given == PLACEHOLDER {
            return match stored {
                Some((stored, sealed)) if same_server(stored, connection) => {
                    Ok(Some(sealed.clone()))
                }
                Some(_) => Err(format!(
                    "connection.properties.password: '{PLACEHOLDER}' keeps the stored password \
                     only while host, port, database and user stay the same; give the password \
                     again, or name an environment variable that holds it with password_env"
                )),
                None => Err(format!(
                    "connection.properties.password: '{PLACEHOLDER}' stands for a stored \
                     password, but this connection has none; give the password, or better name \
                     an environment variable that holds it with password_env"
                )),
            };
        }
        if let Some((_, sealed)) = stored
            && self.secrets.open(sealed).is_ok_and(|old| old == given)
        {
            return Ok(Some(sealed.clone()));
        }
        self.secrets.seal(given).map(Some).map_err(|err| {
            tracing::error!("a connection password could not be stored: {err}");
            "connection.properties.password: the server cannot store passwords (its log says \
             why); name an environment variable that holds the password with password_env"
                .to_string()
        })
    }

    /// Moves passwords that an older release stored in the clear (in a connection's TML and
    /// definition) out of the TML and under the key. Run at start-up; returns how many
    /// connections changed (none after the first run).
    pub async fn seal_stored_passwords(&self) -> Result<usize> {
        let query = HeaderQuery {
            object_type: "DATA_SOURCE".into(),
            subtypes: Vec::new(),
            viewer: Viewer {
                user_id: String::new(),
                principal_ids: Vec::new(),
                sees_everything: true,
            },
            owner_id: None,
            pattern: None,
            tag_names: Vec::new(),
            fetch_ids: None,
            skip_ids: Vec::new(),
            auto_created: None,
            sort: HeaderSort::Created,
            ascending: true,
            offset: 0,
            limit: None,
        };
        let mut writes = Vec::new();
        for header in self.store.list_headers(&query).await? {
            if let Some(record) = self.store.object(&header.id).await?
                && let Some(write) = self.sealed_legacy(record)?
            {
                writes.push(write);
            }
        }
        if !writes.is_empty() {
            self.store.write_objects(&writes).await?;
            tracing::info!(
                "moved the passwords of {} connections out of their stored TML and encrypted them",
                writes.len()
            );
        }
        Ok(writes.len())
    }

    /// The write that seals a connection's clear-text password, if it holds one.
    fn sealed_legacy(&self, mut record: ObjectRecord) -> Result<Option<ObjectWrite>> {
        let mut changed = false;
        if let Some(text) = record.definition.as_deref() {
            let mut definition: Value = serde_json::from_str(text).map_err(Error::internal)?;
            if let Some(fields) = definition.as_object_mut()
                && let Some(plain) = fields.remove("password")
            {
                if let Value::String(plain) = plain
                    && !plain.is_empty()
                {
                    let sealed = self.secrets.seal(&plain).map_err(Error::internal)?;
                    let sealed = serde_json::to_value(&sealed).map_err(Error::internal)?;
                    fields.insert("sealed_password".into(), sealed);
                }
                record.definition = Some(definition.to_string());
                changed = true;
            }
        }
        if let Some(text) = record.tml.as_deref() {
            let mut tree: Value = serde_json::from_str(text).map_err(Error::internal)?;
            if redact_connection_tree(&mut tree) {
                record.tml = Some(tree.to_string());
                changed = true;
            }
        }
        Ok(changed.then(|| ObjectWrite {
            object: record,
            columns: Vec::new(),
            visualizations: None,
            initial_shares: Vec::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn sealed_passwords_open_only_under_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::new(Some(KEY), dir.path()).unwrap();
        let sealed = secrets.seal("s3cret pw").unwrap();
        assert!(!format!("{sealed:?}").contains("s3cret"));
        assert!(!serde_json::to_string(&sealed).unwrap().contains("s3cret"));
        assert_ne!(sealed, secrets.seal("s3cret pw").unwrap(), "a fresh nonce");
        assert_eq!(secrets.open(&sealed).unwrap(), "s3cret pw");
        // No key file was needed.
        assert!(!dir.path().join(KEY_FILE).exists());

        let other = Secrets::new(None, dir.path()).unwrap();
        assert!(matches!(other.open(&sealed), Err(SecretError::Unreadable)));
        assert!(matches!(Secrets::none().seal("x"), Err(SecretError::NoKey)));
        let tampered = SealedSecret(format!("{}A", sealed.0));
        assert!(secrets.open(&tampered).is_err());
    }

    #[test]
    fn a_generated_key_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secrets::new(None, dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        assert!(!path.exists(), "generated at first need only");
        let sealed = first.seal("pw").unwrap();
        assert!(path.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Secrets::new(None, dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "pw");
    }

    #[test]
    fn bad_configured_keys_are_refused_without_being_quoted() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["not base64 at all!", "c2hvcnQ="] {
            let err = Secrets::new(Some(bad), dir.path()).unwrap_err();
            assert!(err.starts_with("secret_key: "), "{err}");
            assert!(!err.contains(bad), "{err}");
        }
    }

    #[test]
    fn connection_documents_lose_their_secrets() {
        let mut tree = serde_json::json!({
            "guid": "g",
            "connection": {
                "name": "Warehouse",
                "type": "RDBMS_POSTGRES",
                "private_key": "-----BEGIN",
                "properties": [
                    {"key": "host", "value": "db"},
                    {"key": "Password", "value": "hunter2"},
                    {"key": "password_env", "value": "WAREHOUSE_PASSWORD"},
                    {"key": "oauth_client_secret", "value": 12345},
                    {"key": "passphrase", "value": ""}
                ]
            }
        });
        assert!(redact_connection_tree(&mut tree));
        let text = tree.to_string();
        assert!(!text.contains("hunter2") && !text.contains("12345") && !text.contains("BEGIN"));
        let properties = tree["connection"]["properties"].as_array().unwrap();
        assert_eq!(properties[1]["value"], PLACEHOLDER);
        assert_eq!(properties[2]["value"], "WAREHOUSE_PASSWORD");
        assert_eq!(properties[4]["value"], "");
        assert_eq!(tree["connection"]["private_key"], PLACEHOLDER);
        assert!(!redact_connection_tree(&mut tree), "nothing left to hide");
        let mut table = serde_json::json!({"table": {"name": "password"}});
        assert!(!redact_connection_tree(&mut table));
    }
}
