# Writes the R files of tests/data/dialects with R's own writers at their
# defaults unless named: run it from this folder (Rscript gen_r.R). Data:
# R's bundled iris and mtcars sets.
write.csv(iris, "r_write_csv.csv")                       # "" first, row names "1".."150"
write.csv(iris, "r_write_csv_norownames.csv", row.names = FALSE)
write.table(iris, "r_write_table.txt")                   # ' ', quoted, row names, header one short
write.csv2(iris, "r_write_csv2.csv")                     # ';' and a decimal comma
write.csv(mtcars, "r_mtcars.csv")                        # row names are the car models
