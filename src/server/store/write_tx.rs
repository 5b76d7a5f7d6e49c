//! Write transactions, queued in the process where the database needs it.
//!
//! SQLite lets one connection write at a time. When several of our pooled connections try at
//! once, all but one wait in SQLite's busy handler, which sleeps and polls (1, 2, 5 … 100 ms):
//! under concurrent link creation most of the time went to those sleeps. Queueing writers on
//! an async mutex hands the write lock over the moment it is free. PostgreSQL locks rows, not
//! the database, so its transactions do not queue.
use std::ops::{Deref, DerefMut};

use sqlx::{Database, Pool, Transaction};
use tokio::sync::{Mutex, MutexGuard};

/// A transaction holding the process's write turn, if the backend has one. Dereferences to the
/// connection, like `sqlx::Transaction`, so queries take `&mut *tx`.
pub struct WriteTx<'a, DB: Database> {
    tx: Transaction<'static, DB>,
    // Dropped after `tx` (fields drop in order), so a rollback on drop still holds the turn.
    _turn: Option<MutexGuard<'a, ()>>,
}

impl<'a, DB: Database> WriteTx<'a, DB> {
    /// Takes the write turn (when given one), then a connection, and begins.
    pub async fn begin(pool: &Pool<DB>, turn: Option<&'a Mutex<()>>) -> Result<Self, sqlx::Error> {
        let turn = match turn {
            Some(turn) => Some(turn.lock().await),
            None => None,
        };
        Ok(Self {
            tx: pool.begin().await?,
            _turn: turn,
        })
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl<DB: Database> Deref for WriteTx<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<DB: Database> DerefMut for WriteTx<'_, DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::Duration};

    use super::*;

    #[tokio::test]
    async fn writers_take_turns_and_a_dropped_transaction_frees_the_turn() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let turn = Arc::new(Mutex::new(()));
        let first = WriteTx::begin(&pool, Some(&turn)).await.unwrap();
        assert!(turn.try_lock().is_err(), "the open transaction holds the turn");
        let second = {
            let (pool, turn) = (pool.clone(), turn.clone());
            tokio::spawn(async move {
                let tx = WriteTx::begin(&pool, Some(&turn)).await.unwrap();
                tx.commit().await.unwrap();
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "the second writer waits for the first");
        drop(first);
        second.await.unwrap();
        assert!(turn.try_lock().is_ok());
    }
}
