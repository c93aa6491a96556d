// Reads `kubectl kustomize` output (YAML, many documents) on stdin and prints one JSON object:
// { objects: [...every document as JSON...], results: [{ apiVersion, kind, name, status, errors }] }.
// status: "valid", "invalid" (the Kubernetes OpenAPI schema from kubernetes-models rejects it), or
// "skipped" (a custom resource listed below, whose schema no models package here carries).
// kubernetes-models checks types, required fields, enums and formats; it does not reject unknown
// fields, so the C# tests assert that the fields that matter are where Kubernetes reads them.
import { parseAllDocuments } from "yaml";

const customResources = new Map([
  ["postgresql.cnpg.io/v1/Cluster", "CloudNativePG's CRD: no kubernetes-models package for it"],
]);

const text = await new Promise((resolve, reject) => {
  let s = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d) => (s += d));
  process.stdin.on("end", () => resolve(s));
  process.stdin.on("error", reject);
});

const objects = [];
const results = [];
for (const doc of parseAllDocuments(text)) {
  if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  const obj = doc.toJS();
  if (obj == null) continue;
  objects.push(obj);
  const { apiVersion = "", kind = "" } = obj;
  const name = obj.metadata?.name ?? "";
  const groupVersion = apiVersion.includes("/") ? apiVersion : `v1`;
  const key = `${apiVersion}/${kind}`;
  if (customResources.has(key)) {
    results.push({ apiVersion, kind, name, status: "skipped", errors: [customResources.get(key)] });
    continue;
  }
  let Model;
  try {
    Model = (await import(`kubernetes-models/${groupVersion}/${kind}`))[kind];
  } catch (e) {
    results.push({ apiVersion, kind, name, status: "invalid", errors: [`no schema for ${key}: ${e.code ?? e.message}`] });
    continue;
  }
  try {
    new Model(obj).validate();
    results.push({ apiVersion, kind, name, status: "valid", errors: [] });
  } catch (e) {
    const errors = Array.isArray(e.errors) && e.errors.length > 0
      ? e.errors.map((x) => `${x.instancePath} ${x.message}`)
      : [e.message];
    results.push({ apiVersion, kind, name, status: "invalid", errors });
  }
}
process.stdout.write(JSON.stringify({ objects, results }));
