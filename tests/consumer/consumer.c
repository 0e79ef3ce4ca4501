/* consumer.c -- a program built against the installed library: checks that the
 * header and the linked library agree, then trains XOR, predicts and names
 * the model's inputs. */
#include <mlpblas.h>

#include <stdio.h>

int main(void)
{
    if (mlpb_version_number() != MLPB_VERSION_NUMBER) {
        fprintf(stderr, "header %d, library %u\n", MLPB_VERSION_NUMBER, mlpb_version_number());
        return 1;
    }
    const size_t sizes[] = {2, 8, 1};
    const mlpb_config cfg = {sizes, 3, 42, MLPB_INIT_HE_GLOROT};
    const float x[] = {0, 0, 0, 1, 1, 0, 1, 1}, y[] = {0, 1, 1, 0};
    mlpb_model *m = NULL;
    mlpb_workspace *ws = NULL;
    mlpb_status s = mlpb_model_create(&cfg, NULL, &m);
    if (s == MLPB_OK)
        s = mlpb_workspace_create(m, 4, NULL, &ws);
    float loss = 1.0f, prob[4] = {0};
    for (int step = 0; step < 2000 && s == MLPB_OK && loss > 0.05f; step++) {
        s = mlpb_loss_grad(m, ws, x, y, 4, &loss);
        if (s == MLPB_OK)
            s = mlpb_sgd_step(m, 0.5f);
    }
    if (s == MLPB_OK)
        s = mlpb_predict(m, ws, x, 4, prob);
    /* Names and metadata (model format version 2) through the installed ABI. */
    const char *names[] = {"a", "b"};
    if (s == MLPB_OK)
        s = mlpb_model_set_input_names(m, names);
    if (s == MLPB_OK)
        s = mlpb_model_set_meta(m, "task", "xor");
    if (s == MLPB_OK && (mlpb_model_get_meta(m, "task") == NULL ||
                         mlpb_model_input_name(m, 1) == NULL))
        s = MLPB_E_INVALID_ARG;
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    if (s != MLPB_OK) {
        fprintf(stderr, "consumer: %s\n", mlpb_strerror(s));
        return 1;
    }
    printf("mlpblas %s: XOR loss %.4f, p = %.3f %.3f %.3f %.3f\n", mlpb_version_string(),
           (double)loss, (double)prob[0], (double)prob[1], (double)prob[2], (double)prob[3]);
    return (prob[0] < 0.5f && prob[1] >= 0.5f && prob[2] >= 0.5f && prob[3] < 0.5f) ? 0 : 1;
}
