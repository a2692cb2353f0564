//! Locks the app when the operating system says the session locked or the computer is going
//! to sleep.
//!
//! Linux: the screensaver's `ActiveChanged(true)` on the session bus (the freedesktop name and
//! GNOME's), logind's `PrepareForSleep(true)` and this session's `Lock` signal on the system
//! bus. Each is watched on its own thread; a bus or service that is not there is skipped. Any
//! program in the session can send these signals: the worst it can do is lock the app.
//!
//! macOS (`com.apple.screenIsLocked` distributed notification, `NSWorkspaceWillSleepNotification`)
//! and Windows (`WTS_SESSION_LOCK` through `WTSRegisterSessionNotification`, `PBT_APMSUSPEND`)
//! offer the same events; they are not wired up yet (docs/security.md).

/// Calls `lock` whenever the OS says the session locked or the computer suspends.
pub fn watch(lock: impl Fn() + Send + Sync + Clone + 'static) {
    #[cfg(target_os = "linux")]
    linux::watch(lock);
    #[cfg(not(target_os = "linux"))]
    let _ = lock;
}

#[cfg(target_os = "linux")]
mod linux {
    use zbus::blocking::{Connection, MessageIterator};

    const SCREENSAVERS: [&str; 2] = ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"];

    pub fn watch(lock: impl Fn() + Send + Sync + Clone + 'static) {
        for interface in SCREENSAVERS {
            let rule = format!("type='signal',interface='{interface}',member='ActiveChanged'");
            spawn(Bus::Session, rule, lock.clone(), |message| message.body().deserialize::<bool>().unwrap_or(false));
        }
        let rule = "type='signal',interface='org.freedesktop.login1.Manager',member='PrepareForSleep'".to_owned();
        spawn(Bus::System, rule, lock.clone(), |message| message.body().deserialize::<bool>().unwrap_or(false));
        if let Some(session) = logind_session() {
            let rule =
                format!("type='signal',interface='org.freedesktop.login1.Session',member='Lock',path='{session}'");
            spawn(Bus::System, rule, lock, |_| true);
        }
    }

    #[derive(Clone, Copy)]
    enum Bus {
        Session,
        System,
    }

    fn connect(bus: Bus) -> zbus::Result<Connection> {
        match bus {
            Bus::Session => Connection::session(),
            Bus::System => Connection::system(),
        }
    }

    /// Watches `rule` on `bus` on a thread of its own; `locks` says whether a signal means lock.
    fn spawn(
        bus: Bus,
        rule: String,
        lock: impl Fn() + Send + 'static,
        locks: impl Fn(&zbus::Message) -> bool + Send + 'static,
    ) {
        let _ = std::thread::Builder::new().name("lagom-os-lock".into()).spawn(move || {
            let Ok(connection) = connect(bus) else { return };
            let Ok(messages) = MessageIterator::for_match_rule(rule.as_str(), &connection, Some(16)) else { return };
            for message in messages.flatten() {
                if locks(&message) {
                    lock();
                }
            }
        });
    }

    /// This process's logind session object, for its `Lock` signal (`loginctl lock-session`).
    fn logind_session() -> Option<String> {
        let connection = Connection::system().ok()?;
        let reply = connection
            .call_method(
                Some("org.freedesktop.login1"),
                "/org/freedesktop/login1",
                Some("org.freedesktop.login1.Manager"),
                "GetSessionByPID",
                &(std::process::id()),
            )
            .ok()?;
        let path: zbus::zvariant::OwnedObjectPath = reply.body().deserialize().ok()?;
        Some(path.to_string())
    }
}
