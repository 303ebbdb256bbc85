//! Password hashing with Argon2id (PHC strings), off the async runtime, a bounded number at a
//! time.
//!
//! Each Argon2 computation (a hash or a verify) holds 19 MiB and a core for tens of
//! milliseconds on Tokio's blocking pool, which grows to 512 threads: unbounded, a few hundred
//! concurrent logins take gigabytes. [`Hasher`] lets at most `concurrency` run at once; a
//! caller that cannot start within the configured wait gets [`Error::Overloaded`] (503 with
//! `Retry-After`). The permit is held by the blocking task itself, so a client that hangs up
//! does not free a slot while its hash still runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore, TryAcquireError};

use searchlight_errors::{Error, Result};

/// The default number of concurrent Argon2 computations: the machine's cores, at least 2.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2)
}

/// Runs Argon2 hashes and verifies, at most `concurrency` at once. Cheap to clone; clones
/// share the limit.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    wait: Duration,
    /// Argon2 computations started, for tests and diagnostics.
    operations: Arc<AtomicU64>,
    /// The hash of a random password no one knows, made on first use: a login for an unknown
    /// user verifies against it, so that it costs exactly what a wrong password costs.
    decoy: Arc<OnceCell<String>>,
}

impl Hasher {
    /// At most `concurrency` (at least 1) computations at once; others wait up to `wait`.
    pub fn new(concurrency: usize, wait: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.clamp(1, Semaphore::MAX_PERMITS))),
            wait,
            operations: Arc::new(AtomicU64::new(0)),
            decoy: Arc::new(OnceCell::new()),
        }
    }

    /// How many Argon2 computations this hasher (and its clones) has started.
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// A turn to compute, or [`Error::Overloaded`] after the configured wait.
    async fn permit(&self, what: &str) -> Result<OwnedSemaphorePermit> {
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => {
                return Err(Error::internal("the password hashing limiter is closed"));
            }
            Err(TryAcquireError::NoPermits) => {}
        }
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(Error::internal(closed)),
            Err(_elapsed) => Err(Error::Overloaded {
                what: what.to_string(),
                retry_after_secs: u64::try_from(self.wait.as_millis())
                    .unwrap_or(u64::MAX)
                    .div_ceil(1000)
                    .max(1),
            }),
        }
    }

    /// Hashes `password` into an Argon2id PHC string with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.compute("hash a password", move || hash_now(&password))
            .await?
    }

    /// Whether `password` matches `hash`. A malformed stored hash never matches.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.compute("check a password", move || verify_now(&password, &hash))
            .await
    }

    /// Runs one Argon2 computation on the blocking pool once a turn is free. The permit
    /// moves into the blocking task, so it is held until the computation ends.
    async fn compute<T: Send + 'static>(
        &self,
        what: &str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let permit = self.permit(what).await?;
        self.operations.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(Error::internal)
    }

    /// Verifies `password` against the decoy hash (never a match), spending the time a real
    /// check takes: one Argon2 computation, after the decoy has been made once.
    pub async fn verify_decoy(&self, password: &str) -> Result<()> {
        let this = self;
        let decoy = self
            .decoy
            .get_or_try_init(
                move || async move { this.hash(&uuid::Uuid::new_v4().to_string()).await },
            )
            .await?;
        self.verify(password, decoy).await?;
        Ok(())
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new(default_hash_concurrency(), Duration::from_secs(2))
    }
}

fn hash_now(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| Error::internal(format!("password hashing failed: {err}")))
}

fn verify_now(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(err) => {
            tracing::error!("stored password hash cannot be parsed: {err}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let other = Hasher::default();
        let first = other.hash("s3cret pass").await.unwrap();
        let second = other.hash("s3cret pass").await.unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second);
        assert!(other.verify("s3cret pass", &first).await.unwrap());
        assert!(!other.verify("wrong", &first).await.unwrap());
        assert!(!other.verify("s3cret pass", "not a hash").await.unwrap());
        let hasher = Hasher::default();
        let third = hasher.hash("s3cret pass").await.unwrap();
        assert!(hasher.verify("s3cret pass", &third).await.unwrap());
        assert!(hasher.verify("s3cret pass", &first).await.unwrap());
        assert!(!hasher.verify("wrong", &third).await.unwrap());
        assert_eq!(hasher.operations(), 4);
    }

    #[tokio::test]
    async fn a_busy_hasher_refuses_after_its_wait() {
        let hasher = Hasher::new(1, Duration::from_millis(20));
        let held = hasher.permit("test").await.unwrap();
        let err = hasher.verify("pw", "not a hash").await.unwrap_err();
        assert_eq!(err.name(), "Overloaded");
        assert_eq!(err.status(), 503);
        assert_eq!(err.retry_after(), Some(1));
        assert!(err.to_string().contains("check a password"), "{err}");
        let err = hasher.hash("pw").await.unwrap_err();
        assert_eq!(err.name(), "Overloaded");
        assert_eq!(hasher.operations(), 0, "refused calls compute nothing");
        drop(held);
        assert!(!hasher.verify("pw", "not a hash").await.unwrap());
        // A waiting call gets its turn when one frees within the wait.
        let held = hasher.permit("test").await.unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            drop(held);
        });
        let patient = Hasher {
            wait: Duration::from_secs(5),
            ..hasher.clone()
        };
        assert!(!patient.verify("pw", "not a hash").await.unwrap());
        release.await.unwrap();
    }

    #[tokio::test]
    async fn the_decoy_is_made_once() {
        let hasher = Hasher::default();
        hasher.verify_decoy("guess").await.unwrap();
        assert_eq!(hasher.operations(), 2, "the decoy's hash, then the verify");
        hasher.verify_decoy("guess").await.unwrap();
        hasher.verify_decoy("other").await.unwrap();
        assert_eq!(hasher.operations(), 4, "one verify per later call");
    }
}
