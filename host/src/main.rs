//! mcp-authorizer-host: a small stand-in for `spin up`, for tests and local runs on machines
//! without the Spin CLI. It serves one Spin HTTP component on a local port with wasmtime,
//! a new instance per request, and provides exactly the interfaces that component imports:
//! WASI 0.2, wasi:http (inbound and outbound), fermyon:spin/key-value@2.0.0 (in memory, or
//! Redis for a runtime config's `type = "redis"` store) and
//! fermyon:spin/variables@2.0.0 (from spin.toml, --var and SPIN_VARIABLE_*).
//! It is dev tooling: outbound requests never leave the machine (loopback only).

mod loader;
mod manifest;
mod outbound;
mod redis_store;
mod runtime_config;
mod spin_host;
mod variables;

use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use spin_host::{Shared, SpinHost};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use variables::{Declared, Resolver};
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{bail, format_err, Config, Engine, Result, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

const USAGE: &str = "\
Usage: mcp-authorizer-host [OPTIONS]

Serves a Spin HTTP component (wasip1 module or component) on a local port.

Options:
  --wasm PATH                 the .wasm to run (default: the component's `source` in --manifest)
  --listen ADDR               address to serve on (default 127.0.0.1:3000; port 0 picks one)
  --manifest PATH             spin.toml: [variables], the component's variables, key_value_stores,
                              allowed_outbound_hosts, environment and http route
  --component ID              which component of the manifest (needed if it has several)
  --runtime-config-file PATH  Spin runtime config: its [key_value_store.<label>] tables define
                              the store labels besides `default`: type = \"redis\" with
                              url = \"redis://HOST:PORT\" keeps one in Redis, any other type
                              in memory
  --var NAME=VALUE            set an application variable (repeatable; wins over SPIN_VARIABLE_*)
  --route-internal NAME=URL   send http://NAME.spin.internal/... to URL, a loopback origin
  --allow-outbound PATTERN    allow a host beyond the manifest's allowed_outbound_hosts
  --exit-after SECONDS        stop by itself after this long
  --imports                   print the component's imports and exports, then exit
  -h, --help                  this text

Environment: SPIN_VARIABLE_<NAME>=VALUE sets application variable <name>, as in Spin.
Without --manifest, the component's variables are exactly those set by --var and SPIN_VARIABLE_*.
The first line on stdout is `Serving http://ADDR`.";

#[derive(Debug, Default)]
struct Args {
    wasm: Option<PathBuf>,
    listen: Option<String>,
    manifest: Option<PathBuf>,
    component: Option<String>,
    runtime_config: Option<PathBuf>,
    vars: Vec<(String, String)>,
    routes: Vec<String>,
    allow: Vec<String>,
    exit_after: Option<Duration>,
    imports: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>> {
    let mut a = Args::default();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--wasm" => a.wasm = Some(value()?.into()),
            "--listen" => a.listen = Some(value()?),
            "--manifest" => a.manifest = Some(value()?.into()),
            "--component" => a.component = Some(value()?),
            "--runtime-config-file" => a.runtime_config = Some(value()?.into()),
            "--var" => {
                let v = value()?;
                let (name, val) = v.split_once('=').with_context(|| format!("--var {v:?}: expected NAME=VALUE"))?;
                a.vars.push((name.to_string(), val.to_string()));
            }
            "--route-internal" => a.routes.push(value()?),
            "--allow-outbound" => a.allow.push(value()?),
            "--imports" => a.imports = true,
            "--exit-after" => {
                let v = value()?;
                let secs = v.parse::<f64>().ok().filter(|s| *s > 0.0);
                let after = secs.and_then(|s| Duration::try_from_secs_f64(s).ok()).with_context(|| {
                    format!("--exit-after {v:?}: expected a positive number of seconds")
                })?;
                a.exit_after = Some(after);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(Some(a))
}

/// Everything a request needs, built once at startup.
struct Server {
    pre: ProxyPre<RequestState>,
    shared: Arc<Shared>,
    policy: Arc<outbound::Policy>,
    environment: Vec<(String, String)>,
    route: String,
}

struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: outbound::Hooks,
    spin: SpinHost,
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// What Spin tells a component about the route that matched (the `spin-*` request headers).
struct RouteMatch {
    path_info: String,
}

fn match_route(route: &str, path: &str) -> Option<RouteMatch> {
    if let Some(prefix) = route.strip_suffix("/...") {
        if prefix.is_empty() {
            return Some(RouteMatch { path_info: path.to_string() });
        }
        if path == prefix || path.starts_with(&format!("{prefix}/")) {
            return Some(RouteMatch { path_info: path[prefix.len()..].to_string() });
        }
        return None;
    }
    (path == route).then(|| RouteMatch { path_info: String::new() })
}

fn text_response(status: u16, body: &'static str) -> hyper::Response<HyperOutgoingBody> {
    let body = Full::new(bytes::Bytes::from_static(body.as_bytes()))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut resp = hyper::Response::new(body);
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain"));
    resp
}

impl Server {
    async fn handle(
        self: Arc<Self>,
        mut req: hyper::Request<hyper::body::Incoming>,
        client: SocketAddr,
        local: SocketAddr,
    ) -> Result<hyper::Response<HyperOutgoingBody>> {
        let path = req.uri().path().to_string();
        // Spin answers these itself, whatever the app's routes.
        if path == "/.well-known/spin/health" {
            return Ok(text_response(200, "OK"));
        }
        let Some(matched) = match_route(&self.route, &path) else {
            return Ok(text_response(404, "Not Found"));
        };

        let host = req
            .headers()
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| local.to_string());
        let full_url = format!("http://{host}{}", req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/"));
        let spin_headers = [
            ("spin-full-url", full_url),
            ("spin-path-info", matched.path_info),
            ("spin-matched-route", self.route.clone()),
            ("spin-raw-component-route", self.route.clone()),
            ("spin-component-route", self.route.trim_end_matches("/...").to_string()),
            ("spin-base-path", "/".to_string()),
            ("spin-client-addr", client.to_string()),
        ];
        for (name, value) in spin_headers {
            if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
                req.headers_mut().insert(name, value);
            }
        }

        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().inherit_stderr();
        for (k, v) in &self.environment {
            wasi.env(k, v);
        }
        let state = RequestState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: outbound::Hooks(self.policy.clone()),
            spin: SpinHost::new(self.shared.clone()),
        };
        let mut store = Store::new(self.pre.engine(), state);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let req = store.data_mut().http().new_incoming_request(Scheme::Http, req)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();

        // The guest keeps running after it has set the response, while it streams the body.
        let task = tokio::task::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await
        });

        match receiver.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(code)) => {
                eprintln!("mcp-authorizer-host: the component answered with error {code:?}");
                Ok(text_response(500, "Internal Server Error"))
            }
            Err(_) => {
                let why = match task.await {
                    Ok(Ok(())) => format_err!("the component returned without setting a response"),
                    Ok(Err(e)) => e,
                    Err(e) => format_err!("the request task failed: {e}"),
                };
                eprintln!("mcp-authorizer-host: {why:?}");
                Ok(text_response(500, "Internal Server Error"))
            }
        }
    }
}

