//! Live sessions remembered between requests, so that an authenticated request needs no session query of its own.
//!
//! Correctness rests on PostgreSQL telling every process when a session may have changed: statement triggers on
//! `sessions`, `users` and `units` (migration 11) send `NOTIFY pengaduan_auth_changed`, and [`listen`] forgets
//! everything on each notice. The cache is used only while that listener is connected and listening; without it
//! every request asks the database, as it would with no cache at all. The process that makes a change also forgets
//! at once ([`SessionCache::forget_all`]), so its own next request already sees it; other processes see it as soon
//! as the notice arrives (milliseconds). Entries also expire after [`MAX_AGE`], a bound on any notice ever missed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::IntoSql;
use diesel::sql_types::Integer;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::StreamExt;
use uuid::Uuid;

use crate::config::Secret;
use crate::db::users::SessionUser;

/// The channel the triggers notify.
pub const CHANNEL: &str = "pengaduan_auth_changed";
/// How long an entry is trusted even if no notice arrives.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Sessions remembered at most; beyond that, new ones are simply not remembered.
const CAPACITY: usize = 50_000;
/// How often the listener proves its connection alive when no notice comes.
const PING_EVERY: Duration = Duration::from_secs(5);
/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Remembered sessions, keyed by (user, session).
#[derive(Debug, Default)]
pub struct SessionCache {
    inner: Mutex<Inner>,
    /// Whether the listener is connected and listening; the cache is bypassed otherwise.
    listening: AtomicBool,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<(Uuid, Uuid), (SessionUser, Instant)>,
    /// Bumped by every invalidation, so that a database read which began before one is not remembered after it.
    generation: u64,
}

/// Taken before reading a session from the database; [`SessionCache::remember`] keeps the result only if no
/// invalidation happened in between.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(Option<u64>);

impl SessionCache {
    /// The remembered session, if the cache is live and the entry is fresh.
    pub fn get(&self, user_id: Uuid, session_id: Uuid) -> Option<SessionUser> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (user, at) = inner.entries.get(&(user_id, session_id))?;
        (at.elapsed() < MAX_AGE).then(|| user.clone())
    }

    /// Call before reading a session from the database.
    pub fn ticket(&self) -> Ticket {
        if !self.listening.load(Ordering::Acquire) {
            return Ticket(None);
        }
        Ticket(Some(self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).generation))
    }

    /// Remembers a session read from the database after `ticket` was taken, unless anything was invalidated since.
    pub fn remember(&self, ticket: Ticket, user: &SessionUser, session_id: Uuid) {
        let Ticket(Some(generation)) = ticket else { return };
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if inner.generation != generation || !self.listening.load(Ordering::Acquire) {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner.entries.retain(|_, (_, at)| at.elapsed() < MAX_AGE);
            if inner.entries.len() >= CAPACITY {
                return;
            }
        }
        inner.entries.insert((user.id, session_id), (user.clone(), Instant::now()));
    }

    /// Forgets every session: on every notice, and in the services that change sessions, accounts or units, once their
    /// transaction has committed (so the next request of this process already sees the change).
    pub fn forget_all(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.generation += 1;
        inner.entries.clear();
    }

    fn set_listening(&self, listening: bool) {
        // Forget first: entries remembered before (re)connecting could have missed notices.
        self.forget_all();
        self.listening.store(listening, Ordering::Release);
    }
}

/// Keeps a connection listening on [`CHANNEL`] for as long as the process runs, reconnecting after any loss, and
/// forgets every session on each notice. Spawn it once per process.
pub async fn listen(cache: std::sync::Arc<SessionCache>, database_url: Secret) {
    // Imported here only: its blanket `load` would shadow `AtomicBool::load` in the rest of the module.
    use diesel_async::RunQueryDsl;
    loop {
        match AsyncPgConnection::establish(database_url.expose()).await {
            Ok(mut conn) => {
                if diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).await.is_ok() {
                    cache.set_listening(true);
                    let reason = follow_notices(&cache, &mut conn).await;
                    cache.set_listening(false);
                    tracing::warn!(%reason, "session cache listener lost; sessions are read from the database meanwhile");
                }
            }
            Err(err) => tracing::debug!(error = %err, "session cache listener cannot connect"),
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// Forgets all sessions on every notice until the connection fails; returns why it stopped.
async fn follow_notices(cache: &SessionCache, conn: &mut AsyncPgConnection) -> String {
    use diesel_async::RunQueryDsl;
    loop {
        let next = {
            let mut notices = std::pin::pin!(conn.notifications_stream());
            tokio::time::timeout(PING_EVERY, notices.next()).await
        };
        match next {
            Ok(Some(Ok(_))) => cache.forget_all(),
            Ok(Some(Err(err))) => return err.to_string(),
            Ok(None) => return "the connection closed".to_owned(),
            Err(_quiet) => {
                // Bounded, so that a connection gone silent (no reset ever arrives) is noticed within seconds.
                let ping = diesel::select(1.into_sql::<Integer>()).execute(conn);
                match tokio::time::timeout(PING_EVERY, ping).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(err)) => return err.to_string(),
                    Err(_) => return "the connection stopped answering".to_owned(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session_user() -> SessionUser {
        SessionUser { id: Uuid::now_v7(), role: "admin".into(), unit_id: Uuid::now_v7(), active: true, pemda_id: None }
    }

    fn live_cache() -> SessionCache {
        let cache = SessionCache::default();
        cache.set_listening(true);
        cache
    }

    #[test]
    fn nothing_is_remembered_while_not_listening() {
        let cache = SessionCache::default();
        let (user, session) = (session_user(), Uuid::now_v7());
        cache.remember(cache.ticket(), &user, session);
        assert!(cache.get(user.id, session).is_none());
    }

    #[test]
    fn a_session_read_after_the_ticket_is_remembered() {
        let cache = live_cache();
        let (user, session) = (session_user(), Uuid::now_v7());
        cache.remember(cache.ticket(), &user, session);
        assert_eq!(cache.get(user.id, session).map(|u| u.id), Some(user.id));
        assert!(cache.get(user.id, Uuid::now_v7()).is_none(), "another session of the same user is not");
    }

    #[test]
    fn a_read_that_overlapped_an_invalidation_is_not_remembered() {
        let cache = live_cache();
        let (user, session) = (session_user(), Uuid::now_v7());
        let ticket = cache.ticket();
        cache.forget_all();
        cache.remember(ticket, &user, session);
        assert!(cache.get(user.id, session).is_none());
    }

    #[test]
    fn forgetting_and_losing_the_listener_empty_the_cache() {
        let cache = live_cache();
        let (user, session) = (session_user(), Uuid::now_v7());
        cache.remember(cache.ticket(), &user, session);
        cache.forget_all();
        assert!(cache.get(user.id, session).is_none());

        cache.remember(cache.ticket(), &user, session);
        cache.set_listening(false);
        assert!(cache.get(user.id, session).is_none());
        cache.set_listening(true);
        assert!(cache.get(user.id, session).is_none(), "entries from before a reconnect are gone");
    }
}
