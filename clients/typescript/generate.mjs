// Writes the TypeScript types of the API from the committed spec (openapi/openapi.json):
// `npm run generate` writes src/schema.d.ts; `node generate.mjs FILE` writes FILE instead,
// which is how CI checks that the committed types are not stale. One script, so the
// check and the command people run cannot drift apart.
import { writeFileSync } from "node:fs";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

const spec = new URL("../../openapi/openapi.json", import.meta.url);
const output = process.argv[2] ?? new URL("src/schema.d.ts", import.meta.url);
const ast = await openapiTS(spec);
writeFileSync(output, COMMENT_HEADER + astToString(ast), "utf8");
