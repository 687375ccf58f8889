package kdnn.reference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;

/**
 * The layers around convolutions, straight from their Keras 2 definitions in plain Java:
 * BatchNormalization, Dense, Max/AveragePooling1D-3D, GlobalMax/AveragePooling1D-3D and Keras 3's
 * AdaptiveMax/AveragePooling1D-3D (PyTorch's windows, which Keras follows).
 * Loops over indices in double precision; shares nothing with kdnn's main code.
 */
public final class ReferenceNormPoolDense {
    private ReferenceNormPoolDense() {
    }

    /** True for the Keras classes this reference computes. */
    public static boolean handles(String className) {
        return className.equals("BatchNormalization") || className.equals("Dense")
                || className.matches("(Global|Adaptive)?(Max|Average)Pooling[123]D");
    }

    /** Runs a layer given as {@code {"class_name", "config"}} on {@code x} with Keras-ordered weights. */
    public static RefArray run(JsonNode layer, RefArray x, List<RefArray> weights) {
        String cls = layer.path("class_name").asText();
        JsonNode config = layer.path("config");
        if (cls.equals("BatchNormalization")) return batchNormalization(config, x, weights);
        if (cls.equals("Dense")) return dense(config, x, weights);
        if (!cls.matches("(Global|Adaptive)?(Max|Average)Pooling[123]D")) {
            throw new IllegalArgumentException("not a layer of this reference: " + cls);
        }
        int rank = cls.charAt(cls.length() - 2) - '0';
        boolean max = cls.contains("Max");
        if (x.rank() != rank + 2) {
            throw new IllegalArgumentException(cls + " needs a " + (rank + 2) + "D input, got " + x);
        }
        boolean cf = KerasConfig.channelsFirst(config);
        RefArray cl = cf ? Layouts.toChannelsLast(x) : x;
        if (cls.startsWith("Adaptive")) {
            RefArray out = adaptivePool(cl, KerasConfig.intTuple(config, "output_size", rank, 1), max);
            return cf ? Layouts.toChannelsFirst(out) : out;
        }
        if (cls.startsWith("Global")) {
            RefArray out = globalPool(cl, max);
            boolean keep = KerasConfig.bool(config, "keepdims", false);
            if (!keep) return out;
            int[] shape = new int[rank + 2];
            java.util.Arrays.fill(shape, 1);
            shape[0] = x.shape()[0];
            shape[cf ? 1 : rank + 1] = out.shape()[1];
            return new RefArray(shape, out.data());
        }
        int[] pool = KerasConfig.intTuple(config, "pool_size", rank, 2);
        int[] strides = KerasConfig.absent(config, "strides") ? pool : KerasConfig.intTuple(config, "strides", rank, 1);
        boolean same = KerasConfig.padding(config).equalsIgnoreCase("same");
        RefArray out = pool(cl, pool, strides, same, max);
        return cf ? Layouts.toChannelsFirst(out) : out;
    }

