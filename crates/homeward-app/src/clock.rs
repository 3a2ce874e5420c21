//! The only place homeward reads the time; tests pass a fixed clock instead.

use chrono::NaiveDateTime;

/// A source of the current moment (UTC).
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> NaiveDateTime;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        chrono::Utc::now().naive_utc()
    }
}

/// A clock stopped at one moment, for tests and reproducible runs.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub NaiveDateTime);

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        self.0
    }
}

/// A clock that stands still until moved, for tests of expiry and locks.
#[derive(Debug, Clone)]
pub struct ManualClock(std::sync::Arc<std::sync::Mutex<NaiveDateTime>>);

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: NaiveDateTime) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(now)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NaiveDateTime {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
