package kdnn.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * NumPy's basic indexing ({@code x[key]}), stacking along a new axis, tile and repeat, Keras' Embedding
 * lookup, TensorFlow's depth_to_space and the element-wise maximum or minimum with a number, written
 * out index by index, TensorFlow's argmax and argmin, NumPy's einsum of two tensors and logsumexp: the
 * references of kdnn's GetItem, Stack, Tile, Repeat, Embedding, BlockShuffle, ConstantFunction's extremes,
 * ArgReduce, Einsum and LogSumExp.
 */
public final class ReferenceOperations {
    private ReferenceOperations() {
    }

    /** What one item of an indexing key does to the axes: a list of picked indices, a dropped axis, or a new one. */
    public record Pick(List<Integer> indices, boolean drop, boolean newAxis) {
        /** All of an axis of length n. */
        public static Pick whole(int n) {
            return range(null, null, null, n);
        }

        /** {@code start:stop:step} of an axis of length n, listed as Python's {@code range(*slice.indices(n))}. */
        public static Pick range(Integer start, Integer stop, Integer step, int n) {
            int k = step == null ? 1 : step;
            List<Integer> out = new ArrayList<>();
            if (k > 0) {
                int from = start == null ? 0 : start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
                int to = stop == null ? n : stop < 0 ? Math.max(stop + n, 0) : Math.min(stop, n);
                for (int i = from; i < to; i += k) out.add(i);
            } else {
                int from = start == null ? n - 1 : start < 0 ? Math.max(start + n, -1) : Math.min(start, n - 1);
                int to = stop == null ? -1 : stop < 0 ? Math.max(stop + n, -1) : Math.min(stop, n - 1);
                for (int i = from; i > to; i += k) out.add(i);
            }
            return new Pick(out, false, false);
        }

        /** Index i of an axis of length n (negative from the end): the axis is dropped. */
        public static Pick index(int i, int n) {
            return new Pick(List.of(i < 0 ? i + n : i), true, false);
        }

        /** A new axis of length 1. */
        public static final Pick NEW_AXIS = new Pick(List.of(), false, true);
    }

    /** {@code x[key]}, the key spelled out axis by axis ({@code picks}, new axes among them). */
    public static RefArray getItem(RefArray x, List<Pick> picks) {
        int[] shape = x.shape();
        int[] strides = new int[shape.length];
        for (int a = shape.length - 1, s = 1; a >= 0; s *= shape[a], a--) strides[a] = s;
        List<int[]> choices = new ArrayList<>(); // per output axis: the input offsets it picks
        int base = 0;
        int axis = 0;
        for (Pick p : picks) {
            if (p.newAxis()) {
                choices.add(new int[] {0});
                continue;
            }
            if (p.drop()) {
                base += p.indices().get(0) * strides[axis];
            } else {
                int[] offsets = new int[p.indices().size()];
                for (int i = 0; i < offsets.length; i++) offsets[i] = p.indices().get(i) * strides[axis];
                choices.add(offsets);
            }
            axis++;
        }
        int[] dims = choices.stream().mapToInt(c -> c.length).toArray();
        int total = 1;
        for (int d : dims) total *= d;
        float[] out = new float[total];
        int[] idx = new int[dims.length];
        for (int o = 0; o < total; o++) {
            int src = base;
            for (int a = 0; a < idx.length; a++) src += choices.get(a)[idx[a]];
            out[o] = x.data()[src];
            for (int a = idx.length - 1; a >= 0; a--) {
                if (++idx[a] < dims[a]) break;
                idx[a] = 0;
            }
        }
        return new RefArray(dims, out);
    }

    /** NumPy's {@code stack(xs, axis)}: tensors of one shape along a new output axis (non-negative). */
    public static RefArray stack(List<RefArray> xs, int axis) {
        int[] shape = xs.get(0).shape();
        int outer = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        int inner = xs.get(0).data().length / outer;
        float[] out = new float[xs.size() * xs.get(0).data().length];
        int at = 0;
        for (int o = 0; o < outer; o++) {
            for (RefArray x : xs) {
                System.arraycopy(x.data(), o * inner, out, at, inner);
                at += inner;
            }
        }
        int[] dims = new int[shape.length + 1];
        for (int d = 0, k = 0; d < dims.length; d++) dims[d] = d == axis ? xs.size() : shape[k++];
        return new RefArray(dims, out);
    }

    /**
     * Keras' Embedding: row {@code (int) id} of {@code table} (input_dim, output_dim) for each id,
     * the output shaped {@code ids.shape + (output_dim,)}; the ids must truncate into the table.
     */
    public static RefArray embedding(RefArray ids, RefArray table) {
        int rows = table.shape()[0];
        int cols = table.shape()[1];
        float[] out = new float[ids.data().length * cols];
        for (int i = 0; i < ids.data().length; i++) {
            int row = (int) ids.data()[i]; // Keras' cast to int32: truncation toward zero
            if (row < 0 || row >= rows) throw new IllegalArgumentException("index " + ids.data()[i] + " outside the table");
            System.arraycopy(table.data(), row * cols, out, i * cols, cols);
        }
        int[] dims = java.util.Arrays.copyOf(ids.shape(), ids.shape().length + 1);
        dims[dims.length - 1] = cols;
        return new RefArray(dims, out);
    }

