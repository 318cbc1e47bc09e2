#!/usr/bin/env python3
"""Writes a one-layer OCI image archive from files on this machine, for `ctr images import`.

The cluster's own small images (pause, CoreDNS, the RabbitMQ operators) are one static binary
each: no base image, no registry and no image builder is needed to package them.

  oci-image.py OUT.tar NAME:TAG --entrypoint /bin/x [--user 65532] SRC:DEST[:MODE] ...
"""
import argparse
import hashlib
import io
import json
import os
import tarfile


def add_file(tar, src, dest, mode):
    dest = dest.lstrip("/")
    parts = dest.split("/")
    for i in range(1, len(parts)):
        d = "/".join(parts[:i])
        if d not in tar.getnames():
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(info)
    info = tarfile.TarInfo(dest)
    info.size, info.mode, info.mtime = os.path.getsize(src), mode, 0
    with open(src, "rb") as f:
        tar.addfile(info, f)


def blob(out, data, media_type):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest.split(":")[1])
    info.size, info.mtime = len(data), 0
    out.addfile(info, io.BytesIO(data))
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("name")
    p.add_argument("--entrypoint", required=True, action="append")
    p.add_argument("--user", default="")
    p.add_argument("files", nargs="+")
    a = p.parse_args()

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for spec in a.files:
            src, dest, *mode = spec.split(":")
            add_file(tar, src, dest, int(mode[0], 8) if mode else 0o755)
        for d in ("tmp",):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o1777, 0
            tar.addfile(info)
    layer = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Entrypoint": a.entrypoint, "User": a.user, "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    with tarfile.open(a.out, "w") as out:
        layer_desc = blob(out, layer, "application/vnd.oci.image.layer.v1.tar")
        config_desc = blob(out, json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config_desc,
            "layers": [layer_desc],
        }
        manifest_desc = blob(out, json.dumps(manifest).encode(), manifest["mediaType"])
        manifest_desc["platform"] = {"architecture": "amd64", "os": "linux"}
        manifest_desc["annotations"] = {
            "io.containerd.image.name": a.name,
            "org.opencontainers.image.ref.name": a.name.rsplit(":", 1)[1],
        }
        for name, data in (
            ("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
            ("index.json", json.dumps({"schemaVersion": 2, "manifests": [manifest_desc]}).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            out.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
