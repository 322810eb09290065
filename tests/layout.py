#!/usr/bin/env python3
"""tests/layout.py — checks that the source layout shows the architecture.

  python3 tests/layout.py [ROOT]      (ROOT: the repository, default: this file's parent)

(a) No include cycle between the files of one module. A file A.c depends on B.c of
    its module when A.c reaches (through its #includes, transitively) a header of the
    module (engine/<module>/*.h or its public header in include/triscreen/) that
    declares a function B.c defines, and A.c uses that function. A cycle among those
    dependencies fails (record/ had csv.c -> reader.c -> csv.c through reader_int.h).
(b) No file includes a header of a module on a higher floor (FLOORS below). A public
    header belongs to the module whose .c files define its functions (base for a
    header of types only). A module missing from FLOORS fails: add it.
(c) No `FILE *` parameter (in a header or a .c file) of a module below the renderers:
    nothing below render/, cli/ and http/ prints; input files may still be read.
Exit status 0 when (a), (b) and (c) hold, 1 otherwise."""
import os
import re
import sys

# The floors of ARCHITECTURE.md, lowest first: a module may include headers of its own
# floor and of the floors below it.
FLOORS = [
    ["base"],
    ["config", "grid", "record"],
    ["store", "regex", "rulehost"],
    ["passes", "lists", "feedback", "ingest", "rulecases"],
    ["app"],
    ["service"],
    ["render"],
    ["cli", "http"],
]
LEVEL = {m: i for i, floor in enumerate(FLOORS) for m in floor}
RENDER_LEVEL = LEVEL["render"]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
IDENT_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
# A function definition starts at column 0, is not static, and its first line is not a
# declaration (no ';' at its end).
DEFINITION = re.compile(r"^(?!static\b|typedef\b|extern\b|#)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;]*$", re.M)
FILE_PARAM = re.compile(r"[(,]\s*(?:const\s+)?FILE\s*\*")


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


class Tree:
    def __init__(self, root):
        self.root = root
        self.text = {}  # relative path -> text without comments
        self.module = {}  # relative path -> module
        engine = os.path.join(root, "engine")
        for mod in sorted(os.listdir(engine)) if os.path.isdir(engine) else []:
            d = os.path.join(engine, mod)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if name.endswith((".c", ".h")):
                    rel = "engine/%s/%s" % (mod, name)
                    self.text[rel] = COMMENT.sub(" ", read(os.path.join(d, name)))
                    self.module[rel] = mod
        pub = os.path.join(root, "include", "triscreen")
        for name in sorted(os.listdir(pub)) if os.path.isdir(pub) else []:
            if name.endswith(".h"):
                rel = "include/triscreen/" + name
                self.text[rel] = COMMENT.sub(" ", read(os.path.join(pub, name)))
        # function name -> the .c file defining it
        self.defined_in = {}
        for rel, text in self.text.items():
            if rel.endswith(".c"):
                for m in DEFINITION.finditer(text):
                    self.defined_in.setdefault(m.group(1), rel)
        for rel in self.text:
            if rel.startswith("include/"):
                self.module[rel] = self.public_module(rel)

    def declared(self, rel):
        """Functions declared in header rel and defined in some .c file."""
        return {n for n in IDENT_CALL.findall(self.text[rel]) if n in self.defined_in}

    def public_module(self, rel):
        count = {}
        for n in self.declared(rel):
            mod = self.module[self.defined_in[n]]
            count[mod] = count.get(mod, 0) + 1
        if not count:
            return "base"
        return max(sorted(count), key=lambda m: count[m])

    def resolve(self, inc):
        if inc.startswith("triscreen/"):
            rel = "include/" + inc
        else:
            rel = "engine/" + inc
        return rel if rel in self.text else None

    def includes(self, rel):
        out = []
        for inc in INCLUDE.findall(self.text[rel]):
            r = self.resolve(inc)
            if r:
                out.append(r)
        return out

    def reach(self, rel, mod):
        """Headers of module mod reached from rel through includes within mod."""
        seen, todo = set(), [rel]
        while todo:
            cur = todo.pop()
            for h in self.includes(cur):
                if h not in seen and self.module.get(h) == mod:
                    seen.add(h)
                    todo.append(h)
        return seen


def file_deps(tree, rel):
    mod = tree.module[rel]
    used = set(IDENT_CALL.findall(tree.text[rel]))
    deps = set()
    for h in tree.reach(rel, mod):
        for n in tree.declared(h):
            if n not in used:
                continue
            target = tree.defined_in[n]
            if target != rel and tree.module[target] == mod:
                deps.add(target)
    return deps


def find_cycle(graph):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def check_cycles(tree):
    problems = []
    mods = sorted({m for r, m in tree.module.items() if r.startswith("engine/")})
    for mod in mods:
        graph = {r: file_deps(tree, r) for r in tree.text
                 if r.endswith(".c") and tree.module[r] == mod}
        while True:
            cycle = find_cycle(graph)
            if not cycle:
                break
            problems.append("include cycle in %s/: %s" % (mod, " -> ".join(
                os.path.basename(c) for c in cycle)))
            graph[cycle[0]].discard(cycle[1])  # report the other cycles too
    return problems


def check_floors(tree):
    problems = []
    for mod in sorted(set(tree.module.values())):
        if mod not in LEVEL:
            problems.append("module %s is not in the floor table of tests/layout.py" % mod)
    for rel in sorted(tree.text):
        mod = tree.module[rel]
        for h in tree.includes(rel):
            hm = tree.module[h]
            if mod in LEVEL and hm in LEVEL and LEVEL[hm] > LEVEL[mod]:
                problems.append("%s (%s) includes %s (%s, a higher floor)" % (rel, mod, h, hm))
    return problems


def check_file_params(tree):
    problems = []
    for rel in sorted(tree.text):
        if not rel.endswith((".h", ".c")) or LEVEL.get(tree.module[rel], 0) >= RENDER_LEVEL:
            continue
        code = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), tree.text[rel])
        for i, line in enumerate(code.split("\n"), 1):
            if FILE_PARAM.search(line):
                problems.append("%s:%d: FILE * parameter below the renderers: %s" % (
                    rel, i, line.strip()))
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    tree = Tree(root)
    problems = check_cycles(tree) + check_floors(tree) + check_file_params(tree)
    for p in problems:
        print("layout: FAIL: " + p)
    print("layout: %d file(s), %d problem(s)" % (len(tree.text), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
