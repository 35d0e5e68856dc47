// Regenerates ../communes.tsv from the npm package @etalab/decoupage-administratif (MIT).
//
//   cd functions/places/data/regenerate && npm ci && node build-communes.mjs
//
// One line per entry of the package's data/communes.json (every entry is kept), sorted by INSEE code
// then kind (COM, ARM, COMD, COMA: a commune nouvelle and its chef-lieu commune déléguée share a code).
// Columns (tab-separated, no quoting: names contain no tab):
//   insee, kind, name, postal codes (comma-separated), population, parent insee, departement
// - kind: COM (commune), ARM (arrondissement municipal), COMD (commune déléguée), COMA (commune associée)
// - parent: the commune of an ARM (`commune`), the chef-lieu of a COMD/COMA (`chefLieu`); empty for COM
// - departement: empty when it is the one the code gives (first 3 characters for 97x/98x, else 2);
//   written only for the few communes associées attached to a commune of another département.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = dirname(require.resolve("@etalab/decoupage-administratif/package.json"));
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const communes = JSON.parse(readFileSync(join(pkgDir, "data", "communes.json"), "utf8"));

const KINDS = {
  "commune-actuelle": "COM",
  "arrondissement-municipal": "ARM",
  "commune-deleguee": "COMD",
  "commune-associee": "COMA",
};
const KIND_ORDER = { COM: 0, ARM: 1, COMD: 2, COMA: 3 };
const INSEE = /^(([0-8][0-9AB])|(9[0-8AB]))[0-9]{3}$/;

function fail(message) {
  throw new Error(message);
}

function derivedDepartement(code) {
  return code.startsWith("97") || code.startsWith("98") ? code.slice(0, 3) : code.slice(0, 2);
}

function clean(text, what) {
  if (/[\t\r\n]/.test(text)) fail(`${what}: tab or newline in ${JSON.stringify(text)}`);
  return text;
}

const currentCodes = new Set(
  communes.filter((c) => c.type === "commune-actuelle").map((c) => c.code),
);

const rows = communes.map((c) => {
  const kind = KINDS[c.type] ?? fail(`unknown type ${c.type} for ${c.code}`);
  if (!INSEE.test(c.code)) fail(`bad INSEE code ${c.code}`);
  const parent = kind === "ARM" ? c.commune : kind === "COM" ? "" : c.chefLieu;
  if (kind !== "COM" && !currentCodes.has(parent)) fail(`${c.code}: parent ${parent} is not a commune`);
  const postal = (c.codesPostaux ?? []).map((p) => {
    if (!/^[0-9]{5}$/.test(p)) fail(`${c.code}: bad postal code ${p}`);
    return p;
  });
  const population = c.population ?? "";
  if (population !== "" && !(Number.isInteger(population) && population >= 0 && population < 2 ** 32)) {
    fail(`${c.code}: bad population ${population}`);
  }
  if (!c.departement) fail(`${c.code}: no departement`);
  const departement = c.departement === derivedDepartement(c.code) ? "" : c.departement;
  return [c.code, kind, clean(c.nom, c.code), postal.join(","), String(population), parent, departement];
});

rows.sort((a, b) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : KIND_ORDER[a[1]] - KIND_ORDER[b[1]] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0),
);

const header = [
  `# Communes of France: every entry of data/communes.json of the npm package ${pkg.name} ${pkg.version}`,
  `# (licence ${pkg.license}; INSEE COG via Etalab). ${rows.length} entries. Generated file: do not edit.`,
  "# Regenerate: cd functions/places/data/regenerate && npm ci && node build-communes.mjs",
  "# Columns: insee, kind (COM|ARM|COMD|COMA), name, postal codes (comma-separated), population,",
  "# parent insee (ARM: its commune; COMD/COMA: chef-lieu), departement (empty when the code gives it).",
];
const body = rows.map((r) => r.join("\t")).join("\n");
const out = join(here, "..", "communes.tsv");
writeFileSync(out, `${header.join("\n")}\n${body}\n`);
console.log(`wrote ${out}: ${rows.length} entries from ${pkg.name} ${pkg.version}`);
