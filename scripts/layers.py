#!/usr/bin/env python3
"""Checks the layering of the library's files and of the tool's rooms
(docs/layers.md). The library: no file of src/ calls a function of, or
includes a header of, a file of a higher layer, and no files call or include
each other in a circle. The tool: no file of a room of src/cli/ calls a
function of, or includes a header of, a file of a higher room, and no rooms
call or include each other in a circle. An edge A -> B is a function defined
(not static) in B and called in A, or a header of B included in A. Prints
every file's (and room's) edges; exits 1 with the reasons when a check
fails.

usage: layers.py [REPO_ROOT]   (default: the folder above this script's)"""
import collections
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
src = os.path.join(root, 'src')


def strip_comments(t):
    return re.sub(r'/\*.*?\*/|//[^\n]*', ' ', t, flags=re.S)


def read_layers():
    """{file: layer} from the table in docs/layers.md."""
    text = open(os.path.join(root, 'docs', 'layers.md'), encoding='utf-8').read()
    block = text.split('```\nlayer', 1)[1].split('```', 1)[0]
    layers = {}
    for line in block.splitlines()[1:]:
        m = re.match(r'^(\d+)\s+.*?\s{2,}(\S+\.[ch](?:\s+\S+\.[ch])*)\s*$', line)
        if m:
            for f in m.group(2).split():
                layers[f] = int(m.group(1))
    return layers


def edges_of():
    files = sorted(glob.glob(os.path.join(src, '*.c')))
    texts = {os.path.basename(f): strip_comments(open(f, encoding='utf-8').read())
             for f in files}
    defs = {}
    for name, t in texts.items():
        for m in re.finditer(r'^(?!static\b)[A-Za-z_][\w \*]*?\b(mlpb_\w+)\s*\([^;{]*\)\s*\{',
                             t, re.M):
            defs.setdefault(m.group(1), name)
    calls = collections.defaultdict(set)
    for name, t in texts.items():
        calls.setdefault(name, set())
        for fn in set(re.findall(r'\b(mlpb_\w+)\s*\(', t)):
            d = defs.get(fn)
            if d is not None and d != name:
                calls[name].add(d)
    includes = collections.defaultdict(set)
    for f in glob.glob(os.path.join(src, '*.[ch]')):
        for h in re.findall(r'^#include "([^"/]+)"', open(f, encoding='utf-8').read(), re.M):
            includes[os.path.basename(f)].add(h)
    return calls, includes


def cycles(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def read_rooms():
    """{room: (level, folder)} from the tool's table in docs/layers.md."""
    text = open(os.path.join(root, 'docs', 'layers.md'), encoding='utf-8').read()
    block = text.split('```\nlevel', 1)[1].split('```', 1)[0]
    rooms = {}
    for line in block.splitlines()[1:]:
        m = re.match(r'^(\d+)\s+(\w+)\s+(\S+)\s*$', line)
        if m:
            rooms[m.group(2)] = (int(m.group(1)), m.group(3))
    return rooms


def tool_edges(rooms):
    """File edges of src/cli: calls and includes, by path relative to it."""
    cli = os.path.join(src, 'cli')
    paths = sorted(os.path.relpath(p, cli)
                   for p in glob.glob(os.path.join(cli, '**', '*.[ch]'), recursive=True))
    texts = {p: open(os.path.join(cli, p), encoding='utf-8').read() for p in paths}
    stripped = {p: strip_comments(t) for p, t in texts.items()}
    defs = {}
    for p, t in stripped.items():
        if not p.endswith('.c'):
            continue
        for m in re.finditer(r'^(?!static\b)[A-Za-z_][\w \*]*?\b(\w+)\s*\([^;{]*\)\s*\{', t, re.M):
            defs.setdefault(m.group(1), p)
    calls = collections.defaultdict(set)
    includes = collections.defaultdict(set)
    for p, t in stripped.items():
        calls.setdefault(p, set())
        for fn in set(re.findall(r'\b(\w+)\s*\(', t)):
            d = defs.get(fn)
            if d is not None and d != p:
                calls[p].add(d)
        for h in re.findall(r'^\s*#\s*include "([^"]+)"', texts[p], re.M):
            # Room headers are named from src/cli ("read/table.h"); a bare
            # name is first looked up beside the file, as the compiler does.
            for cand in (os.path.normpath(os.path.join(os.path.dirname(p), h)), h):
                if cand in texts:
                    includes[p].add(cand)
                    break
    return paths, calls, includes


def room_of(path, rooms):
    for name, (_, folder) in rooms.items():
        if path == folder or path.startswith(folder.rstrip('/') + '/'):
            return name
    return None


def check_tool(problems):
    rooms = read_rooms()
    paths, calls, includes = tool_edges(rooms)
    level = {r: lv for r, (lv, _) in rooms.items()}
    where = {p: room_of(p, rooms) for p in paths}
    for p in paths:
        if where[p] is None:
            problems.append(f"src/cli/{p} is in no room of docs/layers.md's tool table")
    room_calls = collections.defaultdict(set)
    room_incs = collections.defaultdict(set)
    for kind, edges, room_edges in (('calls', calls, room_calls),
                                    ('includes', includes, room_incs)):
        for a in sorted(edges):
            for b in sorted(edges[a]):
                ra, rb = where.get(a), where.get(b)
                if ra is None or rb is None or ra == rb:
                    continue
                room_edges[ra].add(rb)
                if level[rb] > level[ra]:
                    problems.append(f"src/cli/{a} (room {ra}, {level[ra]}) {kind} "
                                    f"src/cli/{b} (room {rb}, {level[rb]}): upward")
    for r in sorted(rooms, key=lambda r: -level[r]):
        c = ' '.join(sorted(room_calls.get(r, ()), key=lambda b: -level[b]))
        i = ' '.join(sorted(room_incs.get(r, ()), key=lambda b: -level[b]))
        print(f"tool {level[r]} {r:8s} calls -> {c or '-'}; includes -> {i or '-'}")
    for comp in cycles(room_calls):
        problems.append('tool call circle between rooms: ' + ' <-> '.join(comp))
    for comp in cycles(room_incs):
        problems.append('tool include circle between rooms: ' + ' <-> '.join(comp))
    for comp in cycles(includes):
        problems.append('tool include circle between files: ' + ' <-> '.join(comp))


def main():
    layers = read_layers()
    calls, includes = edges_of()
    problems = []
    for a in sorted(calls):
        tag = layers.get(a, '?')
        print(f"{tag} {a:20s} -> {' '.join(sorted(calls[a], key=lambda b: (-layers.get(b, -1), b)))}")
        if a not in layers:
            print(f"note: {a} is not in docs/layers.md's table; only circles are checked for it")
            continue
        for b in sorted(calls[a]):
            if b in layers and layers[b] > layers[a]:
                problems.append(f"{a} (layer {layers[a]}) calls up into {b} (layer {layers[b]})")
    for a in sorted(includes):
        for h in sorted(includes[a]):
            c = h[:-2] + '.c'
            if a in layers and c in layers and layers[c] > layers[a]:
                problems.append(f"{a} (layer {layers[a]}) includes {h} of layer {layers[c]}")
    for comp in cycles(calls):
        problems.append('call circle: ' + ' <-> '.join(comp))
    for comp in cycles(includes):
        problems.append('include circle: ' + ' <-> '.join(comp))
    check_tool(problems)
    for p in problems:
        print('FAIL: ' + p)
    print('layers: ' + ('ok' if not problems else f'{len(problems)} problem(s)'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
