#!/usr/bin/env node
// returns.mjs -- replay a converted spec script (wast2json JSON) under Node's engine and check
// its assert_return / assert_trap / assert_exhaustion commands, optionally with a different
// .wasm file substituted for one of its modules (e.g. the optimizer's output).
//
//   node returns.mjs SCRIPT.json [MODULE] [--wasm FILE] [--substitute N=FILE]... [-q] [--list]
//
//   MODULE          which module's assertions to report: its index among the script's `module`
//                   commands (0-based) or its file name (i32.0.wasm); default: all of them
//   --wasm FILE     use FILE instead of MODULE's .wasm (requires MODULE)
//   --substitute N=FILE   use FILE instead of module N's .wasm (repeatable)
//   --list          list the script's modules (index, file, line, name, assertions) and exit
//   -q, --quiet     print only failures and the summary
//
// The whole script is replayed in order, exactly as the reference interpreter would: every
// `module` is instantiated (imports from the `spectest` host module and from `register`ed
// instances), `register`, `action`, assert_unlinkable/assert_uninstantiable (for their side
// effects on shared tables and memories) and the assertions of the other modules run too; only
// the assertions whose target is a selected module are printed and counted.
//
// One line per assertion:
//   pass NAME.json:LINE assert_return FIELD(ARGS) -> RESULTS
//   FAIL NAME.json:LINE assert_return FIELD(ARGS) -> RESULTS, expected EXPECTED
//   skip NAME.json:LINE ... (reason: the engine cannot compile the original module, or a value
//        type this harness cannot pass)
// then a summary line "NAME.json: N assertions: P passed, F failed, S skipped".
// Exit status: 0 all selected assertions passed (or skipped), 1 some failed, 2 usage error.
//
// Values are compared bit-exactly, as the spec does: calls go through a small generated wasm
// "invoker" module that imports the tested function, passes f32/f64 as bit patterns and v128
// through memory, and stores the results into memory, so NaN payloads and v128 values never
// cross the JS boundary. nan:canonical / nan:arithmetic patterns (also per v128 lane) and
// `either` alternatives are handled. i64 values are BigInt, v128 values lane arrays.
// A trap passes an assert_trap whatever the message; when V8's message does not look like the
// spec's text (e.g. "unreachable" for "integer divide by zero") the line says so
// ("[trap message differs]") and the summary counts it.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import v8 from 'node:v8';

// Proposals that this V8 may have behind flags (Node 20's V8 11.3: relaxed SIMD, extended
// constants, memory64; Node 22's V8 12.4: multi-memory is on, memory64 a flag); harmless for
// modules that do not use them. Only the flags this V8 knows (it complains about the others),
// before the first compilation.
{
  const wanted = ['relaxed-simd', 'extended-const', 'memory64', 'multi-memory', 'return-call'];
  let known = '';
  try {
    known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  } catch {
    // no flags then
  }
  for (const f of wanted) {
    if (known.includes(`--experimental-wasm-${f} `)) v8.setFlagsFromString(`--experimental-wasm-${f}`);
  }
}

// `... | head` must not end in a stack trace
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// ------------------------------------------------------------------------------------------
// a minimal wasm encoder

function u32(n) {
  const out = [];
  n >>>= 0;
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n) {
  let v = BigInt(n);
  const out = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s) {
  const b = Buffer.from(s, 'utf8');
  return [...u32(b.length), ...b];
}

function vec(items) {
  return [...u32(items.length), ...items.flat()];
}

function section(id, bytes) {
  return [id, ...u32(bytes.length), ...bytes];
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const VT = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b,
  funcref: 0x70, externref: 0x6f, anyref: 0x6e, eqref: 0x6d, i31ref: 0x6c,
  structref: 0x6b, arrayref: 0x6a, exnref: 0x69, nullref: 0x71, nullfuncref: 0x73,
  nullexternref: 0x72,
};
const NUM = new Set(['i32', 'i64', 'f32', 'f64', 'v128']);
const isRef = (t) => !NUM.has(t);