    /** NumPy's tile: output axis a holds reps[a] copies of the input's (one count per axis). */
    public static RefArray tile(RefArray x, int[] reps) {
        int[] in = x.shape();
        int[] out = new int[in.length];
        for (int a = 0; a < in.length; a++) out[a] = in[a] * reps[a];
        RefArray y = RefArray.zeros(out);
        int[] o = new int[out.length];
        int[] i = new int[out.length];
        do {
            for (int a = 0; a < out.length; a++) i[a] = o[a] % in[a];
            y.data()[Shapes.offset(out, o)] = x.data()[Shapes.offset(in, i)];
        } while (Shapes.next(o, out));
        return y;
    }

    /** NumPy's repeat: each element n times in a row along {@code axis}. */
    public static RefArray repeat(RefArray x, int axis, int n) {
        int[] in = x.shape();
        int[] out = in.clone();
        out[axis] *= n;
        RefArray y = RefArray.zeros(out);
        int[] o = new int[out.length];
        do {
            int[] i = o.clone();
            i[axis] = o[axis] / n;
            y.data()[Shapes.offset(out, o)] = x.data()[Shapes.offset(in, i)];
        } while (Shapes.next(o, out));
        return y;
    }

    /**
     * TensorFlow's depth_to_space of a 4-D tensor: channel (i * b + j) * C' + c of pixel (h, w) to
     * channel c of pixel (h * b + i, w * b + j); NHWC, or NCHW with the channel axis first.
     */
    public static RefArray depthToSpace(RefArray x, int b, boolean nchw) {
        int[] s = x.shape();
        int n = s[0];
        int c = nchw ? s[1] : s[3];
        int h = nchw ? s[2] : s[1];
        int w = nchw ? s[3] : s[2];
        int co = c / (b * b);
        int[] out = nchw ? new int[] {n, co, h * b, w * b} : new int[] {n, h * b, w * b, co};
        RefArray y = RefArray.zeros(out);
        for (int img = 0; img < n; img++) {
            for (int oh = 0; oh < h * b; oh++) {
                for (int ow = 0; ow < w * b; ow++) {
                    for (int k = 0; k < co; k++) {
                        int ic = ((oh % b) * b + ow % b) * co + k;
                        int[] from = nchw ? new int[] {img, ic, oh / b, ow / b} : new int[] {img, oh / b, ow / b, ic};
                        int[] to = nchw ? new int[] {img, k, oh, ow} : new int[] {img, oh, ow, k};
                        y.data()[Shapes.offset(out, to)] = x.data()[Shapes.offset(s, from)];
                    }
                }
            }
        }
        return y;
    }

    /** TensorFlow's maximum (or minimum) of each value and {@code c}: NaN on either side gives NaN. */
    public static RefArray extreme(RefArray x, double c, boolean max) {
        float[] out = new float[x.data().length];
        for (int i = 0; i < out.length; i++) {
            float v = x.data()[i];
            out[i] = Float.isNaN(v) || Double.isNaN(c) ? Float.NaN : (float) (max ? Math.max(v, c) : Math.min(v, c));
        }
        return new RefArray(x.shape().clone(), out);
    }

    /** TensorFlow's space_to_depth, depth_to_space's inverse: pixel (h * b + i, w * b + j) to channel (i * b + j) * C + c. */
    public static RefArray spaceToDepth(RefArray x, int b, boolean nchw) {
        int[] s = x.shape();
        int n = s[0];
        int c = nchw ? s[1] : s[3];
        int h = nchw ? s[2] : s[1];
        int w = nchw ? s[3] : s[2];
        int[] out = nchw ? new int[] {n, c * b * b, h / b, w / b} : new int[] {n, h / b, w / b, c * b * b};
        RefArray y = RefArray.zeros(out);
        for (int img = 0; img < n; img++) {
            for (int ih = 0; ih < h; ih++) {
                for (int iw = 0; iw < w; iw++) {
                    for (int k = 0; k < c; k++) {
                        int oc = ((ih % b) * b + iw % b) * c + k;
                        int[] from = nchw ? new int[] {img, k, ih, iw} : new int[] {img, ih, iw, k};
                        int[] to = nchw ? new int[] {img, oc, ih / b, iw / b} : new int[] {img, ih / b, iw / b, oc};
                        y.data()[Shapes.offset(out, to)] = x.data()[Shapes.offset(s, from)];
                    }
                }
            }
        }
        return y;
    }

