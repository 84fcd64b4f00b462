#!/usr/bin/env python3
"""Write a `git fast-import` stream of a synthetic but realistic history to stdout.

Deterministic (fixed seed): ~5,000 files in nested directories; mainline commits that touch
1-6 files; about a quarter of the commits are merges of short side branches (some with
conflict resolutions or "evil" changes made only in the merge); occasional deletions,
renames, mode changes, symlinks and new directories; messages with trailers.

Usage: gen.py COMMITS > stream   (COMMITS = total commits, default 70000)
"""
import random
import sys

rng = random.Random(20260101)
TOTAL = int(sys.argv[1]) if len(sys.argv) > 1 else 70000
out = sys.stdout.buffer
T0 = 1_500_000_000

NAMES = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov",
         "Ken Thompson", "Margaret Hamilton", "Donald Knuth", "Frances Allen", "John McCarthy"]
WORDS = ("fix add remove refactor update handle parse cache config test docs error path "
         "request response buffer index merge commit tree blob reader writer payment auth "
         "session token crypto retry timeout logging metrics schema migration").split()

mark = 0
def next_mark():
    global mark
    mark += 1
    return mark

def ident(i, t):
    n = NAMES[i % len(NAMES)]
    e = n.lower().replace(" ", ".") + "@example.com"
    return f"{n} <{e}> {t} +0000".encode()

def data(b):
    out.write(b"data %d\n" % len(b))
    out.write(b)
    out.write(b"\n")

def message(kind):
    subj = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
    body = "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
                     for _ in range(rng.randint(0, 6)))
    tr = []
    if rng.random() < 0.5:
        tr.append(f"Signed-off-by: {rng.choice(NAMES)} <dev@example.com>")
    if rng.random() < 0.15:
        tr.append("Co-authored-by: Claude <noreply@anthropic.com>")
    if rng.random() < 0.3:
        tr.append(f"Reviewed-by: {rng.choice(NAMES)} <rev@example.com>")
    if rng.random() < 0.1:
        tr.append(f"Refs: PAY-{rng.randint(1, 9999)}")
    m = f"{kind}{subj}\n"
    if body:
        m += "\n" + body + "\n"
    if tr:
        m += "\n" + "\n".join(tr) + "\n"
    return m.encode()

# --- the tree ---------------------------------------------------------------------------
TOP = ["src", "lib", "docs", "tests", "tools", "migrations", "infra", "web", "api", "vendor"]
dirs = []
for top in TOP:
    for a in range(rng.randint(3, 8)):
        d1 = f"{top}/{rng.choice(WORDS)}{a}"
        dirs.append(d1)
        for b in range(rng.randint(0, 5)):
            d2 = f"{d1}/{rng.choice(WORDS)}{b}"
            dirs.append(d2)
            for c in range(rng.randint(0, 3)):
                dirs.append(f"{d2}/{rng.choice(WORDS)}{c}")
EXT = [".rs", ".py", ".md", ".c", ".h", ".yml", ".sql", ".go", ".js"]

files = {}      # path -> [mode, content(bytes)]
def new_path():
    while True:
        p = f"{rng.choice(dirs)}/{rng.choice(WORDS)}_{rng.randint(0, 99999)}{rng.choice(EXT)}"
        if p not in files:
            return p

def new_content():
    return "".join(f"line {rng.randint(0, 10**9)} {' '.join(rng.choice(WORDS) for _ in range(8))}\n"
                   for _ in range(rng.randint(10, 60))).encode()

def edit(content):
    lines = content.split(b"\n")
    i = rng.randrange(len(lines))
    lines[i] = f"edit {rng.randint(0, 10**9)} {rng.choice(WORDS)}".encode()
    if rng.random() < 0.3:
        lines.insert(i, f"added {rng.randint(0, 10**9)}".encode())
    return b"\n".join(lines)

