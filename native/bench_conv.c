/*
 * bench_conv: the C floor for kdnn's benchmarks. Calls the same libdnnl.so.3 that kdnn loads,
 * directly through oneDNN's C API, on the operations the Java runner sends on stdin, with the
 * same thread count and the same settings as kdnn: weights created with format `any` and
 * reordered once from the Keras layout, channels-last (nwc/nhwc/ndhwc) activations, eltwise
 * post-ops, user scratchpad, forward inference.
 *
 * usage: bench_conv THREADS WARMUP_MS MEASURE_MS MIN_ITERS, then commands on stdin. Dims are
 * oneDNN's logical ones ({N, C, spatial...}; weights {[G,] O, I, spatial...}); ND = SP + 2.
 *   SHAPE name kind sp  N C s1..ssp  wnd w1..wwnd  N F o1..osp  strides[sp] dilates[sp] padl[sp] padr[sp]
 *     the suite's convolution (always bias + ReLU); kind: 0 convolution, 1 deconvolution
 *     (transposed), 2 grouped (depthwise) convolution
 *   OP name conv kind sp src[ND] wnd wei[wnd] dst[ND] strides[sp] dilates[sp] padl[sp] padr[sp] bias npost {alg alpha beta}*
 *     any convolution: bias 0/1, npost eltwise post-ops (alg: oneDNN's name without dnnl_eltwise_,
 *     e.g. relu, tanh, logistic; selu is elu then linear)
 *   OP name softmax nd dims[nd] axis        accurate softmax over a logical axis, in place
 *   OP name pad nd src[nd] dst[nd] off[nd]   zero-fill dst, then reorder src into its window at off
 *   OP name crop nd src[nd] dst[nd] off[nd]  reorder the window of src at off into dst
 *   OP name resample nd src[nd] dst[nd]      nearest resampling (integer factors dst/src)
 *   OP name pool alg nd src[nd] dst[nd] kernel[sp] strides[sp] padl[sp] padr[sp]
 *     pooling, alg max or avg (avg_exclude_padding, TensorFlow's same), channels-last
 *   OP name bnorm nd dims[nd] scale shift  batch normalization at inference with global statistics
 *     (epsilon 1e-3), channels-last; scale and shift 0/1 add gamma and beta
 *   OP name dense rows in units bias npost {alg alpha beta}*   inner product of a {rows, in} input
 *     with weights created `any` and reordered once from Keras' (in, units) layout
 *     SHAPE and OP make that operation current and answer "FIRST name us" (primitive descriptor,
 *     primitive, weight reorder, first execution; after one throwaway warm-up shape per process,
 *     so library start-up is not in it)
 *   PLAN name B bytes[B] N, then N op lines: a whole prediction as kdnn ran it (kdnn's
 *     ExecutionTrace, each primitive's Primitive.replay() line). B buffers, filled with values in
 *     [-1, 1), stand for kdnn's (input, output, workspace, weights, scratchpads), so operations share
 *     memory exactly as kdnn's call did; each starts on a page, and the offsets keep every argument
 *     where kdnn had it within its page. An op line is KIND THREADS ..., then args K NAME=bBUF+BYTES...
 *     (argument NAME at byte offset BYTES of buffer BUF; its layout is the one the primitive reports).
 *     THREADS: the count kdnn created it with; all run with the process' count. MD is a memory
 *     descriptor: DT:DIMS:STRIDES[+OFFSET] (f32:1x64x56x56:200704x1x3584x64, in elements), DT:DIMS:any,
 *     or - for none. POST is post N then N of ALG ALPHA BETA (eltwise), sum SCALE, binary_ALG MD.
 *       conv|deconv T src wei bias dst strides[sp] dilates[sp] padl[sp] padr[sp] POST
 *       ip|matmul T src wei bias dst POST        reorder T src dst
 *       softmax T accurate|log src dst axis      eltwise T alg alpha beta src dst
 *       binary T alg src0 src1 dst POST          concat T dst axis n src[n]
 *       pool T max|avg_exclude_padding|avg_include_padding src dst kernel[sp] strides[sp] padl[sp] padr[sp]
 *       bnorm T epsilon global[,scale][,shift][,relu] src dst    resample T nearest|linear src dst factors[sp]
 *       gnorm T groups epsilon stats[,scale][,shift] src dst  reduction T mean|sum|max|min src dst
 *       lnorm T epsilon stats[,scale][,shift] src dst
 *       prelu T src wei dst
 *     Weights and biases get values in [-1/16, 1/16), variances positive ones. Answers "IMPL i name"
 *     per operation (oneDNN's implementation), then "FIRST name us" (creating every primitive and
 *     running the sequence once, filling buffers left out).
 *   DATA K bBUF+OFFSET:BYTES... FILE: the current plan's values that no operation of it writes first (its
 *     input, weights, biases, statistics) as kdnn's call had them, read from FILE (the rest of the
 *     line, spaces allowed) one range after the other, so the replay computes on kdnn's data (oneDNN's kernels run slower or faster with the
 *     values, zeros and near-zero activations fastest). Answers "DATA name bytes".
 *   MEASURE: warm up, time single calls of the current operation or plan, answer "RESULT name median_us n".
 * Timing is the same as the Java runner's (Timing.java): per-call samples after a warm-up, median.
 * The runner interleaves MEASURE chunks with kdnn's (and ORT's) on the same shape or model.
 */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <omp.h>
#include "oneapi/dnnl/dnnl.h"

#define CHECK(f) do { dnnl_status_t s_ = (f); if (s_ != dnnl_success) { \
    fprintf(stderr, "bench_conv: %s failed: status %d (line %d)\n", #f, (int)s_, __LINE__); exit(1); } } while (0)

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *alloc_filled(size_t bytes, unsigned seed) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64)) { fprintf(stderr, "bench_conv: out of memory\n"); exit(1); }
    float *f = p;
    for (size_t i = 0; i < bytes / sizeof(float); i++) {
        seed = seed * 1664525u + 1013904223u;
        f[i] = ((seed >> 8) / 16777216.0f - 0.5f) * 0.2f;
    }
    return p;
}

#define MAXD 6
#define MAXPOST 4
#define MAXMEM 72 /* arguments of one operation: up to 64 concat sources, scratchpad */
#define MAXSRC 64

typedef struct { const char *name; dnnl_alg_kind_t alg; } eltwise_name_t;
static const eltwise_name_t ELTWISE[] = {
    {"relu", dnnl_eltwise_relu}, {"tanh", dnnl_eltwise_tanh}, {"elu", dnnl_eltwise_elu},
    {"square", dnnl_eltwise_square}, {"abs", dnnl_eltwise_abs}, {"sqrt", dnnl_eltwise_sqrt},
    {"linear", dnnl_eltwise_linear}, {"soft_relu", dnnl_eltwise_soft_relu},
    {"hardsigmoid", dnnl_eltwise_hardsigmoid}, {"logistic", dnnl_eltwise_logistic}, {"exp", dnnl_eltwise_exp},
    {"gelu_tanh", dnnl_eltwise_gelu_tanh}, {"swish", dnnl_eltwise_swish}, {"log", dnnl_eltwise_log},
    {"clip", dnnl_eltwise_clip}, {"clip_v2", dnnl_eltwise_clip_v2}, {"pow", dnnl_eltwise_pow},
    {"gelu_erf", dnnl_eltwise_gelu_erf}, {"round", dnnl_eltwise_round}, {"mish", dnnl_eltwise_mish},
    {"hardswish", dnnl_eltwise_hardswish}};

