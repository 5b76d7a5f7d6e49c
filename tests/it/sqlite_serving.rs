//! SQLite is one serving process: a second `pairlink serve` on the same file refuses to start
//! and names PostgreSQL, while the first serves on and one-shot commands still run beside it.
use std::{io::Read, time::Duration};

use reqwest::StatusCode;

use crate::multiprocess::{serve_command, serve_with, tenant_key, wait_for_exit};

#[tokio::test]
async fn a_second_server_on_one_sqlite_file_refuses_to_start_and_the_first_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/one.db", dir.path().display());
    let first = serve_with(&db, &[]);
    // A one-shot command beside the running server.
    let key = tenant_key(&db);

    let mut second = serve_command(&db, &[]).spawn().expect("pairlink starts");
    let mut stderr = second.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = stderr.read_to_string(&mut log);
        log
    });
    let ended = wait_for_exit(&mut second, Duration::from_secs(20)).await;
    let log = log.join().unwrap();
    let status = ended.unwrap_or_else(|| panic!("a second server on the same SQLite file is running; its log: {log}"));
    assert!(!status.success());
    assert!(log.contains("PostgreSQL") && log.contains("one.db"), "{log}");

    let res = reqwest::Client::new()
        .get(format!("{}/v1/numbers", first.base))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
