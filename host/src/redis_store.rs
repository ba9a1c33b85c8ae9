//! A key-value store backed by Redis, as Spin's `type = "redis"` store
//! (crate `spin-key-value-redis`): the store's keys are Redis keys as they are (one database
//! per store, no prefix), `get` is `GET`, `set` is `SET`, `delete` is `DEL`, `exists` is
//! `EXISTS`, `get-keys` is `KEYS *`. Any failure of Redis (down, refused, timed out, a wrong
//! reply) is returned to the component as `key-value` `error::other`, never a trap, so the
//! component decides (the authorizer fails closed).
//!
//! The commands are blocking (the `redis` crate's sync client: a small dependency set) on a
//! small pool of connections; `crate::spin_host` runs each on tokio's blocking pool, so the
//! guest's fiber waits, not a runtime worker (a slow Redis holds one request, not every request
//! on that worker). Connecting is lazy, as in Spin: the host starts while Redis is down, and a
//! command retries once on a fresh connection when a pooled one turns out to be dead (Redis
//! restarted), so a restart costs no failed request once Redis is back.

use std::sync::Mutex;
use std::time::Duration;

/// Connect, read and write deadline of every Redis command: a hung Redis fails the request
/// (the component sees an error) instead of holding it forever.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Idle connections kept for reuse; more may be open at once, the rest are closed after use.
const POOL_MAX_IDLE: usize = 32;

/// One Redis-backed store (one `[key_value_store.<label>]` with `type = "redis"`).
pub struct RedisStore {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
}

/// What failed, as the text of `error::other` (no URL, so no password, in it).
pub type StoreError = String;

impl RedisStore {
    /// Checks the URL (`redis://[user:password@]host[:port][/db]`, `rediss://` is refused:
    /// this host has no TLS); connects on first use.
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid redis url: {}", e.category()))?;
        Ok(RedisStore { client, idle: Mutex::new(Vec::new()) })
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.run(redis::cmd("GET").arg(key))
    }

    pub fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.run(redis::cmd("SET").arg(key).arg(value))
    }

    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.run::<i64>(redis::cmd("DEL").arg(key)).map(|_| ())
    }

    pub fn exists(&self, key: &str) -> Result<bool, StoreError> {
        self.run(redis::cmd("EXISTS").arg(key))
    }

    pub fn get_keys(&self) -> Result<Vec<String>, StoreError> {
        self.run(redis::cmd("KEYS").arg("*"))
    }

    /// Runs one (idempotent) command: on a pooled connection if there is one, retried once on
    /// a new connection if the pooled one failed at the I/O level.
    fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        {
            if let Some(mut conn) = self.take_idle() {
                match cmd.query::<T>(&mut conn) {
                    Ok(v) => {
                        self.put_idle(conn);
                        return Ok(v);
                    }
                    // A closed socket (Redis restarted or dropped us): try a fresh one.
                    Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() => {}
                    Err(e) => return Err(describe(&e)),
                }
            }
            let mut conn = self.connect()?;
            let value = cmd.query::<T>(&mut conn).map_err(|e| describe(&e))?;
            self.put_idle(conn);
            Ok(value)
        }
    }

    fn connect(&self) -> Result<redis::Connection, StoreError> {
        let conn = self.client.get_connection_with_timeout(IO_TIMEOUT).map_err(|e| describe(&e))?;
        conn.set_read_timeout(Some(IO_TIMEOUT)).map_err(|e| describe(&e))?;
        conn.set_write_timeout(Some(IO_TIMEOUT)).map_err(|e| describe(&e))?;
        Ok(conn)
    }

    fn take_idle(&self) -> Option<redis::Connection> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    fn put_idle(&self, conn: redis::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < POOL_MAX_IDLE {
            idle.push(conn);
        }
    }
}

fn describe(e: &redis::RedisError) -> StoreError {
    format!("redis: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_are_refused_at_start() {
        assert!(RedisStore::open("redis://127.0.0.1:6379").is_ok());
        assert!(RedisStore::open("redis://127.0.0.1:6379/2").is_ok());
        for bad in ["http://127.0.0.1:6379", "not a url", "rediss://127.0.0.1:6379"] {
            assert!(RedisStore::open(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_redis_that_is_down_is_an_error_not_a_panic() {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let store = RedisStore::open("redis://127.0.0.1:1").unwrap();
        assert!(store.get("k").unwrap_err().starts_with("redis: "));
        assert!(store.set("k", b"v").is_err());
        assert!(store.delete("k").is_err());
        assert!(store.exists("k").is_err());
        assert!(store.get_keys().is_err());
    }
}
