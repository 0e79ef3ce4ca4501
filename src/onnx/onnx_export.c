/* onnx_export.c -- an mlpblas model as an ONNX graph (mlpblas_onnx.h has
 * the graph). The messages are built on the stack and in a few arrays that
 * point into the model and into one byte buffer of the weights, packed once
 * by protobuf-c and freed. */
#include "onnx_internal.h"
#include "../reserved.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bounds of the graph: the standardisation (2 nodes, 2 tensors),
 * per weight layer a Gemm and an activation (2 nodes) and W, b (2 tensors),
 * the label head (3 nodes, 2 tensors). */
#define EXTRA_NODES   5
#define EXTRA_TENSORS 4
#define NAME_LEN      40

typedef struct exp_node {
    Onnx__NodeProto       node;
    Onnx__AttributeProto  attr[2];
    Onnx__AttributeProto *attrs[2];
    char                 *in[3], *out[1];
    char                  name[NAME_LEN], out_name[NAME_LEN];
} exp_node;

typedef struct exp_tensor {
    Onnx__TensorProto t;
    int64_t           dims[2];
    int64_t           i64; /* a one-element int64 tensor (Reshape's shape) */
    char              name[NAME_LEN];
} exp_tensor;

typedef struct exp_ctx {
    exp_node   *nodes;
    exp_tensor *tensors;
    size_t      n_nodes, n_tensors;
    uint8_t    *bytes; /* the float tensors' raw_data, one after the other */
    size_t      used;
} exp_ctx;

static exp_node *add_node(exp_ctx *c, const char *op, const char *in0, const char *in1,
                          const char *in2, const char *out)
{
    exp_node *n = &c->nodes[c->n_nodes];
    onnx__node_proto__init(&n->node);
    snprintf(n->name, sizeof n->name, "%s_%zu", op, c->n_nodes);
    snprintf(n->out_name, sizeof n->out_name, "%s", out ? out : n->name);
    c->n_nodes++;
    n->node.name    = n->name;
    n->node.op_type = S(op);
    n->in[0]        = S(in0);
    n->in[1]        = S(in1);
    n->in[2]        = S(in2);
    n->node.input   = n->in;
    n->node.n_input = in2 ? 3 : in1 ? 2 : 1;
    n->out[0]       = n->out_name;
    n->node.output  = n->out;
    n->node.n_output = 1;
    return n;
}

/* Append an int attribute (at most two a node). */
static void add_int_attr(exp_node *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = &n->attr[n->node.n_attribute];
    onnx__attribute_proto__init(a);
    a->name     = S(name);
    a->has_type = 1;
    a->type     = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i    = 1;
    a->i        = v;
    n->attrs[n->node.n_attribute++] = a;
    n->node.attribute = n->attrs;
}

