package kdnn.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * NumPy's basic indexing ({@code x[key]}), stacking along a new axis, and Keras' Embedding lookup,
 * written out index by index: the references of kdnn's GetItem, Stack and Embedding.
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
}
