/* ensemble.c -- an ensemble of networks trained as mlpb_train trains one,
 * member i from its own seeds (cfg->seed + i, opts->seed + i: its own
 * initial weights, validation split and shuffles), merged into one model
 * whose logits are the mean of the members' (model_merge.c). */
#include "mlpb_internal.h"

size_t mlpb_ensemble_members_default(size_t n_rows)
{
    /* docs/defaults.md, "Ensembles": where one network's accuracy varies
     * most from seed to seed, and five trainings cost little. */
    return n_rows < 1000 ? 5 : 1;
}

mlpb_status mlpb_train_ensemble(const mlpb_config *cfg, size_t n_members,
                                const mlpb_dataset *train, const mlpb_dataset *val,
                                const mlpb_train_opts *opts, const mlpb_allocator *alloc,
                                mlpb_model **out, mlpb_train_report *reports)
{
    if (out != NULL)
        *out = NULL;
    if (cfg == NULL || opts == NULL || out == NULL || n_members == 0)
        return MLPB_E_INVALID_ARG;
    size_t bytes;
    MLPB_TRY(mlpb__mul_size(n_members, sizeof(mlpb_model *), &bytes));
    const mlpb_allocator a = mlpb__allocator(alloc);
    mlpb_model **mm = mlpb__alloc(&a, bytes);
    if (mm == NULL)
        return MLPB_E_NOMEM;
    mlpb_status st = MLPB_OK;
    size_t made = 0;
    for (; made < n_members && st == MLPB_OK; made++) {
        mlpb_config c = *cfg;
        mlpb_train_opts o = *opts;
        c.seed = cfg->seed + made;
        o.seed = opts->seed + made;
        mm[made] = NULL;
        st = mlpb_model_create(&c, alloc, &mm[made]);
        if (st == MLPB_OK)
            st = mlpb_train(mm[made], train, val, &o, alloc,
                            reports != NULL ? &reports[made] : NULL);
    }
    if (st == MLPB_OK)
        st = mlpb_model_merge((const mlpb_model *const *)mm, n_members, out);
    for (size_t i = 0; i < made; i++)
        mlpb_model_destroy(mm[i]);
    mlpb__free(&a, mm);
    return st;
}
