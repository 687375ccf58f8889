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
 *   MEASURE: warm up, time single calls of the current operation, answer "RESULT name median_us n".
 * Timing is the same as the Java runner's (Timing.java): per-call samples after a warm-up, median.
 * The runner interleaves MEASURE chunks with kdnn's (and ORT's) on the same shape or model.
 */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define MAXMEM 8

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
    int have = 0;
    run_t r;
    size_t cap = 1 << 20;
    double *samples = malloc(cap * sizeof(double));
    char cmd[16];
    while (scanf("%15s", cmd) == 1) {
        if (strcmp(cmd, "SHAPE") == 0 || strcmp(cmd, "OP") == 0) {
            if (have) destroy(&r);
            have = 0;
            r = (run_t){.stream = stream};
            double t0 = now_us();
            if (scanf("%127s", name) != 1 || !read_op(cmd, eng, stream, &r)) {
                fprintf(stderr, "bench_conv: bad %s line (%s)\n", cmd, name);
                return 2;
            }
            execute(&r);
            printf("FIRST %s %.3f\n", name, now_us() - t0);
            have = 1;
        } else if (strcmp(cmd, "MEASURE") == 0 && have) {
            double start = now_us();
            for (int i = 0; i < min_iters || now_us() - start < warmup_us; i++) execute(&r);
            size_t n = 0;
            start = now_us();
            while (n < cap && (n < (size_t)min_iters || now_us() - start < measure_us)) {
                double a = now_us();
                execute(&r);
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
    if (have) destroy(&r);
    free(samples);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(eng);
    return 0;
}
