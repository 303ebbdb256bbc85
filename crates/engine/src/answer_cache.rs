//! The answer cache: a page of an answer kept for the next identical search, so that a
//! dashboard reloaded over unchanged data costs a listing of its files instead of a query.
//!
//! An answer is keyed by everything it was computed from, re-checked on every request
//! ([`AnswerKey`]): the source's whole definition (worksheet, tables, connections, with the
//! catalog's version of each), the compiled plan (runtime filters included) and the model
//! filters bound with the request's clock, the page, the viewer, and the version of every
//! file the search reads as listed for this request (path, size, modification time, device,
//! inode and change time). A changed file, model or definition, or another viewer, is a
//! different key: the cache never answers from inputs that changed. Access is checked before
//! the cache is consulted, so a share that was taken away takes effect at once.
//!
//! The cache holds at most its limit in bytes (`answer_cache_mb`, 0 turns it off); past it
//! the least recently used answers are dropped. An answer larger than an eighth of the limit
//! is not kept. Failed searches are never kept.
//!
//! Identical searches at the same moment run once (single flight): the first one computes,
//! the others wait for it and take its answer. If the first one fails, is cancelled or times
//! out, one of the waiting ones computes in its place.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::SearchResult;
use crate::cell::Cell;

/// The digest of everything an answer depends on (SHA-256: two different inputs never meet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AnswerKey([u8; 32]);

/// Builds an [`AnswerKey`] from the `Debug` form of each input, each part labelled and
/// length-delimited so that no two sequences of parts run together into the same text.
pub(crate) struct KeyBuilder {
    digest: Sha256,
    scratch: String,
}

impl KeyBuilder {
    pub fn new() -> Self {
        Self {
            digest: Sha256::new(),
            scratch: String::new(),
        }
    }

    /// Adds one input.
    pub fn part(&mut self, label: &str, value: &dyn std::fmt::Debug) -> &mut Self {
        self.scratch.clear();
        // Writing to a String cannot fail.
        let _ = write!(self.scratch, "{value:?}");
        for text in [label, self.scratch.as_str()] {
            self.digest.update((text.len() as u64).to_le_bytes());
            self.digest.update(text.as_bytes());
        }
        self
    }

    pub fn finish(self) -> AnswerKey {
        AnswerKey(self.digest.finalize().into())
    }
}

/// A kept answer.
struct Entry {
    answer: Arc<SearchResult>,
    bytes: usize,
    last_used: u64,
}

#[derive(Default)]
struct State {
    entries: HashMap<AnswerKey, Entry>,
    bytes: usize,
    clock: u64,
    /// Searches being computed now: a waiter sees the sender dropped when it ends.
    computing: HashMap<AnswerKey, (u64, watch::Receiver<()>)>,
    next_flight: u64,
}

/// What a lookup found.
pub(crate) enum Lookup<'a> {
    /// The answer, kept from an identical search.
    Hit(Arc<SearchResult>),
    /// Not kept and nobody computes it: the caller computes it and hands it to the flight.
    Compute(Flight<'a>),
    /// Being computed by another request: wait for it (then look again).
    Wait(watch::Receiver<()>),
}

/// The right, and duty, to compute one answer; waiting requests are released when it is
/// dropped, whether it stored an answer or not.
pub(crate) struct Flight<'a> {
    cache: &'a AnswerCache,
    key: AnswerKey,
    id: u64,
    _done: watch::Sender<()>,
}

impl Flight<'_> {
    /// Keeps `answer` for the next identical search (if it fits).
    pub fn store(&self, answer: &SearchResult) {
        self.cache.insert(self.key, answer);
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut state = self.cache.lock();
        if state
            .computing
            .get(&self.key)
            .is_some_and(|(id, _)| *id == self.id)
        {
            state.computing.remove(&self.key);
        }
        // `_done` drops after this: the waiters wake and find the answer (or compute it).
    }
}

/// The answer cache (see the module's documentation).
pub(crate) struct AnswerCache {
    limit: usize,
    state: Mutex<State>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl AnswerCache {
    /// A cache of at most `limit` bytes of answers; 0: nothing is kept (identical searches
    /// at the same moment still run once).
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            state: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the maps consistent, even if a holder panicked.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer for `key`, or who computes it.
    pub fn lookup(&self, key: AnswerKey) -> Lookup<'_> {
        let mut state = self.lock();
        state.clock += 1;
        let now = state.clock;
        if let Some(entry) = state.entries.get_mut(&key) {
            entry.last_used = now;
            let answer = Arc::clone(&entry.answer);
            drop(state);
            let hits = self.hits.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::debug!(hits, misses = self.misses(), "answer cache hit");
            return Lookup::Hit(answer);
        }
        if let Some((_, done)) = state.computing.get(&key) {
            return Lookup::Wait(done.clone());
        }
        state.next_flight += 1;
        let id = state.next_flight;
        let (sender, receiver) = watch::channel(());
        state.computing.insert(key, (id, receiver));
        drop(state);
        let misses = self.misses.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(hits = self.hits(), misses, "answer cache miss");
        Lookup::Compute(Flight {
            cache: self,
            key,
            id,
            _done: sender,
        })
    }

