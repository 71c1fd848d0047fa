// Converts a js-tiktoken rank module (node_modules/js-tiktoken/dist/ranks/<name>.js)
// into the compact binary table embedded in sy_tokenize (see rank_table.h):
//
//   "SYRK"            4 bytes magic
//   count             uint32 little-endian, number of tokens N
//   lengths[N]        uint8, byte length of the token with rank i (1..255)
//   bytes             the N tokens' bytes concatenated in rank order
//
// js-tiktoken stores "bpe_ranks" as lines "! <first rank> <base64 token> ...", each line a
// run of consecutive ranks. The embedded format requires ranks 0..N-1 without gaps; the
// script fails loudly otherwise, so a package update that breaks the assumption stops the
// build instead of producing wrong counts.
//
// Usage: node ranks_to_bin.mjs <input rank module .js> <output .ranks>
import { writeFileSync, renameSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node ranks_to_bin.mjs <rank module .js> <output .ranks>");
  process.exit(2);
}

const module = await import(pathToFileURL(path.resolve(input)).href);
const ranks = module.default;
if (!ranks || typeof ranks.bpe_ranks !== "string") {
  console.error(`${input}: no bpe_ranks string in the default export`);
  process.exit(1);
}

const tokens = [];
for (const line of ranks.bpe_ranks.split("\n")) {
  if (line.length === 0) continue;
  const fields = line.split(" ");
  const first = Number.parseInt(fields[1], 10);
  for (let i = 2; i < fields.length; ++i) {
    const rank = first + i - 2;
    if (tokens[rank] !== undefined) {
      console.error(`${input}: rank ${rank} appears twice`);
      process.exit(1);
    }
    tokens[rank] = Buffer.from(fields[i], "base64");
  }
}
for (let rank = 0; rank < tokens.length; ++rank) {
  const token = tokens[rank];
  if (token === undefined) {
    console.error(`${input}: rank ${rank} is missing (ranks must be contiguous)`);
    process.exit(1);
  }
  if (token.length === 0 || token.length > 255) {
    console.error(`${input}: rank ${rank} has unsupported length ${token.length}`);
    process.exit(1);
  }
}

const header = Buffer.alloc(8);
header.write("SYRK", 0, "latin1");
header.writeUInt32LE(tokens.length, 4);
const lengths = Buffer.from(tokens.map((t) => t.length));
const tmp = `${output}.tmp`;
writeFileSync(tmp, Buffer.concat([header, lengths, ...tokens]));
renameSync(tmp, output);
