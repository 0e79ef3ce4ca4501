/* onnx_import.c -- an ONNX MLP into an mlpblas model (what is accepted is in
 * mlpblas_onnx.h). The bytes are untrusted: decoding runs under a memory
 * budget (a counting allocator handed to protobuf-c), the schema it decodes
 * with cannot nest deeper than a few levels (onnx_subset.proto), every
 * tensor's claimed shape is checked against the bytes that hold it, and
 * the graph is walked as a chain, each node at most once, so a cycle or a
 * branch is an error rather than a loop. Nothing sized by the file is
 * allocated before those checks. */
#include "onnx_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ budget */
typedef struct budget {
    size_t used, limit;
    int    hit;
} budget;

typedef union block_head {
    size_t      size;
    max_align_t align;
} block_head;

static void *budget_alloc(void *ctx, size_t size)
{
    budget *b = ctx;
    if (size > b->limit - b->used || sizeof(block_head) > b->limit - b->used - size) {
        b->hit = 1;
        return NULL;
    }
    block_head *h = malloc(sizeof *h + size);
    if (h == NULL)
        return NULL;
    h->size = size;
    b->used += size + sizeof *h;
    return h + 1;
}

static void budget_free(void *ctx, void *p)
{
    if (p == NULL)
        return;
    budget     *b = ctx;
    block_head *h = (block_head *)p - 1;
    b->used -= h->size + sizeof *h;
    free(h);
}

/* ------------------------------------------------------------ graph */
#define MAX_LAYERS 4096
/* Nodes and initializers of a graph: an MLP of MAX_LAYERS layers has some
 * four of each a layer. The walk looks up names by linear search, so this
 * also bounds its time on a hostile graph. */
#define MAX_NODES (4 * MAX_LAYERS + 64)

typedef struct layer_src {
    const Onnx__TensorProto *w, *b; /* b may be NULL: a zero bias */
    int                      trans; /* w is [out, in] */
    size_t                   in, out;
} layer_src;

typedef struct imp {
    const Onnx__GraphProto *g;
    /* Constant nodes' tensors, by output name */
    const Onnx__TensorProto **const_t;
    char                    **const_name;
    size_t                    n_const;
    unsigned char            *used; /* per node */
    layer_src                *layers;
    size_t                    n_layers, width; /* width of the current tensor */
    const Onnx__TensorProto  *mean, *std;
    int                       sigmoid;
    int                       state;  /* where the chain is: enum chain_state */
    int                       pending_add; /* a MatMul waits for its bias Add */
    char                     *msg;
    size_t                    msglen;
    char                      nbuf[100]; /* an unnamed node's description */
} imp;

#define FAIL(s, ...) mlpb__onnx_msg((s), im->msg, im->msglen, __VA_ARGS__)

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* A node's name for messages: its name, or its output's. */
static const char *nname(imp *im, const Onnx__NodeProto *n)
{
    if (n->name != NULL && *n->name != '\0')
        snprintf(im->nbuf, sizeof im->nbuf, "'%.80s'", n->name);
    else
        snprintf(im->nbuf, sizeof im->nbuf, "(unnamed, output '%.60s')",
                 n->n_output && n->output[0] ? n->output[0] : "");
    return im->nbuf;
}

static const Onnx__TensorProto *find_const(const imp *im, const char *name)
{
    const Onnx__GraphProto *g = im->g;
    for (size_t i = 0; i < g->n_initializer; i++)
        if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0)
            return g->initializer[i];
    for (size_t i = 0; i < im->n_const; i++)
        if (strcmp(im->const_name[i], name) == 0)
            return im->const_t[i];
    return NULL;
}

/* Elements of t, checked against its data: a float tensor of rank 1 or 2
 * (rank_max) whose dims match the float_data count or raw_data bytes. */
