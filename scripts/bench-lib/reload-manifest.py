"""Writes a bench manifest: the bench's real exports (p1/s1) and COUNT made-up ones
(p2/s0000.../e000000...), plus p2/s0000/exports/EXTRA when given. Used by scripts/bench
to time a reload of a large manifest.
    reload-manifest.py PORT EXPORTS_DIR COUNT OUT [EXTRA]"""
import json
import os
import sys

port, exports_dir, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
extra = sys.argv[5] if len(sys.argv) > 5 else None
entries = []
for name in sorted(os.listdir(os.path.join(exports_dir, "p1", "s1"))):
    export_id = name[: -len(".tar.gz")]
    size = os.path.getsize(os.path.join(exports_dir, "p1", "s1", name))
    entries.append({"project_id": "p1", "server_id": "s1", "export_id": export_id, "size": size})
for i in range(count):
    entries.append({"project_id": "p2", "server_id": "s%04d" % (i // 100), "export_id": "e%06d" % i,
                    "size": 1, "created_at": "2026-11-01T08:00:00Z", "server_name": "host-%04d" % (i // 100)})
if extra:
    entries.append({"project_id": "p2", "server_id": "s0000", "export_id": extra, "size": 1})
with open(out, "w") as f:
    json.dump({"endpoint": "http://127.0.0.1:%s" % port, "exports": entries}, f)