fn build(args: &Args) -> Result<(Server, String)> {
    let app = match &args.manifest {
        Some(path) => Some(manifest::load(path, args.component.as_deref())?),
        None if args.component.is_some() => bail!("--component needs --manifest"),
        None => None,
    };
    let wasm = match (&args.wasm, app.as_ref().and_then(|a| a.component.source.clone())) {
        (Some(path), _) => path.clone(),
        (None, Some(source)) => source,
        (None, None) => bail!("no component: pass --wasm PATH (or --manifest with a local `source`)\n\n{USAGE}"),
    };

    let cli: HashMap<String, String> = args.vars.iter().cloned().collect();
    let env = variables::from_env(std::env::vars());
    let (declared, component_vars, component_id) = match &app {
        Some(app) => (app.variables.clone(), app.component.variables.clone(), app.component.id.clone()),
        None => {
            let names: HashSet<&String> = cli.keys().chain(env.keys()).collect();
            let declared: BTreeMap<String, Declared> =
                names.iter().map(|n| ((*n).clone(), Declared { default: None })).collect();
            let templates = names.iter().map(|n| ((*n).clone(), format!("{{{{ {n} }}}}"))).collect();
            (declared, templates, "component".to_string())
        }
    };
    for name in cli.keys() {
        if !declared.contains_key(name) {
            bail!("--var {name}: no such variable in the manifest's [variables]");
        }
    }
    let resolver = Resolver::new(&component_id, &declared, &component_vars, &[&cli, &env])?;
    let missing = resolver.unresolved_required();
    if !missing.is_empty() {
        bail!(
            "required variables have no value: {} (set them with --var NAME=VALUE or SPIN_VARIABLE_<NAME>)",
            missing.join(", ")
        );
    }

    // As in Spin: `default` always exists; any other label must be defined by the runtime
    // config, or the app does not start.
    let defined = match &args.runtime_config {
        Some(path) => runtime_config::load(path)?,
        None => runtime_config::KeyValueStores::new(),
    };
    let allowed_stores: HashSet<String> = match &app {
        Some(app) => app.component.key_value_stores.iter().cloned().collect(),
        None => ["default".to_string()].into_iter().chain(defined.keys().cloned()).collect(),
    };
    for label in &allowed_stores {
        if label != "default" && !defined.contains_key(label) {
            bail!(
                "unknown key_value_stores label {label:?} for component {component_id:?}: define it in a runtime config \
                 ([key_value_store.{label}]) passed with --runtime-config-file"
            );
        }
    }
    // `default` is in memory unless the runtime config defines it too (as Spin allows).
    let mut stores: HashMap<String, spin_host::Backend> =
        HashMap::from([("default".to_string(), spin_host::Backend::Memory(Arc::default()))]);
    for (label, spec) in &defined {
        let backend = match spec {
            runtime_config::StoreSpec::InMemory { .. } => spin_host::Backend::Memory(Arc::default()),
            runtime_config::StoreSpec::Redis { url } => spin_host::Backend::Redis(Arc::new(
                redis_store::RedisStore::open(url).map_err(|e| format_err!("key_value_store.{label}: {e}"))?,
            )),
        };
        stores.insert(label.clone(), backend);
    }

    let mut policy = outbound::Policy::default();
    if let Some(app) = &app {
        let mut patterns = Vec::new();
        for raw in &app.component.allowed_outbound_hosts {
            let expanded = resolver.expand(raw).with_context(|| format!("allowed_outbound_hosts entry {raw:?}"))?;
            if expanded == "insecure:allow-all" {
                patterns.push(outbound::HostPattern::parse("*://*:*")?);
            } else {
                patterns.push(outbound::HostPattern::parse(&expanded)?);
            }
        }
        policy.allowed = Some(patterns);
    }
    for raw in &args.allow {
        policy.extra.push(outbound::HostPattern::parse(raw).with_context(|| format!("--allow-outbound {raw:?}"))?);
    }
    for spec in &args.routes {
        let (name, target) = outbound::parse_internal_route(spec)?;
        policy.internal.insert(name, target);
    }

    let mut config = Config::new();
    config.wasm_component_model(true);
    let engine = Engine::new(&config)?;
    let component = loader::load(&engine, &wasm)?;
    let mut linker = Linker::<RequestState>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    spin_host::add_to_linker(&mut linker, |s: &mut RequestState| &mut s.spin)?;
    let pre = linker
        .instantiate_pre(&component)
        .with_context(|| format!("linking {}", wasm.display()))?;
    let pre = ProxyPre::new(pre).with_context(|| format!("{} is not a wasi:http proxy component", wasm.display()))?;

    let shared = Arc::new(Shared {
        stores,
        allowed_stores,
        variables: resolver,
    });
    let route = app.as_ref().map(|a| a.component.route.clone()).unwrap_or_else(|| "/...".to_string());
    let environment = app.map(|a| a.component.environment).unwrap_or_default();
    Ok((Server { pre, shared, policy: Arc::new(policy), environment, route }, component_id))
}