function functype(params, results) {
  return [0x60, ...vec(params.map((t) => [VT[t]])), ...vec(results.map((t) => [VT[t]]))];
}

// ------------------------------------------------------------------------------------------
// the spectest host module (conventions of the reference interpreter, spectest.ml)

const hostLog = (...parts) => process.stderr.write(`spectest: ${parts.join(' ')}\n`);
const PRINTS = [
  ['print', []],
  ['print_i32', ['i32']],
  ['print_i64', ['i64']],
  ['print_f32', ['f32']],
  ['print_f64', ['f64']],
  ['print_i32_f32', ['i32', 'f32']],
  ['print_f64_f64', ['f64', 'f64']],
];

function makeSpectest() {
  // The print functions are wasm functions (calling JS) so that linking checks their types
  // like the reference interpreter does (a JS function would match any import type).
  const types = PRINTS.map(([, p]) => functype(p, []));
  const imports = PRINTS.map(([n], i) => [...name('host'), ...name(n), 0x00, ...u32(i)]);
  const funcs = PRINTS.map((_, i) => u32(i));
  const exports = PRINTS.map(([n], i) => [...name(n), 0x00, ...u32(PRINTS.length + i)]);
  const bodies = PRINTS.map(([, p], i) => {
    const code = [0x00];
    p.forEach((_, k) => code.push(0x20, ...u32(k)));
    code.push(0x10, ...u32(i), 0x0b);
    return [...u32(code.length), ...code];
  });
  const bytes = new Uint8Array([
    ...MAGIC,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
  const host = {};
  for (const [n, p] of PRINTS) {
    host[n] = (...args) => {
      if (!args.length) hostLog(n);
      args.forEach((a, k) => hostLog(`${typeof a === 'bigint' ? a : a} : ${p[k]}`));
    };
  }
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { host });
  const f32 = new Float32Array([666.6])[0];
  const spectest = {
    ...inst.exports,
    global_i32: new WebAssembly.Global({ value: 'i32', mutable: false }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64', mutable: false }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32', mutable: false }, f32),
    global_f64: new WebAssembly.Global({ value: 'f64', mutable: false }, 666.6),
    table: new WebAssembly.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
    memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
  };
  try {
    spectest.shared_memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
  } catch {
    // no threads in this engine
  }
  return spectest;
}

// ------------------------------------------------------------------------------------------
// values

const hostrefs = new Map();
function hostref(n) {
  const k = String(n);
  if (!hostrefs.has(k)) hostrefs.set(k, { hostref: k });
  return hostrefs.get(k);
}

const LANES = {
  i8: [16, 1], i16: [8, 2], i32: [4, 4], i64: [2, 8], f32: [4, 4], f64: [2, 8],
};
const MASK = { i8: 0xffn, i16: 0xffffn, i32: 0xffffffffn, i64: 0xffffffffffffffffn };

function laneBits(lane, v) {
  // expected/argument lane or scalar value (decimal string, possibly negative) -> unsigned bits
  const w = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 }[lane];
  return BigInt.asUintN(w, BigInt(v));
}

function v128Bytes(lane, values) {
  const [n, size] = LANES[lane];
  if (!Array.isArray(values) || values.length !== n) throw new Error(`bad v128 ${lane} value`);
  const dv = new DataView(new ArrayBuffer(16));
  values.forEach((v, i) => {
    const b = laneBits(lane, v);
    if (size === 1) dv.setUint8(i, Number(b));
    else if (size === 2) dv.setUint16(i * 2, Number(b), true);
    else if (size === 4) dv.setUint32(i * 4, Number(b), true);
    else dv.setBigUint64(i * 8, b, true);
  });
  return new Uint8Array(dv.buffer);
}

function readLane(bytes, lane, i) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const size = LANES[lane][1];
  if (size === 1) return BigInt(dv.getUint8(i));
  if (size === 2) return BigInt(dv.getUint16(i * 2, true));
  if (size === 4) return BigInt(dv.getUint32(i * 4, true));
  return dv.getBigUint64(i * 8, true);
}

