import * as fs from "node:fs";
import { readTensorFile } from "../compiler/onnx/tensor.ts";
const [raw, pb] = process.argv.slice(2);
const exp = readTensorFile(pb!).data as Float32Array;
const b = fs.readFileSync(raw!); const got = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
let m = 0; for (let i = 0; i < exp.length; i++) m = Math.max(m, Math.abs(got[i]! - exp[i]!));
console.log(`n ${got.length}/${exp.length} max abs diff ${m}`);
