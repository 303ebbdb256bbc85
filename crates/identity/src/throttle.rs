//! The login policy: throttling of failed logins, and how many password hashes may run at once.
//!
//! Failed logins are counted per account (the user name as typed, case-insensitively, whether
//! or not the user exists, so that a lockout says nothing about which names are real) and per
//! client address (IPv4 addresses, IPv6 /64 networks). Each may fail
//! [`LoginPolicy::free_failures`] (per address: [`LoginPolicy::address_free_failures`]) times;
//! every further failure locks it for `backoff_base * 2^k` (k = 0, 1, 2, …), at most
//! `backoff_max`. While an account or an address is locked its logins are refused without
//! checking the password, the right one included (429 with `Retry-After`); a refused login does
//! not count as a failure. A successful login forgets the account's failures (not the
//! address's: one good account must not launder guesses at others). An account or address
//! whose lock has ended is forgotten after `backoff_max` without a failure.
//!
//! The counts live in memory, per server process: a restart forgets them, and replicas sharing
//! one store count separately. Memory is bounded: each table remembers at most
//! [`LoginPolicy::tracked_limit`] entries; when full it drops forgotten entries, then the
//! oldest tenth, so a flood of random user names costs a bounded amount of memory.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use searchlight_errors::Error;

use crate::password::default_hash_concurrency;

/// How logins are throttled and password hashing is bounded. See the module documentation.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Failed logins an account may make before each further failure locks it.
    pub free_failures: u32,
    /// Failed logins one client address may make (over all accounts) before each further
    /// failure locks the address.
    pub address_free_failures: u32,
    /// The first lock's length; each further failure doubles it. Zero turns throttling off.
    pub backoff_base: Duration,
    /// The longest lock; also how long a quiet account or address is remembered after its
    /// lock ends.
    pub backoff_max: Duration,
    /// The most accounts, and the most addresses, remembered at once.
    pub tracked_limit: usize,
    /// Argon2 computations (hash or verify) that may run at once: each holds 19 MiB and a
    /// core for tens of milliseconds.
    pub hash_concurrency: usize,
    /// How long a password check waits for its turn before it is refused with 503.
    pub hash_wait: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self {
            free_failures: 5,
            address_free_failures: 50,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(15 * 60),
            tracked_limit: 100_000,
            hash_concurrency: default_hash_concurrency(),
            hash_wait: Duration::from_secs(2),
        }
    }
}

/// Why a login is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The account is locked for this long.
    Account(Duration),
    /// The client address is locked for this long.
    Address(Duration),
}

impl Refusal {
    /// The public error for a login as `username`.
    pub(crate) fn into_error(self, username: &str) -> Error {
        let (subject, wait) = match self {
            Refusal::Account(wait) => (format!("for user {username}"), wait),
            Refusal::Address(wait) => ("from this client address".to_string(), wait),
        };
        Error::TooManyLoginAttempts {
            subject,
            retry_after_secs: whole_seconds(wait),
        }
    }
}

/// `wait` in seconds, rounded up, at least 1 (what `Retry-After` says).
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The failures of one account or address.
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

impl Entry {
    /// From when the entry is quiet: the end of its lock, or its last failure.
    fn quiet_since(&self) -> Instant {
        self.locked_until
            .map_or(self.last_failure, |until| until.max(self.last_failure))
    }

    fn remaining_lock(&self, now: Instant) -> Option<Duration> {
        self.locked_until
            .and_then(|until| until.checked_duration_since(now))
            .filter(|left| !left.is_zero())
    }
}

/// One table of entries (accounts or addresses), bounded.
struct Ledger<K> {
    entries: HashMap<K, Entry>,
}

