#!/usr/bin/env python3
"""Offline checks of the rendered EventShop chart, run by scripts/chart-check.sh.

  validate  MANIFEST --openapi SWAGGER --crds DIR...   every object against the Kubernetes
            OpenAPI schema of a stated release, every custom resource against its CRD (strict:
            unknown fields fail, as with the API server's strict field validation)
  policy    MANIFEST --values FILE...                  security and availability rules
  skaffold  SKAFFOLD_YAML --schema SCHEMA_JSON          skaffold.yaml against its config schema
  versions  VALUES --root REPO                          image tags equal the services' versions
  values-secrets FILE...                               no plaintext credential in values files
  names     MANIFEST...                                 every object name a valid DNS name of at most 63
                                                        characters (CRDs: a DNS subdomain)
  references MANIFEST --values FILE...                  every Secret and ConfigMap a pod or custom
                                                        resource uses is rendered, made by an operator
                                                        (read from the custom resources), or named in
                                                        values as an existing one
  images    MANIFEST --upstream MANIFEST...             every image of an operator chart is one its
                                                        upstream chart renders by default (registry,
                                                        tag and pinned digest unchanged)
  topology  MANIFEST --declared JSON                    the Queue and Binding resources equal the
            [--local-grants JSON]                       queues and routing keys the services declare;
                                                        the users' permissions fit them and equal
                                                        the local broker's (broker-users.mjs grants)
  lock      CHART_DIR --mirror DIR                      Chart.lock pins = Chart.yaml = the mirrored
                                                        charts, and its digest is Helm's

Each command prints one line per failure, then `result: passed=N total=M`, and exits 1 on any
failure. Needs PyYAML and jsonschema.
"""

import argparse
import copy
import hashlib
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
        for path in [Path(d)] if Path(d).is_file() else sorted(Path(d).rglob("*.y*ml")):
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


