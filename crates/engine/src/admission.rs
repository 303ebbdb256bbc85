//! Admission: how many searches run at once, and how many may wait for a turn.
//!
//! Every search takes a turn before it is parsed, bound and run: at most
//! `max_concurrent` searches run together (a pinboard takes one turn per visualization it
//! runs at once), at most `max_queued` requests wait for turns, and none waits longer than
//! the queue timeout. A request beyond those bounds is refused at once with
//! [`Error::Overloaded`] (503 with `Retry-After`), so a crowd of searches costs the server a
//! bounded amount of work and memory and every client gets an answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use searchlight_errors::{Error, Result};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// What a refused client is told to wait before trying again, in seconds.
const RETRY_AFTER_SECS: u64 = 1;

/// The turns of the searches running now, and the requests waiting for one.
pub(crate) struct Admission {
    turns: Arc<Semaphore>,
    /// How many turns there are (the most searches running at once).
    capacity: usize,
    /// Requests waiting for turns now.
    waiting: AtomicUsize,
    max_waiting: usize,
    /// How long a request waits for its turns.
    wait: Duration,
}

/// The turns of one request (one search, or a pinboard's visualizations run together): they
/// are given back when this is dropped.
#[derive(Debug)]
pub struct SearchPermit {
    _turns: OwnedSemaphorePermit,
}

impl Admission {
    pub fn new(capacity: usize, max_waiting: usize, wait: Duration) -> Self {
        // The semaphore counts turns in u32 (acquire_many) and below MAX_PERMITS.
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Self {
            turns: Arc::new(Semaphore::new(capacity)),
            capacity,
            waiting: AtomicUsize::new(0),
            max_waiting,
            wait,
        }
    }

    /// The most searches that run at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Turns for `searches` searches run together (at least one, at most the capacity): at
    /// once when they are free, else after waiting in the queue; [`Error::Overloaded`] when
    /// the queue is full or the wait runs out.
    pub async fn admit(&self, searches: usize) -> Result<SearchPermit> {
        let wanted = u32::try_from(searches.clamp(1, self.capacity)).unwrap_or(u32::MAX);
        match Arc::clone(&self.turns).try_acquire_many_owned(wanted) {
            Ok(turns) => return Ok(SearchPermit { _turns: turns }),
            Err(TryAcquireError::Closed) => return Err(closed()),
            Err(TryAcquireError::NoPermits) => {}
        }
        let Some(_place) = QueuePlace::take(&self.waiting, self.max_waiting) else {
            return Err(overloaded());
        };
        match tokio::time::timeout(
            self.wait,
            Arc::clone(&self.turns).acquire_many_owned(wanted),
        )
        .await
        {
            Ok(Ok(turns)) => Ok(SearchPermit { _turns: turns }),
            Ok(Err(_)) => Err(closed()),
            Err(_) => Err(overloaded()),
        }
    }
}

fn overloaded() -> Error {
    Error::Overloaded {
        what: "run more searches".to_owned(),
        retry_after_secs: RETRY_AFTER_SECS,
    }
}

/// The semaphore is never closed; if it were, that would be a bug.
fn closed() -> Error {
    Error::internal("the search turns were closed")
}

/// A place in the queue, given back when dropped (the turns came, the wait ran out, or the
/// client went away).
struct QueuePlace<'a>(&'a AtomicUsize);

impl<'a> QueuePlace<'a> {
    /// A place, unless `max` requests are waiting already.
    fn take(waiting: &'a AtomicUsize, max: usize) -> Option<Self> {
        waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now < max).then_some(now + 1)
            })
            .ok()
            .map(|_| Self(waiting))
    }
}

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_then_a_bounded_queue_then_overloaded() {
        let admission = Arc::new(Admission::new(2, 1, Duration::from_secs(30)));
        let first = admission.admit(1).await.unwrap();
        let second = admission.admit(1).await.unwrap();
        // A third waits in the queue (one place) until a turn is given back.
        let queued = tokio::spawn({
            let admission = Arc::clone(&admission);
            async move { admission.admit(1).await.map(|_| ()) }
        });
        while admission.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // The queue is full: a fourth is refused at once, with a time to come back.
        let refused = admission.admit(1).await.unwrap_err();
        assert_eq!(refused.name(), "Overloaded");
        assert_eq!(refused.status(), 503);
        assert_eq!(refused.retry_after(), Some(RETRY_AFTER_SECS));
        drop(first);
        queued.await.unwrap().unwrap();
        assert_eq!(admission.waiting.load(Ordering::Acquire), 0);
        drop(second);
        // A request for more turns than there are takes them all.
        let all = admission.admit(10).await.unwrap();
        assert_eq!(admission.turns.available_permits(), 0);
        drop(all);
        assert_eq!(admission.turns.available_permits(), 2);
    }

    #[tokio::test]
    async fn the_wait_is_bounded() {
        let admission = Admission::new(1, 5, Duration::from_millis(50));
        let _running = admission.admit(1).await.unwrap();
        let refused = admission.admit(1).await.unwrap_err();
        assert_eq!(refused.name(), "Overloaded");
        assert_eq!(
            admission.waiting.load(Ordering::Acquire),
            0,
            "place given back"
        );
    }

    #[tokio::test]
    async fn no_queue_refuses_at_once() {
        let admission = Admission::new(1, 0, Duration::from_secs(30));
        let _running = admission.admit(1).await.unwrap();
        assert_eq!(admission.admit(1).await.unwrap_err().name(), "Overloaded");
    }
}
