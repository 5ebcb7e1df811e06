// Runs the module of an unpacked image the way a Wasm runtime would, with
// Node's node:wasi: argv = Entrypoint + Cmd, environment = Env, the root
// filesystem preopened as "/".
//   node run-wasi.mjs ROOTFS CONFIG.json
// CONFIG.json is the image config (`skopeo inspect --config oci:DIR:TAG`).
// The module's exit status becomes this process's exit status.
import { WASI } from 'node:wasi';
import fs from 'node:fs';
import path from 'node:path';

const [rootfs, configPath] = process.argv.slice(2);
if (!rootfs || !configPath) {
  console.error('usage: node run-wasi.mjs ROOTFS CONFIG.json');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configPath, 'utf8')).config ?? {};
const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
if (argv.length === 0) {
  console.error('run-wasi: the image has neither Entrypoint nor Cmd');
  process.exit(2);
}
const env = {};
for (const kv of config.Env ?? []) {
  const eq = kv.indexOf('=');
  env[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const modulePath = path.join(rootfs, argv[0]);
const wasi = new WASI({ version: 'preview1', args: argv, env, preopens: { '/': rootfs }, returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
