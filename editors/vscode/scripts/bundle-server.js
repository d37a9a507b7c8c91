#!/usr/bin/env node
/**
 * Put a wheel of the convex-lsp server (built from this repository) into dist/server/, so the
 * .vsix carries it and the extension can install the server without fetching it
 * (src/bundled.ts). Uses $PYTHON, else python3 / python, with pip.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const here = path.resolve(__dirname, "..");
const repo = path.resolve(here, "..", "..");
const out = path.join(here, "dist", "server");

function python() {
  for (const cand of [process.env.PYTHON, "python3", "python"].filter(Boolean)) {
    const r = spawnSync(cand, ["-m", "pip", "--version"], { stdio: "ignore" });
    if (r.status === 0) {
      return cand;
    }
  }
  console.error("bundle-server: no Python with pip found (set PYTHON)");
  process.exit(1);
}

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const py = python();
const r = spawnSync(py, ["-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", out, repo],
  { stdio: "inherit" });
if (r.status !== 0) {
  console.error(`bundle-server: building the wheel failed (exit ${r.status})`);
  process.exit(1);
}
const wheels = fs.readdirSync(out).filter((n) => /^convex_lsp-.+\.whl$/.test(n));
if (wheels.length !== 1) {
  console.error(`bundle-server: expected one convex_lsp wheel in ${out}, found: ${wheels.join(", ") || "none"}`);
  process.exit(1);
}
console.log(`bundle-server: ${path.join("dist", "server", wheels[0])}`);
