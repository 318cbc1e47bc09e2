#!/usr/bin/env python3
"""Offline checks of the rendered EventShop chart, run by scripts/chart-check.sh.

  validate  MANIFEST --openapi SWAGGER --crds DIR...   every object against the Kubernetes
            OpenAPI schema of a stated release, every custom resource against its CRD (strict:
            unknown fields fail, as with the API server's strict field validation)
  policy    MANIFEST --values FILE...                  security and availability rules
  skaffold  SKAFFOLD_YAML --schema SCHEMA_JSON          skaffold.yaml against its config schema
  versions  VALUES --root REPO                          image tags equal the services' versions
  values-secrets FILE...                               no plaintext credential in values files

Each command prints one line per failure, then `result: passed=N total=M`, and exits 1 on any
failure. Needs PyYAML and jsonschema.
"""

import argparse
import copy
import json
import re
import sys
from pathlib import Path

import jsonschema
import yaml

POD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}


def load_sources(path):
    """(source template, object) pairs; the source is Helm's `# Source:` comment."""
    out = []
    text = Path(path).read_text(encoding="utf-8")
    for chunk in re.split(r"^---\s*$", text, flags=re.M):
        source = re.search(r"^# Source: (.+)$", chunk, flags=re.M)
        doc = yaml.safe_load(chunk)
        if isinstance(doc, dict) and doc.get("kind"):
            out.append((source.group(1) if source else "", doc))
    return out


def load_manifest(path):
    return [doc for _, doc in load_sources(path)]


def ident(obj):
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def result(passed, total, failures):
    for line in failures:
        print(f"  FAIL {line}")
    print(f"result: passed={passed} total={total}")
    return 0 if not failures and passed == total else 1


# --- schema validation ------------------------------------------------------------------------

def strict(schema, preserve=False):
    """Forbid unknown fields where the schema lists properties and does not preserve unknown ones."""
    if isinstance(schema, dict):
        preserve_here = schema.get("x-kubernetes-preserve-unknown-fields") is True
        if schema.get("x-kubernetes-int-or-string") is True:
            kept = {k: v for k, v in schema.items() if k not in ("type", "x-kubernetes-int-or-string")}
            return {**kept, "anyOf": [{"type": "integer"}, {"type": "string"}]}
        out = {k: strict(v, preserve_here) for k, v in schema.items()}
        if schema.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "properties" in out and "additionalProperties" not in out and not preserve_here:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v, preserve) for v in schema]
    return schema


def kube_schemas(swagger_path):
    spec = json.loads(Path(swagger_path).read_text(encoding="utf-8"))
    defs = spec["definitions"]
    # Types the API server accepts in two JSON forms, declared as strings in the OpenAPI document.
    defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = {
        "anyOf": [{"type": "integer"}, {"type": "string"}]}
    defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = {
        "anyOf": [{"type": "number"}, {"type": "string"}]}
    defs = {name: strict(d) for name, d in defs.items()}
    by_gvk = {}
    for name, d in defs.items():
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            by_gvk[(api, gvk["kind"])] = name
    version = spec.get("info", {}).get("version", "?")
    return defs, by_gvk, version


def crd_schemas(dirs):
    out = {}
    for d in dirs:
        for path in sorted(Path(d).rglob("*.y*ml")):
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
                if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                    continue
                group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
                for v in doc["spec"]["versions"]:
                    if v.get("served", True) and "schema" in v:
                        schema = copy.deepcopy(v["schema"]["openAPIV3Schema"])
                        # metadata is checked against ObjectMeta, apiVersion/kind by the lookup.
                        schema.get("properties", {}).pop("metadata", None)
                        schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                        out[(f"{group}/{v['name']}", kind)] = (strict(schema), path.name)
    return out


