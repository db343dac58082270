// Camera scanning with the qr-scanner package (built into ../vendor by
// scripts/build_scanner.mjs, with its decoder worker served from our origin: CSP).
import QrScanner from "../vendor/qr-scanner.min.js";

// The same code in view is reported several times a second: one scan per code per while.
const SAME_CODE_MS = 8000;

export function makeCamera(video, onCode) {
  let scanner = null;
  let last = { text: "", at: 0 };

  function report(result) {
    const text = typeof result === "string" ? result : result.data;
    const now = Date.now();
    if (!text || (text === last.text && now - last.at < SAME_CODE_MS)) return;
    last = { text, at: now };
    onCode(text);
  }

  return {
    get running() {
      return scanner !== null;
    },
    async start() {
      if (scanner) return;
      scanner = new QrScanner(video, report, {
        returnDetailedScanResult: true,
        preferredCamera: "environment",
        highlightScanRegion: true,
        highlightCodeOutline: true,
        maxScansPerSecond: 8,
      });
      try {
        await scanner.start();
      } catch (error) {
        scanner.destroy();
        scanner = null;
        throw error;
      }
    },
    stop() {
      if (!scanner) return;
      scanner.stop();
      scanner.destroy();
      scanner = null;
    },
  };
}