function nanMatches(type, pattern, bits) {
  if (type === 'f32') {
    if ((bits & 0x7f800000n) !== 0x7f800000n || (bits & 0x7fffffn) === 0n) return false;
    if (pattern === 'nan:canonical') return (bits & 0x7fffffffn) === 0x7fc00000n;
    return (bits & 0x400000n) !== 0n; // nan:arithmetic: quiet bit set
  }
  if ((bits & 0x7ff0000000000000n) !== 0x7ff0000000000000n || (bits & 0xfffffffffffffn) === 0n) {
    return false;
  }
  if (pattern === 'nan:canonical') return (bits & 0x7fffffffffffffffn) === 0x7ff8000000000000n;
  return (bits & 0x8000000000000n) !== 0n;
}

function scalarMatches(type, expected, bits) {
  if (typeof expected === 'string' && expected.startsWith('nan:')) {
    return nanMatches(type, expected, bits);
  }
  return laneBits(type, expected) === bits;
}

// expected {type, value[, lane_type]} vs an actual raw value (BigInt bits, Uint8Array, ref)
function valueMatches(exp, got) {
  const t = exp.type;
  if (t === 'v128') {
    if (!(got instanceof Uint8Array)) return false;
    const lane = exp.lane_type;
    return exp.value.every((v, i) => scalarMatches(lane, v, readLane(got, lane, i)));
  }
  if (NUM.has(t)) {
    if (exp.value === undefined) return true; // type only (wast2json does that for traps)
    return typeof got === 'bigint' && scalarMatches(t, exp.value, got);
  }
  // references
  if (exp.value === undefined) return got !== null; // e.g. (ref.func) / (ref.extern): non-null
  if (exp.value === 'null') return got === null;
  if (t === 'externref' || t === 'anyref') return got === hostref(exp.value);
  return false;
}