def cmd_validate(args):
    defs, by_gvk, version = kube_schemas(args.openapi)
    crds = crd_schemas(args.crds)
    objects = load_manifest(args.manifest)
    meta_validator = jsonschema.Draft4Validator(
        {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "definitions": defs})
    validators = {}
    failures, passed = [], 0
    for obj in objects:
        key = (obj.get("apiVersion"), obj.get("kind"))
        errors = []
        if key in by_gvk:
            if key not in validators:
                validators[key] = jsonschema.Draft4Validator(
                    {"$ref": f"#/definitions/{by_gvk[key]}", "definitions": defs})
            errors = list(validators[key].iter_errors(obj))
        elif key in crds:
            if key not in validators:
                validators[key] = jsonschema.Draft7Validator(crds[key][0])
            errors = list(validators[key].iter_errors(obj))
            errors += list(meta_validator.iter_errors(obj.get("metadata", {})))
        else:
            failures.append(f"{ident(obj)}: no schema for {key[0]} {key[1]} (Kubernetes {version} or a CRD)")
            continue
        name = obj.get("metadata", {}).get("name", "")
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name or "") or len(name) > 253:
            errors.append(jsonschema.ValidationError(f"metadata.name {name!r} is not a DNS subdomain"))
        if errors:
            for e in errors[:5]:
                path = "/".join(str(p) for p in e.absolute_path)
                failures.append(f"{ident(obj)}: {path}: {e.message[:300]}")
        else:
            passed += 1
    print(f"schemas: Kubernetes {args.kube_version or version} OpenAPI; {len(crds)} custom resource versions from CRDs")
    return result(passed, len(objects), failures)


def cmd_skaffold(args):
    schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
    config = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    failures = []
    for e in validator.iter_errors(config):
        best = jsonschema.exceptions.best_match(e.context or [e])
        failures.append(f"{'/'.join(str(p) for p in best.absolute_path)}: {best.message[:300]}")
    return result(0 if failures else 1, 1, failures)


# --- policy -----------------------------------------------------------------------------------

def pod_template(obj):
    kind = obj["kind"]
    if kind == "Pod":
        return obj.get("metadata", {}), obj.get("spec", {})
    if kind == "CronJob":
        t = obj["spec"]["jobTemplate"]["spec"]["template"]
    else:
        t = obj["spec"]["template"]
    return t.get("metadata", {}), t.get("spec", {})


def selector_matches(selector, labels):
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        k, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(k) not in values:
            return False
        if op == "NotIn" and labels.get(k) in values:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def is_test_hook(obj):
    hooks = obj.get("metadata", {}).get("annotations", {}).get("helm.sh/hook", "")
    return "test" in [h.strip() for h in hooks.split(",")]


def image_ok(image):
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and last.rsplit(":", 1)[1] not in ("", "latest")


def operator_workloads(objects):
    """Pods that the operators create for custom resources of the chart, with their labels."""
    out = []
    for obj in objects:
        name = obj.get("metadata", {}).get("name")
        if obj["kind"] == "RabbitmqCluster":
            out.append((ident(obj), {"app.kubernetes.io/name": name}))
        if obj["kind"] == "MongoDBCommunity":
            out.append((ident(obj), {"app": f"{name}-svc"}))
    return out


def cmd_policy(args):
    sources = load_sources(args.manifest)
    # The operator charts' own objects follow their upstream defaults; the rules are this chart's.
    objects = [doc for source, doc in sources if "/charts/" not in source]
    if len(objects) < len(sources):
        print(f"  note: {len(sources) - len(objects)} objects of the operator charts are not policy-checked")
    checks = []  # (name, ok, detail)

    def check(name, ok, detail=""):
        checks.append((name, bool(ok), detail))

    workloads = []
    for obj in objects:
        if obj["kind"] not in POD_KINDS:
            continue
        meta, spec = pod_template(obj)
        test = is_test_hook(obj)
        if not test:
            workloads.append((ident(obj), meta.get("labels", {})))
        pod_sc = spec.get("securityContext") or {}
        for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
            where = f"{ident(obj)} container {c['name']}"
            sc = c.get("securityContext") or {}
            res = c.get("resources") or {}
            req, lim = res.get("requests") or {}, res.get("limits") or {}
            check("resources", "cpu" in req and "memory" in req and "memory" in lim,
                  f"{where}: needs requests.cpu, requests.memory and limits.memory")
            if test:
                print(f"  note: {where} is a helm test Pod that runs once: probes not required")
            else:
                check("probes", all(c.get(p) for p in ("startupProbe", "livenessProbe", "readinessProbe")),
                      f"{where}: needs startup, liveness and readiness probes")
            non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True
            uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
            check("non-root", non_root and uid != 0, f"{where}: runAsNonRoot must be true, runAsUser not 0")
            check("read-only root filesystem", sc.get("readOnlyRootFilesystem") is True,
                  f"{where}: readOnlyRootFilesystem must be true")
            check("capabilities drop ALL", "ALL" in ((sc.get("capabilities") or {}).get("drop") or [])
                  and sc.get("allowPrivilegeEscalation") is False and not sc.get("privileged"),
                  f"{where}: drop ALL capabilities, no privilege escalation")
            seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
            check("seccomp RuntimeDefault", seccomp in ("RuntimeDefault", "Localhost"),
                  f"{where}: seccompProfile RuntimeDefault")
            check("tagged image", image_ok(c.get("image", "")),
                  f"{where}: image {c.get('image')!r} has no tag or uses latest")

    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    pdbs = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    for name, labels in workloads + operator_workloads(objects):
        check("selected by a NetworkPolicy", any(selector_matches(p["spec"].get("podSelector"), labels) for p in policies),
              f"{name}: no NetworkPolicy selects its pods {labels}")
        check("selected by a PodDisruptionBudget", any(selector_matches(p["spec"].get("selector"), labels) for p in pdbs),
              f"{name}: no PodDisruptionBudget selects its pods {labels}")
    if args.values:
        secret_failures, secret_total = values_secret_findings(args.values)
        for i in range(secret_total):
            check("no plaintext secret in values", i >= len(secret_failures),
                  secret_failures[i] if i < len(secret_failures) else "")
    failures = [f"[{n}] {d}" for n, ok, d in checks if not ok]
    by_rule = {}
    for n, ok, _ in checks:
        p, t = by_rule.get(n, (0, 0))
        by_rule[n] = (p + ok, t + 1)
    for n, (p, t) in by_rule.items():
        print(f"  {n:34} {p}/{t}")
    return result(sum(ok for _, ok, _ in checks), len(checks), failures)


