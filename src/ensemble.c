/* ensemble.c -- an ensemble of networks trained as mlpb_train trains one,
 * member i from its own seeds (its own initial weights and shuffles) and its
 * own phase of member 0's validation split, merged into one model whose
 * logits are the mean of the members' (model_merge.c). */
#include "mlpb_internal.h"

/* The Weyl step between members' seeds: 2^64 / golden ratio, odd, so that
 * seed + i * step visits every value and nearby seeds' members stay apart. */
#define MEMBER_STEP 0x9E3779B97F4A7C15u

mlpb_status mlpb_ensemble_member(const mlpb_config *cfg, const mlpb_train_opts *opts,
                                 size_t i, mlpb_config *cfg_i, mlpb_train_opts *opts_i)
{
    if (cfg == NULL || opts == NULL || cfg_i == NULL || opts_i == NULL ||
        opts->split_phase != 0.0)
        return MLPB_E_INVALID_ARG;
    *cfg_i = *cfg;
    *opts_i = *opts;
    if (i == 0)
        return MLPB_OK;
    const uint64_t step = (uint64_t)i * MEMBER_STEP;
    cfg_i->seed = cfg->seed + step;
    opts_i->seed = opts->seed + step;
    /* Member 0's shuffle of the rows, at phase frac(1/2 + i / golden
     * ratio): the top 53 bits of a 64-bit fraction, so the phase is exact,
     * below 1 and the same on every machine; it is not 0 for any i from 1
     * to 2^20 (checked), far past an ensemble's size. */
    opts_i->split_seed = opts->seed;
    opts_i->split_phase = (double)((step + ((uint64_t)1 << 63)) >> 11) * 0x1p-53;
    return MLPB_OK;
}

size_t mlpb_ensemble_members_default(size_t n_rows)
{
    /* docs/defaults.md, "Ensembles": where one network's accuracy varies
     * most from seed to seed, and the trainings cost little. */
    return n_rows < 1000 ? 8 : 1;
}

int mlpb_refit_default(size_t n_members)
{
    /* docs/defaults.md, "Ensembles": each member held out other rows, so
     * the ensemble has learnt from every row without a refit. */
    return n_members <= 1;
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
    MLPB_TRY(mlpb__mul_size(n_members, sizeof(mlpb_model *) + sizeof(mlpb_train_opts), &bytes));
    const mlpb_allocator a = mlpb__allocator(alloc);
    mlpb_model **mm = mlpb__alloc(&a, bytes);
    if (mm == NULL)
        return MLPB_E_NOMEM;
    mlpb_train_opts *oo = (mlpb_train_opts *)(mm + n_members);
    mlpb_status st = MLPB_OK;
    size_t made = 0;
    for (; made < n_members && st == MLPB_OK; made++) {
        mlpb_config c;
        mm[made] = NULL;
        st = mlpb_ensemble_member(cfg, opts, made, &c, &oo[made]);
        if (st == MLPB_OK)
            st = mlpb_model_create(&c, alloc, &mm[made]);
    }
    /* Member 0 as mlpb_train; the others side by side, unless a callback
     * must see their epochs in turn (mlpblas.h). */
    if (st == MLPB_OK)
        st = mlpb_train(mm[0], train, val, &oo[0], alloc, reports);
    if (st == MLPB_OK && n_members > 1) {
        const bool calls = opts->on_epoch != NULL || opts->on_batch != NULL;
        st = mlpb_train_parallel(mm + 1, n_members - 1, train, val, oo + 1, calls ? 1 : 0, alloc,
                                 reports != NULL ? reports + 1 : NULL);
    }
    if (st == MLPB_OK)
        st = mlpb_model_merge((const mlpb_model *const *)mm, n_members, out);
    for (size_t i = 0; i < made; i++)
        mlpb_model_destroy(mm[i]);
    mlpb__free(&a, mm);
    return st;
}
