/**
 * @fileoverview The ONNX Runtime side of the benchmark, run as its own child process so its peak
 * resident set is its own. Plain JavaScript on purpose: no TypeScript loader in this process.
 *
 *   node bench/ort-worker.mjs SPEC.json     (forked with an IPC channel)
 *   node bench/ort-worker.mjs --baseline    (reports the peak RSS of a bare Node process)
 *
 * SPEC.json: { model, inputs: [{ dtype, shape, file }], outputs: [file] }. The worker creates the
 * session (1 intra-op thread, 1 inter-op thread, sequential, default graph optimisations), runs it
 * once, writes the outputs as raw bytes and sends { ready }. Then each { runs: K } message is
 * answered with the median wall time of K session.run calls and the process CPU time per call, in
 * microseconds, and { done } with the peak RSS in KiB, after which it exits.
 */
import * as fs from "node:fs";

const send = (msg) => new Promise((resolve) => process.send(msg, () => resolve()));

/**
 * Peak resident set in KiB. On Linux VmHWM, because ru_maxrss survives exec and would count pages
 * of the parent that forked this process.
 */
function peakRssKb() {
  try {
    const m = /^VmHWM:\s*(\d+) kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}

if (process.argv[2] === "--baseline") {
  await send({ peakRssKb: peakRssKb() });
  process.exit(0);
}

const ARRAYS = {
  f32: ["float32", Float32Array], f64: ["float64", Float64Array], f16: ["float16", Uint16Array],
  i8: ["int8", Int8Array], i16: ["int16", Int16Array], i32: ["int32", Int32Array], i64: ["int64", BigInt64Array],
  u8: ["uint8", Uint8Array], u16: ["uint16", Uint16Array], u32: ["uint32", Uint32Array], u64: ["uint64", BigUint64Array],
  bool: ["bool", Uint8Array],
};

function toTensor(ort, { dtype, shape, file }) {
  const entry = ARRAYS[dtype];
  if (!entry) throw new Error(`input type ${dtype} has no ONNX Runtime mapping in the benchmark`);
  const [name, Ctor] = entry;
  const bytes = fs.readFileSync(file);
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return new ort.Tensor(name, new Ctor(buf), shape);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const ort = (await import("onnxruntime-node")).default;
  const session = await ort.InferenceSession.create(spec.model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const feeds = {};
  session.inputNames.forEach((n, i) => { feeds[n] = toTensor(ort, spec.inputs[i]); });
  const first = await session.run(feeds);
  session.outputNames.forEach((n, i) => {
    const d = first[n].data;
    fs.writeFileSync(spec.outputs[i], new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  });
  process.on("message", async (msg) => {
    if (msg.runs) {
      const times = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < msg.runs; i++) {
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        times.push(Number(process.hrtime.bigint() - t0) / 1e3);
      }
      const cpu = process.cpuUsage(cpu0);
      await send({ medianUs: median(times), cpuUsMean: (cpu.user + cpu.system) / msg.runs });
    } else if (msg.done) {
      await send({ peakRssKb: peakRssKb() });
      await session.release();
      process.exit(0);
    }
  });
  await send({ ready: true });
}

main().catch(async (e) => {
  await send({ error: String(e?.message ?? e).split("\n")[0] });
  process.exit(1);
});