static mlpb_status check_tensor(imp *im, const Onnx__TensorProto *t, size_t rank_min,
                                size_t rank_max, size_t *n)
{
    const char *name = nz(t->name);
    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return FAIL(MLPB_E_UNSUPPORTED, "tensor '%s': data type %d, only float (1) is supported",
                    name, (int)t->data_type);
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return FAIL(MLPB_E_UNSUPPORTED, "tensor '%s': external data is not supported", name);
    if (t->n_dims < rank_min || t->n_dims > rank_max)
        return FAIL(MLPB_E_UNSUPPORTED, "tensor '%s': rank %zu; %s supported", name,
                    t->n_dims, rank_min == rank_max ? "only rank 2 is" : "rank 1 or 2 is");
    size_t count = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 1 || t->dims[i] > INT32_MAX)
            return FAIL(MLPB_E_FORMAT, "tensor '%s': dimension %zu is %lld", name, i,
                        (long long)t->dims[i]);
        if ((size_t)t->dims[i] > (SIZE_MAX / 8) / count)
            return FAIL(MLPB_E_FORMAT, "tensor '%s': its dimensions overflow", name);
        count *= (size_t)t->dims[i];
    }
    size_t have = t->has_raw_data ? t->raw_data.len / 4 : t->n_float_data;
    if ((t->has_raw_data && (t->raw_data.len % 4 != 0 || t->n_float_data != 0)) ||
        have != count)
        return FAIL(MLPB_E_FORMAT,
                    "tensor '%s': its dimensions claim %zu floats, its data holds %zu%s", name,
                    count, have, t->has_raw_data && t->raw_data.len % 4 ? " and a part" : "");
    *n = count;
    return MLPB_OK;
}

static void tensor_floats(const Onnx__TensorProto *t, size_t n, float *x)
{
    if (t->has_raw_data)
        mlpb__onnx_get_f32(t->raw_data.data, n, x);
    else
        memcpy(x, t->float_data, n * sizeof(float));
}

/* An attribute's int or float value, type-checked. */
static mlpb_status attr_int(imp *im, const Onnx__NodeProto *n, const Onnx__AttributeProto *a,
                            int64_t *v)
{
    if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT || !a->has_i)
        return FAIL(MLPB_E_FORMAT, "node %s (%s): attribute '%s' is not an int",
                    nname(im, n), n->op_type, nz(a->name));
    *v = a->i;
    return MLPB_OK;
}

static mlpb_status attr_float(imp *im, const Onnx__NodeProto *n, const Onnx__AttributeProto *a,
                              float *v)
{
    if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT || !a->has_f)
        return FAIL(MLPB_E_FORMAT, "node %s (%s): attribute '%s' is not a float",
                    nname(im, n), n->op_type, nz(a->name));
    *v = a->f;
    return MLPB_OK;
}

static mlpb_status bad_attr(imp *im, const Onnx__NodeProto *n, const Onnx__AttributeProto *a)
{
    return FAIL(MLPB_E_UNSUPPORTED, "node %s (%s): attribute '%s' is not supported",
                nname(im, n), n->op_type, nz(a->name));
}

/* The constant tensor of input i of n, or an error naming it. */
static mlpb_status const_input(imp *im, const Onnx__NodeProto *n, size_t i,
                               const Onnx__TensorProto **t)
{
    if (i >= n->n_input || (*t = find_const(im, n->input[i])) == NULL)
        return FAIL(MLPB_E_UNSUPPORTED,
                    "node %s (%s): input %zu must be a constant (an initializer)",
                    nname(im, n), n->op_type, i);
    return MLPB_OK;
}

/* A bias or standardisation vector of [len] or [1, len]. */
static mlpb_status check_vector(imp *im, const Onnx__NodeProto *n, const Onnx__TensorProto *t,
                                size_t len)
{
    size_t      cnt = 0;
    mlpb_status st = check_tensor(im, t, 1, 2, &cnt);
    if (st != MLPB_OK)
        return st;
    if (cnt != len || (t->n_dims == 2 && t->dims[0] != 1))
        return FAIL(MLPB_E_FORMAT,
                    "node %s (%s): tensor '%s' has %zu values for a layer of width %zu",
                    nname(im, n), n->op_type, nz(t->name), cnt, len);
    return MLPB_OK;
}

/* A new layer from weight tensor w: [in, out], or [out, in] when trans. */
static mlpb_status add_layer(imp *im, const Onnx__NodeProto *n, const Onnx__TensorProto *w,
                             int trans)
{
    size_t      cnt = 0;
    mlpb_status st = check_tensor(im, w, 2, 2, &cnt);
    if (st != MLPB_OK)
        return st;
    size_t in = (size_t)w->dims[trans ? 1 : 0], out = (size_t)w->dims[trans ? 0 : 1];
    if (im->width != 0 && in != im->width)
        return FAIL(MLPB_E_FORMAT,
                    "node %s (%s): weight '%s' takes %zu inputs, the tensor before it has %zu",
                    nname(im, n), n->op_type, nz(w->name), in, im->width);
    if (im->n_layers == MAX_LAYERS)
        return FAIL(MLPB_E_UNSUPPORTED, "more than %d layers", MAX_LAYERS);
    layer_src *l = &im->layers[im->n_layers++];
    l->w         = w;
    l->b         = NULL;
    l->trans     = trans;
    l->in        = in;
    l->out       = out;
    im->width    = out;
    return MLPB_OK;
}

