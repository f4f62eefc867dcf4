/**
 * @fileoverview Firmware instruction counts from main.c's SysTick readings (compiler/firmware.ts):
 * the model's ticks less one reading's, scaled by the known-length loop's ticks per instruction.
 */
import { expect } from "chai";
import { instructionsFromTicks } from "../../compiler/firmware.ts";

describe("firmware: instructions from SysTick ticks", () => {
  it("scales the model's ticks by the 200000-instruction loop's, each less one reading", () => {
    // 1.6 ticks an instruction (mps2-an386's 25 MHz SysTick, 64 ns an instruction), 15 ticks a reading.
    expect(instructionsFromTicks("out0 00\nticks 1600015 15 320015\n")).to.equal(1_000_000);
  });
  it("gives nothing for a missing line or a loop no longer than a reading", () => {
    expect(instructionsFromTicks("out0 00\n")).to.equal(undefined);
    expect(instructionsFromTicks("ticks 100 15 15")).to.equal(undefined);
  });
});
