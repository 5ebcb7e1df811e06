// Runs a WASI command module under Node's node:wasi (preview1) with the same command line as
// a native program built by wasmopt/wasi_host/build-native.sh, so the two can be compared:
//   node --no-warnings run-wasi-module.mjs MODULE.wasm [--preopen HOST:GUEST]... [--env K=V]...
//        [--argv0 NAME] [--] [ARG]...
// stdin, stdout and stderr are this process's; the module's exit status becomes its own.
import { WASI } from 'node:wasi';
import fs from 'node:fs';

const argv = process.argv.slice(2);
const modulePath = argv.shift();
if (!modulePath) {
  console.error('usage: node run-wasi-module.mjs MODULE.wasm [OPTIONS] [--] [ARG]...');
  process.exit(2);
}
const preopens = {};
const env = {};
let argv0 = modulePath;
while (argv.length > 0) {
  const a = argv[0];
  if (a === '--') { argv.shift(); break; }
  if (a !== '--preopen' && a !== '--env' && a !== '--argv0') break;
  argv.shift();
  const v = argv.shift();
  if (v === undefined) { console.error(`run-wasi-module: ${a} needs a value`); process.exit(2); }
  if (a === '--preopen') {
    const i = v.lastIndexOf(':');
    preopens[v.slice(i + 1)] = v.slice(0, i);
  } else if (a === '--env') {
    const i = v.indexOf('=');
    env[v.slice(0, i)] = v.slice(i + 1);
  } else {
    argv0 = v;
  }
}
const wasi = new WASI({ version: 'preview1', args: [argv0, ...argv], env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
