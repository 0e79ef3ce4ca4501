/* json.h -- the tool's JSON writer (json.c). */
#ifndef MLPB_CLI_JSON_H
#define MLPB_CLI_JSON_H

#include "mlpblas.h"
#include <stdio.h>

typedef struct cli_json {
    FILE *f;
    int   depth;
    int   first[16];
} cli_json;

void cli_json_begin(cli_json *j, FILE *f);   /* { */
void cli_json_end(cli_json *j);              /* }\n */
void cli_json_obj(cli_json *j, const char *key);  /* key NULL inside arrays */
void cli_json_arr(cli_json *j, const char *key);
void cli_json_close(cli_json *j, char c);    /* ']' or '}' */
void cli_json_str(cli_json *j, const char *key, const char *v);
void cli_json_num(cli_json *j, const char *key, double v);  /* null if not finite */
void cli_json_float(cli_json *j, const char *key, float v); /* 7 digits */
void cli_json_int(cli_json *j, const char *key, unsigned long long v);
void cli_json_bool(cli_json *j, const char *key, int v);
void cli_json_null(cli_json *j, const char *key);
/* The fields of one metrics record. */
void cli_json_metrics(cli_json *j, const mlpb_metrics *m);

#endif /* MLPB_CLI_JSON_H */