function fmtFloat(type, bits) {
  const dv = new DataView(new ArrayBuffer(8));
  let x;
  if (type === 'f32') {
    dv.setUint32(0, Number(bits));
    x = dv.getFloat32(0);
  } else {
    dv.setBigUint64(0, bits);
    x = dv.getFloat64(0);
  }
  if (Number.isNaN(x)) {
    const neg = type === 'f32' ? bits >> 31n : bits >> 63n;
    const payload = type === 'f32' ? bits & 0x7fffffn : bits & 0xfffffffffffffn;
    return `${neg ? '-' : ''}nan:0x${payload.toString(16)}`;
  }
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

function fmtScalar(type, bits) {
  if (type === 'i32' || type === 'i8' || type === 'i16') {
    const w = { i8: 8, i16: 16, i32: 32 }[type];
    return String(BigInt.asIntN(w, bits));
  }
  if (type === 'i64') return String(BigInt.asIntN(64, bits));
  return fmtFloat(type, bits);
}

function fmtRef(v) {
  if (v === null) return 'null';
  if (v && typeof v === 'object' && 'hostref' in v) return `ref.host ${v.hostref}`;
  if (typeof v === 'function') return 'ref.func';
  return String(v);
}

// expected/argument value as text
function fmtExpected(e) {
  if (e.type === 'v128') {
    return `v128:${e.lane_type}x${LANES[e.lane_type][0]}[${e.value
      .map((v) => (String(v).startsWith('nan:') ? v : fmtScalar(e.lane_type, laneBits(e.lane_type, v))))
      .join(' ')}]`;
  }
  if (NUM.has(e.type)) {
    if (e.value === undefined) return e.type;
    if (String(e.value).startsWith('nan:')) return `${e.type}:${e.value}`;
    return `${e.type}:${fmtScalar(e.type, laneBits(e.type, e.value))}`;
  }
  return `${e.type}:${e.value === undefined ? 'non-null' : e.value}`;
}

// actual value as text, in the lane shape of the expectation when there is one
function fmtGot(type, got, exp) {
  if (type === 'v128') {
    const lane = (exp && exp.lane_type) || 'i32';
    const n = LANES[lane][0];
    const lanes = [];
    for (let i = 0; i < n; i++) lanes.push(fmtScalar(lane, readLane(got, lane, i)));
    return `v128:${lane}x${n}[${lanes.join(' ')}]`;
  }
  if (NUM.has(type)) return `${type}:${fmtScalar(type, got)}`;
  return `${type}:${fmtRef(got)}`;
}

// ------------------------------------------------------------------------------------------
// calling exported functions bit-exactly through a generated invoker module

const ARG_BASE = 0;
const RES_BASE = 4096;
const invokerModules = new Map(); // signature -> WebAssembly.Module
const invokers = new WeakMap(); // exported function -> Map(signature -> instance)

function invokerModule(params, results) {
  const key = `${params.join(',')}->${results.join(',')}`;
  let m = invokerModules.get(key);
  if (m) return m;
  // invoker params: i32/i64 as is, f32/f64 as i32/i64 bits, v128 via memory, refs as is
  const iparams = [];
  for (const t of params) {
    if (t === 'f32') iparams.push('i32');
    else if (t === 'f64') iparams.push('i64');
    else if (t !== 'v128') iparams.push(t);
  }
  const iresults = results.filter(isRef);
  const code = [];
  // locals: one per result
  code.push(...vec(results.map((t) => [1, VT[t]])));
  let p = 0;
  params.forEach((t, k) => {
    if (t === 'v128') {
      code.push(0x41, ...sleb(ARG_BASE + 16 * k), 0xfd, ...u32(0), 0, 0); // v128.load
      return;
    }
    code.push(0x20, ...u32(p++));
    if (t === 'f32') code.push(0xbe); // f32.reinterpret_i32
    if (t === 'f64') code.push(0xbf); // f64.reinterpret_i64
  });
  code.push(0x10, 0); // call the import
  for (let k = results.length - 1; k >= 0; k--) code.push(0x21, ...u32(iparams.length + k));
  results.forEach((t, k) => {
    const local = [0x20, ...u32(iparams.length + k)];
    if (isRef(t)) {
      code.push(...local);
      return;
    }
    code.push(0x41, ...sleb(RES_BASE + 16 * k), ...local);
    const store = { i32: [0x36], i64: [0x37], f32: [0x38], f64: [0x39], v128: [0xfd, ...u32(11)] };
    code.push(...store[t], 0, 0);
  });
  code.push(0x0b);
  const bytes = new Uint8Array([
    ...MAGIC,
    ...section(1, vec([functype(params, results), functype(iparams, iresults)])),
    ...section(2, vec([[...name('m'), ...name('f'), 0x00, 0x00]])),
    ...section(3, vec([[1]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([
      [...name('run'), 0x00, 1],
      [...name('mem'), 0x02, 0],
    ])),
    ...section(10, vec([[...u32(code.length), ...code]])),
  ]);
  m = new WebAssembly.Module(bytes);
  invokerModules.set(key, m);
  return m;
}

function argToInvoker(a) {
  switch (a.type) {
    case 'i32':
    case 'f32':
      return Number(BigInt.asIntN(32, laneBits('i32', a.value)));
    case 'i64':
    case 'f64':
      return BigInt.asIntN(64, laneBits('i64', a.value));
    case 'externref':
    case 'anyref':
      return a.value === 'null' ? null : hostref(a.value);
    case 'funcref':
      if (a.value === 'null') return null;
      throw new Unsupported('funcref argument');
    default:
      throw new Unsupported(`${a.type} argument`);
  }
}

class Unsupported extends Error {}

// -> {results: [raw...], via: 'wasm'|'js'}; throws what the callee throws
function invoke(fn, args, resultTypes) {
  const params = args.map((a) => a.type);
  for (const t of [...params, ...resultTypes]) {
    if (!(t in VT)) throw new Unsupported(`value type ${t}`);
  }
  const key = `${params.join(',')}->${resultTypes.join(',')}`;
  let byKey = invokers.get(fn);
  if (!byKey) invokers.set(fn, (byKey = new Map()));
  let inst = byKey.get(key);
  if (inst === undefined) {
    try {
      inst = new WebAssembly.Instance(invokerModule(params, resultTypes), { m: { f: fn } });
    } catch (e) {
      if (!(e instanceof WebAssembly.LinkError)) throw e;
      inst = null; // the script's types are not the function's: go through JS
    }
    byKey.set(key, inst);
  }
  if (inst === null) return invokeJs(fn, args, resultTypes);
  const mem = new Uint8Array(inst.exports.mem.buffer);
  const iargs = [];
  args.forEach((a, k) => {
    if (a.type === 'v128') mem.set(v128Bytes(a.lane_type, a.value), ARG_BASE + 16 * k);
    else iargs.push(argToInvoker(a));
  });
  let refs = inst.exports.run(...iargs);
  const nrefs = resultTypes.filter(isRef).length;
  refs = nrefs === 0 ? [] : nrefs === 1 ? [refs] : refs;
  const dv = new DataView(inst.exports.mem.buffer);
  let r = 0;
  const results = resultTypes.map((t, k) => {
    const off = RES_BASE + 16 * k;
    switch (t) {
      case 'i32':
      case 'f32':
        return BigInt(dv.getUint32(off, true));
      case 'i64':
      case 'f64':
        return dv.getBigUint64(off, true);
      case 'v128':
        return new Uint8Array(inst.exports.mem.buffer.slice(off, off + 16));
      default:
        return refs[r++];
    }
  });
  return { results, via: 'wasm' };
}

function jsToRaw(t, v) {
  const dv = new DataView(new ArrayBuffer(8));
  switch (t) {
    case 'i32':
      return BigInt(v >>> 0);
    case 'i64':
      return BigInt.asUintN(64, v);
    case 'f32':
      dv.setFloat32(0, v);
      return BigInt(dv.getUint32(0));
    case 'f64':
      dv.setFloat64(0, v);
      return dv.getBigUint64(0);
    default:
      return v;
  }
}

function rawToJs(a) {
  const dv = new DataView(new ArrayBuffer(8));
  switch (a.type) {
    case 'i32':
      return Number(BigInt.asIntN(32, laneBits('i32', a.value)));
    case 'i64':
      return BigInt.asIntN(64, laneBits('i64', a.value));
    case 'f32':
      dv.setUint32(0, Number(laneBits('f32', a.value)));
      return dv.getFloat32(0);
    case 'f64':
      dv.setBigUint64(0, laneBits('f64', a.value));
      return dv.getFloat64(0);
    case 'v128':
      throw new Unsupported('v128 through JS');
    default:
      return argToInvoker(a);
  }
}

// fallback when the invoker cannot be linked (types of the script are not exact)
function invokeJs(fn, args, resultTypes) {
  if (resultTypes.includes('v128')) throw new Unsupported('v128 result through JS');
  let r = fn(...args.map(rawToJs));
  r = resultTypes.length === 0 ? [] : resultTypes.length === 1 ? [r] : [...r];
  return { results: r.map((v, k) => jsToRaw(resultTypes[k], v)), via: 'js' };
}

function getGlobal(g, type) {
  if (!(g instanceof WebAssembly.Global)) throw new Error('export is not a global');
  if (type === 'v128') throw new Unsupported('v128 global through JS');
  return { results: [jsToRaw(type, g.value)], via: 'js' };
}

// ------------------------------------------------------------------------------------------
// traps

// spec text -> what V8 says (V8 11.3 messages)
const TRAPS = [
  [/integer divide by zero/, /divide by zero|remainder by zero/],
  // the spec says "integer overflow" for both i32.div_s(INT_MIN, -1) and i32.trunc_f32_s(3e9)
  [/integer overflow/, /divide result unrepresentable|float unrepresentable in integer range/],
  [/invalid conversion to integer/, /float unrepresentable in integer range/],
  [/out of bounds memory access/, /memory access out of bounds|out of bounds memory/],
  [/unreachable/, /unreachable/],
  [/undefined element|uninitialized element|out of bounds table access/,
    /table index is out of bounds|null function|table access out of bounds|element segment out of bounds/],
  [/indirect call type mismatch/, /signature mismatch|null function/],
  [/null (function )?reference|null structure|null array/, /null|dereferencing a null pointer/],
  [/out of bounds data segment access/, /data segment out of bounds|memory access out of bounds/],
  [/out of bounds array access/, /array element access out of bounds/],
];

function trapLooksRight(specText, msg) {
  for (const [spec, engine] of TRAPS) {
    if (spec.test(specText)) return engine.test(msg);
  }
  return true; // unknown spec text: no opinion
}

// ------------------------------------------------------------------------------------------
// main

function usage(msg) {
  if (msg) process.stderr.write(`returns.mjs: ${msg}\n`);
  process.stderr.write(
    'usage: node returns.mjs SCRIPT.json [MODULE] [--wasm FILE] [--substitute N=FILE]... ' +
      '[-q] [--list]\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = { script: null, module: null, wasm: null, subst: new Map(), quiet: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--wasm') o.wasm = next();
    else if (a === '--substitute') {
      const v = next();
      const m = /^([^=]+)=(.+)$/.exec(v);
      if (!m) usage(`--substitute wants N=FILE, not ${v}`);
      o.subst.set(m[1], m[2]);
    } else if (a === '-q' || a === '--quiet') o.quiet = true;
    else if (a === '--list') o.list = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (o.script === null) o.script = a;
    else if (o.module === null) o.module = a;
    else usage(`unexpected argument ${a}`);
  }
  if (o.script === null) usage('no SCRIPT.json');
  if (o.wasm !== null && o.module === null) usage('--wasm needs MODULE');
  return o;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let script;
  try {
    script = JSON.parse(fs.readFileSync(opts.script, 'utf8'));
  } catch (e) {
    usage(`cannot read ${opts.script}: ${e.message}`);
  }
  const dir = path.dirname(opts.script);
  const sname = path.basename(opts.script);
  const commands = script.commands || [];

  // modules: index among `module` commands
  const mods = [];
  for (const c of commands) if (c.type === 'module') mods.push(c);
  const resolveModule = (spec) => {
    if (/^\d+$/.test(spec)) {
      const n = Number(spec);
      if (n >= mods.length) usage(`${sname} has ${mods.length} modules, no module ${n}`);
      return n;
    }
    const n = mods.findIndex((m) => m.filename === spec || m.name === spec);
    if (n < 0) usage(`${sname} has no module ${spec}`);
    return n;
  };
  const selected = opts.module === null ? null : resolveModule(opts.module);
  const subst = new Map();
  for (const [k, f] of opts.subst) subst.set(resolveModule(k), f);
  if (opts.wasm !== null) subst.set(selected, opts.wasm);
  for (const f of subst.values()) if (!fs.existsSync(f)) usage(`no file ${f}`);

  if (opts.list) {
    const counts = new Map();
    let cur = -1;
    const names = new Map();
    for (const c of commands) {
      if (c.type === 'module') {
        cur++;
        if (c.name) names.set(c.name, cur);
      } else if (/^assert_(return|trap|exhaustion)$/.test(c.type)) {
        const t = c.action.module ? names.get(c.action.module) : cur;
        counts.set(t, (counts.get(t) || 0) + 1);
      }
    }
    mods.forEach((m, i) => {
      process.stdout.write(
        `${i}\t${m.filename}\tline ${m.line}\t${m.name || '-'}\t${counts.get(i) || 0} assertions\n`,
      );
    });
    return 0;
  }

  const spectest = makeSpectest();
  const registry = new Map();
  const named = new Map();
  let current = null;
  let midx = -1;
  const stats = { pass: 0, fail: 0, skip: 0, trapMsg: 0, tainted: 0 };
  const out = (s) => process.stdout.write(`${s}\n`);

  const dependsOnSkipped = (file) => {
    try {
      const mod = new WebAssembly.Module(fs.readFileSync(file));
      return WebAssembly.Module.imports(mod).some((i) => skippedRegs.has(i.module));
    } catch {
      return false;
    }
  };
  const instantiate = (file) => {
    const bytes = fs.readFileSync(file);
    const mod = new WebAssembly.Module(bytes); // CompileError
    const imports = {};
    for (const imp of WebAssembly.Module.imports(mod)) {
      const src = imp.module === 'spectest' ? spectest : registry.get(imp.module);
      imports[imp.module] ??= {};
      if (src && imp.name in src) imports[imp.module][imp.name] = src[imp.name];
    }
    return new WebAssembly.Instance(mod, imports);
  };

  // Once a module of the script could not be run by this engine (a proposal it lacks), the
  // shared state (registered memories and tables) may differ from the reference: later
  // failures are then counted as skipped, with a note.
  let taint = null;
  const skippedRegs = new Set(); // register names of modules that could not run
  const report = (selectedHere, status, text) => {
    if (!selectedHere) return;
    if (status === 'fail' && taint) {
      status = 'skip';
      text += ` [after ${taint}, which this engine cannot run]`;
      stats.tainted++;
    }
    stats[status]++;
    if (!opts.quiet || status === 'fail') out(`${status === 'fail' ? 'FAIL' : status} ${text}`);
  };

  for (const c of commands) {
    const where = `${sname}:${c.line}`;
    switch (c.type) {
      case 'module': {
        midx++;
        const substituted = subst.has(midx);
        const file = substituted ? subst.get(midx) : path.join(dir, c.filename);
        const rec = { idx: midx, file, instance: null, error: null, skip: false };
        try {
          rec.instance = instantiate(file);
        } catch (e) {
          rec.error = `${e.constructor.name}: ${e.message}`;
          // the engine lacks a feature of an original module (or of a module it imports
          // from): not the module's fault
          rec.skip = !substituted && (e instanceof WebAssembly.CompileError ||
            (e instanceof WebAssembly.LinkError && dependsOnSkipped(file)));
          if (rec.skip) taint ??= `${sname}:${c.line}`;
        }
        current = rec;
        if (c.name) named.set(c.name, rec);
        if (rec.error) {
          const what = `${where} module ${path.basename(file)}: ${rec.error}`;
          if (rec.skip) {
            if (selected === null || selected === midx) out(`# engine cannot run ${what}`);
          } else report(selected === null || selected === midx, 'fail', what);
        }
        break;
      }
      case 'register': {
        const rec = c.name ? named.get(c.name) : current;
        if (rec && rec.instance) registry.set(c.as, rec.instance.exports);
        else if (rec && rec.skip) skippedRegs.add(c.as);
        break;
      }
      case 'assert_unlinkable':
      case 'assert_uninstantiable':
        // run for the side effects a failing instantiation may have on shared state
        try {
          instantiate(path.join(dir, c.filename));
        } catch (e) {
          if (e instanceof WebAssembly.CompileError) taint ??= `${sname}:${c.line}`;
        }
        break;
      case 'action':
      case 'assert_return':
      case 'assert_trap':
      case 'assert_exhaustion': {
        const a = c.action;
        const rec = a.module ? named.get(a.module) : current;
        const sel = c.type !== 'action' && rec && (selected === null || selected === rec.idx);
        const argText = a.type === 'get' ? '' : `(${(a.args || []).map(fmtExpected).join(', ')})`;
        const call = `${a.field}${argText}`;
        const head = `${where} ${c.type} ${call}`;
        if (!rec || !rec.instance) {
          if (rec && rec.skip) report(sel, 'skip', `${head} (module not runnable: ${rec.error})`);
          else report(sel, 'fail', `${head} (no instance: ${rec ? rec.error : 'no module'})`);
          break;
        }
        const expected = c.expected || [];
        const rtypes = (c.either ? [c.either[0]] : expected).map((e) => e.type);
        let res;
        let thrown = null;
        try {
          const ex = rec.instance.exports[a.field];
          if (ex === undefined) throw new Error(`no export ${JSON.stringify(a.field)}`);
          res = a.type === 'get' ? getGlobal(ex, rtypes[0]) : invoke(ex, a.args || [], rtypes);
        } catch (e) {
          thrown = e;
        }
        if (thrown instanceof Unsupported) {
          report(sel, 'skip', `${head} (${thrown.message})`);
          break;
        }
        const errText = (e) => `${e.constructor.name}: ${e.message}`;
        if (c.type === 'action') {
          if (thrown && (selected === null || (rec && selected === rec.idx))) {
            out(`# ${head} threw ${errText(thrown)}`);
          }
          break;
        }
        if (c.type === 'assert_return') {
          if (thrown) {
            report(sel, 'fail', `${head} -> ${errText(thrown)}, expected ${
              (c.either ? c.either : expected).map(fmtExpected).join(c.either ? ' | ' : ', ')}`);
            break;
          }
          const gotText = res.results.map((v, k) => fmtGot(rtypes[k], v, (c.either || expected)[k]));
          let ok;
          let expText;
          if (c.either) {
            // each alternative is one value for a single-result function
            ok = c.either.some((alt) => valueMatches(alt, res.results[0]));
            expText = c.either.map(fmtExpected).join(' | ');
          } else {
            ok = expected.length === res.results.length &&
              expected.every((e, k) => valueMatches(e, res.results[k]));
            expText = expected.map(fmtExpected).join(', ');
          }
          const via = res.via === 'js' ? ' (via JS)' : '';
          if (ok) report(sel, 'pass', `${head} -> ${gotText.join(', ') || '()'}${via}`);
          else {
            report(sel, 'fail', `${head} -> ${gotText.join(', ') || '()'}, expected ${
              expText || '()'}${via}`);
          }
          break;
        }
        if (c.type === 'assert_trap') {
          if (thrown instanceof WebAssembly.RuntimeError) {
            const right = trapLooksRight(c.text || '', thrown.message);
            if (!right && sel) stats.trapMsg++;
            report(sel, 'pass', `${head} -> trap "${thrown.message}" (spec: ${c.text})${
              right ? '' : ' [trap message differs]'}`);
          } else if (thrown) {
            report(sel, 'fail', `${head} -> ${errText(thrown)}, expected trap (${c.text})`);
          } else {
            report(sel, 'fail', `${head} -> ${res.results.map((v, k) => fmtGot(rtypes[k], v)).join(', ') ||
              '()'}, expected trap (${c.text})`);
          }
          break;
        }
        // assert_exhaustion
        if (thrown instanceof RangeError ||
            (thrown instanceof WebAssembly.RuntimeError && /stack/i.test(thrown.message))) {
          report(sel, 'pass', `${head} -> ${errText(thrown)} (spec: ${c.text})`);
        } else {
          report(sel, 'fail', `${head} -> ${thrown ? errText(thrown) : 'returned'}, expected ${c.text}`);
        }
        break;
      }
      default:
        break; // assert_invalid, assert_malformed: nothing to run
    }
  }

  const total = stats.pass + stats.fail + stats.skip;
  const which = selected === null ? '' : ` module ${selected} (${mods[selected].filename}${
    subst.has(selected) ? ` replaced by ${subst.get(selected)}` : ''})`;
  out(`${sname}${which}: ${total} assertions: ${stats.pass} passed, ${stats.fail} failed, ${
    stats.skip} skipped${stats.tainted ? ` (${stats.tainted} of them failures after a module this ` +
    'engine cannot run)' : ''}${stats.trapMsg ? `; ${stats.trapMsg} traps with a different message` : ''}`);
  return stats.fail ? 1 : 0;
}

process.exitCode = main();
