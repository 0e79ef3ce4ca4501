/* fuzz_schema.c -- fuzz harness of the tool's schema parser (the text a model
 * carries in its "mlpblas.schema" metadata, untrusted as the model file is).
 * Any input must give MLPB_OK or MLPB_E_FORMAT with a message, never a
 * crash or a leak; an accepted schema must re-encode to a text that parses
 * to the same encoding (a fixed point). */
#include "fuzz.h"

#include "schema/schema.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    cli_schema  s;
    char        err[256];
    err[0]         = '\0';
    mlpb_status st = cli_schema_decode(text, &s, err, sizeof err);
    FUZZ_CHECK(st == MLPB_OK || st == MLPB_E_FORMAT || st == MLPB_E_NOMEM);
    if (st != MLPB_OK) {
        FUZZ_CHECK(err[0] != '\0');
        free(text);
        return 0;
    }
    char *again = cli_schema_encode(&s);
    FUZZ_CHECK(again != NULL);
    cli_schema s2;
    FUZZ_CHECK(cli_schema_decode(again, &s2, err, sizeof err) == MLPB_OK);
    char *third = cli_schema_encode(&s2);
    FUZZ_CHECK(third != NULL && strcmp(again, third) == 0);
    FUZZ_CHECK(s2.d == s.d && s2.k == s.k && s2.n_features == s.n_features);
    /* Names of every input and output can be formed. */
    char buf[64];
    for (size_t i = 0; i < s.d && i < 4096; i++)
        FUZZ_CHECK(cli_schema_input_name(&s, i, buf, sizeof buf) != NULL);
    for (size_t j = 0; j < s.k; j++)
        FUZZ_CHECK(cli_schema_output_name(&s, j) != NULL);
    free(third);
    free(again);
    cli_schema_free(&s2);
    cli_schema_free(&s);
    free(text);
    return 0;
}
