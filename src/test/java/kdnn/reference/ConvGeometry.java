package kdnn.reference;

import java.util.Arrays;

/**
 * Where a forward convolution starts reading and how long its output is, per spatial axis.
 * Output position {@code o}, tap {@code t} reads input position {@code o*s + t*d - padBefore};
 * positions outside the input read zero.
 */
record ConvGeometry(int[] padBefore, int[] outSpatial) {

    /** Effective (dilated) kernel extent: {@code (k-1)*d + 1}. */
    static int effectiveKernel(int k, int d) {
        return (k - 1) * d + 1;
    }

    static ConvGeometry forward(int[] inSpatial, int[] kernel, int[] strides, int[] dilation, Padding padding) {
        int r = inSpatial.length;
        if (padding == Padding.CAUSAL && r != 1) {
            throw new IllegalArgumentException("'causal' padding exists only for 1D convolutions, not rank " + r);
        }
        int[] before = new int[r];
        int[] out = new int[r];
        for (int a = 0; a < r; a++) {
            int n = inSpatial[a];
            int s = strides[a];
            int keff = effectiveKernel(kernel[a], dilation[a]);
            switch (padding) {
                case VALID -> {
                    before[a] = 0;
                    out[a] = n >= keff ? (n - keff) / s + 1 : 0;
                }
                case SAME -> {
                    // TensorFlow's SAME: out = ceil(n/s), the smaller half of the padding goes before
                    out[a] = (int) (((long) n + s - 1) / s); // in long: a stride near int32's end must not wrap
                    int total = (int) Math.max((long) (out[a] - 1) * s + keff - n, 0);
                    before[a] = total / 2;
                }
                case CAUSAL -> {
                    // (k-1)*d zeros on the left, then a valid convolution
                    before[a] = keff - 1;
                    out[a] = (n + keff - 1 - keff) / s + 1;
                }
            }
            if (out[a] <= 0) {
                throw new IllegalArgumentException("spatial axis " + a + " of length " + n + " with effective kernel "
                        + keff + " and padding " + padding.name().toLowerCase() + " gives no output (input "
                        + Arrays.toString(inSpatial) + ")");
            }
        }
        return new ConvGeometry(before, out);
    }
}