def without_nulls(node):
    """The API server reads an explicit null as an absent field (upstream charts render some)."""
    if isinstance(node, dict):
        return {k: without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [without_nulls(v) for v in node]
    return node


def cmd_validate(args):
    defs, by_gvk, version = kube_schemas(args.openapi)
    crds = crd_schemas(args.crds)
    objects = [without_nulls(o) for o in load_manifest(args.manifest)]
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


TOPOLOGY_OPERATOR_LABEL = "rabbitmq.com/topology-operator"


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
    # The messaging topology operator's webhook refuses a User whose credentials Secret lacks the label.
    secrets = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Secret"}
    for user in (o for o in objects if o["kind"] == "User" and o["apiVersion"].startswith("rabbitmq.com/")):
        name = ((user.get("spec") or {}).get("importCredentialsSecret") or {}).get("name")
        if name in secrets:
            labels = secrets[name].get("metadata", {}).get("labels") or {}
            check("broker user Secret labelled", labels.get(TOPOLOGY_OPERATOR_LABEL) == "true",
                  f"{ident(user)}: Secret/{name} needs the label {TOPOLOGY_OPERATOR_LABEL}: \"true\"")
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


# --- names, references, images, topology, lock ------------------------------------------------

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


# Kinds whose names Kubernetes itself limits to a DNS label (63 characters).
LABEL_KINDS = {"Service", "Namespace"}


def cmd_names(args):
    """The chart's own objects: a DNS label of at most 63 characters. Objects of the operator
    charts: what Kubernetes requires of their kind (their names are the upstream charts').
    Every label value of every object (and pod template) is a valid label value."""
    failures, total = [], 0
    for manifest in args.manifests:
        # Objects the operators make for the chart's custom resources carry names the chart chose.
        for made, by in operator_made_secrets(load_manifest(manifest)).items():
            total += 1
            if not (DNS_LABEL.fullmatch(made) and len(made) <= 63):
                failures.append(f"{made} ({len(made)} characters), made by the {by}: not a DNS label of at most 63")
        for source, obj in load_sources(manifest):
            total += 1
            name = obj.get("metadata", {}).get("name") or ""
            if obj["kind"] != "CustomResourceDefinition" and (not subchart_of(source) or obj["kind"] in LABEL_KINDS):
                ok = DNS_LABEL.fullmatch(name) and len(name) <= 63
                rule = "lowercase letters, digits and '-', at most 63 characters"
            else:
                ok = DNS_SUBDOMAIN.fullmatch(name) and len(name) <= 253
                rule = "a DNS subdomain (lowercase)"
            if not ok:
                failures.append(f"{ident(obj)} ({len(name)} characters): not {rule}")
            for path, value in label_values(obj):
                total += 1
                if not (LABEL_VALUE.fullmatch(value) and len(value) <= 63):
                    failures.append(f"{ident(obj)} {path}={value!r} ({len(value)} characters): not a label value"
                                    " (at most 63 of [-A-Za-z0-9_.], alphanumeric at both ends)")
    return result(total - len(failures), total, failures)


LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")


def label_values(obj):
    """(path, value) of the object's labels and its pod template's."""
    out = [(f"metadata.labels.{k}", str(v)) for k, v in (obj.get("metadata", {}).get("labels") or {}).items()]
    template = (obj.get("spec") or {}).get("template") if isinstance(obj.get("spec"), dict) else None
    if isinstance(template, dict):
        labels = (template.get("metadata") or {}).get("labels") or {}
        out += [(f"spec.template.metadata.labels.{k}", str(v)) for k, v in labels.items()]
    return out


def operator_made_secrets(objects):
    """Objects (Secrets, Services) that operators make for the chart's custom resources, by name,
    read from those resources."""
    made = {}
    for obj in objects:
        name, spec = obj["metadata"]["name"], obj.get("spec") or {}
        if obj["kind"] == "MongoDBCommunity":
            for user in spec.get("users") or []:
                by = f"MongoDB operator ({ident(obj)} user {user['name']})"
                if user.get("connectionStringSecretName"):
                    made[user["connectionStringSecretName"]] = by
                if user.get("scramCredentialsSecretName"):
                    made[user["scramCredentialsSecretName"] + "-scram-credentials"] = by
            for suffix in ("svc", "agent-password", "keyfile", "config"):
                made[f"{name}-{suffix}"] = f"MongoDB operator ({ident(obj)})"
        if obj["kind"] == "RabbitmqCluster":
            for suffix in ("default-user", "erlang-cookie", "server", "nodes", "server-conf", "plugins-conf"):
                made[f"{name}-{suffix}"] = f"RabbitMQ cluster operator ({ident(obj)})"
    return made


def values_existing_names(files):
    """Names of existing Secrets given in values (keys such as existingSecret(s), tokenSecret)."""
    key = re.compile(r"(existingSecrets?|tokenSecret|connectionSecret|secretName)$")
    names = set()

    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from strings(v)

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if key.search(str(k)):
                    names.update(s for s in strings(v) if s)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for f in files:
        walk(yaml.safe_load(Path(f).read_text(encoding="utf-8")) or {})
    return names


def pod_references(obj):
    """(kind, name, where, optional) of every Secret and ConfigMap a pod template uses."""
    _, spec = pod_template(obj)
    refs = []
    for v in spec.get("volumes") or []:
        if "secret" in v:
            refs.append(("Secret", v["secret"].get("secretName"), f"volume {v['name']}", v["secret"].get("optional")))
        if "configMap" in v:
            refs.append(("ConfigMap", v["configMap"].get("name"), f"volume {v['name']}", v["configMap"].get("optional")))
        for src in (v.get("projected") or {}).get("sources") or []:
            for kind, field in (("Secret", "secret"), ("ConfigMap", "configMap")):
                if field in src:
                    refs.append((kind, src[field].get("name"), f"volume {v['name']}", src[field].get("optional")))
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        for e in c.get("env") or []:
            source = e.get("valueFrom") or {}
            for kind, field in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                if field in source:
                    refs.append((kind, source[field].get("name"), f"container {c['name']} env {e['name']}", source[field].get("optional")))
        for e in c.get("envFrom") or []:
            for kind, field in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
                if field in e:
                    refs.append((kind, e[field].get("name"), f"container {c['name']} envFrom", e[field].get("optional")))
    return refs


def resource_references(obj):
    """Secrets that custom resources of the chart point at."""
    spec, refs = obj.get("spec") or {}, []
    if obj["kind"] == "User" and spec.get("importCredentialsSecret"):
        refs.append(("Secret", spec["importCredentialsSecret"]["name"], "importCredentialsSecret", False))
    if obj["kind"] == "MongoDBCommunity":
        for user in spec.get("users") or []:
            refs.append(("Secret", user["passwordSecretRef"]["name"], f"user {user['name']} password", False))
    if obj["kind"] == "TriggerAuthentication":
        for ref in spec.get("secretTargetRef") or []:
            refs.append(("Secret", ref["name"], f"parameter {ref['parameter']}", False))
    return refs


def cmd_references(args):
    objects = [o for m in args.manifests for o in load_manifest(m)]
    rendered = {(o["kind"], o["metadata"]["name"]) for o in objects}
    made = operator_made_secrets(objects)
    given = values_existing_names(args.values)
    failures, total, by_origin = [], 0, {}
    for obj in objects:
        refs = pod_references(obj) if obj["kind"] in POD_KINDS else resource_references(obj)
        for kind, name, where, optional in refs:
            total += 1
            if (kind, name) in rendered:
                origin = "rendered"
            elif kind == "Secret" and name in made:
                origin = "made by an operator"
            elif name in given:
                origin = "existing, named in values"
            elif optional:
                origin = "optional"
            else:
                failures.append(f"{ident(obj)} {where}: {kind} {name} is neither rendered, nor made by an"
                                " operator, nor an existing one named in values")
                continue
            by_origin[origin] = by_origin.get(origin, 0) + 1
    for origin, n in sorted(by_origin.items()):
        print(f"  {origin:28} {n}")
    return result(total - len(failures), total, failures)


def container_images(obj):
    _, spec = pod_template(obj)
    return [c.get("image", "") for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]


def subchart_of(source):
    m = re.search(r"/charts/([^/]+)/", source)
    return m.group(1) if m else None


def cmd_images(args):
    upstream = set()
    for m in args.upstream:
        for obj in load_manifest(m):
            if obj["kind"] in POD_KINDS:
                upstream.update(container_images(obj))
    failures, total = [], 0
    for source, obj in load_sources(args.manifest):
        chart = subchart_of(source)
        if obj["kind"] not in POD_KINDS or not chart:
            continue
        for image in container_images(obj):
            total += 1
            registry = image.split("/", 1)[0] if "/" in image else ""
            if "." not in registry and ":" not in registry:
                failures.append(f"{ident(obj)} ({chart}): image {image!r} names no registry")
            elif image not in upstream:
                failures.append(f"{ident(obj)} ({chart}): image {image!r} is not what the upstream chart"
                                f" pins (one of: {', '.join(sorted(upstream))})")
            else:
                print(f"  {chart}: {image}")
    return result(total - len(failures), total, failures)


def service_of(obj):
    """`order` for an object labelled `app.kubernetes.io/component: order-service`."""
    return obj["metadata"]["labels"]["app.kubernetes.io/component"].removesuffix("-service")


def permission_failures(objects, declared, shared):
    """Each service's broker permissions must let it do what its kit does at start and at run time:
    declare (configure) and read its queues, tiers and DLQ, the exchange and the shared queues;
    publish (write) to the exchange, the default exchange and those queues."""
    failures, total = [], 0
    for o in objects:
        if o["kind"] != "Permission":
            continue
        service = service_of(o)
        perms = o["spec"]["permissions"]
        names = ["eventshop.events", *shared]
        for queue in declared.get(service, {}):
            names += [queue, f"{queue}.dlq", f"{queue}.retry.1s"]
        wanted = [(kind, name) for kind in ("configure", "write", "read") for name in names]
        wanted.append(("write", "amq.default"))
        for kind, name in wanted:
            total += 1
            if not re.fullmatch(perms.get(kind) or "(?!)", name):
                failures.append(f"{service}-service may not {kind} {name} (permission {perms.get(kind)!r})")
    return failures, total


def topic_permission_failures(objects, declared, publishes):
    """With users per service (operator mode), each may publish exactly the event types it
    produces and bind exactly its handlers' routing keys on the events exchange."""
    users = {service_of(o) for o in objects if o["kind"] == "User"}
    topics = {service_of(o): o for o in objects if o["kind"] == "TopicPermission"}
    every_type = {t for types in publishes.values() for t in types}
    failures, total = [], 0
    for service in sorted(users):
        total += 1
        if service not in topics:
            failures.append(f"{service}-service has no TopicPermission: it could publish any event type")
            continue
        perms = topics[service]["spec"]["permissions"]
        bound = {k for keys in declared.get(service, {}).values() for k in keys}
        for kind, allowed in (("write", set(publishes.get(service, []))), ("read", bound)):
            for t in sorted(every_type):
                total += 1
                if bool(re.fullmatch(perms.get(kind) or "(?!)", t)) != (t in allowed):
                    failures.append(f"{service}-service topic {kind} {perms.get(kind)!r}"
                                    f" {'refuses' if t in allowed else 'allows'} {t}")
    return failures, total


def local_grant_failures(objects, grants):
    """The local broker's users (scripts/broker-users.mjs, `make up` and the e2e harness) get the
    same permissions as the chart's users: both are built from values.yaml and files/topology.yaml,
    the chart by its template, the script by its own code."""
    failures, total = [], 0
    for o in objects:
        if o["kind"] not in ("Permission", "TopicPermission"):
            continue
        total += 1
        service = f"{service_of(o)}-service"
        local = (grants.get(service) or {}).get("permissions" if o["kind"] == "Permission" else "topic")
        if local != o["spec"]["permissions"]:
            failures.append(f"{service}: {o['kind']} {o['spec']['permissions']} in the chart, but the local"
                            f" broker's user gets {local} (scripts/broker-users.mjs)")
    return failures, total


def cmd_topology(args):
    declared = json.loads(Path(args.declared).read_text(encoding="utf-8"))
    shared = declared.pop("shared", {})
    publishes = declared.pop("publishes", {})
    objects = load_manifest(args.manifest)
    queues = {o["spec"]["name"] for o in objects if o["kind"] == "Queue"}
    bindings = {(o["spec"]["destination"], o["spec"]["routingKey"]) for o in objects if o["kind"] == "Binding"}
    if not queues and not bindings:
        print("  no topology resources: the services declare their own queues and bindings")
        return result(1, 1, [])
    want_queues = {q for svc in declared.values() for q in svc} | set(shared)
    want_bindings = {(q, k) for svc in declared.values() for q, keys in svc.items() for k in keys}
    failures = []
    for o in objects:
        name = o["spec"].get("name") if o["kind"] == "Queue" else None
        if name in shared:
            rendered = {"x-queue-type": o["spec"].get("type"), **(o["spec"].get("arguments") or {})}
            if rendered != shared[name]:
                failures.append(f"queue {name}: arguments {rendered} differ from the kit's {shared[name]}"
                                " (the services' declaration would fail with PRECONDITION_FAILED)")
    perm_failures, perm_total = permission_failures(objects, declared, shared)
    topic_failures, topic_total = topic_permission_failures(objects, declared, publishes)
    failures += perm_failures + topic_failures
    perm_total += topic_total
    if args.local_grants:
        grants = json.loads(Path(args.local_grants).read_text(encoding="utf-8"))
        local_failures, local_total = local_grant_failures(objects, grants)
        failures += local_failures
        perm_total += local_total
    for q in sorted(want_queues - queues):
        failures.append(f"queue {q}: declared by its service, missing from the chart")
    for q in sorted(queues - want_queues):
        failures.append(f"queue {q}: in the chart, but no service consumes it")
    for q, k in sorted(want_bindings - bindings):
        failures.append(f"binding {q} <- {k}: a handler of its service, missing from the chart")
    for q, k in sorted(bindings - want_bindings):
        failures.append(f"binding {q} <- {k}: in the chart, but its service has no handler for it"
                        " (every such message would be dead-lettered)")
    total = len(want_queues | queues) + len(want_bindings | bindings) + len(shared) + perm_total
    print(f"  {len(queues)} queues and {len(bindings)} bindings rendered; the services declare"
          f" {len(want_queues)} and {len(want_bindings)}; {perm_total} permission checks")
    return result(total - len(failures), total, failures)


def helm_lock_digest(requirements, locked):
    """Helm's Chart.lock digest: sha256 of the JSON of [Chart.yaml dependencies, lock dependencies]
    as Go marshals its Dependency struct (fields in declaration order, empty ones omitted)."""
    def go(dep):
        out = {"name": dep["name"]}
        if dep.get("version"):
            out["version"] = dep["version"]
        out["repository"] = dep.get("repository", "")
        for field in ("condition", "tags", "enabled", "import-values", "alias"):
            if dep.get(field):
                out[field] = dep[field]
        return out
    data = json.dumps([[go(d) for d in requirements], [go(d) for d in locked]], separators=(",", ":"))
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def cmd_lock(args):
    chart = yaml.safe_load((Path(args.chart) / "Chart.yaml").read_text(encoding="utf-8"))
    lock = yaml.safe_load((Path(args.chart) / "Chart.lock").read_text(encoding="utf-8"))
    deps, locked = chart.get("dependencies") or [], {d["name"]: d for d in lock["dependencies"]}
    failures, total = [], 0
    for dep in deps:
        total += 1
        mirrored = Path(args.mirror) / dep["name"] / "Chart.yaml"
        pinned = locked.get(dep["name"], {})
        mirror_version = yaml.safe_load(mirrored.read_text(encoding="utf-8"))["version"] if mirrored.exists() else None
        if not (dep["version"] == pinned.get("version") == mirror_version) or dep["repository"] != pinned.get("repository"):
            failures.append(f"{dep['name']}: Chart.yaml {dep['version']}, Chart.lock {pinned.get('version')},"
                            f" mirror {mirror_version}")
        else:
            print(f"  {dep['name']} {dep['version']} ({dep['repository']})")
    total += 1
    digest = helm_lock_digest(deps, lock["dependencies"])
    if digest != lock.get("digest"):
        failures.append(f"Chart.lock digest {lock.get('digest')} is not Helm's {digest} (out of sync with Chart.yaml)")
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
    n = sub.add_parser("names")
    n.add_argument("manifests", nargs="+")
    r = sub.add_parser("references")
    r.add_argument("manifests", nargs="+")
    r.add_argument("--values", nargs="*", default=[])
    i = sub.add_parser("images")
    i.add_argument("manifest")
    i.add_argument("--upstream", nargs="+", required=True)
    t = sub.add_parser("topology")
    t.add_argument("manifest")
    t.add_argument("--declared", required=True)
    t.add_argument("--local-grants", help="scripts/broker-users.mjs grants (JSON)")
    lk = sub.add_parser("lock")
    lk.add_argument("chart")
    lk.add_argument("--mirror", required=True)
    args = p.parse_args()
    return {"validate": cmd_validate, "policy": cmd_policy, "skaffold": cmd_skaffold,
            "versions": cmd_versions, "values-secrets": cmd_values_secrets, "names": cmd_names,
            "references": cmd_references, "images": cmd_images, "topology": cmd_topology,
            "lock": cmd_lock}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