static const eltwise_name_t BINARY[] = {
    {"add", dnnl_binary_add}, {"mul", dnnl_binary_mul}, {"max", dnnl_binary_max}, {"min", dnnl_binary_min},
    {"div", dnnl_binary_div}, {"sub", dnnl_binary_sub}, {"ge", dnnl_binary_ge}, {"gt", dnnl_binary_gt},
    {"le", dnnl_binary_le}, {"lt", dnnl_binary_lt}, {"eq", dnnl_binary_eq}, {"ne", dnnl_binary_ne}};
static const eltwise_name_t POOLING[] = {
    {"max", dnnl_pooling_max}, {"avg_exclude_padding", dnnl_pooling_avg_exclude_padding},
    {"avg_include_padding", dnnl_pooling_avg_include_padding}};
static const eltwise_name_t SOFTMAX[] = {{"accurate", dnnl_softmax_accurate}, {"log", dnnl_softmax_log}};
static const eltwise_name_t RESAMPLING[] = {{"nearest", dnnl_resampling_nearest}, {"linear", dnnl_resampling_linear}};
static const eltwise_name_t REDUCTION[] = {{"mean", dnnl_reduction_mean}, {"sum", dnnl_reduction_sum},
    {"max", dnnl_reduction_max}, {"min", dnnl_reduction_min}};

/* The algorithm named `name` in table `t` of `n` entries; 0 when none is. */
static int find_alg(const eltwise_name_t *t, size_t n, const char *name, dnnl_alg_kind_t *alg) {
    for (size_t k = 0; k < n; k++) {
        if (strcmp(t[k].name, name) == 0) { *alg = t[k].alg; return 1; }
    }
    fprintf(stderr, "bench_conv: unknown algorithm %s\n", name);
    return 0;
}
#define FIND(table, name, alg) find_alg(table, sizeof table / sizeof table[0], name, alg)

/* A convolution of any kind, rank, bias and post-ops. */
typedef struct {
    int kind, sp, wnd, bias, npost;
    dnnl_dims_t src, wei, dst, strides, dilates, padl, padr;
    dnnl_alg_kind_t alg[MAXPOST];
    float alpha[MAXPOST], beta[MAXPOST];
} conv_t;

static int read_dims(dnnl_dims_t d, int n) {
    for (int i = 0; i < n; i++) {
        long long v;
        if (scanf("%lld", &v) != 1) return 0;
        d[i] = v;
    }
    return 1;
}

static int read_geometry(conv_t *c) {
    if (scanf("%d %d", &c->kind, &c->sp) != 2 || c->sp < 1 || c->sp > 3 || c->kind < 0 || c->kind > 2) return 0;
    int nd = c->sp + 2;
    if (!read_dims(c->src, nd)) return 0;
    if (scanf("%d", &c->wnd) != 1 || c->wnd < 3 || c->wnd > MAXD || !read_dims(c->wei, c->wnd)) return 0;
    return read_dims(c->dst, nd) && read_dims(c->strides, c->sp) && read_dims(c->dilates, c->sp)
        && read_dims(c->padl, c->sp) && read_dims(c->padr, c->sp);
}

static int read_post_ops(conv_t *c) {
    if (scanf("%d %d", &c->bias, &c->npost) != 2 || c->npost < 0 || c->npost > MAXPOST) return 0;
    for (int i = 0; i < c->npost; i++) {
        char alg[32];
        if (scanf("%31s %f %f", alg, &c->alpha[i], &c->beta[i]) != 3) return 0;
        size_t k = 0, n = sizeof ELTWISE / sizeof ELTWISE[0];
        while (k < n && strcmp(ELTWISE[k].name, alg) != 0) k++;
        if (k == n) { fprintf(stderr, "bench_conv: unknown eltwise %s\n", alg); return 0; }
        c->alg[i] = ELTWISE[k].alg;
    }
    return 1;
}

/* The activation tag (channels last) and the Keras weight layout kdnn hands to oneDNN. */
static dnnl_format_tag_t act_tag(int sp) {
    return sp == 1 ? dnnl_nwc : sp == 2 ? dnnl_nhwc : dnnl_ndhwc;
}
static dnnl_format_tag_t keras_weight_tag(int kind, int sp) {
    if (kind == 1) return sp == 1 ? dnnl_woi : sp == 2 ? dnnl_hwoi : dnnl_dhwoi;
    if (kind == 2) return sp == 1 ? dnnl_wigo : sp == 2 ? dnnl_hwigo : dnnl_dhwigo;
    return sp == 1 ? dnnl_wio : sp == 2 ? dnnl_hwio : dnnl_dhwio;
}

/* One current operation: its primitive, execution arguments, and what it owns. */
typedef struct {
    dnnl_primitive_t prim;
    int nargs, nmems, nbufs;
    dnnl_exec_arg_t args[MAXMEM];
    dnnl_memory_t mems[MAXMEM];
    void *bufs[MAXMEM];
    void *zero;        /* pad: this buffer is zero-filled before every execution */
    size_t zero_bytes;
    dnnl_stream_t stream;
} run_t;

/* A memory on a new buffer (filled with small values), or on `buf` when given (a window into it). */
static dnnl_memory_t memory(run_t *r, dnnl_engine_t eng, const_dnnl_memory_desc_t md, void *buf, unsigned seed) {
    if (!buf) buf = r->bufs[r->nbufs++] = alloc_filled(dnnl_memory_desc_get_size(md), seed);
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, eng, buf));
    r->mems[r->nmems++] = m;
    return m;
}

static void arg(run_t *r, int id, dnnl_memory_t m) {
    r->args[r->nargs].arg = id;
    r->args[r->nargs++].memory = m;
}

/* Every primitive runs with a user scratchpad, as kdnn's do. */
static dnnl_primitive_attr_t new_attr(void) {
    dnnl_primitive_attr_t attr;
    CHECK(dnnl_primitive_attr_create(&attr));
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    return attr;
}

/* The primitive of `pd` and its scratchpad; destroys pd and attr. */
static void finish(run_t *r, dnnl_engine_t eng, dnnl_primitive_desc_t pd, dnnl_primitive_attr_t attr) {
    CHECK(dnnl_primitive_create(&r->prim, pd));
    arg(r, DNNL_ARG_SCRATCHPAD, memory(r, eng, dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0), NULL, 5));
    CHECK(dnnl_primitive_desc_destroy(pd)); /* the queried descs belong to pd: memories hold copies */
    CHECK(dnnl_primitive_attr_destroy(attr));
}

static dnnl_memory_desc_t act_md(int nd, const dnnl_dims_t dims) {
    dnnl_memory_desc_t md;
    CHECK(dnnl_memory_desc_create_with_tag(&md, nd, dims, dnnl_f32, act_tag(nd - 2)));
    return md;
}

