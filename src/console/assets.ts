/**
 * The front end: web/main.ts (and what it imports) bundled by Bun's bundler (Bun.build, target
 * browser, minified) on the first request for it and kept in memory; web/style.css and the
 * HTML shell served beside it. Nothing is fetched from the network, at build or at run time.
 */
import { join } from "node:path";

export interface Assets {
  js: string;
  css: string;
  html: string;
}

const WEB = join(import.meta.dir, "web");
let built: Promise<Assets> | null = null;

export function html(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Takhin Console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console.css">
<script type="module" src="/assets/console.js"></script>
</head>
<body>
<div id="app" aria-live="polite"><noscript>The Takhin Console needs JavaScript.</noscript></div>
</body>
</html>
`;
}

export function assets(): Promise<Assets> {
  built ??= (async () => {
    const out = await Bun.build({ entrypoints: [join(WEB, "main.ts")], target: "browser", minify: true, sourcemap: "none" });
    if (!out.success) {
      built = null;
      throw new Error(`the console's front end does not build: ${out.logs.map((l) => l.message).join("; ")}`);
    }
    return { js: await out.outputs[0]!.text(), css: await Bun.file(join(WEB, "style.css")).text(), html: html() };
  })();
  return built;
}