async fn serve(server: Arc<Server>, listener: TcpListener, exit_after: Option<Duration>) -> Result<()> {
    let deadline = async {
        match exit_after {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let local = listener.local_addr()?;
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => { eprintln!("mcp-authorizer-host: accept: {e}"); continue; }
            },
            _ = &mut deadline => { eprintln!("mcp-authorizer-host: --exit-after reached, stopping"); return Ok(()); }
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = sigterm.recv() => return Ok(()),
        };
        // Streamed responses go out in small writes; without TCP_NODELAY each one can wait
        // ~40 ms for the client's delayed ACK (Nagle), which would distort SSE timing and benches.
        if let Err(e) = stream.set_nodelay(true) {
            eprintln!("mcp-authorizer-host: set_nodelay: {e}");
        }
        let server = server.clone();
        tokio::task::spawn(async move {
            let service = hyper::service::service_fn(move |req| server.clone().handle(req, client, local));
            if let Err(e) = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await {
                eprintln!("mcp-authorizer-host: connection from {client}: {e}");
            }
        });
    }
}

fn main() -> std::process::ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return std::process::ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mcp-authorizer-host: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    let run = || -> Result<()> {
        if args.imports {
            let wasm = args.wasm.as_deref().context("--imports needs --wasm PATH")?;
            print!("{}", loader::describe(&Engine::default(), wasm)?);
            return Ok(());
        }
        let (server, id) = build(&args)?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        runtime.block_on(async {
            let addr = args.listen.as_deref().unwrap_or("127.0.0.1:3000");
            let listener = TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
            let local = listener.local_addr()?;
            let route = server.route.clone();
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            writeln!(out, "Serving http://{local}")?;
            writeln!(out, "Available Routes:\n  {id}: http://{local}{route}")?;
            out.flush()?;
            drop(out);
            serve(Arc::new(server), listener, args.exit_after).await
        })
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcp-authorizer-host: error: {e:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Args>> {
        parse_args(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn parses_flags_in_both_forms() {
        let a = args(&["--wasm", "x.wasm", "--var=a=b", "--var", "c=", "--exit-after", "1.5"]).unwrap().unwrap();
        assert_eq!(a.wasm.unwrap(), PathBuf::from("x.wasm"));
        assert_eq!(a.vars, vec![("a".into(), "b".into()), ("c".into(), "".into())]);
        assert_eq!(a.exit_after, Some(Duration::from_millis(1500)));
        assert!(args(&["--help"]).unwrap().is_none());
        assert!(args(&["--bogus"]).is_err());
        assert!(args(&["--var", "novalue"]).is_err());
        assert!(args(&["--wasm"]).is_err());
        assert!(args(&["--exit-after", "-1"]).is_err());
        assert!(args(&["--exit-after", "1e300"]).is_err());
        assert!(args(&["--exit-after", "NaN"]).is_err());
    }

    #[test]
    fn routes_match_like_spin() {
        assert_eq!(match_route("/...", "/mcp").unwrap().path_info, "/mcp");
        assert_eq!(match_route("/api/...", "/api/x").unwrap().path_info, "/x");
        assert_eq!(match_route("/api/...", "/api").unwrap().path_info, "");
        assert!(match_route("/api/...", "/apix").is_none());
        assert!(match_route("/mcp", "/mcp").is_some());
        assert!(match_route("/mcp", "/mcp/x").is_none());
    }
}
