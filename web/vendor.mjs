// Copies the browser files of the npm dependencies into the Python package's static dir.
// Run after `npm ci`: `npm run vendor`. The copies are committed; nothing here runs at run time.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "interview_jobs", "api", "web", "static", "vendor");

const uplot = join(here, "node_modules", "uplot");
const version = JSON.parse(readFileSync(join(uplot, "package.json"), "utf8")).version;
const out = join(target, "uplot");
mkdirSync(out, { recursive: true });
for (const [from, to] of [
  ["dist/uPlot.iife.min.js", "uPlot.iife.min.js"],
  ["dist/uPlot.min.css", "uPlot.min.css"],
  ["LICENSE", "LICENSE"],
]) {
  copyFileSync(join(uplot, from), join(out, to));
}
writeFileSync(join(out, "VERSION"), `uplot ${version} (MIT) from npm; see web/package.json\n`);
console.log(`uplot ${version} -> ${out}`);