static void create_conv(const conv_t *s, dnnl_engine_t eng, dnnl_stream_t stream, run_t *r) {
    int nd = s->sp + 2;
    dnnl_memory_desc_t src_md = act_md(nd, s->src), dst_md = act_md(nd, s->dst), wany_md, wuser_md, bias_md = NULL;
    CHECK(dnnl_memory_desc_create_with_tag(&wany_md, s->wnd, s->wei, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_create_with_tag(&wuser_md, s->wnd, s->wei, dnnl_f32, keras_weight_tag(s->kind, s->sp)));
    dnnl_dims_t bdims = {s->dst[1]};
    if (s->bias) CHECK(dnnl_memory_desc_create_with_tag(&bias_md, 1, bdims, dnnl_f32, dnnl_x));

    dnnl_primitive_attr_t attr = new_attr();
    dnnl_post_ops_t po = NULL;
    if (s->npost > 0) {
        CHECK(dnnl_post_ops_create(&po));
        for (int i = 0; i < s->npost; i++) CHECK(dnnl_post_ops_append_eltwise(po, s->alg[i], s->alpha[i], s->beta[i]));
        CHECK(dnnl_primitive_attr_set_post_ops(attr, po));
    }

    dnnl_primitive_desc_t pd;
    if (s->kind == 1) {
        CHECK(dnnl_deconvolution_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference,
            dnnl_deconvolution_direct, src_md, wany_md, bias_md, dst_md, s->strides, s->dilates, s->padl, s->padr, attr));
    } else {
        CHECK(dnnl_convolution_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference,
            dnnl_convolution_direct, src_md, wany_md, bias_md, dst_md, s->strides, s->dilates, s->padl, s->padr, attr));
    }
    const_dnnl_memory_desc_t wpacked_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    arg(r, DNNL_ARG_SRC, memory(r, eng, src_md, NULL, 1));
    dnnl_memory_t wei = memory(r, eng, wpacked_md, NULL, 2);
    arg(r, DNNL_ARG_WEIGHTS, wei);
    if (s->bias) arg(r, DNNL_ARG_BIAS, memory(r, eng, bias_md, NULL, 3));
    arg(r, DNNL_ARG_DST, memory(r, eng, dst_md, NULL, 4));

    /* the Keras-layout weights, reordered once into the layout the primitive chose */
    void *user_w = alloc_filled(dnnl_memory_desc_get_size(wuser_md), 6);
    dnnl_memory_t user_wm;
    CHECK(dnnl_memory_create(&user_wm, wuser_md, eng, user_w));
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder;
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, wuser_md, eng, wpacked_md, eng, NULL));
    CHECK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, user_wm}, {DNNL_ARG_TO, wei}};
    CHECK(dnnl_primitive_execute(reorder, stream, 2, rargs));
    CHECK(dnnl_stream_wait(stream));
    CHECK(dnnl_primitive_destroy(reorder));
    CHECK(dnnl_primitive_desc_destroy(rpd));
    CHECK(dnnl_memory_destroy(user_wm));
    free(user_w);

    finish(r, eng, pd, attr);
    if (po) CHECK(dnnl_post_ops_destroy(po));
    CHECK(dnnl_memory_desc_destroy(src_md));
    CHECK(dnnl_memory_desc_destroy(dst_md));
    CHECK(dnnl_memory_desc_destroy(wany_md));
    CHECK(dnnl_memory_desc_destroy(wuser_md));
    if (bias_md) CHECK(dnnl_memory_desc_destroy(bias_md));
}

/* softmax (in place), pad, crop, resample: the operations of activations and shape layers. */
static int create_other(const char *type, dnnl_engine_t eng, run_t *r) {
    int nd, axis = 0;
    dnnl_dims_t a, b, off = {0};
    if (scanf("%d", &nd) != 1 || nd < 3 || nd > 5 || !read_dims(a, nd)) return 0;
    int softmax = strcmp(type, "softmax") == 0, pad = strcmp(type, "pad") == 0, crop = strcmp(type, "crop") == 0;
    int resample = strcmp(type, "resample") == 0;
    if (!(softmax || pad || crop || resample)) return 0;
    if (softmax ? scanf("%d", &axis) != 1 || axis < 0 || axis >= nd
                : !read_dims(b, nd) || ((pad || crop) && !read_dims(off, nd))) return 0;

    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd;
    dnnl_memory_desc_t src_md = act_md(nd, a), dst_md = softmax ? NULL : act_md(nd, b), win_md = NULL;
    if (softmax) {
        CHECK(dnnl_softmax_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, dnnl_softmax_accurate,
            src_md, src_md, axis, attr));
        dnnl_memory_t m = memory(r, eng, src_md, NULL, 1);
        arg(r, DNNL_ARG_SRC, m);
        arg(r, DNNL_ARG_DST, m);
    } else if (pad) {
        CHECK(dnnl_memory_desc_create_submemory(&win_md, dst_md, a, off));
        CHECK(dnnl_reorder_primitive_desc_create(&pd, src_md, eng, win_md, eng, attr));
        arg(r, DNNL_ARG_FROM, memory(r, eng, src_md, NULL, 1));
        memory(r, eng, dst_md, NULL, 4);
        r->zero = r->bufs[r->nbufs - 1];
        r->zero_bytes = dnnl_memory_desc_get_size(dst_md);
        arg(r, DNNL_ARG_TO, memory(r, eng, win_md, r->zero, 0));
    } else if (crop) {
        CHECK(dnnl_memory_desc_create_submemory(&win_md, src_md, b, off));
        CHECK(dnnl_reorder_primitive_desc_create(&pd, win_md, eng, dst_md, eng, attr));
        memory(r, eng, src_md, NULL, 1);
        arg(r, DNNL_ARG_FROM, memory(r, eng, win_md, r->bufs[r->nbufs - 1], 0));
        arg(r, DNNL_ARG_TO, memory(r, eng, dst_md, NULL, 4));
    } else {
        float factors[3];
        for (int i = 2; i < nd; i++) factors[i - 2] = (float)b[i] / (float)a[i];
        CHECK(dnnl_resampling_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, dnnl_resampling_nearest,
            factors, src_md, dst_md, attr));
        arg(r, DNNL_ARG_SRC, memory(r, eng, src_md, NULL, 1));
        arg(r, DNNL_ARG_DST, memory(r, eng, dst_md, NULL, 4));
    }
    finish(r, eng, pd, attr);
    CHECK(dnnl_memory_desc_destroy(src_md));
    if (dst_md) CHECK(dnnl_memory_desc_destroy(dst_md));
    if (win_md) CHECK(dnnl_memory_desc_destroy(win_md));
    return 1;
}

