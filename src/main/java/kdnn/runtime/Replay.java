package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A primitive described as one line of {@code native/bench_conv.c}'s {@code PLAN} grammar, so
 * the benchmarks can create the same primitive from C ({@link Primitive#replay()}). Each factory
 * appends what it passes to oneDNN, in the grammar's order; {@link Primitive#create} puts the
 * kind and the thread count in front. Memory descriptors are written as {@link MemoryDesc#replay()}
 * gives them; a descriptor whose layout kdnn does not know is written {@code ?}, which makes the
 * line unreplayable (only weight reorders made once, never during a call, have such).
 */
public final class Replay {
    private final String kind;
    private final StringBuilder args = new StringBuilder();

    private Replay(String kind) {
        this.kind = kind;
    }

    /** A line for a primitive of this kind (conv, deconv, reorder, softmax, eltwise, binary, ...). */
    public static Replay of(String kind) {
        return new Replay(kind);
    }

    /** A memory descriptor, or {@code -} for none. */
    public Replay md(MemoryDesc md) {
        return word(md == null ? "-" : md.replay());
    }

    public Replay word(String w) {
        args.append(' ').append(w);
        return this;
    }

    public Replay number(long v) {
        return word(Long.toString(v));
    }

    public Replay number(float v) {
        return word(Float.toString(v));
    }

    /** Each value as a word of its own: strides, paddings, kernel sizes. */
    public Replay numbers(long[] values) {
        for (long v : values) number(v);
        return this;
    }

    /**
     * {@code post N} then each post-op: {@code ALG ALPHA BETA} (eltwise), {@code sum SCALE},
     * {@code binary_ALG MD}.
     */
    public Replay post(List<? extends Attributes.PostOp> ops) {
        word("post").number(ops.size());
        for (Attributes.PostOp op : ops) {
            switch (op) {
                case Attributes.Eltwise e -> word(eltwiseName(e.algorithm())).number(e.alpha()).number(e.beta());
                case Attributes.Sum s -> word("sum").number(s.scale());
                case Attributes.Binary b -> word("binary_" + binaryName(b.algorithm())).md(b.src1());
            }
        }
        return this;
    }

    /** The whole line for a primitive created with {@code threads} threads. */
    String line(int threads) {
        return kind + " " + threads + args;
    }

    // ---- names of oneDNN's algorithms, as bench_conv reads them ----------------------------

    private static final Map<Integer, String> ELTWISE = Map.ofEntries(
            Map.entry(dnnl_eltwise_relu(), "relu"), Map.entry(dnnl_eltwise_tanh(), "tanh"),
            Map.entry(dnnl_eltwise_elu(), "elu"), Map.entry(dnnl_eltwise_square(), "square"),
            Map.entry(dnnl_eltwise_abs(), "abs"), Map.entry(dnnl_eltwise_sqrt(), "sqrt"),
            Map.entry(dnnl_eltwise_linear(), "linear"), Map.entry(dnnl_eltwise_soft_relu(), "soft_relu"),
            Map.entry(dnnl_eltwise_hardsigmoid(), "hardsigmoid"), Map.entry(dnnl_eltwise_logistic(), "logistic"),
            Map.entry(dnnl_eltwise_exp(), "exp"), Map.entry(dnnl_eltwise_gelu_tanh(), "gelu_tanh"),
            Map.entry(dnnl_eltwise_swish(), "swish"), Map.entry(dnnl_eltwise_log(), "log"),
            Map.entry(dnnl_eltwise_clip(), "clip"), Map.entry(dnnl_eltwise_clip_v2(), "clip_v2"),
            Map.entry(dnnl_eltwise_pow(), "pow"), Map.entry(dnnl_eltwise_gelu_erf(), "gelu_erf"),
            Map.entry(dnnl_eltwise_round(), "round"), Map.entry(dnnl_eltwise_mish(), "mish"),
            Map.entry(dnnl_eltwise_hardswish(), "hardswish"));

    private static final Map<Integer, String> BINARY = Map.of(dnnl_binary_add(), "add", dnnl_binary_mul(), "mul",
            dnnl_binary_max(), "max", dnnl_binary_min(), "min", dnnl_binary_div(), "div", dnnl_binary_sub(), "sub",
            dnnl_binary_ge(), "ge", dnnl_binary_gt(), "gt");

    /** bench_conv's name of a {@code dnnl_eltwise_*} algorithm (oneDNN's, without the prefix). */
    public static String eltwiseName(int algorithm) {
        return name(ELTWISE, algorithm, "eltwise");
    }

    /** bench_conv's name of a {@code dnnl_binary_*} algorithm. */
    public static String binaryName(int algorithm) {
        return name(BINARY, algorithm, "binary");
    }

    static String poolingName(int algorithm) {
        if (algorithm == dnnl_pooling_max()) return "max";
        if (algorithm == dnnl_pooling_avg_exclude_padding()) return "avg_exclude_padding";
        if (algorithm == dnnl_pooling_avg_include_padding()) return "avg_include_padding";
        return "pooling" + algorithm;
    }

    static String resamplingName(int algorithm) {
        return algorithm == dnnl_resampling_nearest() ? "nearest"
                : algorithm == dnnl_resampling_linear() ? "linear" : "resampling" + algorithm;
    }

    /** bench_conv's name of a data type. */
    static String dataTypeName(int dataType) {
        if (dataType == dnnl_f32()) return "f32";
        if (dataType == dnnl_bf16()) return "bf16";
        if (dataType == dnnl_f16()) return "f16";
        if (dataType == dnnl_s32()) return "s32";
        if (dataType == dnnl_s8()) return "s8";
        if (dataType == dnnl_u8()) return "u8";
        return "dt" + dataType;
    }

    /** Bytes of one value of a data type. */
    static int dataTypeSize(int dataType) {
        if (dataType == dnnl_bf16() || dataType == dnnl_f16()) return 2;
        if (dataType == dnnl_s8() || dataType == dnnl_u8()) return 1;
        return 4;
    }

    /** bench_conv's name of an execution argument ({@code DNNL_ARG_*}). */
    static String argName(int arg) {
        int postBase = DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE();
        if (arg >= postBase && (arg & DNNL_ARG_SRC_1()) == DNNL_ARG_SRC_1()) {
            return "post" + ((arg & ~DNNL_ARG_SRC_1()) / postBase - 1);
        }
        if (arg >= DNNL_ARG_MULTIPLE_SRC() && arg < 2 * DNNL_ARG_MULTIPLE_SRC()) {
            return "msrc" + (arg - DNNL_ARG_MULTIPLE_SRC());
        }
        if (arg == DNNL_ARG_SRC()) return "src";
        if (arg == DNNL_ARG_SRC_1()) return "src1";
        if (arg == DNNL_ARG_SRC_2()) return "src2";
        if (arg == DNNL_ARG_DST()) return "dst";
        if (arg == DNNL_ARG_WEIGHTS()) return "weights";
        if (arg == DNNL_ARG_BIAS()) return "bias";
        if (arg == DNNL_ARG_MEAN()) return "mean";
        if (arg == DNNL_ARG_VARIANCE()) return "variance";
        if (arg == DNNL_ARG_SCALE()) return "scale";
        if (arg == DNNL_ARG_SHIFT()) return "shift";
        if (arg == DNNL_ARG_WORKSPACE()) return "workspace";
        if (arg == DNNL_ARG_SCRATCHPAD()) return "scratchpad";
        return "arg" + arg;
    }

    private static String name(Map<Integer, String> names, int algorithm, String what) {
        String n = names.get(algorithm);
        return n != null ? n : String.format(Locale.ROOT, "%s%d", what, algorithm);
    }
}
