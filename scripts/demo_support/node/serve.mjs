// scripts/demo's runtime when no `spin` is on PATH: the authorizer component, transpiled to
// JavaScript + core wasm by jco (prebuilt, from npm), served by Node with the WASI 0.2 shim
// (@bytecodealliance/preview2-shim: wasi:http incoming and outgoing, wasi:io, wasi:cli...) and
// the two Spin interfaces the component imports, provided here:
//   fermyon:spin/key-value@2.0.0  Store.open/get/set, in memory, shared by all requests; a label
//                                 the manifest does not grant gets `access-denied` (as Spin does)
//   fermyon:spin/variables@2.0.0  get(name): the values scripts/demo resolved from its manifest
// A fresh component instance per request, as Spin does (the compiled modules are shared).
// Outbound HTTP is refused unless it matches the manifest's allowed_outbound_hosts.
// Demo tooling only: the end-to-end suite proves the component on the wasmtime host in host/.
//
//   node serve.mjs --config CONFIG.json --component COMPONENT.wasm --out DIR --listen HOST:PORT
//                  [--exit-after SECONDS]
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as shim from "@bytecodealliance/preview2-shim";
import { HTTPServer } from "@bytecodealliance/preview2-shim/http";

const NAME = "authorizer";

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) usage(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["config", "component", "out", "listen"]) if (!out[k]) usage(`--${k} is required`);
  return out;
}

function usage(msg) {
  console.error(`serve.mjs: ${msg}`);
  process.exit(2);
}

// Transpiles the component into `dir` unless `dir` already holds this component's output.
async function transpiled(component, dir) {
  const bytes = readFileSync(component);
  const digest = createHash("sha256").update(bytes).digest("hex");
  const stamp = join(dir, "source.sha256");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== digest) {
    const started = Date.now();
    const { transpileBytes } = await import("@bytecodealliance/jco-transpile");
    const { files } = await transpileBytes(bytes, { name: NAME, instantiation: "sync" });
    mkdirSync(dir, { recursive: true });
    for (const [file, data] of Object.entries(files)) {
      if (file.endsWith(".d.ts")) continue;
      mkdirSync(resolve(dir, file, ".."), { recursive: true });
      writeFileSync(join(dir, file), data);
    }
    writeFileSync(stamp, digest);
    console.error(`serve.mjs: transpiled ${component} with jco in ${Date.now() - started} ms`);
  }
  return join(dir, `${NAME}.js`);
}

// `http://127.0.0.1:*`-style patterns (scheme, host, port or `*`), as allowed_outbound_hosts.
function outboundAllowed(patterns, scheme, authority) {
  const [host, port = scheme === "https" ? "443" : "80"] = authority.split(":");
  return patterns.some((p) => {
    const m = /^(https?|\*):\/\/([^:/]+)(?::([0-9]+|\*))?$/.exec(p);
    if (!m) return false;
    const [, ps, ph, pp = ps === "https" ? "443" : "80"] = m;
    return (ps === "*" || ps === scheme) && (ph === "*" || ph === host) && (pp === "*" || pp === port);
  });
}

function spinImports(config) {
  const stores = new Map(); // label -> Map(key -> bytes), for the life of the process
  class Store {
    #data;
    constructor(data) {
      this.#data = data;
    }
    static open(label) {
      if (!config.stores.includes(label)) throw { tag: "access-denied" };
      if (!stores.has(label)) stores.set(label, new Map());
      return new Store(stores.get(label));
    }
    get(key) {
      const v = this.#data.get(key);
      return v === undefined ? undefined : new Uint8Array(v);
    }
    set(key, value) {
      this.#data.set(key, new Uint8Array(value));
    }
  }
  const get = (name) => {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw { tag: "invalid-name", val: name };
    if (!Object.hasOwn(config.variables, name)) throw { tag: "undefined", val: `no variable ${name}` };
    return config.variables[name];
  };
  return { "fermyon:spin/key-value": { Store }, "fermyon:spin/variables": { get } };
}

function wasiImports(config) {
  shim.cli._setEnv({}); // Spin passes no host environment
  shim.cli._setArgs([]);
  shim.filesystem._setPreopens({}); // and no files (the manifest has no `files`)
  const imports = {};
  for (const [pkg, mod] of Object.entries(shim)) {
    for (const [iface, value] of Object.entries(mod)) {
      if (iface.startsWith("_") || typeof value !== "object") continue;
      imports[`wasi:${pkg}/${iface.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`] = value;
    }
  }
  const { handle } = shim.http.outgoingHandler;
  imports["wasi:http/outgoing-handler"] = {
    handle(request, options) {
      const scheme = request.scheme();
      const name = scheme?.tag === "HTTPS" ? "https" : "http";
      const authority = request.authority() ?? "";
      if (!outboundAllowed(config.allowed_outbound_hosts, name, authority)) {
        console.error(`serve.mjs: outbound ${name}://${authority} denied (allowed_outbound_hosts)`);
        throw { tag: "HTTP-request-denied" };
      }
      return handle(request, options);
    },
  };
  return imports;
}

const opts = args(process.argv.slice(2));
const config = JSON.parse(readFileSync(opts.config, "utf8"));
const entry = await transpiled(opts.component, opts.out);
const { instantiate } = await import(pathToFileURL(entry).href);
const modules = new Map();
const getCoreModule = (file) => {
  if (!modules.has(file)) modules.set(file, new WebAssembly.Module(readFileSync(join(opts.out, file))));
  return modules.get(file);
};
const imports = { ...wasiImports(config), ...spinImports(config) };
instantiate(getCoreModule, imports); // compiles every core module now, and fails early on a link error

const server = new HTTPServer({
  handle(request, responseOut) {
    instantiate(getCoreModule, imports).incomingHandler.handle(request, responseOut);
  },
});
const [host, port] = opts.listen.split(/:(?=[0-9]+$)/);
server.listen(Number(port), host);
console.error(`serve.mjs: serving ${opts.component} on http://${host}:${port} (jco on Node ${process.version})`);
if (opts["exit-after"]) setTimeout(() => process.exit(0), Number(opts["exit-after"]) * 1000);
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
