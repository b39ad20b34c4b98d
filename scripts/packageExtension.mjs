// npm run package: builds the .vsix with vsce (--no-dependencies: every dependency is bundled), then
// adds the TypeScript server plugin package that esbuild.mjs writes to node_modules/taskflow-tsserver-plugin.
// tsserver loads a contributed plugin only from <extension>/node_modules/<name>, and vsce leaves every
// node_modules file out when it packages without dependencies, so the entries are copied into the
// archive here, under extension/ like the rest.
// Usage: node scripts/packageExtension.mjs <out.vsix>
import { createWriteStream, existsSync, renameSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createVSIX } from "@vscode/vsce";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PLUGIN_DIR = "node_modules/taskflow-tsserver-plugin";
/** What the plugin package ships: its manifest, the bundle and the types it resolves "taskflow" to. */
const PLUGIN_FILES = ["package.json", "index.js", "taskflow.d.ts"];
// vsce's own zip libraries, so packaging needs nothing vsce does not already bring.
const vsceRequire = createRequire(createRequire(import.meta.url).resolve("@vscode/vsce/package.json"));
const yauzl = vsceRequire("yauzl");
const yazl = vsceRequire("yazl");

async function main() {
  const out = path.resolve(process.argv[2] ?? "dist/vscode-taskflow.vsix");
  for (const file of PLUGIN_FILES) {
    if (!existsSync(path.join(repoRoot, PLUGIN_DIR, file))) {
      throw new Error(`expected ${PLUGIN_DIR}/${file}, written by the build, it is missing: run node esbuild.mjs first`);
    }
  }
  await createVSIX({ cwd: repoRoot, packagePath: out, dependencies: false });
  await addFiles(out, PLUGIN_FILES.map((file) => ({ name: `extension/${PLUGIN_DIR}/${file}`, source: path.join(repoRoot, PLUGIN_DIR, file) })));
  console.log(`added ${PLUGIN_DIR} (${PLUGIN_FILES.join(", ")}): ${path.relative(repoRoot, out)} is ${statSync(out).size} bytes`);
}

/** Rewrites the zip at `file` with its entries as they are plus `extra` (zip archives cannot be appended to in place). */
async function addFiles(file, extra) {
  const tmp = `${file}.tmp`;
  const zip = new yazl.ZipFile();
  const written = new Promise((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(tmp)).on("close", resolve).on("error", reject);
  });
  await new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, reader) => {
      if (err) return reject(err);
      reader.on("error", reject);
      reader.on("end", resolve);
      reader.on("entry", (entry) => {
        if (extra.some((e) => e.name === entry.fileName)) return reader.readEntry();
        reader.openReadStream(entry, (openErr, stream) => {
          if (openErr) return reject(openErr);
          zip.addReadStream(stream, entry.fileName, { mtime: entry.getLastModDate() });
          stream.on("end", () => reader.readEntry());
        });
      });
      reader.readEntry();
    });
  });
  for (const e of extra) zip.addFile(e.source, e.name);
  zip.end();
  await written;
  renameSync(tmp, file);
}

main().catch((err) => {
  console.error(`package: ${err.message}`);
  process.exit(1);
});
