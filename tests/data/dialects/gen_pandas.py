#!/usr/bin/python3
"""Writes the pandas, Excel-style and scikit-learn files of tests/data/dialects
with the real tools, at their default settings unless named: run it from this
folder (/usr/bin/python3 gen_pandas.py). Data: scikit-learn's bundled iris and
diabetes sets (no download)."""
import pandas as pd
from sklearn.datasets import load_diabetes, load_iris, dump_svmlight_file

iris = load_iris(as_frame=True)
df = iris.frame.drop(columns="target")
df.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
df["species"] = iris.target_names[iris.target]

# df.to_csv(): the unnamed row index first (an empty first header cell).
df.to_csv("pandas_index.csv")
# df.to_csv(index=False)
df.to_csv("pandas_noindex.csv", index=False)
# No header at all, a text label last (header=False).
df.to_csv("pandas_noheader.csv", index=False, header=False)
# Duplicated and empty column names, as a join or a pivot leaves them.
dup = df.copy()
dup.columns = ["length", "width", "length", "", "species"]
dup.to_csv("pandas_dupnames.csv")
# Excel with a European locale: ';', decimal comma, UTF-8 BOM, CRLF.
df.to_csv("excel_decimal_comma.csv", sep=";", decimal=",", index=False,
          encoding="utf-8-sig", lineterminator="\r\n")
# dump_svmlight_file at its defaults (0-based indices), a 0/1 label:
# versicolor against virginica.
two = iris.target.values > 0
dump_svmlight_file(iris.data.values[two], (iris.target.values[two] == 2).astype(int),
                   "sklearn_binary.svm")
# A regression target (diabetes progression): not classes. 200 rows, features
# rounded, so the file stays small.
dia = load_diabetes(as_frame=True).frame.head(200).round(4)
dia.to_csv("diabetes.csv", index=False)
