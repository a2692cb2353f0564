//! Registers opened on many threads at once when the process starts: every one opens. Its own
//! test binary, so this is the process's first use of SQLite: the moment in which a thread was
//! once refused its key ("An error occurred with PRAGMA key"; see `store::initialise_sqlcipher`).
//! The race is narrow and this test did not catch it on demand; it guards the guarantee.

// A failed unwrap is a failed test, with the reason printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};

#[test]
fn registers_created_on_many_threads_at_process_start_all_open() {
    let threads = 12;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                barrier.wait();
                let created = lagom_core::Lagom::create(&dir.path().join("l.db"), &lagom_core::MemoryKeyStore::new());
                created.map(|_| ()).map_err(|e| e.to_string())
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), Ok(()));
    }
}
