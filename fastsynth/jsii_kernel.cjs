"use strict";
/**
 * The jsii kernel in one Node.js process (see fastsynth/jsii_kernel.py for why and when it is used).
 *
 * Loads the kernel program jsii ships (`lib/program.js`, path in JUNOKIT_JSII_PROGRAM, checked by sha256 on
 * the Python side) in this process. That program exchanges jsii messages over file descriptor 3, which the
 * stock runtime wires to a relay process; here reads from fd 3 are served from stdin and writes go to
 * stdout, the pipes Python already holds. Console output of the JavaScript libraries must then stay off
 * stdout, so it is framed for Python's stderr reader exactly as the stock relay frames it
 * (`{"stdout": base64}` / `{"stderr": base64}`, one per line).
 */
const fs = require("fs");

const API_FD = 3;
const STDIN_FD = 0;
const STDOUT_FD = 1;
const STDERR_FD = 2;
const program = process.env.JUNOKIT_JSII_PROGRAM;
if (!program) {
  throw new Error("junokit: JUNOKIT_JSII_PROGRAM is not set; it names the jsii kernel program to run");
}

const readSync = fs.readSync;
const writeSync = fs.writeSync;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Retries a synchronous call while a non-blocking pipe reports EAGAIN, sleeping 1 ms, 2 ms, … up to 10 ms. */
function retryingEagain(call) {
  for (let delay = 0; ; delay = Math.min(Math.max(2 * delay, 1), 10)) {
    try {
      return call();
    } catch (error) {
      if (error.code !== "EAGAIN") {
        throw error;
      }
      Atomics.wait(pause, 0, 0, delay || 1);
    }
  }
}

function writeAll(fd, buffer) {
  for (let written = 0; written < buffer.length; ) {
    written += retryingEagain(() => writeSync.call(fs, fd, buffer, written));
  }
}

/** What a `fs.writeSync(fd, data, ...)` call would write, as bytes, for each of its signatures. */
function bytesOf(data, offsetOrOptions, lengthOrEncoding) {
  if (typeof data === "string") {
    return Buffer.from(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8");
  }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const options = typeof offsetOrOptions === "object" && offsetOrOptions !== null ? offsetOrOptions : {};
  const offset = typeof offsetOrOptions === "number" ? offsetOrOptions : options.offset ?? 0;
  const length = typeof lengthOrEncoding === "number" ? lengthOrEncoding : options.length ?? bytes.length - offset;
  return bytes.subarray(offset, offset + length);
}

/** Console output, framed the way Python's stderr reader expects it from the stock relay. */
function frame(key, bytes) {
  writeAll(STDERR_FD, Buffer.from(`${JSON.stringify({ [key]: bytes.toString("base64") })}\n`));
}

fs.readSync = function (fd, ...rest) {
  if (fd !== API_FD) {
    return readSync.call(fs, fd, ...rest);
  }
  return retryingEagain(() => readSync.call(fs, STDIN_FD, ...rest));
};
fs.writeSync = function (fd, data, ...rest) {
  if (fd === API_FD) {
    return writeSync.call(fs, STDOUT_FD, data, ...rest);
  }
  if (fd === STDOUT_FD || fd === STDERR_FD) {
    const bytes = bytesOf(data, ...rest);
    frame(fd === STDOUT_FD ? "stdout" : "stderr", bytes);
    return bytes.length;
  }
  return writeSync.call(fs, fd, data, ...rest);
};

for (const [stream, key] of [
  [process.stdout, "stdout"],
  [process.stderr, "stderr"],
]) {
  stream.write = function (chunk, encoding, callback) {
    frame(key, Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === "string" ? encoding : "utf8"));
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") {
      process.nextTick(done);
    }
    return true;
  };
}

// Before the program loads cdktf: its tokens then record no call stacks (see creation_stacks.cjs).
require("./creation_stacks.cjs").install();
// Type definitions are read one at a time from jsii's cache file, not held whole (see type_definitions.cjs).
require("./type_definitions.cjs").install(fs, readSync);

require(program);
