"use strict";
/**
 * Serves the jsii kernel's reads of a type definitions file from the open file instead of a 32 MB buffer.
 *
 * jsii's package cache holds, for the provider, `.jsii.runtime-defs.v1.jsonl` (32 MB: one JSON definition per
 * type) beside a small index of byte offsets. The pinned kernel program (`jsii_kernel.py`) reads that file with
 * `readFileSync(path)` at its first type lookup and keeps the buffer, only ever calling
 * `toString("utf-8", start, end)` on it, once per type a synth uses. `install()` makes `readFileSync` return an
 * object that answers exactly that call by reading those bytes from the file: the same text, ~31 MiB less
 * resident memory in the kernel and no 32 MB read. Any other use fails loudly: the object has no other method.
 */
const SUFFIX = ".jsii.runtime-defs.v1.jsonl";

/** The file at `path`, open for reads of byte ranges. */
class DefinitionsFile {
  constructor(fs, readSync, path) {
    this.fd = fs.openSync(path, "r");
    this.path = path;
    this.readSync = (...args) => readSync.call(fs, this.fd, ...args);
  }

  /** The text of bytes `start` to `end`, as `Buffer.prototype.toString(encoding, start, end)` of the whole file. */
  toString(encoding, start, end) {
    const bytes = Buffer.allocUnsafe(end - start);
    for (let read = 0; read < bytes.length; ) {
      const count = this.readSync(bytes, read, bytes.length - read, start + read);
      if (count === 0) {
        throw new Error(`junokit: ${this.path} ends before byte ${end}, where its index says a definition ends`);
      }
      read += count;
    }
    return bytes.toString(encoding);
  }
}

/** Route `fs.readFileSync(path)` of a definitions file to `DefinitionsFile`; every other call is unchanged. */
function install(fs, readSync = fs.readSync) {
  const readFileSync = fs.readFileSync;
  fs.readFileSync = function (path, ...rest) {
    if (rest.length === 0 && typeof path === "string" && path.endsWith(SUFFIX)) {
      return new DefinitionsFile(fs, readSync, path);
    }
    return readFileSync.call(fs, path, ...rest);
  };
}

module.exports = { DefinitionsFile, SUFFIX, install };
