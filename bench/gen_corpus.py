#!/usr/bin/env python3
"""Generate a synthetic catalog of MCP tool manifests for benchmarks.

usage: gen_corpus.py OUTDIR SERVERS TOOLS_PER_SERVER [SEED]

Each server is one snapshot-shaped JSON file.  Names, descriptions and
schemas have realistic sizes (names 10-40 bytes, descriptions 40-400 bytes,
2-8 parameters with descriptions), drawn from a fixed seed so every run
produces the same bytes.  About one tool in five is shared verbatim by
several servers, as popular tools are in the wild.
"""
import json
import os
import random
import sys

VERBS = ["get", "list", "describe", "search", "create", "update", "put",
         "tag", "delete", "cancel", "terminate", "start", "run", "invoke",
         "send", "refund", "charge", "query", "read", "write", "upload"]
NOUNS = ["run", "batch", "bucket", "object", "user", "role", "policy",
         "invoice", "payment", "issue", "comment", "file", "directory",
         "workflow", "job", "cluster", "instance", "secret", "message",
         "channel", "table", "record", "entity", "relation", "page"]
WORDS = ("the a an of to for with from in on by returns lists creates "
         "updates deletes resource resources given specified identifier "
         "optional required maximum number results page token filter "
         "status region account project workspace permanently "
         "asynchronously request response field value").split()
TYPES = ["string", "integer", "boolean", "number", "array", "object"]


def sentence(rng, lo, hi):
    n = rng.randint(lo, hi)
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def tool(rng, name):
    props = {}
    for _ in range(rng.randint(2, 8)):
        p = rng.choice(NOUNS) + rng.choice(["Id", "Name", "Arn", "", "s"])
        props[p] = {"type": rng.choice(TYPES),
                    "description": sentence(rng, 4, 16)}
    t = {"name": name,
         "description": " ".join(sentence(rng, 6, 14)
                                 for _ in range(rng.randint(1, 4))),
         "inputSchema": {"type": "object", "properties": props,
                         "required": sorted(props)[:1]}}
    if rng.random() < 0.5:
        t["annotations"] = {"readOnlyHint": rng.random() < 0.5,
                            "destructiveHint": rng.random() < 0.3}
    return t


def main():
    out, nserv, ntools = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(seed)
    shared = [tool(rng, "shared_%s_%s_%d" % (rng.choice(VERBS),
                                            rng.choice(NOUNS), i))
              for i in range(2000)]
    os.makedirs(out, exist_ok=True)
    for s in range(nserv):
        tools = []
        names = set()
        while len(tools) < ntools:
            if rng.random() < 0.2:
                t = rng.choice(shared)
            else:
                name = "%s%s%s%d" % (rng.choice(VERBS).capitalize(),
                                     rng.choice(NOUNS).capitalize(),
                                     rng.choice(NOUNS).capitalize(),
                                     rng.randint(0, 99))
                t = tool(rng, name)
            if t["name"] in names:
                continue
            names.add(t["name"])
            tools.append(t)
        doc = {"server": {"name": "bench.example/server-%06d" % s,
                          "version": "1.0.%d" % (s % 7)},
               "tools": tools}
        with open(os.path.join(out, "server-%06d.json" % s), "w") as f:
            json.dump(doc, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