impl<K: Hash + Eq + Copy> Ledger<K> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    fn remaining_lock(&self, key: &K, now: Instant) -> Option<Duration> {
        self.entries.get(key).and_then(|e| e.remaining_lock(now))
    }

    /// Counts a failure of `key` and locks it when it is past its free failures.
    fn fail(&mut self, key: K, now: Instant, free: u32, policy: &LoginPolicy) {
        if !self.entries.contains_key(&key) {
            self.make_room(now, policy);
        }
        let forget_after = policy.backoff_max;
        let entry = self.entries.entry(key).or_insert(Entry {
            failures: 0,
            last_failure: now,
            locked_until: None,
        });
        if now.saturating_duration_since(entry.quiet_since()) > forget_after {
            entry.failures = 0;
            entry.locked_until = None;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        if entry.failures > free {
            let lock = backoff(entry.failures - free - 1, policy);
            if !lock.is_zero() {
                entry.locked_until = now.checked_add(lock);
            }
        }
    }

    fn forget(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Called before a new entry is added: when the table is full, drops the entries that
    /// are forgotten anyway, then (still full) the tenth that has been quiet longest.
    fn make_room(&mut self, now: Instant, policy: &LoginPolicy) {
        let limit = policy.tracked_limit.max(1);
        if self.entries.len() < limit {
            return;
        }
        let forget_after = policy.backoff_max;
        self.entries
            .retain(|_, e| now.saturating_duration_since(e.quiet_since()) <= forget_after);
        if self.entries.len() < limit {
            return;
        }
        let mut quiet: Vec<Instant> = self.entries.values().map(Entry::quiet_since).collect();
        let evict = (limit / 10).clamp(1, quiet.len());
        let (_, cutoff, _) = quiet.select_nth_unstable(evict - 1);
        let cutoff = *cutoff;
        self.entries.retain(|_, e| e.quiet_since() > cutoff);
    }
}

/// The lock after the `k`-th failure past the free ones (k from 0): `base * 2^k`, at most
/// `max`.
fn backoff(k: u32, policy: &LoginPolicy) -> Duration {
    let factor = 1u32.checked_shl(k).unwrap_or(u32::MAX);
    policy
        .backoff_base
        .saturating_mul(factor)
        .min(policy.backoff_max.max(policy.backoff_base))
}

/// The address a client is counted under: IPv4 addresses (IPv4-mapped IPv6 ones included) as
/// they are, IPv6 ones by their /64 network (one host usually holds a whole /64).
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(Ipv6Addr::from(segments))
            }
        },
    }
}

/// The failed-login counts of one server process.
pub(crate) struct Throttle {
    policy: LoginPolicy,
    /// Accounts by a keyed hash of their lower-cased name: a fixed-size key, however long the
    /// names a client sends.
    accounts: Mutex<Ledger<u64>>,
    addresses: Mutex<Ledger<IpAddr>>,
    keys: RandomState,
}

/// No lock lasts longer, whatever the configuration says.
const LONGEST_LOCK: Duration = Duration::from_secs(365 * 24 * 60 * 60);

impl Throttle {
    pub(crate) fn new(mut policy: LoginPolicy) -> Self {
        policy.backoff_base = policy.backoff_base.min(LONGEST_LOCK);
        policy.backoff_max = policy.backoff_max.min(LONGEST_LOCK);
        Self {
            policy,
            accounts: Mutex::new(Ledger::new()),
            addresses: Mutex::new(Ledger::new()),
            keys: RandomState::new(),
        }
    }

    fn account_key(&self, username: &str) -> u64 {
        self.keys.hash_one(username.to_lowercase())
    }

