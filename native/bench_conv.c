/*
 * bench_conv: the C floor for kdnn's benchmark suite. Calls the same libdnnl.so.3 that kdnn
 * loads, directly through oneDNN's C API, on the shapes the Java runner sends on stdin, with the
 * same thread count and the same operations as kdnn: weights created with format `any` and
 * reordered once from the Keras layout, nhwc (nwc/ndhwc) source and destination, bias + ReLU as
 * an eltwise post-op, user scratchpad, forward inference.
 *
 * usage: bench_conv THREADS WARMUP_MS MEASURE_MS MIN_ITERS, then commands on stdin:
 *   SHAPE name kind sp  N C s1..ssp  wnd w1..wwnd  N F o1..osp  strides[sp] dilates[sp] padl[sp] padr[sp]
 *     (logical oneDNN dims; kind: 0 convolution, 1 deconvolution (transposed), 2 grouped
 *     (depthwise) convolution): makes that shape current, answers "FIRST name us" (primitive
 *     descriptor, primitive, weight reorder, first execution; after one throwaway warm-up shape
 *     per process, so library start-up is not in it)
 *   MEASURE: warm up, time single calls of the current shape, answer "RESULT name median_us n".
 * Timing is the same as the Java runner's (Timing.java): per-call samples after a warm-up, median.
 * The runner interleaves MEASURE chunks with kdnn's and ORT's on the same shape.
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

typedef struct {
    char name[128];
    int kind, sp, wnd;
    dnnl_dims_t src, wei, dst, strides, dilates, padl, padr;
} shape_t;

static int read_dims(dnnl_dims_t d, int n) {
    for (int i = 0; i < n; i++) {
        long long v;
        if (scanf("%lld", &v) != 1) return 0;
        d[i] = v;
    }
    return 1;
}

static int read_shape(shape_t *s) {
    if (scanf("%127s %d %d", s->name, &s->kind, &s->sp) != 3) return 0;
    int nd = s->sp + 2;
    if (!read_dims(s->src, nd)) return 0;
    if (scanf("%d", &s->wnd) != 1 || !read_dims(s->wei, s->wnd)) return 0;
    return read_dims(s->dst, nd) && read_dims(s->strides, s->sp) && read_dims(s->dilates, s->sp)
        && read_dims(s->padl, s->sp) && read_dims(s->padr, s->sp);
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

typedef struct {
    dnnl_primitive_t conv;
    dnnl_memory_t src, wei, bias, dst, scratch;
    void *bufs[5];
    dnnl_stream_t stream;
} run_t;

static void create(const shape_t *s, dnnl_engine_t eng, dnnl_stream_t stream, run_t *r) {
    int nd = s->sp + 2;
    dnnl_memory_desc_t src_md, dst_md, wany_md, wuser_md, bias_md;
    CHECK(dnnl_memory_desc_create_with_tag(&src_md, nd, s->src, dnnl_f32, act_tag(s->sp)));
    CHECK(dnnl_memory_desc_create_with_tag(&dst_md, nd, s->dst, dnnl_f32, act_tag(s->sp)));
    CHECK(dnnl_memory_desc_create_with_tag(&wany_md, s->wnd, s->wei, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_create_with_tag(&wuser_md, s->wnd, s->wei, dnnl_f32, keras_weight_tag(s->kind, s->sp)));
    dnnl_dims_t bdims = {s->dst[1]};
    CHECK(dnnl_memory_desc_create_with_tag(&bias_md, 1, bdims, dnnl_f32, dnnl_x));

    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    CHECK(dnnl_primitive_attr_create(&attr));
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    CHECK(dnnl_post_ops_create(&po));
    CHECK(dnnl_post_ops_append_eltwise(po, dnnl_eltwise_relu, 0.f, 0.f));
    CHECK(dnnl_primitive_attr_set_post_ops(attr, po));

    dnnl_primitive_desc_t pd;
    if (s->kind == 1) {
        CHECK(dnnl_deconvolution_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference,
            dnnl_deconvolution_direct, src_md, wany_md, bias_md, dst_md, s->strides, s->dilates, s->padl, s->padr, attr));
    } else {
        CHECK(dnnl_convolution_forward_primitive_desc_create(&pd, eng, dnnl_forward_inference,
            dnnl_convolution_direct, src_md, wany_md, bias_md, dst_md, s->strides, s->dilates, s->padl, s->padr, attr));
    }
    CHECK(dnnl_primitive_create(&r->conv, pd));
    const_dnnl_memory_desc_t wpacked_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const_dnnl_memory_desc_t scratch_md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);

    r->bufs[0] = alloc_filled(dnnl_memory_desc_get_size(src_md), 1);
    r->bufs[1] = alloc_filled(dnnl_memory_desc_get_size(wpacked_md), 2);
    r->bufs[2] = alloc_filled(dnnl_memory_desc_get_size(bias_md), 3);
    r->bufs[3] = alloc_filled(dnnl_memory_desc_get_size(dst_md), 4);
    r->bufs[4] = alloc_filled(dnnl_memory_desc_get_size(scratch_md), 5);
    CHECK(dnnl_memory_create(&r->src, src_md, eng, r->bufs[0]));
    CHECK(dnnl_memory_create(&r->wei, wpacked_md, eng, r->bufs[1]));
    CHECK(dnnl_memory_create(&r->bias, bias_md, eng, r->bufs[2]));
    CHECK(dnnl_memory_create(&r->dst, dst_md, eng, r->bufs[3]));
    CHECK(dnnl_memory_create(&r->scratch, scratch_md, eng, r->bufs[4]));

    /* the Keras-layout weights, reordered once into the layout the primitive chose */
    void *user_w = alloc_filled(dnnl_memory_desc_get_size(wuser_md), 6);
    dnnl_memory_t user_wm;
    CHECK(dnnl_memory_create(&user_wm, wuser_md, eng, user_w));
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder;
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, wuser_md, eng, wpacked_md, eng, NULL));
    CHECK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, user_wm}, {DNNL_ARG_TO, r->wei}};
    CHECK(dnnl_primitive_execute(reorder, stream, 2, rargs));
    CHECK(dnnl_stream_wait(stream));
    CHECK(dnnl_primitive_destroy(reorder));
    CHECK(dnnl_primitive_desc_destroy(rpd));
    CHECK(dnnl_memory_destroy(user_wm));
    free(user_w);

    CHECK(dnnl_primitive_desc_destroy(pd)); /* the queried descs belong to pd: memories hold copies */
    CHECK(dnnl_primitive_attr_destroy(attr));
    CHECK(dnnl_post_ops_destroy(po));
    CHECK(dnnl_memory_desc_destroy(src_md));
    CHECK(dnnl_memory_desc_destroy(dst_md));
    CHECK(dnnl_memory_desc_destroy(wany_md));
    CHECK(dnnl_memory_desc_destroy(wuser_md));
    CHECK(dnnl_memory_desc_destroy(bias_md));
    r->stream = stream;
}