/* Where the walk along the chain is. */
enum chain_state {
    AT_INPUT,  /* before the first layer */
    AT_SUB,    /* after the standardisation's Sub: a Div must follow */
    AT_LINEAR, /* after a Gemm or MatMul (+ Add) */
    AT_RELU,   /* after a hidden layer's Relu */
    AT_END     /* after the final Sigmoid */
};

static mlpb_status step_gemm(imp *im, const Onnx__NodeProto *n)
{
    int64_t     ta = 0, tb = 0;
    float       alpha = 1, beta = 1;
    mlpb_status st = MLPB_OK;
    for (size_t i = 0; i < n->n_attribute && st == MLPB_OK; i++) {
        const Onnx__AttributeProto *a = n->attribute[i];
        const char                 *an = nz(a->name);
        if (strcmp(an, "transA") == 0)
            st = attr_int(im, n, a, &ta);
        else if (strcmp(an, "transB") == 0)
            st = attr_int(im, n, a, &tb);
        else if (strcmp(an, "alpha") == 0)
            st = attr_float(im, n, a, &alpha);
        else if (strcmp(an, "beta") == 0)
            st = attr_float(im, n, a, &beta);
        else
            st = bad_attr(im, n, a);
    }
    if (st != MLPB_OK)
        return st;
    if (ta != 0 || (tb != 0 && tb != 1) || alpha != 1.0f || beta != 1.0f)
        return FAIL(MLPB_E_UNSUPPORTED,
                    "node %s (Gemm): transA %lld, transB %lld, alpha %g, beta %g; only "
                    "transA 0, transB 0 or 1, alpha 1 and beta 1 are supported",
                    nname(im, n), (long long)ta, (long long)tb, (double)alpha, (double)beta);
    if (n->n_input < 2 || n->n_input > 3)
        return FAIL(MLPB_E_FORMAT, "node %s (Gemm): %zu inputs", nname(im, n), n->n_input);
    const Onnx__TensorProto *w, *b = NULL;
    if ((st = const_input(im, n, 1, &w)) != MLPB_OK ||
        (n->n_input == 3 && *n->input[2] && (st = const_input(im, n, 2, &b)) != MLPB_OK) ||
        (st = add_layer(im, n, w, (int)tb)) != MLPB_OK)
        return st;
    if (b != NULL && (st = check_vector(im, n, b, im->width)) != MLPB_OK)
        return st;
    im->layers[im->n_layers - 1].b = b;
    return MLPB_OK;
}

/* The Add after a MatMul: the current tensor plus a constant [out]. */
static mlpb_status step_bias_add(imp *im, const Onnx__NodeProto *n, const char *cur)
{
    if (n->n_input != 2)
        return FAIL(MLPB_E_FORMAT, "node %s (Add): %zu inputs", nname(im, n), n->n_input);
    size_t                   other = strcmp(n->input[0], cur) == 0 ? 1 : 0;
    const Onnx__TensorProto *b;
    mlpb_status              st = const_input(im, n, other, &b);
    if (st == MLPB_OK)
        st = check_vector(im, n, b, im->width);
    if (st == MLPB_OK)
        im->layers[im->n_layers - 1].b = b;
    return st;
}

/* The standardisation's Sub (state AT_INPUT) or Div (AT_SUB). */
static mlpb_status step_standardize(imp *im, const Onnx__NodeProto *n, int div)
{
    const Onnx__TensorProto *t;
    mlpb_status              st = MLPB_OK;
    if (n->n_input != 2 || strcmp(n->input[1], n->input[0]) == 0)
        return FAIL(MLPB_E_FORMAT, "node %s (%s): expected 2 inputs", nname(im, n), n->op_type);
    if ((st = const_input(im, n, 1, &t)) != MLPB_OK)
        return st;
    size_t cnt = 0;
    if ((st = check_tensor(im, t, 1, 2, &cnt)) != MLPB_OK)
        return st;
    if (im->width == 0)
        im->width = cnt;
    if ((st = check_vector(im, n, t, im->width)) != MLPB_OK)
        return st;
    if (div)
        im->std = t;
    else
        im->mean = t;
    return MLPB_OK;
}

