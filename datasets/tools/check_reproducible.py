#!/usr/bin/python3
"""Re-runs each dataset generator into an empty folder and requires its output to match the
committed files byte for byte, and every committed data file to be either a real input or made
by the generator. Usage: /usr/bin/python3 datasets/tools/check_reproducible.py changzhou olinda"""
import filecmp
import importlib.util
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = {"README.md", "generate.py", "census.yaml"}  # authored, not generated


def listing(folder):
    out = set()
    for base, _, names in os.walk(folder):
        for n in names:
            out.add(os.path.relpath(os.path.join(base, n), folder))
    return out


def main(names):
    failures = 0
    for name in names:
        folder = os.path.join(ROOT, name)
        spec = importlib.util.spec_from_file_location("gen", os.path.join(folder, "generate.py"))
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, RISKCENSUS_DATASET_OUT=tmp, PYTHONDONTWRITEBYTECODE="1")
            subprocess.run([sys.executable, os.path.join(folder, "generate.py")], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            made = listing(tmp)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            committed = listing(folder) - DOCS - set(module.INPUTS)
            for f in sorted(made | committed):
                if f not in committed:
                    print(f"{name}/{f}: made by the generator but not committed")
                elif f not in made:
                    print(f"{name}/{f}: committed but not made by the generator (stale?)")
                elif not filecmp.cmp(os.path.join(tmp, f), os.path.join(folder, f), shallow=False):
                    print(f"{name}/{f}: differs from the regenerated file")
                else:
                    continue
                failures += 1
            print(f"{name}: {len(made)} modelled files checked")
    if failures:
        sys.exit(f"{failures} file(s) not reproduced")
    print("datasets reproduce byte for byte")


if __name__ == "__main__":
    main(sys.argv[1:])
