// Usage: node patchShrinkwrap.js <npm-shrinkwrap.json> <registry-url>
// Points every dependency resolved from a git URL at the same version's registry tarball. The
// integrity hash stays as it is, so npm still verifies that the tarball is the same package.
"use strict";
const fs = require("fs");

const [file, registry] = process.argv.slice(2);
if (!file || !registry) {
  console.error("usage: node patchShrinkwrap.js <npm-shrinkwrap.json> <registry-url>, got: " + process.argv.slice(2).join(" "));
  process.exit(2);
}
const shrinkwrap = JSON.parse(fs.readFileSync(file, "utf8"));
let changed = 0;
for (const [key, entry] of Object.entries(shrinkwrap.packages || {})) {
  if (!key || !entry.resolved || !/^git\+|^github:/.test(entry.resolved)) {
    continue;
  }
  const name = key.replace(/^.*node_modules\//, "");
  const base = name.split("/").pop();
  entry.resolved = `${registry}/${name}/-/${base}-${entry.version}.tgz`;
  console.log(`shrinkwrap: ${name}@${entry.version} -> ${entry.resolved}`);
  changed++;
}
fs.writeFileSync(file, JSON.stringify(shrinkwrap, null, 2) + "\n");
console.log(`shrinkwrap: ${changed} git-resolved entr${changed === 1 ? "y" : "ies"} rewritten`);