    /** Keras 3's ops.normalize over the last axis, its L2 case: x * min(1 / sqrt(sum(x * x)), 1 / epsilon), in double. */
    public static RefArray normalizeLastAxis(RefArray x, double epsilon) {
        int last = x.shape()[x.rank() - 1];
        float[] out = new float[x.data().length];
        for (int row = 0; row < out.length / last; row++) {
            double sum = 0;
            for (int k = 0; k < last; k++) sum += (double) x.data()[row * last + k] * x.data()[row * last + k];
            double scale = Double.isNaN(sum) ? Double.NaN : Math.min(1 / Math.sqrt(sum), (float) (1 / epsilon));
            for (int k = 0; k < last; k++) out[row * last + k] = (float) (x.data()[row * last + k] * scale);
        }
        return new RefArray(x.shape().clone(), out);
    }

    /** NumPy's take of a list of indices (each in range) along {@code axis}: the axis keeps the list's length. */
    public static RefArray take(RefArray x, int axis, int[] indices) {
        int[] in = x.shape();
        int[] out = in.clone();
        out[axis] = indices.length;
        RefArray y = RefArray.zeros(out);
        int[] o = new int[out.length];
        do {
            int[] i = o.clone();
            i[axis] = indices[o[axis]];
            y.data()[Shapes.offset(out, o)] = x.data()[Shapes.offset(in, i)];
        } while (Shapes.next(o, out));
        return y;
    }

    /**
     * TensorFlow's CPU argmax (argmin) of {@code x} laid out as (outer, length, inner) along its middle axis:
     * a scan from index 0 holding the lowest (highest) float that takes only a strictly larger (smaller) value,
     * so ties go first, NaN never wins and a slice of NaN and infinities only gives 0; {@code signedZeros}: Keras 3's
     * -0.0 turned into minus the smallest normal float first. The indices as floats.
     */
    public static float[] argReduce(float[] x, int outer, int length, int inner, boolean max, boolean signedZeros) {
        float[] out = new float[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                float best = max ? -Float.MAX_VALUE : Float.MAX_VALUE;
                int at = 0;
                for (int k = 0; k < length; k++) {
                    float v = x[(o * length + k) * inner + i];
                    if (signedZeros && v == 0f && 1f / v < 0) v = -Float.MIN_NORMAL;
                    if (max ? v > best : v < best) {
                        best = v;
                        at = k;
                    }
                }
                out[o * inner + i] = at;
            }
        }
        return out;
    }

    /**
     * NumPy's {@code einsum} of two row-major tensors with explicit output letters (no ellipsis, no letter twice in
     * one operand), written out: every assignment of the letters adds {@code x * y} into its output element, in double.
     */
    public static double[] einsum(String x, float[] xv, long[] xDims, String y, float[] yv, long[] yDims, String out,
                                  long[] outDims) {
        String letters = "";
        for (char c : (x + y).toCharArray()) if (letters.indexOf(c) < 0) letters += c;
        long[] length = new long[letters.length()];
        for (int i = 0; i < letters.length(); i++) {
            int a = x.indexOf(letters.charAt(i));
            length[i] = a >= 0 ? xDims[a] : yDims[y.indexOf(letters.charAt(i))];
        }
        long outSize = 1;
        for (long d : outDims) outSize *= d;
        double[] result = new double[(int) outSize];
        for (long d : length) if (d == 0) return result;
        int[] at = new int[letters.length()];
        do {
            result[(int) offset(out, outDims, letters, at)] += (double) xv[(int) offset(x, xDims, letters, at)]
                    * yv[(int) offset(y, yDims, letters, at)];
        } while (next(at, length));
        return result;
    }

    private static long offset(String spec, long[] dims, String letters, int[] at) {
        long o = 0;
        for (int i = 0; i < spec.length(); i++) o = o * dims[i] + at[letters.indexOf(spec.charAt(i))];
        return o;
    }

    private static boolean next(int[] at, long[] length) {
        for (int i = at.length - 1; i >= 0; i--) {
            if (++at[i] < length[i]) return true;
            at[i] = 0;
        }
        return false;
    }

    /**
     * {@code log(sum(exp(x)))} of {@code x} laid out as (outer, length, inner) along its middle axis, in double: NaN
     * where the slice holds NaN, +inf where it holds +inf, -inf where it is empty or all -inf, else its maximum
     * plus the log of the summed exponentials of the differences.
     */
    public static double[] logSumExp(float[] x, int outer, int length, int inner) {
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                boolean nan = false;
                for (int k = 0; k < length; k++) {
                    double v = x[(o * length + k) * inner + i];
                    nan |= Double.isNaN(v);
                    max = Math.max(max, v);
                }
                double r;
                if (nan) r = Double.NaN;
                else if (Double.isInfinite(max)) r = max;
                else {
                    double sum = 0;
                    for (int k = 0; k < length; k++) sum += Math.exp(x[(o * length + k) * inner + i] - max);
                    r = max + Math.log(sum);
                }
                out[o * inner + i] = r;
            }
        }
        return out;
    }
}