/* A one-time reorder of Keras-layout values (filled with small values) into `packed`'s memory. */
static void reorder_once(dnnl_engine_t eng, dnnl_stream_t stream, const_dnnl_memory_desc_t user_md,
                         const_dnnl_memory_desc_t packed_md, dnnl_memory_t packed) {
    void *user = alloc_filled(dnnl_memory_desc_get_size(user_md), 6);
    dnnl_memory_t user_m;
    CHECK(dnnl_memory_create(&user_m, user_md, eng, user));
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder;
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, user_md, eng, packed_md, eng, NULL));
    CHECK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, user_m}, {DNNL_ARG_TO, packed}};
    CHECK(dnnl_primitive_execute(reorder, stream, 2, rargs));
    CHECK(dnnl_stream_wait(stream));
    CHECK(dnnl_primitive_destroy(reorder));
    CHECK(dnnl_primitive_desc_destroy(rpd));
    CHECK(dnnl_memory_destroy(user_m));
    free(user);
}

/* pool, bnorm, dense, concat: the operations of the layers around convolutions, as kdnn sets them up. */
static int create_surrounding(const char *type, dnnl_engine_t eng, dnnl_stream_t stream, run_t *r) {
    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd;
    if (strcmp(type, "pool") == 0) {
        char alg[8];
        int nd;
        dnnl_dims_t src, dst, kernel, strides, padl, padr, dilation = {0};
        if (scanf("%7s %d", alg, &nd) != 2 || nd < 3 || nd > 5 || !read_dims(src, nd) || !read_dims(dst, nd)
            || !read_dims(kernel, nd - 2) || !read_dims(strides, nd - 2) || !read_dims(padl, nd - 2)
            || !read_dims(padr, nd - 2)) return 0;
        dnnl_alg_kind_t a = strcmp(alg, "max") == 0 ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding;
        dnnl_memory_desc_t src_md = act_md(nd, src), dst_md = act_md(nd, dst);
        CHECK(dnnl_pooling_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, a, src_md, dst_md,
            strides, kernel, dilation, padl, padr, attr));
        arg(r, DNNL_ARG_SRC, memory(r, eng, src_md, NULL, 1));
        arg(r, DNNL_ARG_DST, memory(r, eng, dst_md, NULL, 4));
        finish(r, eng, pd, attr);
        CHECK(dnnl_memory_desc_destroy(src_md));
        CHECK(dnnl_memory_desc_destroy(dst_md));
    } else if (strcmp(type, "concat") == 0) {
        /* concat ND N AXIS DIMS: N inputs of DIMS (logical, channels-last) joined along AXIS */
        int nd, n, axis;
        dnnl_dims_t dims, out;
        if (scanf("%d %d %d", &nd, &n, &axis) != 3 || nd < 3 || nd > 5 || n < 2 || n > 8 || axis < 0 || axis >= nd
            || !read_dims(dims, nd)) return 0;
        for (int i = 0; i < nd; i++) out[i] = dims[i];
        out[axis] = dims[axis] * n;
        dnnl_memory_desc_t src_md = act_md(nd, dims), dst_md = act_md(nd, out);
        const_dnnl_memory_desc_t srcs[8];
        for (int i = 0; i < n; i++) srcs[i] = src_md;
        CHECK(dnnl_concat_primitive_desc_create(&pd, eng, dst_md, n, axis, srcs, attr));
        for (int i = 0; i < n; i++) arg(r, DNNL_ARG_MULTIPLE_SRC + i, memory(r, eng, src_md, NULL, 1 + i));
        arg(r, DNNL_ARG_DST, memory(r, eng, dst_md, NULL, 4));
        finish(r, eng, pd, attr);
        CHECK(dnnl_memory_desc_destroy(src_md));
        CHECK(dnnl_memory_desc_destroy(dst_md));
    } else if (strcmp(type, "bnorm") == 0) {
        int nd, scale, shift;
        dnnl_dims_t dims;
        if (scanf("%d", &nd) != 1 || nd < 3 || nd > 5 || !read_dims(dims, nd)
            || scanf("%d %d", &scale, &shift) != 2) return 0;
        unsigned flags = dnnl_use_global_stats | (scale ? dnnl_use_scale : 0) | (shift ? dnnl_use_shift : 0);
        dnnl_memory_desc_t md = act_md(nd, dims), c_md;
        dnnl_dims_t c = {dims[1]};
        CHECK(dnnl_memory_desc_create_with_tag(&c_md, 1, c, dnnl_f32, dnnl_x));
        CHECK(dnnl_batch_normalization_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, md, md, 1e-3f,
            flags, attr));
        arg(r, DNNL_ARG_SRC, memory(r, eng, md, NULL, 1));
        arg(r, DNNL_ARG_MEAN, memory(r, eng, c_md, NULL, 2));
        /* variances must not be negative: small positive values */
        dnnl_memory_t var = memory(r, eng, c_md, NULL, 3);
        float *v = r->bufs[r->nbufs - 1];
        for (long long i = 0; i < c[0]; i++) v[i] = 0.5f + v[i] * v[i];
        arg(r, DNNL_ARG_VARIANCE, var);
        if (scale) arg(r, DNNL_ARG_SCALE, memory(r, eng, c_md, NULL, 7));
        if (shift) arg(r, DNNL_ARG_SHIFT, memory(r, eng, c_md, NULL, 8));
        arg(r, DNNL_ARG_DST, memory(r, eng, md, NULL, 4));
        finish(r, eng, pd, attr);
        CHECK(dnnl_memory_desc_destroy(md));
        CHECK(dnnl_memory_desc_destroy(c_md));
    } else {
        conv_t c = {0}; /* for its post-ops only */
        long long rows, in, units;
        if (scanf("%lld %lld %lld", &rows, &in, &units) != 3 || !read_post_ops(&c)) return 0;
        dnnl_dims_t src = {rows, in}, wei = {units, in}, dst = {rows, units}, b = {units};
        dnnl_memory_desc_t src_md, dst_md, wany_md, wuser_md, bias_md = NULL;
        CHECK(dnnl_memory_desc_create_with_tag(&src_md, 2, src, dnnl_f32, dnnl_ab));
        CHECK(dnnl_memory_desc_create_with_tag(&dst_md, 2, dst, dnnl_f32, dnnl_ab));
        CHECK(dnnl_memory_desc_create_with_tag(&wany_md, 2, wei, dnnl_f32, dnnl_format_tag_any));
        CHECK(dnnl_memory_desc_create_with_tag(&wuser_md, 2, wei, dnnl_f32, dnnl_ba));
        if (c.bias) CHECK(dnnl_memory_desc_create_with_tag(&bias_md, 1, b, dnnl_f32, dnnl_x));
        dnnl_post_ops_t po = NULL;
        if (c.npost > 0) {
            CHECK(dnnl_post_ops_create(&po));
            for (int i = 0; i < c.npost; i++) CHECK(dnnl_post_ops_append_eltwise(po, c.alg[i], c.alpha[i], c.beta[i]));
            CHECK(dnnl_primitive_attr_set_post_ops(attr, po));
        }
        CHECK(dnnl_inner_product_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, src_md, wany_md,
            bias_md, dst_md, attr));
        const_dnnl_memory_desc_t wpacked_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        arg(r, DNNL_ARG_SRC, memory(r, eng, src_md, NULL, 1));
        dnnl_memory_t w = memory(r, eng, wpacked_md, NULL, 2);
        arg(r, DNNL_ARG_WEIGHTS, w);
        if (c.bias) arg(r, DNNL_ARG_BIAS, memory(r, eng, bias_md, NULL, 3));
        arg(r, DNNL_ARG_DST, memory(r, eng, dst_md, NULL, 4));
        reorder_once(eng, stream, wuser_md, wpacked_md, w);
        finish(r, eng, pd, attr);
        if (po) CHECK(dnnl_post_ops_destroy(po));
        CHECK(dnnl_memory_desc_destroy(src_md));
        CHECK(dnnl_memory_desc_destroy(dst_md));
        CHECK(dnnl_memory_desc_destroy(wany_md));
        CHECK(dnnl_memory_desc_destroy(wuser_md));
        if (bias_md) CHECK(dnnl_memory_desc_destroy(bias_md));
    }
    return 1;
}

