//! Password hashing with Argon2id (PHC strings), off the async runtime.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use searchlight_errors::{Error, Result};

/// Hashes `password` into an Argon2id PHC string with a fresh random salt.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| Error::internal(format!("password hashing failed: {err}")))
    })
    .await
    .map_err(Error::internal)?
}

/// Whether `password` matches `hash`. A malformed stored hash never matches.
pub async fn verify(password: &str, hash: &str) -> Result<bool> {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(err) => {
            tracing::error!("stored password hash cannot be parsed: {err}");
            false
        }
    })
    .await
    .map_err(Error::internal)
}

/// A hash of a random password no one knows: verifying against it costs the same time as a
/// real check, so a login for an unknown user is not faster than one with a wrong password.
pub async fn decoy() -> Result<String> {
    hash(&uuid::Uuid::new_v4().to_string()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let first = hash("s3cret pass").await.unwrap();
        let second = hash("s3cret pass").await.unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(verify("s3cret pass", &first).await.unwrap());
        assert!(!verify("wrong", &first).await.unwrap());
        assert!(!verify("s3cret pass", "not a hash").await.unwrap());
    }
}