    fn insert(&self, key: AnswerKey, answer: &SearchResult) {
        let bytes = answer_bytes(answer);
        if self.limit == 0 || bytes > self.limit / 8 {
            return;
        }
        let mut state = self.lock();
        state.clock += 1;
        let last_used = state.clock;
        let entry = Entry {
            answer: Arc::new(answer.clone()),
            bytes,
            last_used,
        };
        if let Some(old) = state.entries.insert(key, entry) {
            state.bytes -= old.bytes;
        }
        state.bytes += bytes;
        if state.bytes > self.limit {
            let mut by_age: Vec<(u64, AnswerKey)> = state
                .entries
                .iter()
                .map(|(key, entry)| (entry.last_used, *key))
                .collect();
            by_age.sort_unstable_by_key(|(used, _)| *used);
            for (_, old) in by_age {
                if state.bytes <= self.limit {
                    break;
                }
                if let Some(dropped) = state.entries.remove(&old) {
                    state.bytes -= dropped.bytes;
                }
            }
        }
    }

    /// Answers served from the cache since the engine started.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Searches computed because no identical answer was kept.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// The bytes of the answers kept.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// What an answer holds in memory, roughly: its cells and their text.
fn answer_bytes(answer: &SearchResult) -> usize {
    let cells: usize = answer
        .rows
        .iter()
        .map(|row| {
            std::mem::size_of::<Vec<Cell>>()
                + row
                    .iter()
                    .map(|cell| {
                        std::mem::size_of::<Cell>()
                            + match cell {
                                Cell::Text(text) => text.len(),
                                _ => 0,
                            }
                    })
                    .sum::<usize>()
        })
        .sum();
    let columns: usize = answer
        .columns
        .iter()
        .map(|column| std::mem::size_of_val(column) + column.name.len())
        .sum();
    std::mem::size_of::<SearchResult>() + cells + columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResultColumn;
    use searchlight_search::DataType;

    fn key(text: &str) -> AnswerKey {
        let mut builder = KeyBuilder::new();
        builder.part("text", &text);
        builder.finish()
    }

    fn answer(rows: usize) -> SearchResult {
        SearchResult {
            columns: vec![ResultColumn {
                name: "n".into(),
                data_type: DataType::Integer,
            }],
            rows: (0..rows).map(|n| vec![Cell::Integer(n as i64)]).collect(),
            total_rows: rows,
        }
    }

    #[test]
    fn parts_do_not_run_together() {
        let mut one = KeyBuilder::new();
        one.part("a", &"bc").part("d", &"");
        let mut two = KeyBuilder::new();
        two.part("a", &"b").part("cd", &"");
        assert_ne!(one.finish(), two.finish());
    }

    #[test]
    fn the_least_recently_used_answers_make_room() {
        let size = answer_bytes(&answer(10));
        // Room for exactly eight answers of ten rows.
        let cache = AnswerCache::new(size * 8);
        let keep = |name: &str| {
            if let Lookup::Compute(flight) = cache.lookup(key(name)) {
                flight.store(&answer(10));
            }
        };
        for n in 0..8 {
            keep(&n.to_string());
        }
        assert_eq!(cache.bytes(), size * 8);
        assert!(matches!(cache.lookup(key("0")), Lookup::Hit(_)));
        // A ninth pushes out the least recently used: "1" ("0" was just used).
        keep("8");
        assert_eq!(cache.bytes(), size * 8);
        assert!(matches!(cache.lookup(key("0")), Lookup::Hit(_)));
        assert!(matches!(cache.lookup(key("2")), Lookup::Hit(_)));
        assert!(matches!(cache.lookup(key("1")), Lookup::Compute(_)));
    }

    #[test]
    fn a_large_answer_is_not_kept_and_off_means_off() {
        let cache = AnswerCache::new(answer_bytes(&answer(10)) * 8);
        if let Lookup::Compute(flight) = cache.lookup(key("big")) {
            flight.store(&answer(1000));
        }
        assert!(matches!(cache.lookup(key("big")), Lookup::Compute(_)));
        let off = AnswerCache::new(0);
        if let Lookup::Compute(flight) = off.lookup(key("x")) {
            flight.store(&answer(1));
        }
        assert!(matches!(off.lookup(key("x")), Lookup::Compute(_)));
        assert_eq!(off.bytes(), 0);
    }

    #[tokio::test]
    async fn identical_searches_at_once_wait_for_the_first() {
        let cache = AnswerCache::new(1 << 20);
        let Lookup::Compute(flight) = cache.lookup(key("q")) else {
            panic!("the first computes");
        };
        let Lookup::Wait(mut done) = cache.lookup(key("q")) else {
            panic!("the second waits");
        };
        flight.store(&answer(3));
        drop(flight);
        // The sender is gone: the wait ends, and the answer is there.
        assert!(done.changed().await.is_err());
        assert!(matches!(cache.lookup(key("q")), Lookup::Hit(_)));
        assert_eq!((cache.hits(), cache.misses()), (1, 1));
    }

    #[tokio::test]
    async fn a_failed_first_search_lets_a_waiting_one_compute() {
        let cache = AnswerCache::new(1 << 20);
        let first = cache.lookup(key("q"));
        let Lookup::Wait(mut done) = cache.lookup(key("q")) else {
            panic!("the second waits");
        };
        drop(first);
        assert!(done.changed().await.is_err());
        assert!(matches!(cache.lookup(key("q")), Lookup::Compute(_)));
    }
}
