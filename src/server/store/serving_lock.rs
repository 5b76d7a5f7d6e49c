//! One serving process per SQLite file. A process that serves believes it owns every number
//! (its cluster holder on SQLite is a fixed name), so a second one on the same file would run
//! every number's engine twice. An OS lock on a file beside the database says so for sure,
//! and the OS lets go of it when the process ends, however it ends.
use std::{
    fs::{File, OpenOptions, TryLockError},
    path::{Path, PathBuf},
    str::FromStr,
};

use anyhow::Context;
use sqlx::sqlite::SqliteConnectOptions;

use crate::server::config::{DatabaseKind, DatabaseUrl};

/// Held while this process serves its SQLite file; dropping it (or exiting) lets go.
pub struct ServingLock {
    _file: File,
}

/// Takes the lock on `<database>.lock`, or explains that another process serves the file.
/// Nothing to take on PostgreSQL (made for several processes) or an in-memory database.
pub fn lock_for_serving(url: &DatabaseUrl) -> anyhow::Result<Option<ServingLock>> {
    if url.kind()? != DatabaseKind::Sqlite {
        return Ok(None);
    }
    let Some(database) = database_file(url.expose())? else {
        return Ok(None);
    };
    let path = lock_path(&database);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ServingLock { _file: file })),
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "another pairlink process already serves the SQLite database {} (it holds {}); \
             SQLite is for one process: to run several, point them all at one PostgreSQL \
             database (DATABASE_URL=postgres://…)",
            database.display(),
            path.display()
        ),
        Err(TryLockError::Error(err)) => Err(err).with_context(|| format!("locking {}", path.display())),
    }
}

/// The file SQLite opens for `url`, as sqlx reads it; `None` for an in-memory database.
fn database_file(url: &str) -> anyhow::Result<Option<PathBuf>> {
    let options = SqliteConnectOptions::from_str(url).context("reading database_url")?;
    // sqlx keeps its "in memory" flag private; these are the two spellings it reads as one.
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let in_memory = path.ends_with(":memory:") || url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "mode" && v == "memory");
    Ok((!in_memory).then(|| options.get_filename().to_path_buf()))
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_file_is_refused_naming_postgres_and_memory_needs_none() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::new(format!("sqlite://{}/p.db", dir.path().display()));
        let held = lock_for_serving(&url).unwrap().expect("a file database is locked");
        assert!(dir.path().join("p.db.lock").exists());
        let refused = lock_for_serving(&url).err().expect("refused while held").to_string();
        assert!(refused.contains("PostgreSQL") && refused.contains("p.db"), "{refused}");
        drop(held);
        assert!(lock_for_serving(&url).unwrap().is_some(), "free again once let go");

        for memory in ["sqlite::memory:", "sqlite://:memory:", "sqlite://shared?mode=memory&cache=shared"] {
            assert!(lock_for_serving(&DatabaseUrl::new(memory)).unwrap().is_none(), "{memory}");
        }
        let postgres = DatabaseUrl::new("postgres://u@localhost/db");
        assert!(lock_for_serving(&postgres).unwrap().is_none());
    }
}