/* ---- PLAN: a sequence of primitives as kdnn created them, on buffers shared as kdnn's call shared them ---- */

/* Fills `bytes` at `p` with values in [-scale, scale) of type `dt`; a f32 value whose halves are both such
 * bf16 values where the type is not known yet (a buffer kdnn reads as both). */
static double fill_us; /* time spent filling, left out of a plan's FIRST */

static void fill(void *p, size_t bytes, dnnl_data_type_t dt, float scale, unsigned seed) {
    double t0 = now_us();
    uint16_t *h = p;
    for (size_t i = 0; i < bytes / 2; i++) {
        seed = seed * 1664525u + 1013904223u;
        float f = ((seed >> 8) / 16777216.0f * 2 - 1) * scale;
        uint32_t u;
        memcpy(&u, &f, 4);
        h[i] = (uint16_t)(u >> 16);
    }
    if (dt == dnnl_f32) {
        float *f = p;
        for (size_t i = 0; i < bytes / 4; i++) {
            seed = seed * 1664525u + 1013904223u;
            f[i] = ((seed >> 8) / 16777216.0f * 2 - 1) * scale;
        }
    }
    fill_us += now_us() - t0;
}

static int data_type(const char *name, dnnl_data_type_t *dt) {
    static const struct { const char *name; dnnl_data_type_t dt; } T[] = {
        {"f32", dnnl_f32}, {"bf16", dnnl_bf16}, {"f16", dnnl_f16}, {"s32", dnnl_s32}, {"s8", dnnl_s8}, {"u8", dnnl_u8}};
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) {
        if (strcmp(T[k].name, name) == 0) { *dt = T[k].dt; return 1; }
    }
    fprintf(stderr, "bench_conv: unknown data type %s\n", name);
    return 0;
}

/* "AxBxC" into d; the count, or 0 when malformed. */
static int parse_list(const char *s, dnnl_dims_t d) {
    int n = 0;
    for (;;) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || n == MAXD) return 0;
        d[n++] = v;
        if (*end == '\0') return n;
        if (*end != 'x') return 0;
        s = end + 1;
    }
}

/* A memory descriptor token: DT:DIMS:STRIDES[+OFFSET] (dims and strides AxBxC, in elements), DT:DIMS:any, or - for
 * none (NULL). 0 on a bad token. A window at OFFSET is made as kdnn makes it, a submemory of a larger layout. */
static int read_md(dnnl_memory_desc_t *md) {
    char tok[512];
    *md = NULL;
    if (scanf("%511s", tok) != 1) return 0;
    if (strcmp(tok, "-") == 0) return 1;
    char *dims = strchr(tok, ':'), *layout = dims ? strchr(dims + 1, ':') : NULL;
    if (!layout) { fprintf(stderr, "bench_conv: bad memory descriptor %s\n", tok); return 0; }
    *dims++ = '\0';
    *layout++ = '\0';
    dnnl_data_type_t dt;
    dnnl_dims_t d, s;
    int nd = parse_list(dims, d);
    if (!data_type(tok, &dt) || nd == 0) return 0;
    if (strcmp(layout, "any") == 0) {
        CHECK(dnnl_memory_desc_create_with_tag(md, nd, d, dt, dnnl_format_tag_any));
        return 1;
    }
    char *plus = strchr(layout, '+');
    long long off = 0;
    if (plus) { *plus = '\0'; off = atoll(plus + 1); }
    if (parse_list(layout, s) != nd) return 0;
    if (off == 0) {
        CHECK(dnnl_memory_desc_create_with_strides(md, nd, d, dt, s));
        return 1;
    }
    /* the offset as a position along the axes, largest stride first; the parent just holds the window */
    dnnl_dims_t at = {0}, parent_dims;
    int done[MAXD] = {0};
    for (int k = 0; k < nd; k++) {
        int a = -1;
        for (int i = 0; i < nd; i++) if (!done[i] && s[i] > 0 && (a < 0 || s[i] > s[a])) a = i;
        if (a < 0) break;
        done[a] = 1;
        at[a] = off / s[a];
        off %= s[a];
    }
    if (off != 0) { fprintf(stderr, "bench_conv: offset of %s not on the strides\n", layout); return 0; }
    for (int i = 0; i < nd; i++) parent_dims[i] = d[i] + at[i];
    dnnl_memory_desc_t parent;
    CHECK(dnnl_memory_desc_create_with_strides(&parent, nd, parent_dims, dt, s));
    CHECK(dnnl_memory_desc_create_submemory(md, parent, d, at));
    CHECK(dnnl_memory_desc_destroy(parent));
    return 1;
}

static int read_longs(dnnl_dims_t d, int n) {
    return n >= 0 && n <= MAXD && read_dims(d, n);
}

/* post N, then N of: ALG ALPHA BETA (eltwise), sum SCALE, binary_ALG MD; set on attr. */
static int read_plan_post(dnnl_primitive_attr_t attr) {
    char w[40];
    int n;
    if (scanf("%39s %d", w, &n) != 2 || strcmp(w, "post") != 0 || n < 0 || n > 16) return 0;
    if (n == 0) return 1;
    dnnl_post_ops_t po;
    CHECK(dnnl_post_ops_create(&po));
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        dnnl_alg_kind_t alg;
        float a, b;
        dnnl_memory_desc_t md;
        if (scanf("%39s", w) != 1) {
            ok = 0;
        } else if (strcmp(w, "sum") == 0) {
            ok = scanf("%f", &a) == 1;
            if (ok) CHECK(dnnl_post_ops_append_sum(po, a, 0, dnnl_data_type_undef));
        } else if (strncmp(w, "binary_", 7) == 0) {
            ok = FIND(BINARY, w + 7, &alg) && read_md(&md) && md;
            if (ok) CHECK(dnnl_post_ops_append_binary(po, alg, md));
            if (ok) CHECK(dnnl_memory_desc_destroy(md));
        } else {
            ok = FIND(ELTWISE, w, &alg) && scanf("%f %f", &a, &b) == 2;
            if (ok) CHECK(dnnl_post_ops_append_eltwise(po, alg, a, b));
        }
    }
    if (ok) CHECK(dnnl_primitive_attr_set_post_ops(attr, po));
    CHECK(dnnl_post_ops_destroy(po));
    return ok;
}

