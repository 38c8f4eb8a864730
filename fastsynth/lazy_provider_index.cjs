"use strict";
/**
 * Makes the jsii kernel load @cdktf/provider-aws without requiring all 2,135 of its submodules.
 *
 * The package's lib/index.js is one `exports.x = require("./x");` per Terraform resource type, so the kernel
 * spends seconds and hundreds of MiB compiling JavaScript no stack uses. `fastsynth.provider_loader` preloads this
 * file into the kernel's Node processes (NODE_OPTIONS=--require); it rewrites that one file, as Node compiles
 * it, into getters that require a submodule on first use and then keep it like the original assignment would.
 *
 * It only rewrites the exact file it was checked against (sha256 below) and only if every statement has the
 * expected form; anything else throws, so a provider upgrade stops with a message instead of loading
 * something unverified. JUNOKIT_NAIVE_SYNTH=1 turns it off (fastsynth.install() then does not preload it).
 */
const crypto = require("crypto");
const path = require("path");

const { rewriteOnCompile } = require("./compile_hook.cjs");

/** lib/index.js of @cdktf/provider-aws 20.1.0 (hashicorp/aws 5.100.0). */
const EXPECTED_SHA256 = "23f7368584d5d11a9407b161d62968e96d902b8e8affbf185987af42505e8314";
const TARGET_SUFFIX = ["", "@cdktf", "provider-aws", "lib", "index.js"].join(path.sep);
const NAIVE_SWITCH = "JUNOKIT_NAIVE_SYNTH";
// Set by tests to see, from outside the kernel, that it really compiled the lazy form.
const TRACE_SWITCH = "JUNOKIT_LAZY_PROVIDER_TRACE";

// Statements allowed before the requires: none has an effect beyond declaring the exports.
const PREAMBLE = [
  /^"use strict";$/,
  /^\/\*\*$/,
  /^ \* [^*]*$/,
  /^ \*\/$/,
  /^\/\/ [^\n]*$/,
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
];
const DECLARATION = /^(?:exports\.[A-Za-z_$][\w$]* = )+void 0;$/;
const DECLARED_NAME = /exports\.([A-Za-z_$][\w$]*) = /g;
const REQUIRE = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[a-z0-9][a-z0-9-]*)"\);$/;
const SOURCE_MAP = /^\/\/# sourceMappingURL=data:application\/json;base64,[A-Za-z0-9+/=]+$/;
const LAZY_HELPER =
  "function __junokitLazy(name, request) {\n" +
  "  Object.defineProperty(exports, name, { enumerable: true, configurable: true, get() {\n" +
  "    const value = require(request);\n" +
  "    Object.defineProperty(exports, name, { value, enumerable: true, writable: true, configurable: true });\n" +
  "    return value;\n" +
  "  } });\n" +
  "}";

class ProviderShapeError extends Error {
  constructor(message) {
    super(`junokit: ${message}; re-verify fastsynth/lazy_provider_index.cjs against the new release, or set ${NAIVE_SWITCH}=1`);
    this.name = "ProviderShapeError";
  }
}

function sha256(text) {
  return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The lazy form of an index.js shaped like the verified one (header, `exports.a = … = void 0;` declarations,
 * one require per export, source map). Throws ProviderShapeError on any other statement.
 */
function transform(source) {
  const lines = (source.endsWith("\n") ? source.slice(0, -1) : source).split("\n");
  const kept = [];
  const declared = [];
  const required = new Map();
  lines.forEach((line, index) => {
    const match = REQUIRE.exec(line);
    if (match) {
      if (required.has(match[1])) {
        throw new ProviderShapeError(`provider lib/index.js requires ${match[1]} twice`);
      }
      required.set(match[1], match[2]);
    } else if (required.size === 0 && DECLARATION.test(line)) {
      kept.push(line);
      declared.push(...Array.from(line.matchAll(DECLARED_NAME), (name) => name[1]));
    } else if (required.size === 0 && PREAMBLE.some((pattern) => pattern.test(line))) {
      kept.push(line);
    } else if (!(index === lines.length - 1 && SOURCE_MAP.test(line))) {
      throw new ProviderShapeError(
        `provider lib/index.js line ${index + 1} has unexpected code: ${JSON.stringify(line.slice(0, 120))}`,
      );
    }
  });
  const declaredSet = new Set(declared);
  const undeclared = [...required.keys()].filter((name) => !declaredSet.has(name));
  const unrequired = declared.filter((name) => !required.has(name));
  if (required.size === 0 || undeclared.length > 0 || unrequired.length > 0 || declaredSet.size !== declared.length) {
    throw new ProviderShapeError(
      `provider lib/index.js declarations and requires differ (required only: ${undeclared.slice(0, 5)}; ` +
        `declared only: ${unrequired.slice(0, 5)}; declared ${declared.length}, required ${required.size})`,
    );
  }
  const lazy = Array.from(required, ([name, request]) => `__junokitLazy(${JSON.stringify(name)}, ${JSON.stringify(request)});`);
  return [...kept, LAZY_HELPER, ...lazy, ""].join("\n");
}

/** `transform`, but only for the exact file it was verified against. */
function lazyIndex(source) {
  const digest = sha256(source);
  if (digest !== EXPECTED_SHA256) {
    throw new ProviderShapeError(
      `@cdktf/provider-aws lib/index.js changed (sha256 ${digest.slice(0, 12)}, expected ${EXPECTED_SHA256.slice(0, 12)})`,
    );
  }
  return transform(source);
}

/** Hooks module compilation (`compile_hook.cjs`) so the provider index is compiled in its lazy form. Idempotent. */
function install() {
  rewriteOnCompile(TARGET_SUFFIX, (content, filename) => {
    const lazy = lazyIndex(content);
    if (process.env[TRACE_SWITCH] === "1") {
      process.stderr.write(`junokit: compiled ${filename} lazily\n`);
    }
    return lazy;
  });
}

module.exports = { EXPECTED_SHA256, ProviderShapeError, install, lazyIndex, transform };

if (process.env[NAIVE_SWITCH] !== "1") {
  install();
}
