/* format.h -- the formats the readers know, and the one a file name
 * suggests (format.c). */
#ifndef MLPB_CLI_FORMAT_H
#define MLPB_CLI_FORMAT_H

typedef enum cli_data_format {
    CLI_FORMAT_AUTO   = 0, /* by name: .svm .libsvm .svmlight (also + .gz) are LIBSVM */
    CLI_FORMAT_CSV    = 1,
    CLI_FORMAT_LIBSVM = 2
} cli_data_format;

/* The format AUTO picks for this file name (CSV unless .svm, .libsvm or
 * .svmlight, optionally followed by .gz). */
cli_data_format cli_data_guess_format(const char *path);

#endif /* MLPB_CLI_FORMAT_H */