/* An execution argument's id from its name: src, src1, src2, dst, weights, bias, mean, variance, scale, shift,
 * workspace, scratchpad, msrcK (concat source K), postK (binary post-op K's source), argN (the number). */
static int arg_id(const char *name) {
    static const struct { const char *name; int id; } T[] = {
        {"src", DNNL_ARG_SRC}, {"src1", DNNL_ARG_SRC_1}, {"src2", DNNL_ARG_SRC_2}, {"dst", DNNL_ARG_DST},
        {"weights", DNNL_ARG_WEIGHTS}, {"bias", DNNL_ARG_BIAS}, {"mean", DNNL_ARG_MEAN},
        {"variance", DNNL_ARG_VARIANCE}, {"scale", DNNL_ARG_SCALE}, {"shift", DNNL_ARG_SHIFT},
        {"workspace", DNNL_ARG_WORKSPACE}, {"scratchpad", DNNL_ARG_SCRATCHPAD}};
    for (size_t k = 0; k < sizeof T / sizeof T[0]; k++) if (strcmp(T[k].name, name) == 0) return T[k].id;
    if (strncmp(name, "msrc", 4) == 0) return DNNL_ARG_MULTIPLE_SRC + atoi(name + 4);
    if (strncmp(name, "post", 4) == 0) return DNNL_ARG_ATTR_MULTIPLE_POST_OP(atoi(name + 4)) | DNNL_ARG_SRC_1;
    if (strncmp(name, "arg", 3) == 0) return atoi(name + 3);
    return -1;
}

/* The current operations: one (SHAPE, OP) or a plan's sequence, and the plan's buffers. */
typedef struct {
    run_t *runs;
    int n;
    void **bufs;
    size_t *sizes;
    int nbufs;
} seq_t;

/* One op line of a PLAN: creates its primitive as kdnn did (with its thread count), binds its arguments to the
 * plan's buffers (args K NAME=bBUFFER+BYTES...), refills weights, biases and statistics; answers its
 * implementation ("IMPL index name"). 0 on a bad line. */
