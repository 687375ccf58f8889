package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Layer and unit normalization of a row-major tensor over some of its axes, each slice the
 * normalized axes span on its own, one oneDNN primitive a step. Neighbouring axes of the same kind
 * (normalized or not) fold into one, so the usual forms run as {@code rows x length}.
 */
public final class LayerNorms {
    private LayerNorms() {
    }

    /** A row-major shape with neighbouring axes of the same kind folded into one. */
    private record Folded(long[] dims, boolean[] normalized) {
        static Folded of(long[] shape, int[] axes) {
            boolean[] marked = new boolean[shape.length];
            for (int a : axes) marked[a] = true;
            long[] dims = new long[shape.length];
            boolean[] normalized = new boolean[shape.length];
            int n = 0;
            for (int i = 0; i < shape.length; i++) {
                if (n > 0 && normalized[n - 1] == marked[i]) {
                    dims[n - 1] *= shape[i];
                } else {
                    dims[n] = shape[i];
                    normalized[n++] = marked[i];
                }
            }
            return new Folded(Arrays.copyOf(dims, n), Arrays.copyOf(normalized, n));
        }

        /** The dims with the normalized axes (or, with {@code normalizedOnes} false, the others) set to 1. */
        long[] ones(boolean normalizedOnes) {
            long[] d = dims.clone();
            for (int i = 0; i < d.length; i++) if (normalized[i] == normalizedOnes) d[i] = 1;
            return d;
        }

        long slices() {
            return Arrays.stream(ones(true)).reduce(1, (x, y) -> x * y);
        }

        long count() {
            return Arrays.stream(dims).reduce(1, (x, y) -> x * y);
        }
    }