# Keys whose values are names or keys of Secrets, not credentials.
NAME_KEY = re.compile(r"(existingSecret|secretName|SecretName|secretKey|SecretKey|tokenSecret|Key)$")
SECRET_KEY = re.compile(r"(password|passwd|secret|token|apikey|api_key|privatekey|credential)", re.I)
URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]+:[^/@\s]+@", re.I)


def values_secret_findings(files):
    """Every string value is one check: it must not be a credential."""
    failures, total = [], 0

    def walk(node, path, file):
        nonlocal total
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k), file)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]", file)
        elif isinstance(node, str):
            total += 1
            key = path.rsplit(".", 1)[-1]
            if URL_CREDENTIALS.search(node):
                failures.append(f"{file}: {path} holds a URL with credentials")
            elif "-----BEGIN" in node:
                failures.append(f"{file}: {path} holds a PEM key or certificate")
            elif node and SECRET_KEY.search(key) and not NAME_KEY.search(key):
                failures.append(f"{file}: {path} looks like a plaintext credential (use an existingSecret)")

    for f in files:
        walk(yaml.safe_load(Path(f).read_text(encoding="utf-8")) or {}, "", f)
    return failures, total


def cmd_values_secrets(args):
    failures, total = values_secret_findings(args.files)
    return result(total - len(failures), total, failures)


def cmd_versions(args):
    values = yaml.safe_load(Path(args.values).read_text(encoding="utf-8"))
    failures, total = [], 0
    for name, svc in values["services"].items():
        total += 1
        package = Path(args.root) / f"{name}-service" / "package.json"
        version = json.loads(package.read_text(encoding="utf-8"))["version"]
        tag = svc["image"]["tag"]
        if tag != version:
            failures.append(f"services.{name}.image.tag is {tag} but {name}-service/package.json says {version}"
                            " (run: bash scripts/chart-check.sh sync-tags)")
    return result(total - len(failures), total, failures)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("validate")
    v.add_argument("manifest")
    v.add_argument("--openapi", required=True)
    v.add_argument("--crds", nargs="+", required=True)
    v.add_argument("--kube-version", default="")
    pol = sub.add_parser("policy")
    pol.add_argument("manifest")
    pol.add_argument("--values", nargs="*", default=[])
    s = sub.add_parser("skaffold")
    s.add_argument("file")
    s.add_argument("--schema", required=True)
    ver = sub.add_parser("versions")
    ver.add_argument("values")
    ver.add_argument("--root", required=True)
    vs = sub.add_parser("values-secrets")
    vs.add_argument("files", nargs="+")
    args = p.parse_args()
    return {"validate": cmd_validate, "policy": cmd_policy, "skaffold": cmd_skaffold,
            "versions": cmd_versions, "values-secrets": cmd_values_secrets}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
