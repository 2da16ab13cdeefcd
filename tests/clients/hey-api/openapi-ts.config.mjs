// @hey-api/openapi-ts: the fetch client, its types and SDK from openapi.yaml (run from the
// repository root by scripts/client-check). The date transformers are off: in 0.95 they skip
// discriminated unions (TaskPageItem), so a listing's dates would stay strings typed as Date.
// The Zod plugin is generated too, to prove the contract's patterns are generator-safe: the
// e2e validates responses with it.
export default {
  input: "openapi.yaml",
  output: { path: "tests/clients/hey-api/generated", importFileExtension: ".js" },
  plugins: [
    "@hey-api/client-fetch",
    { name: "@hey-api/typescript", enums: "javascript" },
    "@hey-api/sdk",
    "zod",
  ],
};