def change_set(state):
    """Random changes applied to `state`; returns fast-import file commands."""
    cmds = []
    r = rng.random()
    n = rng.choice([1, 1, 1, 2, 2, 3, 4, 6])
    paths = list(state.keys())
    if r < 0.05 and len(paths) > 100:                        # delete
        p = rng.choice(paths)
        del state[p]
        cmds.append(b"D %s\n" % p.encode())
    elif r < 0.08 and len(paths) > 100:                      # rename (a move: D + A to git)
        p = rng.choice(paths)
        q = new_path()
        state[q] = state.pop(p)
        cmds.append(b'R "%s" "%s"\n' % (p.encode(), q.encode()))
    elif r < 0.10 and len(paths) > 100:                      # mode change only
        p = rng.choice(paths)
        st = state[p]
        if st[0] == "120000":
            return cmds
        st[0] = "100755" if st[0] == "100644" else "100644"
        cmds.append(b"M %s inline %s\n" % (st[0].encode(), p.encode()))
        cmds.append(("data", st[1]))
    elif r < 0.11:                                           # symlink
        p = new_path()
        state[p] = ["120000", rng.choice(paths).encode()]
        cmds.append(b"M 120000 inline %s\n" % p.encode())
        cmds.append(("data", state[p][1]))
    else:
        for _ in range(n):
            if rng.random() < 0.15:
                p = new_path()
                state[p] = ["100644", new_content()]
            else:
                p = rng.choice(paths)
                if state[p][0] == "120000":
                    continue
                state[p][1] = edit(state[p][1])
            cmds.append(b"M %s inline %s\n" % (state[p][0].encode(), p.encode()))
            cmds.append(("data", state[p][1]))
    return cmds

def emit_commit(ref, parents, cmds, t, kind="", who=None):
    m = next_mark()
    out.write(b"commit %s\nmark :%d\n" % (ref, m))
    who = rng.randrange(100) if who is None else who
    out.write(b"author " + ident(who, t) + b"\n")
    out.write(b"committer " + ident(who + 1, t) + b"\n")
    data(message(kind))
    if parents:
        out.write(b"from :%d\n" % parents[0])
        for p in parents[1:]:
            out.write(b"merge :%d\n" % p)
    for c in cmds:
        if isinstance(c, tuple):
            data(c[1])
        else:
            out.write(c)
    out.write(b"\n")
    return m

# Root commit with ~5,000 files.
root_cmds = []
for _ in range(5000):
    p = new_path()
    files[p] = ["100755" if rng.random() < 0.03 else "100644", new_content()]
    root_cmds.append(b"M %s inline %s\n" % (files[p][0].encode(), p.encode()))
    root_cmds.append(("data", files[p][1]))
t = T0
tip = emit_commit(b"refs/heads/main", [], root_cmds, t, "initial import: ")
count = 1
while count < TOTAL:
    t += rng.randint(60, 7200)
    if rng.random() < 0.085 and count + 5 < TOTAL:
        # A side branch of 1-4 commits, merged back with --no-ff.
        base = {k: list(v) for k, v in files.items()}
        side = {k: list(v) for k, v in files.items()}
        side_cmds_all = []
        stip = tip
        for _ in range(rng.randint(1, 4)):
            t += rng.randint(60, 3600)
            cmds = change_set(side)
            stip = emit_commit(b"refs/heads/side", [stip], cmds, t)
            count += 1
        # Meanwhile main moves on by 0-2 commits.
        for _ in range(rng.randint(0, 2)):
            t += rng.randint(60, 3600)
            tip = emit_commit(b"refs/heads/main", [tip], change_set(files), t)
            count += 1
        # Merge result: side's version of everything side touched.
        mcmds = []
        for p in sorted(set(side) | set(base)):
            s, f = side.get(p), files.get(p)
            if s != base.get(p) and s != f:
                base_had = p in files
                if s is None:
                    if base_had:
                        del files[p]
                        mcmds.append(b"D %s\n" % p.encode())
                else:
                    files[p] = list(s)
                    mcmds.append(b"M %s inline %s\n" % (s[0].encode(), p.encode()))
                    mcmds.append(("data", s[1]))
        if rng.random() < 0.1:  # an evil merge: a change made only in the merge
            mcmds.extend(change_set(files))
        t += rng.randint(60, 600)
        tip = emit_commit(b"refs/heads/main", [tip, stip], mcmds, t, "Merge branch 'side': ")
        count += 1
    else:
        tip = emit_commit(b"refs/heads/main", [tip], change_set(files), t)
        count += 1
    if count % 5000 == 0:
        out.write(b"checkpoint\n\n")
out.write(b"reset refs/tags/v1.0\nfrom :%d\n\n" % (tip // 2 + 1))
out.write(b"done\n")
