package kdnn.layers;

/**
 * Plain-Java Keras semantics of the shape layers, element by element, as the oracle the oneDNN
 * layers are checked against. Shapes are Keras' (batch first), data row-major.
 */
final class ShapeReference {
    /** Maps an output index along spatial axis {@code axis} to the input index, or -1 for a zero. */
    private interface AxisMap {
        long source(int axis, long out);
    }

    private ShapeReference() {
    }

    static long[] padShape(long[] in, boolean cf, int[][] pads) {
        return outShape(in, cf, pads.length, (i, n) -> n + pads[i][0] + pads[i][1]);
    }

    static long[] cropShape(long[] in, boolean cf, int[][] crops) {
        return outShape(in, cf, crops.length, (i, n) -> n - crops[i][0] - crops[i][1]);
    }

    static long[] upShape(long[] in, boolean cf, int[] size) {
        return outShape(in, cf, size.length, (i, n) -> n * size[i]);
    }

    static float[] pad(float[] x, long[] in, boolean cf, int[][] pads) {
        long[] out = padShape(in, cf, pads);
        return map(x, in, out, cf, (i, o) -> {
            long s = o - pads[i][0];
            return s >= 0 && s < in[axis(cf, pads.length, i)] ? s : -1;
        });
    }

    static float[] crop(float[] x, long[] in, boolean cf, int[][] crops) {
        return map(x, in, cropShape(in, cf, crops), cf, (i, o) -> o + crops[i][0]);
    }

    static float[] upsample(float[] x, long[] in, boolean cf, int[] size) {
        return map(x, in, upShape(in, cf, size), cf, (i, o) -> o / size[i]);
    }

    private static int axis(boolean cf, int rank, int i) {
        return cf ? 2 + i : 1 + i;
    }

    private interface Resize {
        long apply(int axis, long n);
    }

    private static long[] outShape(long[] in, boolean cf, int rank, Resize r) {
        long[] out = in.clone();
        for (int i = 0; i < rank; i++) out[axis(cf, rank, i)] = r.apply(i, in[axis(cf, rank, i)]);
        return out;
    }

    private static float[] map(float[] x, long[] in, long[] out, boolean cf, AxisMap m) {
        int rank = in.length - 2;
        long total = 1;
        for (long d : out) total *= d;
        float[] y = new float[Math.toIntExact(total)];
        long[] idx = new long[out.length];
        for (int flat = 0; flat < y.length; flat++) {
            // row-major coordinates of this output element
            long rest = flat;
            for (int a = out.length - 1; a >= 0; a--) {
                idx[a] = rest % out[a];
                rest /= out[a];
            }
            long src = 0;
            boolean zero = false;
            for (int a = 0; a < in.length; a++) {
                long c = idx[a];
                int spatial = cf ? a - 2 : a - 1;
                if (spatial >= 0 && spatial < rank) {
                    c = m.source(spatial, c);
                    if (c < 0) zero = true;
                }
                src = src * in[a] + Math.max(c, 0);
            }
            y[flat] = zero ? 0f : x[Math.toIntExact(src)];
        }
        return y;
    }
}
