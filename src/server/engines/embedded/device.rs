//! Where a number's device keys live: one SQLite file per number under the data directory
//! (whatsapp-rust's own store), and — with PostgreSQL — a copy in the shared database so
//! another process, on another machine, can take the session over.
//!
//! Why a copy and not a PostgreSQL `Backend` (82 protocol-sensitive methods): the keys that
//! make the device (noise key, identity key, adv secret, registration) never change after
//! pairing, and they are copied the moment the number connects. The Signal ratchets and
//! pre-keys that do change are copied on every lease renewal when the file changed and on
//! every clean stop; after a crash a taker may start from a copy up to one renewal old,
//! which WhatsApp heals with retry receipts (a message or two may need a resend), while
//! the device itself stays linked.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::{Connection, sqlite::SqliteConnectOptions};

use crate::server::{domain::NumberId, store::Store};

#[derive(Clone)]
pub struct DeviceFiles {
    dir: PathBuf,
    /// Set when keys are also kept in the shared database.
    shared: Option<Arc<dyn Store>>,
}

impl DeviceFiles {
    pub fn new(dir: PathBuf, shared: Option<Arc<dyn Store>>) -> Self {
        Self { dir, shared }
    }

    pub fn path(&self, number: &NumberId) -> PathBuf {
        self.dir.join(format!("{number}.db"))
    }

    /// The store whatsapp-rust opens, creating the folder; restores the shared copy first
    /// when this machine has none.
    ///
    /// The keys are the WhatsApp account's linked device: the folder is this user's only
    /// (0700) and the file is created here, mode 0600, before whatsapp-rust opens it (SQLite
    /// gives its -wal and -shm files the database file's mode).
    pub async fn open(&self, number: &NumberId) -> anyhow::Result<PathBuf> {
        tokio::fs::create_dir_all(&self.dir).await?;
        private(&self.dir, 0o700)?;
        let path = self.path(number);
        if !tokio::fs::try_exists(&path).await? {
            let restored = match &self.shared {
                Some(store) => store.load_device_keys(number).await?,
                None => None,
            };
            let partial = path.with_extension("restoring");
            write_private(&partial, restored.as_deref().unwrap_or_default())?;
            tokio::fs::rename(&partial, &path).await?;
            if restored.is_some() {
                tracing::info!(number.id = %number, "device keys restored from the shared database");
            }
        }
        private(&path, 0o600)?;
        Ok(path)
    }

    pub fn exists(&self, number: &NumberId) -> bool {
        self.path(number).exists()
    }

    /// Whether keys for this number exist anywhere (here, or in the shared database).
    pub async fn has_keys(&self, number: &NumberId) -> anyhow::Result<bool> {
        if self.exists(number) {
            return Ok(true);
        }
        Ok(match &self.shared {
            Some(store) => store.load_device_keys(number).await?.is_some(),
            None => false,
        })
    }

    /// Copies the live file into the shared database (a consistent `VACUUM INTO` snapshot,
    /// taken beside whatsapp-rust's own connection), only while `holder` holds the number's
    /// lease: a process that lost the number never writes its old keys over the new owner's.
    /// Nothing to do without a shared database.
    pub async fn save_shared(&self, number: &NumberId, at: chrono::DateTime<chrono::Utc>, holder: &str) -> anyhow::Result<()> {
        let Some(store) = &self.shared else { return Ok(()) };
        let path = self.path(number);
        if !path.exists() {
            return Ok(());
        }
        let snapshot = path.with_extension(format!("snapshot-{}", uuid::Uuid::new_v4().simple()));
        let result = async {
            let mut conn = sqlx::SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&path)).await?;
            sqlx::query("VACUUM INTO ?")
                .bind(snapshot.to_string_lossy().as_ref())
                .execute(&mut conn)
                .await?;
            conn.close().await?;
            let bytes = tokio::fs::read(&snapshot).await?;
            if store.save_device_keys(number, &bytes, at, Some(holder)).await? == crate::server::store::Fenced::Lost {
                tracing::warn!(number.id = %number, "device keys not copied: this process no longer runs the number");
            }
            anyhow::Ok(())
        }
        .await;
        let _ = tokio::fs::remove_file(&snapshot).await;
        result
    }

    /// Deletes the device for good: the file (with SQLite's side files) and the shared copy.
    pub async fn remove(&self, number: &NumberId) -> anyhow::Result<()> {
        let path = self.path(number);
        for file in [path.clone(), side(&path, "-wal"), side(&path, "-shm"), side(&path, "-journal")] {
            match tokio::fs::remove_file(&file).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        if let Some(store) = &self.shared {
            store.delete_device_keys(number).await?;
        }
        Ok(())
    }

    /// Last change of the file or its WAL, to skip copies of an unchanged store.
    pub fn modified(&self, number: &NumberId) -> Option<std::time::SystemTime> {
        let path = self.path(number);
        [path.clone(), side(&path, "-wal")]
            .iter()
            .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .max()
    }
}

/// Sets `path`'s mode (Unix; elsewhere the platform's defaults stand).
fn private(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Writes `bytes` to a new file that only this user can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[tokio::test]
    async fn device_files_are_readable_by_this_user_only() {
        let dir = tempfile::tempdir().unwrap();
        let files = DeviceFiles::new(dir.path().join("wa"), None);
        let number = NumberId::from_trusted("num_perm");
        let path = files.open(&number).await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("wa")), 0o700);
        // A database whatsapp-rust opens there keeps the mode, side files included.
        let url = format!("sqlite://{}", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.unwrap();
        sqlx::query("CREATE TABLE k (v BLOB)").execute(&pool).await.unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&side(&path, "-wal")), 0o600);
        pool.close().await;
    }
}
