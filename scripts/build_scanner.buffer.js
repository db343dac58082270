// Injected by scripts/build_scanner.mjs wherever a bundled package uses Node's Buffer.
export { Buffer } from "buffer";