/* Node n, the one consumer of tensor cur, on the chain. */
static mlpb_status step(imp *im, const Onnx__NodeProto *n, const char *cur)
{
    const char *op = n->op_type;
    int         s  = im->state;
    if (n->domain != NULL && *n->domain != '\0' && strcmp(n->domain, "ai.onnx") != 0)
        return FAIL(MLPB_E_UNSUPPORTED, "node %s: operator %s of domain '%s' is not supported",
                    nname(im, n), op, n->domain);
    if (n->n_output != 1)
        return FAIL(MLPB_E_UNSUPPORTED, "node %s (%s): %zu outputs, 1 is supported",
                    nname(im, n), op, n->n_output);
    int first_in = n->n_input > 0 && strcmp(n->input[0], cur) == 0;
    if (strcmp(op, "Identity") == 0 || strcmp(op, "Flatten") == 0) {
        for (size_t i = 0; i < n->n_attribute; i++) {
            int64_t axis = 1;
            if (strcmp(op, "Flatten") != 0 || strcmp(nz(n->attribute[i]->name), "axis") != 0)
                return bad_attr(im, n, n->attribute[i]);
            mlpb_status st = attr_int(im, n, n->attribute[i], &axis);
            if (st != MLPB_OK)
                return st;
            if (axis != 1 && axis != -1)
                return FAIL(MLPB_E_UNSUPPORTED, "node %s (Flatten): axis %lld; only 1 keeps "
                            "an [N, d] tensor as it is", nname(im, n), (long long)axis);
        }
        if (n->n_input != 1)
            return FAIL(MLPB_E_FORMAT, "node %s (%s): %zu inputs", nname(im, n), op, n->n_input);
        return s == AT_SUB ? FAIL(MLPB_E_UNSUPPORTED, "node %s (%s): a Div must follow the "
                                  "Sub of the standardisation", nname(im, n), op)
                           : MLPB_OK;
    }
    if (n->n_attribute > 0 && strcmp(op, "Gemm") != 0)
        return bad_attr(im, n, n->attribute[0]);
    if (!first_in && strcmp(op, "Add") != 0)
        return FAIL(MLPB_E_UNSUPPORTED, "node %s (%s): the chain's tensor must be its first "
                    "input", nname(im, n), op);
    mlpb_status st;
    if (strcmp(op, "Sub") == 0 && s == AT_INPUT && im->mean == NULL && im->n_layers == 0) {
        st        = step_standardize(im, n, 0);
        im->state = AT_SUB;
    } else if (strcmp(op, "Div") == 0 && s == AT_SUB) {
        st        = step_standardize(im, n, 1);
        im->state = AT_INPUT;
    } else if (strcmp(op, "Gemm") == 0 && (s == AT_INPUT || s == AT_RELU)) {
        st        = step_gemm(im, n);
        im->state = AT_LINEAR;
    } else if (strcmp(op, "MatMul") == 0 && (s == AT_INPUT || s == AT_RELU)) {
        const Onnx__TensorProto *w;
        if (n->n_input != 2)
            return FAIL(MLPB_E_FORMAT, "node %s (MatMul): %zu inputs", nname(im, n), n->n_input);
        st = const_input(im, n, 1, &w);
        if (st == MLPB_OK)
            st = add_layer(im, n, w, 0);
        im->state       = AT_LINEAR;
        im->pending_add = 1;
    } else if (strcmp(op, "Add") == 0 && s == AT_LINEAR && im->pending_add) {
        st              = step_bias_add(im, n, cur);
        im->pending_add = 0;
    } else if (strcmp(op, "Relu") == 0 && s == AT_LINEAR) {
        st        = n->n_input == 1 ? MLPB_OK : FAIL(MLPB_E_FORMAT, "node %s (Relu): %zu "
                                                     "inputs", nname(im, n), n->n_input);
        im->state       = AT_RELU;
        im->pending_add = 0;
    } else if (strcmp(op, "Sigmoid") == 0 && s == AT_LINEAR) {
        st        = n->n_input == 1 ? MLPB_OK : FAIL(MLPB_E_FORMAT, "node %s (Sigmoid): %zu "
                                                     "inputs", nname(im, n), n->n_input);
        im->state       = AT_END;
        im->sigmoid     = 1;
        im->pending_add = 0;
    } else {
        static const char *const where[] = {"before the first layer",
                                            "after the standardisation's Sub",
                                            "after a linear layer", "after a Relu",
                                            "after the final Sigmoid"};
        return FAIL(MLPB_E_UNSUPPORTED,
                    "node %s: operator %s %s is not supported (an MLP of Gemm or MatMul+Add, "
                    "Relu and a final Sigmoid is)", nname(im, n), op, where[s]);
    }
    return st;
}