    /** Windows over a channels-last array; the padded cells of {@code same} never count (TensorFlow). */
    static RefArray pool(RefArray x, int[] pool, int[] strides, boolean same, boolean max) {
        int rank = pool.length;
        int[] in = java.util.Arrays.copyOfRange(x.shape(), 1, rank + 1);
        int channels = x.shape()[rank + 1];
        int[] out = new int[rank];
        int[] before = new int[rank];
        for (int a = 0; a < rank; a++) {
            if (same) {
                out[a] = (in[a] + strides[a] - 1) / strides[a];
                int total = Math.max((out[a] - 1) * strides[a] + pool[a] - in[a], 0);
                before[a] = total / 2;
            } else {
                out[a] = (in[a] - pool[a]) / strides[a] + 1;
                if (in[a] < pool[a] || out[a] <= 0) {
                    throw new IllegalArgumentException("window " + pool[a] + " larger than input " + in[a]);
                }
            }
        }
        int[] outShape = new int[rank + 2];
        outShape[0] = x.shape()[0];
        System.arraycopy(out, 0, outShape, 1, rank);
        outShape[rank + 1] = channels;
        RefArray y = RefArray.zeros(outShape);
        int[] o = new int[rank + 2];
        do {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int cells = 0;
            int[] w = new int[rank];
            do {
                int[] i = new int[rank + 2];
                i[0] = o[0];
                i[rank + 1] = o[rank + 1];
                boolean inside = true;
                for (int a = 0; a < rank; a++) {
                    i[a + 1] = o[a + 1] * strides[a] - before[a] + w[a];
                    inside &= i[a + 1] >= 0 && i[a + 1] < in[a];
                }
                if (inside) {
                    double v = x.data()[Shapes.offset(x.shape(), i)];
                    acc = max ? (Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, v)) : acc + v;
                    cells++;
                }
            } while (Shapes.next(w, pool));
            y.data()[Shapes.offset(outShape, o)] = (float) (max ? acc : acc / cells);
        } while (Shapes.next(o, outShape));
        return y;
    }

    /**
     * Adaptive pooling of a channels-last array: output cell i of an axis of length L pooled to o
     * covers [floor(i L / o), ceil((i + 1) L / o)), as torch.nn.functional.adaptive_*_pool computes.
     */
    static RefArray adaptivePool(RefArray x, int[] outputSize, boolean max) {
        int rank = outputSize.length;
        int[] in = java.util.Arrays.copyOfRange(x.shape(), 1, rank + 1);
        int[] outShape = x.shape().clone();
        System.arraycopy(outputSize, 0, outShape, 1, rank);
        RefArray y = RefArray.zeros(outShape);
        int[] o = new int[rank + 2];
        do {
            int[] lo = new int[rank];
            int[] size = new int[rank];
            for (int a = 0; a < rank; a++) {
                lo[a] = (int) Math.floor((double) o[a + 1] * in[a] / outputSize[a]);
                size[a] = (int) Math.ceil((double) (o[a + 1] + 1) * in[a] / outputSize[a]) - lo[a];
            }
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int cells = 0;
            int[] w = new int[rank];
            do {
                int[] i = o.clone();
                for (int a = 0; a < rank; a++) i[a + 1] = lo[a] + w[a];
                double v = x.data()[Shapes.offset(x.shape(), i)];
                acc = max ? (Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, v)) : acc + v;
                cells++;
            } while (Shapes.next(w, size));
            y.data()[Shapes.offset(outShape, o)] = (float) (max ? acc : acc / cells);
        } while (Shapes.next(o, outShape));
        return y;
    }

    /** (N, spatial..., C) to (N, C): every spatial cell of a channel. */
    static RefArray globalPool(RefArray x, boolean max) {
        int n = x.shape()[0];
        int channels = x.shape()[x.rank() - 1];
        int cells = x.data().length / Math.max(1, n * channels);
        float[] out = new float[n * channels];
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < channels; c++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (int s = 0; s < cells; s++) {
                    double v = x.data()[(b * cells + s) * channels + c];
                    acc = max ? (Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, v)) : acc + v;
                }
                out[b * channels + c] = (float) (max ? acc : acc / cells);
            }
        }
        return new RefArray(new int[] {n, channels}, out);
    }

    /**
     * tf.keras 2.x at inference: {@code (x - mean) / sqrt(var + eps) * gamma + beta} along one
     * axis; a 4D/5D input over axis 1 or the last axis goes through the fused kernel, whose
     * epsilon is at least 1.001e-5.
     */
    static RefArray batchNormalization(JsonNode config, RefArray x, List<RefArray> weights) {
        JsonNode axisNode = config.path("axis");
        int axis = axisNode.isArray() ? axisNode.get(0).asInt() : axisNode.isMissingNode() || axisNode.isNull() ? -1
                : axisNode.asInt();
        int rank = x.rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        }
        double eps = config.path("epsilon").asDouble(1e-3);
        if ((rank == 4 || rank == 5) && (a == 1 || a == rank - 1)) {
            eps = Math.max(eps, 1.001e-5);
        }
        boolean scale = KerasConfig.bool(config, "scale", true);
        boolean center = KerasConfig.bool(config, "center", true);
        int k = 0;
        float[] gamma = scale ? weights.get(k++).data() : null;
        float[] beta = center ? weights.get(k++).data() : null;
        float[] mean = weights.get(k++).data();
        float[] variance = weights.get(k).data();
        int channels = x.shape()[a];
        int inner = 1;
        for (int i = a + 1; i < rank; i++) inner *= x.shape()[i];
        float[] out = new float[x.data().length];
        for (int i = 0; i < out.length; i++) {
            int c = (i / inner) % channels;
            double v = (x.data()[i] - (double) mean[c]) / Math.sqrt(variance[c] + eps);
            out[i] = (float) (v * (gamma == null ? 1 : gamma[c]) + (beta == null ? 0 : beta[c]));
        }
        return new RefArray(x.shape().clone(), out);
    }

    /** {@code activation(tensordot(x, kernel, 1) + bias)}: the last axis against kernel (in, units). */
    static RefArray dense(JsonNode config, RefArray x, List<RefArray> weights) {
        RefArray kernel = weights.get(0);
        boolean useBias = KerasConfig.bool(config, "use_bias", true);
        int in = kernel.shape()[0];
        int units = kernel.shape()[1];
        if (x.shape()[x.rank() - 1] != in) {
            throw new IllegalArgumentException("input features " + x.shape()[x.rank() - 1] + " != kernel rows " + in);
        }
        int rows = x.data().length / in;
        int[] shape = x.shape().clone();
        shape[shape.length - 1] = units;
        float[] out = new float[rows * units];
        for (int r = 0; r < rows; r++) {
            for (int u = 0; u < units; u++) {
                double acc = useBias ? weights.get(1).data()[u] : 0;
                for (int i = 0; i < in; i++) acc += (double) x.data()[r * in + i] * kernel.data()[i * units + u];
                out[r * units + u] = (float) acc;
            }
        }
        String act = config.path("activation").isTextual() ? config.path("activation").asText() : "linear";
        return ReferenceActivation.apply(act.toLowerCase(Locale.ROOT), new RefArray(shape, out));
    }
}
