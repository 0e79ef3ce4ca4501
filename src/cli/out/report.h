/* report.h -- the one JSON shape of train, eval and demo (report.c,
 * docs/cli.md "JSON output"), and the names of the training options in it. */
#ifndef MLPB_CLI_REPORT_H
#define MLPB_CLI_REPORT_H

#include "model/metrics.h"
#include "out/json.h"
#include "read/data.h"
#include "schema/schema.h"
#include "train/fit.h"

#include "mlpblas.h"

/* The members every command's JSON object has, in order:
 * command, mlpblas, data, model, config, training, metrics. */
void cli_json_head(cli_json *j, FILE *f, const char *command);
/* data: path, rows, features, labels (names) and positive: each label's
 * positive value (the one whose probability the model gives) from schema s
 * ("1" for every label when s is NULL: 0/1 labels), null for a class
 * column. */
void cli_json_data(cli_json *j, const char *path, const cli_data *d,
                   const cli_schema *s);
void cli_json_model(cli_json *j, const char *path, const mlpb_model *m);
void cli_json_config(cli_json *j, const cli_train_cfg *c, const cli_fit *f);
void cli_json_training(cli_json *j, const cli_fit *f);
/* A metrics block (null when e is NULL): rows, the mean metrics,
 * exact_match, per_output (label, metrics, confusion), seconds. mc: a
 * multi-class model's class metrics on the same rows, whose accuracy and
 * macro precision, recall and F1 are the block's (cli_mc_apply); NULL for
 * binary and multi-label models. */
void cli_json_eval_block(cli_json *j, const char *key, const cli_eval *e, const cli_data *d,
                         const cli_mc *mc);
const char *cli_optimizer_name(mlpb_optimizer o);
const char *cli_schedule_name(mlpb_schedule s);
int         cli_parse_optimizer(const char *s, mlpb_optimizer *o);
int         cli_parse_schedule(const char *s, mlpb_schedule *o);

/* A multi-class model's JSON members: classes, class_accuracy,
 * macro_precision, macro_recall, macro_f1, per_class, confusion_matrix. */
void cli_mc_json(cli_json *j, const cli_mc *m, const char *const *classes);

#endif /* MLPB_CLI_REPORT_H */