/* Ops that may compute further outputs from the chain's output (a label
 * head, like the one mlpblas exports); they are dropped. */
static int head_op(const char *op)
{
    static const char *const ops[] = {"ArgMax",  "ArgMin",    "Greater", "GreaterOrEqual",
                                      "Less",    "LessOrEqual", "Cast",  "Reshape",
                                      "Squeeze", "Unsqueeze", "Flatten", "Identity"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (strcmp(op, ops[i]) == 0)
            return 1;
    return 0;
}

static int node_reads(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_input; i++)
        if (strcmp(n->input[i], name) == 0)
            return 1;
    return 0;
}

/* The nodes outside the chain: a label head or Constants, nothing else. */
static mlpb_status check_rest(imp *im, const char *main_out)
{
    const Onnx__GraphProto *g = im->g;
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        if (im->used[i])
            continue;
        if (!head_op(n->op_type))
            return FAIL(MLPB_E_UNSUPPORTED, "node %s: operator %s is not supported (an MLP "
                        "of Gemm or MatMul+Add, Relu and a final Sigmoid is)",
                        nname(im, n), n->op_type);
        for (size_t j = 0; j < n->n_input; j++) {
            const char *in = n->input[j];
            int         ok = strcmp(in, main_out) == 0 || *in == '\0' || find_const(im, in);
            for (size_t o = 0; !ok && o < g->n_node; o++)
                ok = !im->used[o] && o != i && g->node[o]->n_output == 1 &&
                     strcmp(g->node[o]->output[0], in) == 0;
            if (!ok)
                return FAIL(MLPB_E_UNSUPPORTED, "node %s (%s) reads '%s', which is not the "
                            "output '%s' of the MLP: only a chain is supported", nname(im, n),
                            n->op_type, in, main_out);
        }
    }
    for (size_t o = 1; o < g->n_output; o++) {
        int found = 0;
        for (size_t i = 0; i < g->n_node && !found; i++)
            for (size_t j = 0; j < g->node[i]->n_output; j++)
                found |= !im->used[i] && strcmp(g->node[i]->output[j], nz(g->output[o]->name)) == 0;
        if (!found)
            return FAIL(MLPB_E_FORMAT, "graph output '%s' is not computed from the MLP's output",
                        nz(g->output[o]->name));
    }
    return MLPB_OK;
}

/* Constant nodes with a tensor "value" become constants by output name. */
static mlpb_status collect_constants(imp *im)
{
    const Onnx__GraphProto *g = im->g;
    for (size_t i = 0; i < g->n_node; i++) {
        const Onnx__NodeProto *n = g->node[i];
        if (n->op_type == NULL || *n->op_type == '\0')
            return FAIL(MLPB_E_FORMAT, "node %zu (%s) has no operator", i, nname(im, n));
        for (size_t j = 0; j < n->n_input; j++)
            if (n->input[j] == NULL)
                return FAIL(MLPB_E_FORMAT, "node %s: input %zu has no name", nname(im, n), j);
        for (size_t j = 0; j < n->n_output; j++)
            if (n->output[j] == NULL || *n->output[j] == '\0')
                return FAIL(MLPB_E_FORMAT, "node %s: output %zu has no name", nname(im, n), j);
        if (strcmp(n->op_type, "Constant") != 0 || n->n_output != 1 || n->n_input != 0 ||
            n->n_attribute != 1 || strcmp(nz(n->attribute[0]->name), "value") != 0 ||
            n->attribute[0]->t == NULL)
            continue;
        im->const_t[im->n_const]      = n->attribute[0]->t;
        im->const_name[im->n_const++] = n->output[0];
        im->used[i]                   = 1;
    }
    return MLPB_OK;
}

