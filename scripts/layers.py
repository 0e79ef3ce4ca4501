#!/usr/bin/env python3
"""Checks the layering of the library's files (docs/layers.md): no file of
src/ calls a function of, or includes a header of, a file of a higher layer,
and no files call or include each other in a circle. An edge A -> B is a
function defined (not static) in B and called in A. Prints every file's
calls; exits 1 with the reasons when the check fails.

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
    for p in problems:
        print('FAIL: ' + p)
    print('layers: ' + ('ok' if not problems else f'{len(problems)} problem(s)'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
