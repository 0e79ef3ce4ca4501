#!/usr/bin/env Rscript
# export_r_sets.R -- writes the classification data sets that bench/accuracy.py
# takes from R packages (Debian: r-cran-mass, r-cran-kernlab, r-cran-cardata)
# as one CSV file each into a folder outside git.
#
# Usage: Rscript bench/export_r_sets.R [DIR]     (default DIR: build/accuracy-data)
#
# Each file DIR/<name>.csv has a header row, the features, then the label in
# the last column, named "class". Unordered factors are written as their level
# names (accuracy.py one-hot encodes them), ordered factors and logicals as
# their integer codes, numbers as numbers. Rows with a missing value are
# dropped; columns that leak the label or are row identifiers are dropped
# (listed per set below and in docs/accuracy.md). A package that is not
# installed is skipped with a message; the exit status is 0 when at least one
# set was written. Sources and licences: docs/accuracy.md.

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else file.path("build", "accuracy-data")
dir.create(dir, showWarnings = FALSE, recursive = TRUE)

have <- function(pkg) requireNamespace(pkg, quietly = TRUE)

get_data <- function(name, pkg) {
  e <- new.env()
  utils::data(list = name, package = pkg, envir = e)
  get(name, envir = e)
}

# d: a data frame; label: the name of its label column; drop: columns to drop.
export <- function(name, d, label, drop = character(0)) {
  d <- d[, setdiff(names(d), drop), drop = FALSE]
  d <- d[stats::complete.cases(d), , drop = FALSE]
  y <- as.character(d[[label]])
  x <- d[, setdiff(names(d), label), drop = FALSE]
  for (j in names(x)) {
    v <- x[[j]]
    if (is.ordered(v) || is.logical(v)) x[[j]] <- as.integer(v)
    else if (is.factor(v) || is.character(v)) x[[j]] <- gsub("[^A-Za-z0-9_.+-]", "_", as.character(v))
  }
  names(x) <- make.names(names(x), unique = TRUE)
  x$class <- gsub("[^A-Za-z0-9_.+-]", "_", y)
  path <- file.path(dir, paste0(name, ".csv"))
  tmp <- paste0(path, ".tmp")
  utils::write.csv(x, tmp, row.names = FALSE, quote = FALSE)
  file.rename(tmp, path)
  ncat <- sum(vapply(x[, -ncol(x), drop = FALSE], is.character, TRUE))
  cat(sprintf("%-16s %6d rows %4d features (%d categorical) %3d classes -> %s\n", name,
              nrow(x), ncol(x) - 1, ncat, length(unique(y)), path))
  TRUE
}

written <- 0
if (have("MASS")) {
  pima <- rbind(get_data("Pima.tr", "MASS"), get_data("Pima.te", "MASS"))
  written <- written + export("mass_pima", pima, "type")
  written <- written + export("mass_biopsy", get_data("biopsy", "MASS"), "class", "ID")
  written <- written + export("mass_fgl", get_data("fgl", "MASS"), "type")
  crabs <- get_data("crabs", "MASS")
  crabs$class <- paste(crabs$sp, crabs$sex, sep = "_")
  written <- written + export("mass_crabs", crabs, "class", c("sp", "sex", "index"))
  bw <- get_data("birthwt", "MASS")
  bw$race <- factor(bw$race, labels = c("white", "black", "other"))
  written <- written + export("mass_birthwt", bw, "low", "bwt")
  synth <- rbind(get_data("synth.tr", "MASS"), get_data("synth.te", "MASS"))
  written <- written + export("mass_synth", synth, "yc")
  # death is the date of death or of the end of follow-up: it gives the label away.
  written <- written + export("mass_aids2", get_data("Aids2", "MASS"), "status", "death")
  written <- written + export("mass_cats", get_data("cats", "MASS"), "Sex")
} else message("export_r_sets.R: MASS not installed (Debian: r-cran-mass); its sets skipped")

if (have("kernlab")) {
  written <- written + export("kernlab_spam", get_data("spam", "kernlab"), "type")
  written <- written + export("kernlab_musk", get_data("musk", "kernlab"), "Class")
  written <- written + export("kernlab_ticdata", get_data("ticdata", "kernlab"), "CARAVAN")
  written <- written + export("kernlab_promotergene", get_data("promotergene", "kernlab"), "Class")
  written <- written + export("kernlab_income", get_data("income", "kernlab"), "INCOME")
} else message("export_r_sets.R: kernlab not installed (Debian: r-cran-kernlab); its sets skipped")

if (have("carData")) {
  written <- written + export("car_mroz", get_data("Mroz", "carData"), "lfp")
  written <- written + export("car_cowles", get_data("Cowles", "carData"), "volunteer")
  written <- written + export("car_wells", get_data("Wells", "carData"), "switch")
  written <- written + export("car_arrests", get_data("Arrests", "carData"), "released")
  written <- written + export("car_chile", get_data("Chile", "carData"), "vote")
  written <- written + export("car_womenlf", get_data("Womenlf", "carData"), "partic")
  written <- written + export("car_titanic", get_data("TitanicSurvival", "carData"), "survived")
} else message("export_r_sets.R: carData not installed (Debian: r-cran-cardata); its sets skipped")

if (written == 0) {
  message("export_r_sets.R: no set written")
  quit(status = 1)
}