/* The one graph input that is not a constant: float [N, d]. */
static mlpb_status find_input(imp *im, const char **name)
{
    const Onnx__GraphProto     *g  = im->g;
    const Onnx__ValueInfoProto *in = NULL;
    for (size_t i = 0; i < g->n_input; i++) {
        if (g->input[i]->name == NULL || find_const(im, g->input[i]->name))
            continue;
        if (in != NULL)
            return FAIL(MLPB_E_UNSUPPORTED, "graph inputs '%s' and '%s': one input is supported",
                        nz(in->name), g->input[i]->name);
        in = g->input[i];
    }
    if (in == NULL)
        return FAIL(MLPB_E_FORMAT, "the graph has no input");
    const Onnx__TypeProto *t = in->type;
    if (t == NULL || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
        t->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return FAIL(MLPB_E_UNSUPPORTED, "graph input '%s' is not a float tensor", in->name);
    const Onnx__TensorShapeProto *s = t->tensor_type->shape;
    if (s != NULL) {
        if (s->n_dim != 2)
            return FAIL(MLPB_E_UNSUPPORTED, "graph input '%s' has rank %zu; [N, d] is supported",
                        in->name, s->n_dim);
        const Onnx__TensorShapeProto__Dimension *d1 = s->dim[1];
        if (d1->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d1->dim_value < 1 || d1->dim_value > INT32_MAX)
                return FAIL(MLPB_E_FORMAT, "graph input '%s' has %lld features", in->name,
                            (long long)d1->dim_value);
            im->width = (size_t)d1->dim_value;
        }
    }
    *name = in->name;
    return MLPB_OK;
}

/* Walk from the input to the main output, one consumer at a time. */
static mlpb_status walk(imp *im, const char *input, const char *main_out)
{
    const Onnx__GraphProto *g   = im->g;
    const char             *cur = input;
    while (strcmp(cur, main_out) != 0) {
        size_t count = 0, at = 0;
        for (size_t i = 0; i < g->n_node; i++)
            if (node_reads(g->node[i], cur)) {
                if (count++ == 0)
                    at = i;
            }
        if (count == 0)
            return FAIL(MLPB_E_FORMAT, "tensor '%s' is read by no node and is not the graph's "
                        "output '%s'", cur, main_out);
        if (count > 1)
            return FAIL(MLPB_E_UNSUPPORTED, "tensor '%s' is read by %zu nodes; a chain of "
                        "layers is supported", cur, count);
        const Onnx__NodeProto *n = g->node[at];
        if (im->used[at])
            return FAIL(MLPB_E_FORMAT, "the graph has a cycle: node %s (%s) is reached twice",
                        nname(im, n), n->op_type);
        im->used[at]   = 1;
        mlpb_status st = step(im, n, cur);
        if (st != MLPB_OK)
            return st;
        cur = n->output[0];
    }
    if (im->state == AT_SUB || im->state == AT_RELU || im->n_layers == 0)
        return FAIL(MLPB_E_UNSUPPORTED, "the graph's output '%s' is not a layer's output "
                    "(it ends %s)", main_out, im->n_layers == 0 ? "before any Gemm or MatMul"
                                                                : "in a Relu");
    if (im->n_layers < 2)
        return FAIL(MLPB_E_UNSUPPORTED, "one linear layer: an mlpblas model has at least one "
                    "hidden layer");
    return MLPB_OK;
}