static int plan_op(dnnl_engine_t eng, dnnl_stream_t stream, seq_t *q, run_t *r, int index) {
    char kind[16], alg_name[40];
    int threads, ok = 0;
    if (scanf("%15s %d", kind, &threads) != 2 || threads < 1) return 0;
    omp_set_num_threads(threads); /* the count this primitive was created with in kdnn */
    *r = (run_t){.stream = stream};
    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd = NULL;
    dnnl_memory_desc_t md[MAXSRC + 4] = {0};
    int nmd = 0, sp = 0;
    dnnl_dims_t a, b, c, d;
    dnnl_alg_kind_t alg = 0;
    if (strcmp(kind, "conv") == 0 || strcmp(kind, "deconv") == 0) {
        nmd = 4;
        ok = read_md(&md[0]) && read_md(&md[1]) && read_md(&md[2]) && read_md(&md[3]) && md[0] && md[1] && md[3];
        if (ok) CHECK(dnnl_memory_desc_query(md[0], dnnl_query_ndims_s32, &sp));
        sp -= 2;
        ok = ok && read_longs(a, sp) && read_longs(b, sp) && read_longs(c, sp) && read_longs(d, sp)
            && read_plan_post(attr);
        if (ok && kind[0] == 'd') {
            CHECK(dnnl_deconvolution_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference,
                dnnl_deconvolution_direct, md[0], md[1], md[2], md[3], a, b, c, d, attr));
        } else if (ok) {
            CHECK(dnnl_convolution_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference,
                dnnl_convolution_direct, md[0], md[1], md[2], md[3], a, b, c, d, attr));
        }
    } else if (strcmp(kind, "ip") == 0 || strcmp(kind, "matmul") == 0) {
        nmd = 4;
        ok = read_md(&md[0]) && read_md(&md[1]) && read_md(&md[2]) && read_md(&md[3]) && md[0] && md[1] && md[3]
            && read_plan_post(attr);
        if (ok && kind[0] == 'i') {
            CHECK(dnnl_inner_product_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, md[0], md[1],
                md[2], md[3], attr));
        } else if (ok) {
            CHECK(dnnl_matmul_primitive_desc_create(&pd, eng, md[0], md[1], md[2], md[3], attr));
        }
    } else if (strcmp(kind, "reorder") == 0) {
        nmd = 2;
        ok = read_md(&md[0]) && read_md(&md[1]) && md[0] && md[1];
        if (ok) CHECK(dnnl_reorder_primitive_desc_create(&pd, md[0], eng, md[1], eng, attr));
    } else if (strcmp(kind, "softmax") == 0) {
        int axis;
        nmd = 2;
        ok = scanf("%39s", alg_name) == 1 && FIND(SOFTMAX, alg_name, &alg) && read_md(&md[0]) && read_md(&md[1])
            && md[0] && md[1] && scanf("%d", &axis) == 1;
        if (ok) CHECK(dnnl_softmax_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, alg, md[0], md[1],
            axis, attr));
    } else if (strcmp(kind, "eltwise") == 0) {
        float alpha, beta;
        nmd = 2;
        ok = scanf("%39s", alg_name) == 1 && FIND(ELTWISE, alg_name, &alg) && scanf("%f %f", &alpha, &beta) == 2
            && read_md(&md[0]) && read_md(&md[1]) && md[0] && md[1];
        if (ok) CHECK(dnnl_eltwise_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, alg, md[0], md[1],
            alpha, beta, attr));
    } else if (strcmp(kind, "binary") == 0) {
        nmd = 3;
        ok = scanf("%39s", alg_name) == 1 && FIND(BINARY, alg_name, &alg) && read_md(&md[0]) && read_md(&md[1])
            && read_md(&md[2]) && md[0] && md[1] && md[2] && read_plan_post(attr);
        if (ok) CHECK(dnnl_binary_primitive_desc_create(&pd, eng, alg, md[0], md[1], md[2], attr));
    } else if (strcmp(kind, "concat") == 0) {
        int axis, n;
        ok = read_md(&md[0]) && md[0] && scanf("%d %d", &axis, &n) == 2 && n >= 1 && n <= MAXSRC;
        nmd = 1;
        for (int i = 0; ok && i < n; i++, nmd++) ok = read_md(&md[1 + i]) && md[1 + i];
        if (ok) {
            const_dnnl_memory_desc_t srcs[MAXSRC];
            for (int i = 0; i < n; i++) srcs[i] = md[1 + i];
            CHECK(dnnl_concat_primitive_desc_create(&pd, eng, md[0], n, axis, srcs, attr));
        }
    } else if (strcmp(kind, "pool") == 0) {
        dnnl_dims_t dilation = {0};
        nmd = 2;
        ok = scanf("%39s", alg_name) == 1 && FIND(POOLING, alg_name, &alg) && read_md(&md[0]) && read_md(&md[1])
            && md[0] && md[1];
        if (ok) CHECK(dnnl_memory_desc_query(md[0], dnnl_query_ndims_s32, &sp));
        sp -= 2;
        ok = ok && read_longs(a, sp) && read_longs(b, sp) && read_longs(c, sp) && read_longs(d, sp);
        if (ok) CHECK(dnnl_pooling_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, alg, md[0], md[1],
            b, a, dilation, c, d, attr));
    } else if (strcmp(kind, "bnorm") == 0) {
        float eps;
        char flags[64];
        nmd = 2;
        ok = scanf("%f %63s", &eps, flags) == 2 && strncmp(flags, "global", 6) == 0 && read_md(&md[0])
            && read_md(&md[1]) && md[0] && md[1];
        unsigned f = dnnl_use_global_stats | (strstr(flags, "scale") ? dnnl_use_scale : 0)
            | (strstr(flags, "shift") ? dnnl_use_shift : 0) | (strstr(flags, "relu") ? dnnl_fuse_norm_relu : 0);
        if (ok) CHECK(dnnl_batch_normalization_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, md[0],
            md[1], eps, f, attr));
    } else if (strcmp(kind, "gnorm") == 0) {
        long long groups;
        float eps;
        char flags[64];
        nmd = 2;
        ok = scanf("%lld %f %63s", &groups, &eps, flags) == 3 && strncmp(flags, "stats", 5) == 0 && read_md(&md[0])
            && read_md(&md[1]) && md[0] && md[1];
        unsigned f = (strstr(flags, "scale") ? dnnl_use_scale : 0) | (strstr(flags, "shift") ? dnnl_use_shift : 0);
        if (ok) CHECK(dnnl_group_normalization_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, md[0],
            md[1], groups, eps, f, attr));
    } else if (strcmp(kind, "lnorm") == 0) {
        float eps;
        char flags[64];
        nmd = 2;
        ok = scanf("%f %63s", &eps, flags) == 2 && strncmp(flags, "stats", 5) == 0 && read_md(&md[0]) && read_md(&md[1])
            && md[0] && md[1];
        unsigned f = (strstr(flags, "scale") ? dnnl_use_scale : 0) | (strstr(flags, "shift") ? dnnl_use_shift : 0);
        if (ok) CHECK(dnnl_layer_normalization_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, md[0],
            md[1], NULL, eps, f, attr));
    } else if (strcmp(kind, "reduction") == 0) {
        nmd = 2;
        ok = scanf("%39s", alg_name) == 1 && FIND(REDUCTION, alg_name, &alg) && read_md(&md[0]) && read_md(&md[1])
            && md[0] && md[1];
        if (ok) CHECK(dnnl_reduction_primitive_desc_create(&pd, eng, alg, md[0], md[1], 0.f, 0.f, attr));
    } else if (strcmp(kind, "resample") == 0) {
        float factors[3];
        nmd = 2;
        ok = scanf("%39s", alg_name) == 1 && FIND(RESAMPLING, alg_name, &alg) && read_md(&md[0]) && read_md(&md[1])
            && md[0] && md[1];
        if (ok) CHECK(dnnl_memory_desc_query(md[0], dnnl_query_ndims_s32, &sp));
        sp -= 2;
        for (int i = 0; ok && i < sp; i++) ok = i < 3 && scanf("%f", &factors[i]) == 1;
        if (ok) CHECK(dnnl_resampling_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, alg, factors,
            md[0], md[1], attr));
    } else if (strcmp(kind, "prelu") == 0) {
        nmd = 3;
        ok = read_md(&md[0]) && read_md(&md[1]) && read_md(&md[2]) && md[0] && md[1] && md[2];
        if (ok) CHECK(dnnl_prelu_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference, md[0], md[1], md[2],
            attr));
    } else {
        fprintf(stderr, "bench_conv: unknown plan operation %s\n", kind);
    }
    for (int i = 0; i < nmd; i++) if (md[i]) CHECK(dnnl_memory_desc_destroy(md[i]));
    CHECK(dnnl_primitive_attr_destroy(attr));
    if (!ok) return 0;
    CHECK(dnnl_primitive_create(&r->prim, pd));

    /* the arguments, on the plan's buffers at kdnn's offsets; constants refilled as kdnn's would read */
    char w[64], name[40];
    int k;
    if (scanf("%63s %d", w, &k) != 2 || strcmp(w, "args") != 0 || k < 0 || k > MAXMEM) ok = 0;
    for (int i = 0; ok && i < k; i++) {
        int buf;
        long long off;
        ok = scanf("%63s", w) == 1 && sscanf(w, "%39[^=]=b%d+%lld", name, &buf, &off) == 3 && buf >= 0
            && buf < q->nbufs && off >= 0 && (size_t)off <= q->sizes[buf];
        int id = ok ? arg_id(name) : -1;
        const_dnnl_memory_desc_t amd = id < 0 ? NULL : dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, id);
        if (!amd) {
            fprintf(stderr, "bench_conv: plan operation %d (%s) has no argument %s\n", index, kind, w);
            ok = 0;
            break;
        }
        char *p = (char *)q->bufs[buf] + off;
        dnnl_data_type_t dt;
        CHECK(dnnl_memory_desc_query(amd, dnnl_query_data_type, &dt));
        size_t bytes = dnnl_memory_desc_get_size(amd);
        if ((id == DNNL_ARG_WEIGHTS || id == DNNL_ARG_BIAS) && bytes <= q->sizes[buf] - off) {
            fill(p, bytes, dt, 1.0f / 16, 7 + i); /* weights of about Keras' scale: values stay moderate */
        } else if (id == DNNL_ARG_VARIANCE && dt == dnnl_f32 && bytes <= q->sizes[buf] - off) {
            float *v = (float *)p;
            for (size_t e = 0; e < bytes / 4; e++) v[e] = 0.5f + v[e] * v[e];
        }
        arg(r, id, memory(r, eng, amd, p, 0));
    }
    const char *impl = "?";
    CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    printf("IMPL %d %s\n", index, impl);
    CHECK(dnnl_primitive_desc_destroy(pd));
    return ok;
}

/* PLAN name B bytes[B] N, then N op lines: the plan's buffers (each filled with small values), then its
 * operations; they run in order, with `threads` threads (kdnn's count) as kdnn runs them. 0 on a bad plan. */
static int read_plan(dnnl_engine_t eng, dnnl_stream_t stream, int threads, seq_t *q) {
    int nbufs, n;
    if (scanf("%d", &nbufs) != 1 || nbufs < 0 || nbufs > 100000) return 0;
    q->bufs = calloc(nbufs ? nbufs : 1, sizeof(void *));
    q->sizes = calloc(nbufs ? nbufs : 1, sizeof(size_t));
    for (int i = 0; i < nbufs; i++) {
        long long bytes;
        if (scanf("%lld", &bytes) != 1 || bytes < 0) return 0;
        q->sizes[i] = bytes;
        /* on a page: the runner's offsets keep each argument's place within its page as in kdnn */
        if (posix_memalign(&q->bufs[i], 4096, bytes + 64)) { fprintf(stderr, "bench_conv: out of memory\n"); exit(1); }
        q->nbufs = i + 1;
        fill(q->bufs[i], bytes + 64, dnnl_data_type_undef, 1.0f, 11 + i);
    }
    if (scanf("%d", &n) != 1 || n < 1 || n > 100000) return 0;
    q->runs = calloc(n, sizeof(run_t));
    for (int i = 0; i < n; i++) {
        if (!plan_op(eng, stream, q, &q->runs[i], i)) return 0;
        q->n = i + 1;
    }
    omp_set_num_threads(threads); /* the calls run with the process' count */
    return 1;
}

