#!/usr/bin/python3
"""Write tests/data/cli/digits.csv: the first 1000 of scikit-learn's 8x8
handwritten digits (UCI ML hand-written digits, via sklearn.datasets.load_digits)
as CSV, pixels p0..p63 (integers 0..16) and the class column `digit` last.
Run once at development time; the tests read the committed file."""
import sys
from sklearn.datasets import load_digits

d = load_digits()
out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/cli/digits.csv"
with open(out, "w") as f:
    f.write("# scikit-learn load_digits(), first 1000 rows; written by tests/data/gen/digits.py\n")
    f.write(",".join(f"p{i}" for i in range(64)) + ",digit\n")
    for x, y in zip(d.data[:1000], d.target[:1000]):
        f.write(",".join(str(int(v)) for v in x) + f",{int(y)}\n")