static void execute(run_t *r) {
    dnnl_exec_arg_t args[5] = {
        {DNNL_ARG_SRC, r->src}, {DNNL_ARG_WEIGHTS, r->wei}, {DNNL_ARG_BIAS, r->bias},
        {DNNL_ARG_DST, r->dst}, {DNNL_ARG_SCRATCHPAD, r->scratch}};
    CHECK(dnnl_primitive_execute(r->conv, r->stream, 5, args));
    CHECK(dnnl_stream_wait(r->stream));
}

static void destroy(run_t *r) {
    dnnl_primitive_destroy(r->conv);
    dnnl_memory_destroy(r->src);
    dnnl_memory_destroy(r->wei);
    dnnl_memory_destroy(r->bias);
    dnnl_memory_destroy(r->dst);
    dnnl_memory_destroy(r->scratch);
    for (int i = 0; i < 5; i++) free(r->bufs[i]);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_conv THREADS WARMUP_MS MEASURE_MS MIN_ITERS < shapes\n");
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
        shape_t w = {.name = "warmup", .kind = 0, .sp = 2, .wnd = 4,
            .src = {1, 4, 6, 6}, .wei = {4, 4, 3, 3}, .dst = {1, 4, 4, 4},
            .strides = {1, 1}, .dilates = {0, 0}, .padl = {0, 0}, .padr = {0, 0}};
        run_t r;
        create(&w, eng, stream, &r);
        execute(&r);
        destroy(&r);
    }
    printf("THREADS %d\n", omp_get_max_threads());
    fflush(stdout);

    shape_t s;
    int have = 0;
    run_t r;
    size_t cap = 1 << 20;
    double *samples = malloc(cap * sizeof(double));
    char cmd[16];
    while (scanf("%15s", cmd) == 1) {
        if (strcmp(cmd, "SHAPE") == 0) {
            if (have) destroy(&r);
            have = 0;
            if (!read_shape(&s)) { fprintf(stderr, "bench_conv: bad shape line\n"); return 2; }
            double t0 = now_us();
            create(&s, eng, stream, &r);
            execute(&r);
            printf("FIRST %s %.3f\n", s.name, now_us() - t0);
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
            printf("RESULT %s %.3f %zu\n", s.name, median, n);
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