/* DATA (see the top): kdnn's values into the current plan's buffers; the bytes read, or -1 on a bad line or file. */
static long long read_data(seq_t *q) {
    char path[4096];
    int k;
    if (scanf("%d", &k) != 1 || k < 0 || k > 1000000 || q->nbufs == 0) return -1;
    long long (*ranges)[3] = calloc(k ? k : 1, sizeof *ranges);
    for (int i = 0; i < k; i++) {
        int buf;
        long long off, bytes;
        if (scanf(" b%d+%lld:%lld", &buf, &off, &bytes) != 3 || buf < 0 || buf >= q->nbufs || off < 0 || bytes < 0
            || (size_t)(off + bytes) > q->sizes[buf]) {
            fprintf(stderr, "bench_conv: bad DATA range %d\n", i);
            free(ranges);
            return -1;
        }
        ranges[i][0] = buf, ranges[i][1] = off, ranges[i][2] = bytes;
    }
    if (scanf(" %4095[^\n]", path) != 1) {
        free(ranges);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    long long total = f ? 0 : -1;
    for (int i = 0; f && i < k && total >= 0; i++) {
        size_t bytes = (size_t)ranges[i][2];
        if (fread((char *)q->bufs[ranges[i][0]] + ranges[i][1], 1, bytes, f) == bytes) total += (long long)bytes;
        else total = -1;
    }
    if (total < 0) fprintf(stderr, "bench_conv: cannot read DATA's %d ranges from %s\n", k, path);
    if (f) fclose(f);
    free(ranges);
    return total;
}

static void execute(run_t *r) {
    if (r->zero) memset(r->zero, 0, r->zero_bytes);
    CHECK(dnnl_primitive_execute(r->prim, r->stream, r->nargs, r->args));
    CHECK(dnnl_stream_wait(r->stream));
}

static void destroy(run_t *r) {
    dnnl_primitive_destroy(r->prim);
    for (int i = 0; i < r->nmems; i++) dnnl_memory_destroy(r->mems[i]);
    for (int i = 0; i < r->nbufs; i++) free(r->bufs[i]);
}

static void execute_seq(seq_t *q) {
    for (int i = 0; i < q->n; i++) execute(&q->runs[i]);
}

static void destroy_seq(seq_t *q) {
    for (int i = 0; i < q->n; i++) destroy(&q->runs[i]);
    for (int i = 0; i < q->nbufs; i++) free(q->bufs[i]);
    free(q->runs);
    free(q->bufs);
    free(q->sizes);
    *q = (seq_t){0};
}

/* Reads the rest of a SHAPE or OP line and makes that operation current; 0 on a bad line. */
static int read_op(const char *cmd, dnnl_engine_t eng, dnnl_stream_t stream, run_t *r) {
    conv_t c = {0};
    char type[16];
    if (strcmp(cmd, "SHAPE") == 0) {
        if (!read_geometry(&c)) return 0;
        c.bias = 1; /* the suite: bias + ReLU */
        c.npost = 1;
        c.alg[0] = dnnl_eltwise_relu;
    } else if (scanf("%15s", type) != 1) {
        return 0;
    } else if (strcmp(type, "pool") == 0 || strcmp(type, "bnorm") == 0 || strcmp(type, "dense") == 0
               || strcmp(type, "concat") == 0) {
        return create_surrounding(type, eng, stream, r);
    } else if (strcmp(type, "conv") != 0) {
        return create_other(type, eng, r);
    } else if (!read_geometry(&c) || !read_post_ops(&c)) {
        return 0;
    }
    create_conv(&c, eng, stream, r);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_conv THREADS WARMUP_MS MEASURE_MS MIN_ITERS < commands\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    double warmup_us = atof(argv[2]) * 1e3, measure_us = atof(argv[3]) * 1e3;
    int min_iters = atoi(argv[4]);
    omp_set_num_threads(threads); /* before any primitive exists: oneDNN fixes the count at creation */

    dnnl_engine_t eng;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));

    /* throwaway: library start-up (ISA detection, OpenMP team) out of the first shape's first call */
    {
        conv_t w = {.kind = 0, .sp = 2, .wnd = 4, .bias = 1, .npost = 1, .alg = {dnnl_eltwise_relu},
            .src = {1, 4, 6, 6}, .wei = {4, 4, 3, 3}, .dst = {1, 4, 4, 4},
            .strides = {1, 1}, .dilates = {0, 0}, .padl = {0, 0}, .padr = {0, 0}};
        run_t r = {.stream = stream};
        create_conv(&w, eng, stream, &r);
        execute(&r);
        destroy(&r);
    }
    printf("THREADS %d\n", omp_get_max_threads());
    fflush(stdout);

    char name[128] = "";
    seq_t cur = {0};
    size_t cap = 1 << 20;
    double *samples = malloc(cap * sizeof(double));
    char cmd[16];
    while (scanf("%15s", cmd) == 1) {
        if (strcmp(cmd, "SHAPE") == 0 || strcmp(cmd, "OP") == 0 || strcmp(cmd, "PLAN") == 0) {
            destroy_seq(&cur);
            fill_us = 0;
            double t0 = now_us();
            int ok = scanf("%127s", name) == 1;
            if (ok && cmd[0] == 'P') {
                ok = read_plan(eng, stream, threads, &cur);
            } else if (ok) {
                cur.runs = calloc(1, sizeof(run_t));
                cur.runs[0] = (run_t){.stream = stream};
                ok = read_op(cmd, eng, stream, &cur.runs[0]);
                cur.n = ok;
            }
            if (!ok) {
                fprintf(stderr, "bench_conv: bad %s line (%s)\n", cmd, name);
                return 2;
            }
            execute_seq(&cur);
            printf("FIRST %s %.3f\n", name, now_us() - t0 - fill_us);
        } else if (strcmp(cmd, "DATA") == 0) {
            long long bytes = read_data(&cur);
            if (bytes < 0) return 2;
            printf("DATA %s %lld\n", name, bytes);
        } else if (strcmp(cmd, "MEASURE") == 0 && cur.n > 0) {
            double start = now_us();
            for (int i = 0; i < min_iters || now_us() - start < warmup_us; i++) execute_seq(&cur);
            size_t n = 0;
            start = now_us();
            while (n < cap && (n < (size_t)min_iters || now_us() - start < measure_us)) {
                double a = now_us();
                execute_seq(&cur);
                samples[n++] = now_us() - a;
            }
            qsort(samples, n, sizeof(double), cmp_double);
            double median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
            printf("RESULT %s %.3f %zu\n", name, median, n);
        } else {
            fprintf(stderr, "bench_conv: unknown command %s\n", cmd);
            return 2;
        }
        fflush(stdout);
    }
    destroy_seq(&cur);
    free(samples);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(eng);
    return 0;
}
