"use strict";
/**
 * Stops cdktf recording a JavaScript call stack for every token it creates, in the jsii kernel.
 *
 * cdktf keeps a `creationStack` on each Lazy, Intrinsic, dynamic block and computed list, captured at full depth
 * (`lib/tokens/private/stack-trace.js`), only to print it if that token later fails to resolve. In the kernel the
 * frames are jsii's and cdktf's own, never the Python line that made the token, and capturing them is about
 * 7 % of a synth of all environments (make bench; A/B in the README). `jsii_kernel.cjs` requires this file
 * before the kernel program, so that module compiles to one that records no frames: such an error then lacks its
 * "Object creation stack" part. Output is unchanged (tests/fastsynth/test_provider_loader.py compares it).
 *
 * Only the exact file it was checked against is replaced (sha256 below); any other throws, as the provider index
 * hook does. JUNOKIT_NAIVE_SYNTH=1 keeps the stock kernel, and with it the stacks.
 */
const crypto = require("crypto");
const path = require("path");

const { rewriteOnCompile } = require("./compile_hook.cjs");

/** lib/tokens/private/stack-trace.js of cdktf 0.21.0. */
const EXPECTED_SHA256 = "48139050d4e88e62c8dfa7a50c5e829b99d655e0255de563c25abae59162e353";
const TARGET_SUFFIX = ["", "cdktf", "lib", "tokens", "private", "stack-trace.js"].join(path.sep);
const REPLACEMENT =
  '"use strict";\n' +
  'Object.defineProperty(exports, "__esModule", { value: true });\n' +
  "exports.captureStackTrace = captureStackTrace;\n" +
  "/** No frames: see fastsynth/creation_stacks.cjs. */\n" +
  "function captureStackTrace() {\n" +
  "  return [];\n" +
  "}\n";

/** The module to compile in place of `source`, which must be the verified stack-trace.js. */
function replacement(source) {
  const digest = crypto.createHash("sha256").update(source, "utf8").digest("hex");
  if (digest !== EXPECTED_SHA256) {
    throw new Error(
      `junokit: cdktf lib/tokens/private/stack-trace.js changed (sha256 ${digest.slice(0, 12)}, expected ` +
        `${EXPECTED_SHA256.slice(0, 12)}); re-verify fastsynth/creation_stacks.cjs, or set JUNOKIT_NAIVE_SYNTH=1`,
    );
  }
  return REPLACEMENT;
}

/** Hooks module compilation (`compile_hook.cjs`) so stack-trace.js compiles to `REPLACEMENT`. Idempotent. */
function install() {
  rewriteOnCompile(TARGET_SUFFIX, replacement);
}

module.exports = { EXPECTED_SHA256, install, replacement };
