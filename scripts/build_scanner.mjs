// Builds the npm packages the canteen scanner uses into Django static files:
//   qamqor/canteen/static/canteen/scan/vendor/   (git-ignored: never committed)
//
// - cose-libs.js: `base45` and `cbor-x` (its no-eval build: CSP forbids eval) bundled by
//   esbuild into one ES module. `base45` is a Node package that returns a Buffer, so the
//   `buffer` package stands in for Node's Buffer.
// - qr-scanner.min.js: the qr-scanner package's ES module, as shipped.
// - qr-scanner-worker.js + qr-scanner-worker.min.js: qr-scanner starts its decoder worker
//   from a blob: URL, which our CSP (script-src 'self') refuses. Its worker module holds the
//   worker's source as a string; we write that string to a file of our own origin and put a
//   module of the same name in place that starts the worker from that file. The library's
//   code is unchanged; where the browser has a native BarcodeDetector it needs no worker.
//
// Run by scripts/test.sh and `make demo` after `npm ci`; by hand: node scripts/build_scanner.mjs
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(root, "qamqor", "canteen", "static", "canteen", "scan", "vendor");

if (!existsSync(join(modules, "qr-scanner"))) {
  console.error("build_scanner: node_modules is missing; run `npm ci` first");
  process.exit(1);
}
const { build } = await import("esbuild");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. base45 + cbor-x as one ES module.
await build({
  stdin: {
    contents: [
      'import { encode as b45encode, decode as b45decode } from "base45";',
      'import { Encoder, Decoder, Tag } from "cbor-x/index-no-eval";',
      "export { b45encode, b45decode, Encoder, Decoder, Tag };",
    ].join("\n"),
    resolveDir: root,
    sourcefile: "cose-libs.js",
  },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome110", "firefox115", "safari16"],
  minify: true,
  legalComments: "inline",
  inject: [join(root, "scripts", "build_scanner.buffer.js")],
  outfile: join(out, "cose-libs.js"),
  logLevel: "warning",
});

// 2. qr-scanner, as shipped.
const qr = join(modules, "qr-scanner");
copyFileSync(join(qr, "qr-scanner.min.js"), join(out, "qr-scanner.min.js"));

// 3. Its worker, from a file instead of a blob: URL. Run the package's own createWorker()
// with stand-ins that capture the source it would have put in the blob.
const { createWorker } = await import(pathToFileURL(join(qr, "qr-scanner-worker.min.js")).href);
const saved = { Worker: globalThis.Worker, createObjectURL: URL.createObjectURL };
let source;
try {
  globalThis.Worker = class {
    constructor(blob) {
      this.blob = blob;
    }
  };
  URL.createObjectURL = (blob) => blob;
  source = await createWorker().blob.text();
} finally {
  globalThis.Worker = saved.Worker;
  URL.createObjectURL = saved.createObjectURL;
}
if (!source.includes("onmessage") || !source.includes("postMessage")) {
  console.error("build_scanner: qr-scanner's worker is not what this script expects");
  process.exit(1);
}
writeFileSync(join(out, "qr-scanner-worker.js"), source);
writeFileSync(
  join(out, "qr-scanner-worker.min.js"),
  "// Written by scripts/build_scanner.mjs: qr-scanner's worker from our origin (CSP), not a blob.\n" +
    'export const createWorker = () => new Worker(new URL("./qr-scanner-worker.js", import.meta.url));\n',
);

// 4. The licences of what we ship.
const licences = ["qr-scanner", "base45", "cbor-x", "buffer"].map((name) => {
  const dir = join(modules, name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = ["LICENSE", "LICENSE.md", "license"].map((f) => join(dir, f)).find(existsSync);
  const text = file ? readFileSync(file, "utf8") : `License: ${pkg.license}`;
  return `== ${name} ${pkg.version} (${pkg.license}) ==\n${text.trim()}\n`;
});
writeFileSync(join(out, "LICENSES.txt"), licences.join("\n"));

const digest = createHash("sha256");
for (const name of ["cose-libs.js", "qr-scanner.min.js", "qr-scanner-worker.js"]) {
  digest.update(readFileSync(join(out, name)));
}
console.log(`build_scanner: vendor files written (${digest.digest("hex").slice(0, 12)})`);
