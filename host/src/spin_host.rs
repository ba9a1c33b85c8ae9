//! `fermyon:spin/key-value@2.0.0` and `fermyon:spin/variables@2.0.0`, as Spin implements them
//! (crates `spin-factor-key-value` and `spin-factor-variables`): a store the component was not
//! granted in `key_value_stores` gives `access-denied`; the stores are `default` and those the
//! runtime config defines, shared by every instance: kept in memory for the life of the host,
//! or in Redis for a `type = "redis"` store (`crate::redis_store`), whose failures reach the
//! component as `error::other`, as in Spin.

use crate::redis_store::RedisStore;
use crate::variables::{GetError, Resolver};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use wasmtime::component::{Resource, ResourceTable};
use wasmtime::Result;

wasmtime::component::bindgen!({
    path: "wit",
    world: "host",
    // The store's calls are async: a Redis round trip suspends the guest's fiber instead of
    // holding a runtime worker thread.
    imports: { "fermyon:spin/key-value": async | trappable, default: trappable },
    with: { "fermyon:spin/key-value.store": OpenStore },
});

use fermyon::spin::{key_value, variables};

pub type Data = Mutex<BTreeMap<String, Vec<u8>>>;

/// Where one store label keeps its data.
#[derive(Clone)]
pub enum Backend {
    /// In this process, for the life of the host.
    Memory(Arc<Data>),
    /// In a Redis server (`type = "redis"`).
    Redis(Arc<RedisStore>),
}

/// The guest's handle to an open store.
pub struct OpenStore(Backend);

/// State shared by all requests.
pub struct Shared {
    /// Store label → backend: `default`, plus the labels of `--runtime-config-file`.
    pub stores: HashMap<String, Backend>,
    /// Labels the component may open (`key_value_stores`).
    pub allowed_stores: HashSet<String>,
    pub variables: Resolver,
}

/// Per-request state of the Spin interfaces.
pub struct SpinHost {
    shared: Arc<Shared>,
    table: ResourceTable,
}

impl SpinHost {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared, table: ResourceTable::new() }
    }
}

pub fn add_to_linker<T: Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
    get: fn(&mut T) -> &mut SpinHost,
) -> Result<()> {
    type D = wasmtime::component::HasSelf<SpinHost>;
    key_value::add_to_linker::<T, D>(linker, get)?;
    variables::add_to_linker::<T, D>(linker, get)?;
    Ok(())
}

fn lock(data: &Data) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
    // A guest cannot poison this lock (no guest code runs while it is held).
    data.lock().unwrap_or_else(|e| e.into_inner())
}

impl key_value::Host for SpinHost {}

/// Runs a Redis command on tokio's blocking pool; its failure (or the task's) is `error::other`.
async fn blocking<T: Send + 'static>(
    redis: &Arc<RedisStore>,
    op: impl FnOnce(&RedisStore) -> Result<T, String> + Send + 'static,
) -> Result<T, key_value::Error> {
    let redis = redis.clone();
    match tokio::task::spawn_blocking(move || op(&redis)).await {
        Ok(result) => result.map_err(key_value::Error::Other),
        Err(e) => Err(key_value::Error::Other(format!("redis: the command's task failed: {e}"))),
    }
}

impl key_value::HostStore for SpinHost {
    async fn open(&mut self, label: String) -> Result<Result<Resource<OpenStore>, key_value::Error>> {
        if !self.shared.allowed_stores.contains(&label) {
            return Ok(Err(key_value::Error::AccessDenied));
        }
        let Some(backend) = self.shared.stores.get(&label) else {
            return Ok(Err(key_value::Error::NoSuchStore));
        };
        match self.table.push(OpenStore(backend.clone())) {
            Ok(handle) => Ok(Ok(handle)),
            Err(_) => Ok(Err(key_value::Error::StoreTableFull)),
        }
    }

    async fn get(&mut self, store: Resource<OpenStore>, key: String) -> Result<Result<Option<Vec<u8>>, key_value::Error>> {
        Ok(match &self.table.get(&store)?.0 {
            Backend::Memory(data) => Ok(lock(data).get(&key).cloned()),
            Backend::Redis(redis) => blocking(redis, move |r| r.get(&key)).await,
        })
    }

    async fn set(&mut self, store: Resource<OpenStore>, key: String, value: Vec<u8>) -> Result<Result<(), key_value::Error>> {
        Ok(match &self.table.get(&store)?.0 {
            Backend::Memory(data) => {
                lock(data).insert(key, value);
                Ok(())
            }
            Backend::Redis(redis) => blocking(redis, move |r| r.set(&key, &value)).await,
        })
    }

    async fn delete(&mut self, store: Resource<OpenStore>, key: String) -> Result<Result<(), key_value::Error>> {
        Ok(match &self.table.get(&store)?.0 {
            Backend::Memory(data) => {
                lock(data).remove(&key);
                Ok(())
            }
            Backend::Redis(redis) => blocking(redis, move |r| r.delete(&key)).await,
        })
    }

    async fn exists(&mut self, store: Resource<OpenStore>, key: String) -> Result<Result<bool, key_value::Error>> {
        Ok(match &self.table.get(&store)?.0 {
            Backend::Memory(data) => Ok(lock(data).contains_key(&key)),
            Backend::Redis(redis) => blocking(redis, move |r| r.exists(&key)).await,
        })
    }

    async fn get_keys(&mut self, store: Resource<OpenStore>) -> Result<Result<Vec<String>, key_value::Error>> {
        Ok(match &self.table.get(&store)?.0 {
            Backend::Memory(data) => Ok(lock(data).keys().cloned().collect()),
            Backend::Redis(redis) => blocking(redis, |r| r.get_keys()).await,
        })
    }

    async fn drop(&mut self, store: Resource<OpenStore>) -> Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl variables::Host for SpinHost {
    fn get(&mut self, name: String) -> Result<Result<String, variables::Error>> {
        Ok(self.shared.variables.get(&name).map_err(|e| match e {
            GetError::InvalidName(m) => variables::Error::InvalidName(m),
            GetError::Undefined(m) => variables::Error::Undefined(m),
            GetError::Provider(m) => variables::Error::Provider(m),
        }))
    }
}