/* Weights and biases of the walked layers into a new model. */
static mlpb_status build_model(imp *im, const mlpb_allocator *alloc, mlpb_model **out)
{
    size_t *sizes = malloc((im->n_layers + 1) * sizeof *sizes);
    if (sizes == NULL)
        return MLPB_E_NOMEM;
    sizes[0] = im->layers[0].in;
    for (size_t l = 0; l < im->n_layers; l++)
        sizes[l + 1] = im->layers[l].out;
    size_t      bytes;
    mlpb_status st = mlpb_model_memory(sizes, im->n_layers + 1, &bytes);
    if (st != MLPB_OK) {
        free(sizes);
        return FAIL(st, "the layers' sizes are too large for an mlpblas model");
    }
    mlpb_config cfg = {sizes, im->n_layers + 1, 0, MLPB_INIT_HE_GLOROT};
    mlpb_model *m   = NULL;
    st              = mlpb_model_create(&cfg, alloc, &m);
    free(sizes);
    if (st != MLPB_OK)
        return FAIL(st, "creating the model: %s", mlpb_strerror(st));
    for (size_t l = 0; l < im->n_layers && st == MLPB_OK; l++) {
        const layer_src *s = &im->layers[l];
        mlpb_layer       ly;
        mlpb_model_layer(m, l, &ly);
        if (!s->trans) {
            tensor_floats(s->w, s->in * s->out, ly.w);
        } else {
            /* [out, in] to [in, out] */
            for (size_t j = 0; j < s->out; j++)
                for (size_t i = 0; i < s->in; i++) {
                    const Onnx__TensorProto *t = s->w;
                    size_t                   at = j * s->in + i;
                    if (t->has_raw_data)
                        mlpb__onnx_get_f32(t->raw_data.data + 4 * at, 1, &ly.w[i * s->out + j]);
                    else
                        ly.w[i * s->out + j] = t->float_data[at];
                }
        }
        if (s->b != NULL)
            tensor_floats(s->b, s->out, ly.b);
        else
            memset(ly.b, 0, s->out * sizeof(float));
        for (size_t i = 0; i < s->in * s->out; i++)
            if (!isfinite(ly.w[i]))
                st = FAIL(MLPB_E_FORMAT, "tensor '%s' holds a non-finite value", nz(s->w->name));
        for (size_t i = 0; i < s->out; i++)
            if (!isfinite(ly.b[i]))
                st = FAIL(MLPB_E_FORMAT, "tensor '%s' holds a non-finite value", nz(s->b->name));
    }
    if (st == MLPB_OK && im->mean != NULL) {
        size_t d  = im->layers[0].in;
        float *ms = malloc(2 * d * sizeof(float));
        if (ms == NULL) {
            st = MLPB_E_NOMEM;
        } else {
            tensor_floats(im->mean, d, ms);
            tensor_floats(im->std, d, ms + d);
            st = mlpb_model_set_standardization(m, ms, ms + d);
            free(ms);
            if (st == MLPB_E_INVALID_ARG || st == MLPB_E_NUMERIC)
                st = FAIL(MLPB_E_FORMAT, "standardisation '%s'/'%s': each std must be finite "
                          "and > 0, each mean finite", nz(im->mean->name), nz(im->std->name));
        }
    }
    if (st != MLPB_OK) {
        mlpb_model_destroy(m);
        return st;
    }
    *out = m;
    return MLPB_OK;
}

/* metadata_props into the model: names, then every other valid entry. */
static size_t copy_meta(const Onnx__ModelProto *mp, mlpb_model *m)
{
    size_t skipped = 0;
    for (size_t i = 0; i < mp->n_metadata_props; i++) {
        const char *key = mp->metadata_props[i]->key, *value = mp->metadata_props[i]->value;
        if (key == NULL || value == NULL) {
            skipped++;
            continue;
        }
        int in = strcmp(key, MLPB_ONNX_KEY_INPUTS) == 0, outs = strcmp(key, MLPB_ONNX_KEY_OUTPUTS) == 0;
        if (in || outs) {
            size_t      n = in ? mlpb_model_n_inputs(m) : mlpb_model_n_outputs(m);
            char      **names;
            mlpb_status st = mlpb__onnx_split_names(value, n, &names);
            if (st == MLPB_OK) {
                st = in ? mlpb_model_set_input_names(m, (const char *const *)names)
                        : mlpb_model_set_output_names(m, (const char *const *)names);
                mlpb__onnx_free_names(names, n);
            }
            skipped += st != MLPB_OK;
            continue;
        }
        if (strcmp(key, MLPB_ONNX_KEY_TASK) == 0)
            continue;
        skipped += mlpb_model_set_meta(m, key, value) != MLPB_OK;
    }
    return skipped;
}

static int default_domain(const char *d)
{
    return d == NULL || *d == '\0' || strcmp(d, "ai.onnx") == 0;
}