    /// Refuses a login while its account or its address is locked.
    pub(crate) fn check(
        &self,
        username: &str,
        address: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Refusal> {
        if let Some(address) = address {
            let addresses = self
                .addresses
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(wait) = addresses.remaining_lock(&address_key(address), now) {
                return Err(Refusal::Address(wait));
            }
        }
        let key = self.account_key(username);
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        match accounts.remaining_lock(&key, now) {
            Some(wait) => Err(Refusal::Account(wait)),
            None => Ok(()),
        }
    }

    /// Counts a login whose password was wrong (or whose user does not exist).
    pub(crate) fn failed(&self, username: &str, address: Option<IpAddr>, now: Instant) {
        let key = self.account_key(username);
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fail(key, now, self.policy.free_failures, &self.policy);
        if let Some(address) = address {
            self.addresses
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .fail(
                    address_key(address),
                    now,
                    self.policy.address_free_failures,
                    &self.policy,
                );
        }
    }

    /// Forgets the account's failures after a successful login.
    pub(crate) fn succeeded(&self, username: &str) {
        let key = self.account_key(username);
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .forget(&key);
    }

    /// How many accounts and addresses are remembered (for tests).
    #[cfg(test)]
    fn tracked(&self) -> (usize, usize) {
        (
            self.accounts.lock().unwrap().entries.len(),
            self.addresses.lock().unwrap().entries.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LoginPolicy {
        LoginPolicy {
            free_failures: 3,
            address_free_failures: 10,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            tracked_limit: 100,
            hash_concurrency: 1,
            hash_wait: Duration::ZERO,
        }
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn an_account_locks_after_its_free_failures_with_doubling_locks() {
        let throttle = Throttle::new(policy());
        let start = Instant::now();
        let mut now = start;
        for _ in 0..3 {
            assert_eq!(throttle.check("Ann", None, now), Ok(()));
            throttle.failed("Ann", None, now);
        }
        // The free failures lock nothing; the next failure locks for 1 s, then 2, 4, 8, …
        assert_eq!(throttle.check("ann", None, now), Ok(()));
        let mut expected = SECOND;
        for _ in 0..8 {
            throttle.failed("ann", None, now);
            assert_eq!(
                throttle.check("ANN", None, now),
                Err(Refusal::Account(expected))
            );
            now += expected;
            assert_eq!(throttle.check("ann", None, now), Ok(()), "lock over");
            expected = (expected * 2).min(Duration::from_secs(60));
        }
        // Capped at backoff_max.
        assert_eq!(expected, Duration::from_secs(60));
        // Other accounts are not affected.
        assert_eq!(throttle.check("bob", None, start), Ok(()));
    }

    #[test]
    fn success_forgets_the_account_and_quiet_accounts_are_forgotten() {
        let throttle = Throttle::new(policy());
        let now = Instant::now();
        for _ in 0..4 {
            throttle.failed("ann", None, now);
        }
        assert!(throttle.check("ann", None, now).is_err());
        throttle.succeeded("ann");
        assert_eq!(throttle.check("ann", None, now), Ok(()));
        // Three free failures again.
        for _ in 0..3 {
            throttle.failed("ann", None, now);
        }
        assert_eq!(throttle.check("ann", None, now), Ok(()));
        // After backoff_max of quiet the count starts over.
        let later = now + Duration::from_secs(61);
        throttle.failed("ann", None, later);
        assert_eq!(throttle.check("ann", None, later), Ok(()));
    }

    #[test]
    fn an_address_locks_after_its_free_failures_over_all_accounts() {
        let throttle = Throttle::new(policy());
        let now = Instant::now();
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        for i in 0..10 {
            throttle.failed(&format!("user{i}"), Some(address), now);
            assert_eq!(throttle.check("someone", Some(address), now), Ok(()));
        }
        throttle.failed("user10", Some(address), now);
        assert_eq!(
            throttle.check("someone", Some(address), now),
            Err(Refusal::Address(SECOND))
        );
        // Another address, and the same account from nowhere known, are not locked.
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        assert_eq!(throttle.check("someone", Some(other), now), Ok(()));
        assert_eq!(throttle.check("someone", None, now), Ok(()));
        // A success does not clear the address.
        throttle.succeeded("someone");
        assert!(throttle.check("someone", Some(address), now).is_err());
    }

    #[test]
    fn ipv6_clients_count_by_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_flood_of_names_stays_within_the_limit() {
        let throttle = Throttle::new(policy());
        let now = Instant::now();
        let address: IpAddr = "192.0.2.9".parse().unwrap();
        for i in 0..10_000u32 {
            throttle.failed(
                &format!("random{i}"),
                Some(address),
                now + Duration::from_millis(u64::from(i)),
            );
        }
        let (accounts, addresses) = throttle.tracked();
        assert!(accounts <= 100, "{accounts} accounts remembered");
        assert_eq!(addresses, 1);
        // The most recent names are the ones kept.
        let end = now + Duration::from_secs(10);
        for _ in 0..3 {
            throttle.failed("random9999", None, end);
        }
        assert!(throttle.check("random9999", None, end).is_err());
    }

    #[test]
    fn a_zero_base_never_locks() {
        let throttle = Throttle::new(LoginPolicy {
            backoff_base: Duration::ZERO,
            backoff_max: Duration::ZERO,
            ..policy()
        });
        let now = Instant::now();
        for _ in 0..100 {
            throttle.failed("ann", None, now);
        }
        assert_eq!(throttle.check("ann", None, now), Ok(()));
    }

    #[test]
    fn refusals_say_when_to_come_back() {
        let err = Refusal::Account(Duration::from_millis(1500)).into_error("ann");
        assert_eq!(err.status(), 429);
        assert_eq!(err.retry_after(), Some(2));
        assert!(err.to_string().contains("ann"), "{err}");
        let err = Refusal::Address(Duration::from_millis(1)).into_error("ann");
        assert_eq!(err.retry_after(), Some(1));
        assert!(!err.to_string().contains("ann"), "{err}");
    }
}