    /**
     * Keras' LayerNormalization of a tensor of {@code shape} over {@code axes}: {@code (x - mean) /
     * sqrt(variance + epsilon) * gamma + beta}, with each slice's mean and population variance, as
     * TensorFlow's moments give them. Axes that end the shape run as oneDNN's layer normalization;
     * others as steps: the mean, the deviations, their squares, the variance, the deviation's
     * scale, then gamma and beta. {@code gamma} and {@code beta} hold a float per element
     * of the normalized axes, row-major in the axes' order in the shape (or are null when the layer
     * has none), and outlive the pipeline.
     */
    public static Pipeline layerNorm(long[] shape, int[] axes, float epsilon, MemorySegment gamma, MemorySegment beta) {
        Folded f = Folded.of(shape, axes);
        if (f.dims().length == 2 && !f.normalized()[0] && f.normalized()[1]) {
            // axes that end the shape: oneDNN's own layer normalization, one pass instead of nine (its
            // statistics are two-pass: as exact as the steps below, measured on rows of mean 1e4 and deviation 1)
            return Normalizations.layerNormalization(f.dims()[0], f.dims()[1], epsilon, gamma, beta);
        }
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.rowMajor(f.dims()));
            MemoryDesc perRow = b.own(MemoryDesc.rowMajor(f.ones(true)));
            MemoryDesc perColumn = b.own(MemoryDesc.rowMajor(f.ones(false)));
            int mean = b.buffer(f.slices() * Float.BYTES);
            int deviation = b.buffer(f.slices() * Float.BYTES);
            int squares = b.buffer(f.count() * Float.BYTES);
            // mean of each slice
            b.step(Reductions.reduction(dnnl_reduction_mean(), "mean", data, perRow), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, mean));
            // x - mean, into the output
            b.step(Merges.binary(dnnl_binary_sub(), data, perRow, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perRow, mean), Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            // the variance: the mean of the squared deviations
            b.step(Merges.binary(dnnl_binary_mul(), data, data, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), data, Pipeline.OUTPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), data, squares));
            appendRootOfMean(b, data, perRow, squares, deviation, epsilon);
            b.step(Merges.binary(dnnl_binary_div(), data, perRow, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perRow, deviation), Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            if (gamma != null) {
                b.step(Merges.binary(dnnl_binary_mul(), data, perColumn, data),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), perColumn, gamma),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            }
            if (beta != null) {
                b.step(Merges.binary(dnnl_binary_add(), data, perColumn, data),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), perColumn, beta),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * {@code x / sqrt(statistic + epsilon) * scale} per slice of {@code shape} over {@code axes},
     * where the statistic is the slice's mean square ({@code centred} false: Keras 3's
     * RMSNormalization) or its population variance ({@code centred} true: LayerNormalization's
     * {@code rms_scaling}, which, as Keras documents, scales by the variance). The input is divided,
     * never centred. {@code scale} (or null) multiplies the result, broadcast as an operand of
     * {@code scaleDims}: the input's rank, 1 on the axes it does not span.
     */
    public static Pipeline rootMeanScaled(long[] shape, int[] axes, float epsilon, MemorySegment scale, long[] scaleDims,
                                          boolean centred) {
        Folded f = Folded.of(shape, axes);
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc data = b.own(MemoryDesc.rowMajor(f.dims()));
            MemoryDesc perRow = b.own(MemoryDesc.rowMajor(f.ones(true)));
            int squares = b.buffer(f.count() * Float.BYTES);
            int deviation = b.buffer(f.slices() * Float.BYTES);
            if (centred) {
                // x - mean into the scratch, then its squares in place
                int mean = b.buffer(f.slices() * Float.BYTES);
                b.step(Reductions.reduction(dnnl_reduction_mean(), "mean", data, perRow), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, mean));
                b.step(Merges.binary(dnnl_binary_sub(), data, perRow, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perRow, mean), Pipeline.Arg.slot(DNNL_ARG_DST(), data, squares));
                b.step(Eltwises.eltwise(data, new Attributes.Eltwise(dnnl_eltwise_square(), 0f, 0f)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), data, squares), Pipeline.Arg.slot(DNNL_ARG_DST(), data, squares));
            } else {
                b.step(Eltwises.eltwise(data, new Attributes.Eltwise(dnnl_eltwise_square(), 0f, 0f)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), data, squares));
            }
            appendRootOfMean(b, data, perRow, squares, deviation, epsilon);
            b.step(Merges.binary(dnnl_binary_div(), data, perRow, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perRow, deviation), Pipeline.Arg.slot(DNNL_ARG_DST(), data, Pipeline.OUTPUT));
            if (scale != null) {
                MemoryDesc whole = b.own(MemoryDesc.rowMajor(shape));
                MemoryDesc operand = b.own(MemoryDesc.rowMajor(scaleDims));
                b.step(Merges.binary(dnnl_binary_mul(), whole, operand, whole),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), whole, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), operand, scale),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), whole, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** Steps writing each slice's {@code sqrt(mean(squares) + epsilon)} from slot {@code squares} into slot {@code root}. */
    private static void appendRootOfMean(Pipeline.Builder b, MemoryDesc data, MemoryDesc perRow, int squares, int root,
                                         float epsilon) {
        b.step(Reductions.reduction(dnnl_reduction_mean(), "mean", data, perRow), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, squares),
                Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, root));
        b.step(Eltwises.eltwise(perRow, new Attributes.Eltwise(dnnl_eltwise_linear(), 1f, epsilon)),
                Pipeline.Arg.slot(DNNL_ARG_SRC(), perRow, root), Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, root));
        b.step(Eltwises.eltwise(perRow, new Attributes.Eltwise(dnnl_eltwise_sqrt(), 0f, 0f)),
                Pipeline.Arg.slot(DNNL_ARG_SRC(), perRow, root), Pipeline.Arg.slot(DNNL_ARG_DST(), perRow, root));
    }

    /**
     * Keras' UnitNormalization of a tensor of {@code shape} over {@code axes}:
     * {@code x * rsqrt(max(sum(x * x), 1e-12))} per slice.
     */
    public static Pipeline unitNorm(long[] shape, int[] axes) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            appendUnitNorm(b, shape, axes, Pipeline.INPUT, Pipeline.OUTPUT, 1e-12f);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * Keras 3's {@code ops.normalize(x, axis, order=2, epsilon)}: {@code x * min(rsqrt(sum(x * x)), 1 / epsilon)}
     * per slice of {@code axes}, as Keras computes its L2 case (a NaN sum kept, as TensorFlow's minimum keeps it).
     */
    public static Pipeline normalize(long[] shape, int[] axes, double epsilon) {
        float ceiling = (float) (1.0 / epsilon);
        Pipeline.Builder b = Pipeline.builder();
        try {
            appendSliceScaled(b, shape, axes, Pipeline.INPUT, Pipeline.OUTPUT,
                    sum -> Float.isNaN(sum) ? sum : Math.min((float) (1 / Math.sqrt(sum)), ceiling));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** A slice's scale from the sum of its squares. */
    @FunctionalInterface
    interface SliceScale {
        float of(float sumOfSquares);
    }

    /**
     * Steps writing {@code x * rsqrt(max(sum(x * x), floor))} per slice from slot {@code from} into
     * slot {@code to}. The squares and their sums are oneDNN steps; the slices' scales, one float per
     * slice, a Java step (oneDNN's max would drop a NaN that TensorFlow's keeps); the product a last
     * oneDNN step.
     */
    static void appendUnitNorm(Pipeline.Builder b, long[] shape, int[] axes, int from, int to, float floor) {
        appendSliceScaled(b, shape, axes, from, to, sum -> {
            float kept = Float.isNaN(sum) ? sum : Math.max(sum, floor);
            return (float) (1 / Math.sqrt(kept));
        });
    }

    /** Steps writing {@code x * scale(sum(x * x))} per slice of {@code axes}, from slot {@code from} into {@code to}. */
    private static void appendSliceScaled(Pipeline.Builder b, long[] shape, int[] axes, int from, int to, SliceScale scaleOf) {
        Folded f = Folded.of(shape, axes);
        MemoryDesc data = b.own(MemoryDesc.rowMajor(f.dims()));
        MemoryDesc perSlice = b.own(MemoryDesc.rowMajor(f.ones(true)));
        int squares = b.buffer(f.count() * Float.BYTES);
        int scale = b.buffer(f.slices() * Float.BYTES);
        // x * x, then each slice's sum
        b.step(Eltwises.eltwise(data, new Attributes.Eltwise(dnnl_eltwise_square(), 0f, 0f)),
                Pipeline.Arg.slot(DNNL_ARG_SRC(), data, from), Pipeline.Arg.slot(DNNL_ARG_DST(), data, squares));
        b.step(Reductions.reduction(dnnl_reduction_sum(), "sum", data, perSlice), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, squares),
                Pipeline.Arg.slot(DNNL_ARG_DST(), perSlice, scale));
        // each slice's scale in place
        long slices = f.slices();
        b.javaStep(scale, sums -> {
            for (long i = 0; i < slices; i++) {
                sums.setAtIndex(ValueLayout.JAVA_FLOAT, i, scaleOf.of(sums.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
            }
        });
        b.step(Merges.binary(dnnl_binary_mul(), data, perSlice, data), Pipeline.Arg.slot(DNNL_ARG_SRC(), data, from),
                Pipeline.Arg.slot(DNNL_ARG_SRC_1(), perSlice, scale), Pipeline.Arg.slot(DNNL_ARG_DST(), data, to));
    }

}