/* A float initializer of shape [d0] (d1 == 0) or [d0, d1] from x. */
static const char *add_float(exp_ctx *c, const char *name, const float *x, size_t d0, size_t d1)
{
    exp_tensor *t = &c->tensors[c->n_tensors++];
    size_t      n = d1 ? d0 * d1 : d0;
    onnx__tensor_proto__init(&t->t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->t.name          = t->name;
    t->t.has_data_type = 1;
    t->t.data_type     = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    t->dims[0]         = (int64_t)d0;
    t->dims[1]         = (int64_t)d1;
    t->t.dims          = t->dims;
    t->t.n_dims        = d1 ? 2 : 1;
    mlpb__onnx_put_f32(x, n, c->bytes + c->used);
    t->t.has_raw_data  = 1;
    t->t.raw_data.data = c->bytes + c->used;
    t->t.raw_data.len  = 4 * n;
    c->used += 4 * n;
    return t->name;
}

static const char *add_scalar_half(exp_ctx *c)
{
    static const float half = 0.5f;
    const char *name = add_float(c, "threshold", &half, 1, 0);
    c->tensors[c->n_tensors - 1].t.n_dims = 0; /* a scalar */
    return name;
}

static const char *add_shape_minus1(exp_ctx *c)
{
    exp_tensor *t = &c->tensors[c->n_tensors++];
    onnx__tensor_proto__init(&t->t);
    snprintf(t->name, sizeof t->name, "label_shape");
    t->t.name          = t->name;
    t->t.has_data_type = 1;
    t->t.data_type     = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    t->dims[0]         = 1;
    t->t.dims          = t->dims;
    t->t.n_dims        = 1;
    t->i64             = -1;
    t->t.int64_data    = &t->i64;
    t->t.n_int64_data  = 1;
    return t->name;
}

/* The value info of a graph input or output: elem_type [N] or [N, k]. */
typedef struct exp_value {
    Onnx__ValueInfoProto            v;
    Onnx__TypeProto                 type;
    Onnx__TypeProto__Tensor         tensor;
    Onnx__TensorShapeProto          shape;
    Onnx__TensorShapeProto__Dimension dim[2], *dims[2];
} exp_value;

static void set_value(exp_value *e, const char *name, int elem, size_t k, int rank)
{
    onnx__value_info_proto__init(&e->v);
    onnx__type_proto__init(&e->type);
    onnx__type_proto__tensor__init(&e->tensor);
    onnx__tensor_shape_proto__init(&e->shape);
    for (int i = 0; i < 2; i++) {
        onnx__tensor_shape_proto__dimension__init(&e->dim[i]);
        e->dims[i] = &e->dim[i];
    }
    e->dim[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
    e->dim[0].dim_param  = S("N");
    e->dim[1].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    e->dim[1].dim_value  = (int64_t)k;
    e->shape.dim         = e->dims;
    e->shape.n_dim       = (size_t)rank;
    e->tensor.has_elem_type = 1;
    e->tensor.elem_type     = elem;
    e->tensor.shape         = &e->shape;
    e->type.value_case      = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    e->type.tensor_type     = &e->tensor;
    e->v.name               = S(name);
    e->v.type               = &e->type;
}

void mlpb_onnx_export_opts_default(mlpb_onnx_export_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->task = MLPB_ONNX_TASK_AUTO;
}

/* The default input doc: the d inputs' names, or their count. */
static char *input_doc(const mlpb_model *m, size_t d)
{
    static const char head[] = "float32 [N, %zu]: the model's inputs, standardised inside "
                               "the graph; in order: ";
    size_t len = sizeof head + 32;
    for (size_t i = 0; i < d && mlpb_model_input_name(m, 0); i++)
        len += strlen(mlpb_model_input_name(m, i)) + 2;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    int o = snprintf(s, len, head, d);
    if (mlpb_model_input_name(m, 0) == NULL) {
        snprintf(s + o, len - (size_t)o, "inputs 0 to %zu (no names)", d - 1);
        return s;
    }
    for (size_t i = 0; i < d; i++)
        o += snprintf(s + o, len - (size_t)o, "%s%s", i ? ", " : "", mlpb_model_input_name(m, i));
    return s;
}

/* metadata_props: the model's entries, then the task and the names. */
static mlpb_status build_meta(const mlpb_model *m, mlpb_onnx_task task,
                              Onnx__StringStringEntryProto *e, Onnx__StringStringEntryProto **ep,
                              size_t *n, char **owned)
{
    static const char *const tasks[] = {"", "binary", "multi-label", "multi-class"};
    size_t count = mlpb_model_meta_count(m), j = 0;
    for (size_t i = 0; i < count; i++) {
        const char *key, *value;
        mlpb_model_meta_at(m, i, &key, &value);
        if (strcmp(key, MLPB_ONNX_KEY_TASK) == 0 || strcmp(key, MLPB_ONNX_KEY_INPUTS) == 0 ||
            strcmp(key, MLPB_ONNX_KEY_OUTPUTS) == 0)
            continue; /* written below, from the model itself */
        onnx__string_string_entry_proto__init(&e[j]);
        e[j].key   = S(key);
        e[j].value = S(value);
        j++;
    }
    onnx__string_string_entry_proto__init(&e[j]);
    e[j].key   = S(MLPB_ONNX_KEY_TASK);
    e[j].value = S(tasks[task]);
    j++;
    size_t d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    for (int side = 0; side < 2; side++) {
        size_t       cnt   = side ? k : d;
        const char **names = malloc(cnt * sizeof *names);
        if (names == NULL)
            return MLPB_E_NOMEM;
        for (size_t i = 0; i < cnt; i++)
            names[i] = side ? mlpb_model_output_name(m, i) : mlpb_model_input_name(m, i);
        if (names[0] != NULL) {
            owned[side] = mlpb__onnx_join_names(names, cnt);
            if (owned[side] == NULL) {
                free(names);
                return MLPB_E_NOMEM;
            }
            onnx__string_string_entry_proto__init(&e[j]);
            e[j].key   = S(side ? MLPB_ONNX_KEY_OUTPUTS : MLPB_ONNX_KEY_INPUTS);
            e[j].value = owned[side];
            j++;
        }
        free(names);
    }
    for (size_t i = 0; i < j; i++)
        ep[i] = &e[i];
    *n = j;
    return MLPB_OK;
}

/* The nodes and initializers of the graph into c; the probabilities and
 * label names are fixed. */
static void build_nodes(exp_ctx *c, mlpb_model *m, mlpb_onnx_task task)
{
    size_t      nl = mlpb_model_n_layers(m), d = mlpb_model_n_inputs(m);
    const char *x  = "input";
    if (mlpb_model_mean(m) != NULL) {
        const char *mean = add_float(c, "mean", mlpb_model_mean(m), d, 0);
        const char *std  = add_float(c, "std", mlpb_model_std(m), d, 0);
        x = add_node(c, "Sub", x, mean, NULL, "centred")->out_name;
        x = add_node(c, "Div", x, std, NULL, "standardised")->out_name;
    }
    for (size_t l = 0; l < nl; l++) {
        mlpb_layer ly;
        char       wn[NAME_LEN], bn[NAME_LEN], gn[NAME_LEN];
        mlpb_model_layer(m, l, &ly);
        snprintf(wn, sizeof wn, "W%zu", l);
        snprintf(bn, sizeof bn, "b%zu", l);
        snprintf(gn, sizeof gn, "logits%zu", l);
        const char *w = add_float(c, wn, ly.w, ly.in, ly.out);
        const char *b = add_float(c, bn, ly.b, ly.out, 0);
        x = add_node(c, "Gemm", x, w, b, gn)->out_name;
        x = add_node(c, l + 1 < nl ? "Relu" : "Sigmoid", x, NULL, NULL,
                     l + 1 < nl ? NULL : "probabilities")->out_name;
    }
    if (task == MLPB_ONNX_TASK_MULTICLASS) {
        /* The first index of the largest value, as the tool's class. */
        exp_node *a = add_node(c, "ArgMax", "probabilities", NULL, NULL, "label");
        add_int_attr(a, "axis", 1);
        add_int_attr(a, "keepdims", 0);
        return;
    }
    const char *half = add_scalar_half(c);
    const char *ge   = add_node(c, "GreaterOrEqual", "probabilities", half, NULL, "positive")
                         ->out_name;
    exp_node *cast = add_node(c, "Cast", ge, NULL, NULL,
                              task == MLPB_ONNX_TASK_BINARY ? "label_col" : "label");
    add_int_attr(cast, "to", ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    if (task == MLPB_ONNX_TASK_BINARY)
        add_node(c, "Reshape", cast->out_name, add_shape_minus1(c), NULL, "label");
}

mlpb_status mlpb_onnx_export_mem(const mlpb_model *cm, const mlpb_onnx_export_opts *opts,
                                 void **buf, size_t *len)
{
    if (buf != NULL)
        *buf = NULL;
    if (len != NULL)
        *len = 0;
    mlpb_onnx_export_opts def;
    mlpb_onnx_export_opts_default(&def);
    const mlpb_onnx_export_opts *o = opts ? opts : &def;
    if (cm == NULL || buf == NULL || len == NULL || !mlpb_model_has_params(cm) ||
        (unsigned)o->task > MLPB_ONNX_TASK_MULTICLASS || !MLPB_RESERVED_ZERO(o))
        return MLPB_E_INVALID_ARG;
    /* Read only: the layer views are for reading here. */
    mlpb_model    *m    = mlpb__onnx_unconst(cm);
    size_t         d    = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    size_t         nl   = mlpb_model_n_layers(m), nparam = 0;
    mlpb_onnx_task task = o->task != MLPB_ONNX_TASK_AUTO ? o->task
                          : k == 1                       ? MLPB_ONNX_TASK_BINARY
                                                         : MLPB_ONNX_TASK_MULTILABEL;
    if (task == MLPB_ONNX_TASK_MULTICLASS && k < 2)
        return MLPB_E_INVALID_ARG;
    mlpb_model_params(m, &nparam);
    /* Every float of the graph as raw_data, and protobuf's 2 GiB limit on
     * a message. */
    size_t nfloat = nparam + 2 * d + 1;
    if (nfloat > ((size_t)1 << 31) / 4 - 4096)
        return MLPB_E_OVERFLOW;

    exp_ctx c = {0};
    c.nodes   = calloc(2 * nl + EXTRA_NODES, sizeof *c.nodes);
    c.tensors = calloc(2 * nl + EXTRA_TENSORS, sizeof *c.tensors);
    c.bytes   = malloc(4 * nfloat);
    size_t n_meta = mlpb_model_meta_count(m) + 3;
    Onnx__StringStringEntryProto  *meta  = calloc(n_meta, sizeof *meta);
    Onnx__StringStringEntryProto **metap = calloc(n_meta, sizeof *metap);
    Onnx__NodeProto              **nodep = calloc(2 * nl + EXTRA_NODES, sizeof *nodep);
    Onnx__TensorProto            **tenp  = calloc(2 * nl + EXTRA_TENSORS, sizeof *tenp);
    char        *owned[2] = {NULL, NULL}, *doc = NULL;
    uint8_t     *out      = NULL;
    mlpb_status  st       = MLPB_E_NOMEM;
    if (c.nodes == NULL || c.tensors == NULL || c.bytes == NULL || meta == NULL ||
        metap == NULL || nodep == NULL || tenp == NULL)
        goto done;
    build_nodes(&c, m, task);
    size_t n_meta_used = 0;
    if ((st = build_meta(m, task, meta, metap, &n_meta_used, owned)) != MLPB_OK)
        goto done;
    st = MLPB_E_NOMEM;
    if (o->input_doc == NULL && (doc = input_doc(m, d)) == NULL)
        goto done;
    for (size_t i = 0; i < c.n_nodes; i++)
        nodep[i] = &c.nodes[i].node;
    for (size_t i = 0; i < c.n_tensors; i++)
        tenp[i] = &c.tensors[i].t;

    exp_value in, probs, label;
    set_value(&in, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, d, 2);
    in.v.doc_string = o->input_doc ? S(o->input_doc) : doc;
    set_value(&probs, "probabilities", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, k, 2);
    probs.v.doc_string = S("float32 [N, k]: the sigmoid outputs, as mlpb_predict "
                                 "computes them");
    int multi = task == MLPB_ONNX_TASK_MULTILABEL;
    set_value(&label, "label", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, k, multi ? 2 : 1);
    label.v.doc_string =
        S(task == MLPB_ONNX_TASK_BINARY ? "int64 [N]: 1 where the probability >= 0.5"
                 : multi ? "int64 [N, k]: 1 where the label's probability >= 0.5"
                         : "int64 [N]: the class, the index of the largest probability");
    Onnx__ValueInfoProto *ins[1] = {&in.v}, *outs[2] = {&probs.v, &label.v};

    Onnx__GraphProto g;
    onnx__graph_proto__init(&g);
    g.name          = S(o->graph_name ? o->graph_name : "mlpblas");
    g.node          = nodep;
    g.n_node        = c.n_nodes;
    g.initializer   = tenp;
    g.n_initializer = c.n_tensors;
    g.input         = ins;
    g.n_input       = 1;
    g.output        = outs;
    g.n_output      = 2;

    Onnx__OperatorSetIdProto opset;
    onnx__operator_set_id_proto__init(&opset);
    opset.domain      = S("");
    opset.has_version = 1;
    opset.version     = MLPB_ONNX_OPSET;
    Onnx__OperatorSetIdProto *opsets[1] = {&opset};

    Onnx__ModelProto mp;
    onnx__model_proto__init(&mp);
    mp.has_ir_version   = 1;
    mp.ir_version       = MLPB_ONNX_IR_VERSION;
    mp.opset_import     = opsets;
    mp.n_opset_import   = 1;
    mp.producer_name    = S("mlpblas");
    mp.producer_version = S(mlpb_version_string());
    mp.graph            = &g;
    mp.metadata_props   = metap;
    mp.n_metadata_props = n_meta_used;
    mp.doc_string = S("A multilayer perceptron written by mlpblas: standardisation, "
                            "ReLU hidden layers, sigmoid outputs.");

    size_t sz = onnx__model_proto__get_packed_size(&mp);
    if (sz > ((size_t)1 << 31)) {
        st = MLPB_E_OVERFLOW;
        goto done;
    }
    if ((out = malloc(sz)) == NULL)
        goto done;
    onnx__model_proto__pack(&mp, out);
    *buf = out;
    *len = sz;
    out  = NULL;
    st   = MLPB_OK;
done:
    free(out);
    free(doc);
    free(owned[0]);
    free(owned[1]);
    free(tenp);
    free(nodep);
    free(metap);
    free(meta);
    free(c.bytes);
    free(c.tensors);
    free(c.nodes);
    return st;
}

mlpb_status mlpb_onnx_export(const mlpb_model *m, const mlpb_onnx_export_opts *opts,
                             const char *path)
{
    if (path == NULL || *path == '\0')
        return MLPB_E_INVALID_ARG;
    void       *buf = NULL;
    size_t      len = 0;
    mlpb_status st  = mlpb_onnx_export_mem(m, opts, &buf, &len);
    if (st != MLPB_OK)
        return st;
    size_t plen = strlen(path);
    char  *tmp  = malloc(plen + 5);
    if (tmp == NULL) {
        free(buf);
        return MLPB_E_NOMEM;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int   ok = f != NULL && fwrite(buf, 1, len, f) == len;
    int   e  = errno;
    if (f != NULL && fclose(f) != 0 && ok) {
        ok = 0;
        e  = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        e  = errno;
    }
    if (!ok && f != NULL)
        remove(tmp);
    free(tmp);
    free(buf);
    errno = e;
    return ok ? MLPB_OK : MLPB_E_IO;
}
