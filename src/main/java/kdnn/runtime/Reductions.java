package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

/** A reduction over some axes of a row-major tensor (mean, max, min, sum or product): one oneDNN reduction. */
public final class Reductions {
    private Reductions() {
    }

    /** oneDNN's algorithms, by Keras' operation. */
    public enum Kind {
        MEAN, MAX, MIN, SUM, PROD,
        /** The Euclidean norm, as Keras computes it: {@code sqrt(sum(x * x))}. */
        NORM,
        /** The variance, as TensorFlow's reduce_variance computes it: {@code mean((x - mean(x)) ** 2)}. */
        VAR,
        /** The standard deviation: the variance's square root. */
        STD;

        int algorithm() {
            return switch (this) {
                case MEAN, VAR, STD -> dnnl_reduction_mean();
                case MAX -> dnnl_reduction_max();
                case MIN -> dnnl_reduction_min();
                case SUM, NORM -> dnnl_reduction_sum();
                case PROD -> dnnl_reduction_mul();
            };
        }
    }

    /** {@code src} (row-major) reduced to {@code dst}: the same rank, 1 along each reduced axis. */
    public static Pipeline reduce(Kind kind, long[] srcDims, long[] dstDims) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.rowMajor(srcDims));
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(dstDims));
            int from = Pipeline.INPUT;
            if (kind == Kind.VAR || kind == Kind.STD) {
                // each value's deviation from its slice's mean, squared
                int means = b.buffer(dst.byteSize());
                from = b.buffer(src.byteSize());
                b.step(reduction(dnnl_reduction_mean(), "mean", src, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), dst, means));
                b.step(Merges.binary(dnnl_binary_sub(), src, dst, src), Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), dst, means), Pipeline.Arg.slot(DNNL_ARG_DST(), src, from));
                b.step(Eltwises.eltwise(src, new Attributes.Eltwise(dnnl_eltwise_square(), 0f, 0f)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), src, from), Pipeline.Arg.slot(DNNL_ARG_DST(), src, from));
            }
            if (kind == Kind.NORM) {
                // Keras' steps: each value squared, the squares summed, the sum's square root
                from = b.buffer(src.byteSize());
                b.step(Eltwises.eltwise(src, new Attributes.Eltwise(dnnl_eltwise_square(), 0f, 0f)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), src, from));
            }
            b.step(reduction(kind.algorithm(), kind.name().toLowerCase(java.util.Locale.ROOT), src, dst),
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), src, from), Pipeline.Arg.slot(DNNL_ARG_DST(), dst,
                            Pipeline.OUTPUT));
            if (kind == Kind.NORM || kind == Kind.STD) {
                b.step(Eltwises.eltwise(dst, new Attributes.Eltwise(dnnl_eltwise_sqrt(), 0f, 0f)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), dst, Pipeline.OUTPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), dst,
                                Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * TensorFlow's {@code tf.nn.moments} of {@code src} over the axes where {@code dst} has 1: the mean, and
     * the variance as the mean of squared deviations from it; written packed per sample (each sample's
     * means, then its variances), as a layer of two outputs writes them.
     */
    public static Pipeline moments(long[] srcDims, long[] dstDims) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc src = b.own(MemoryDesc.rowMajor(srcDims));
            MemoryDesc dst = b.own(MemoryDesc.rowMajor(dstDims));
            int means = b.buffer(dst.byteSize());
            int variances = b.buffer(dst.byteSize());
            int deviations = b.buffer(src.byteSize());
            b.step(reduction(dnnl_reduction_mean(), "mean", src, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, means));
            b.step(Merges.binary(dnnl_binary_sub(), src, dst, src), Pipeline.Arg.slot(DNNL_ARG_SRC(), src, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), dst, means), Pipeline.Arg.slot(DNNL_ARG_DST(), src, deviations));
            b.step(Eltwises.eltwise(src, new Attributes.Eltwise(dnnl_eltwise_square(), 0f, 0f)),
                    Pipeline.Arg.slot(DNNL_ARG_SRC(), src, deviations), Pipeline.Arg.slot(DNNL_ARG_DST(), src, deviations));
            b.step(reduction(dnnl_reduction_mean(), "mean", src, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), src, deviations),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, variances));
            // packed per sample: the sample's means, then its variances
            long batch = dstDims[0];
            long perSample = dst.byteSize() / Math.max(batch, 1);
            b.javaStep(new int[] {means, variances}, Pipeline.OUTPUT, (in, out) -> {
                for (long n = 0; n < batch; n++) {
                    java.lang.foreign.MemorySegment.copy(in[0], n * perSample, out, 2 * n * perSample, perSample);
                    java.lang.foreign.MemorySegment.copy(in[1], n * perSample, out, (2 * n + 1) * perSample, perSample);
                }
            });
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * A reduction of {@code src} to {@code dst}; where the reduced axes hold one element (a slice of
     * one), a copy, since oneDNN refuses a reduction that reduces nothing (its arguments are the same).
     */
    static Primitive reduction(int algorithm, String name, MemoryDesc src, MemoryDesc dst) {
        if (src.byteSize() == dst.byteSize()) {
            return Convolutions.reorder(src, dst); // DNNL_ARG_FROM/TO are DNNL_ARG_SRC/DST
        }
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("reduction").word(name).md(src).md(dst);
            return Primitive.create("dnnl_reduction_primitive_desc_create", replay, (out, a) ->
                    dnnl_reduction_primitive_desc_create(out, Engine.cpu(), algorithm, src.handle(),
                            dst.handle(), 0f, 0f, attr.handle()));
        }
    }
}