/* The checks and the walk on a decoded model. */
static mlpb_status import_model(imp *im, const Onnx__ModelProto *mp, mlpb_onnx_import_info *info)
{
    int64_t opset = -1;
    for (size_t i = 0; i < mp->n_opset_import; i++)
        if (default_domain(mp->opset_import[i]->domain))
            opset = mp->opset_import[i]->version;
    info->ir_version = mp->ir_version;
    info->opset      = opset;
    if (!mp->has_ir_version || mp->ir_version < 3 || mp->ir_version > 10)
        return FAIL(MLPB_E_UNSUPPORTED, "IR version %lld; 3 to 10 are supported",
                    (long long)mp->ir_version);
    if (opset < MLPB_ONNX_OPSET_MIN || opset > MLPB_ONNX_OPSET_MAX)
        return FAIL(MLPB_E_UNSUPPORTED, "opset %lld of the default domain; %d to %d are "
                    "supported", (long long)opset, MLPB_ONNX_OPSET_MIN, MLPB_ONNX_OPSET_MAX);
    const Onnx__GraphProto *g = mp->graph;
    if (g == NULL || g->n_node == 0)
        return FAIL(MLPB_E_FORMAT, "the model has no graph, or a graph without nodes");
    if (g->n_node > MAX_NODES || g->n_initializer > MAX_NODES)
        return FAIL(MLPB_E_UNSUPPORTED, "%zu nodes and %zu initializers: more than an MLP of "
                    "%d layers has", g->n_node, g->n_initializer, MAX_LAYERS);
    if (g->n_output == 0 || g->output[0]->name == NULL || *g->output[0]->name == '\0')
        return FAIL(MLPB_E_FORMAT, "the graph has no named output");
    im->g          = g;
    im->used       = calloc(g->n_node, 1);
    im->const_t    = calloc(g->n_node, sizeof *im->const_t);
    im->const_name = calloc(g->n_node, sizeof *im->const_name);
    im->layers     = calloc(g->n_node < MAX_LAYERS ? g->n_node : MAX_LAYERS, sizeof *im->layers);
    if (im->used == NULL || im->const_t == NULL || im->const_name == NULL || im->layers == NULL)
        return MLPB_E_NOMEM;
    const char *input = NULL, *main_out = g->output[0]->name;
    mlpb_status st    = collect_constants(im);
    if (st == MLPB_OK)
        st = find_input(im, &input);
    if (st == MLPB_OK && *input == '\0')
        st = FAIL(MLPB_E_FORMAT, "the graph input has no name");
    if (st == MLPB_OK)
        st = walk(im, input, main_out);
    if (st == MLPB_OK)
        st = check_rest(im, main_out);
    info->ignored_outputs = g->n_output - 1;
    info->standardization = im->mean != NULL;
    info->added_sigmoid   = !im->sigmoid;
    return st;
}

mlpb_status mlpb_onnx_import_mem(const void *buf, size_t len, const mlpb_allocator *alloc,
                                 mlpb_model **out, mlpb_onnx_import_info *info, char *msg,
                                 size_t msglen)
{
    if (out != NULL)
        *out = NULL;
    if (msg != NULL && msglen > 0)
        *msg = '\0';
    mlpb_onnx_import_info own;
    if (info == NULL)
        info = &own;
    memset(info, 0, sizeof *info);
    if (out == NULL || (buf == NULL && len > 0))
        return MLPB_E_INVALID_ARG;
    imp  state = {0};
    imp *im    = &state;
    im->msg    = msg;
    im->msglen = msglen;
    if (len > MLPB_ONNX_MAX_BYTES)
        return FAIL(MLPB_E_OVERFLOW, "%zu bytes: more than the %zu an ONNX file may have here",
                    len, MLPB_ONNX_MAX_BYTES);
    budget            b  = {0, MLPB_ONNX_DECODE_FACTOR * len + ((size_t)16 << 20), 0};
    ProtobufCAllocator pa = {budget_alloc, budget_free, &b};
    Onnx__ModelProto  *mp = onnx__model_proto__unpack(&pa, len, buf);
    if (mp == NULL)
        return b.hit ? FAIL(MLPB_E_OVERFLOW, "decoding would take more than %zu bytes of memory "
                            "for a file of %zu bytes", b.limit, len)
                     : FAIL(MLPB_E_FORMAT, "not an ONNX model: the protobuf does not decode "
                            "(truncated or corrupt)");
    mlpb_status st = import_model(im, mp, info);
    mlpb_model *m  = NULL;
    if (st == MLPB_OK)
        st = build_model(im, alloc, &m);
    if (st == MLPB_OK) {
        size_t skipped = copy_meta(mp, m);
        int    o       = 0;
        if (msg != NULL && msglen > 0) {
            if (info->added_sigmoid)
                o = snprintf(msg, msglen, "the graph ends in a linear layer: a Sigmoid was "
                             "appended (mlpblas outputs are sigmoids of the logits)");
            if (skipped && o >= 0 && (size_t)o < msglen)
                snprintf(msg + o, msglen - (size_t)o, "%s%zu metadata entries not valid for an "
                         "mlpblas model were left out", o ? "; " : "", skipped);
        }
        *out = m;
    }
    onnx__model_proto__free_unpacked(mp, &pa);
    free(im->used);
    free(im->const_t);
    free(im->const_name);
    free(im->layers);
    return st;
}
