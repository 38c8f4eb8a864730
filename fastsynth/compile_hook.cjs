"use strict";
/**
 * One hook on Node's module compilation for the fastsynth files that compile a pinned module from other source.
 *
 * `lazy_provider_index.cjs` (the provider's lib/index.js) and `creation_stacks.cjs` (cdktf's stack-trace.js) each
 * register a rewrite for the files whose path ends with a suffix; every other module compiles as it is. Node keeps
 * one instance of this file per process, so there is one hook however many files register.
 */
const Module = require("module");

const rewrites = new Map();

function hook() {
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename, ...rest) {
    if (typeof filename === "string") {
      for (const [suffix, rewrite] of rewrites) {
        if (filename.endsWith(suffix)) {
          return compile.call(this, rewrite(content, filename), filename, ...rest);
        }
      }
    }
    return compile.call(this, content, filename, ...rest);
  };
}

/** Compile each module whose path ends with `suffix` from `rewrite(source, filename)`. Idempotent per suffix. */
function rewriteOnCompile(suffix, rewrite) {
  if (rewrites.size === 0) {
    hook();
  }
  if (!rewrites.has(suffix)) {
    rewrites.set(suffix, rewrite);
  }
}

module.exports = { rewriteOnCompile };
