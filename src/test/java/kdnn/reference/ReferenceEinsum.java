package kdnn.reference;

/**
 * Keras' EinsumDense written out in double: {@code activation(einsum(x, kernel) + bias)} for
 * letters given in full (no ellipsis: the caller names every axis), each output value the sum over
 * every letter the output lacks; the bias (its axes the output's last ones) added as Keras
 * broadcasts it.
 */
public final class ReferenceEinsum {
    private ReferenceEinsum() {
    }

    public static RefArray apply(String input, RefArray x, String kernel, RefArray w, String output, int[] outputShape,
                                 RefArray bias, String activation) {
        String all = "";
        for (char c : (input + kernel + output).toCharArray()) if (all.indexOf(c) < 0) all += c;
        int[] size = new int[all.length()];
        for (int i = 0; i < all.length(); i++) {
            char c = all.charAt(i);
            size[i] = input.indexOf(c) >= 0 ? x.shape()[input.indexOf(c)] : kernel.indexOf(c) >= 0
                    ? w.shape()[kernel.indexOf(c)] : outputShape[output.indexOf(c)];
        }
        double[] y = new double[(int) Shapes.size(outputShape)];
        int[] at = new int[all.length()];
        long total = 1;
        for (int s : size) total *= s;
        for (long n = 0; n < total; n++) {
            long r = n;
            for (int i = all.length() - 1; i >= 0; i--) {
                at[i] = (int) (r % size[i]);
                r /= size[i];
            }
            y[index(output, outputShape, all, at)] += (double) x.data()[index(input, x.shape(), all, at)]
                    * w.data()[index(kernel, w.shape(), all, at)];
        }
        float[] out = new float[y.length];
        int rank = outputShape.length;
        for (int i = 0; i < y.length; i++) {
            double v = y[i];
            if (bias != null) {
                // the bias's axes are the output's last ones; a length-1 axis broadcasts
                int rest = i;
                int b = 0;
                int stride = 1;
                int[] coords = new int[rank];
                for (int a = rank - 1; a >= 0; a--) {
                    coords[a] = rest % outputShape[a];
                    rest /= outputShape[a];
                }
                for (int a = bias.rank() - 1; a >= 0; a--) {
                    int len = bias.shape()[a];
                    b += (len == 1 ? 0 : coords[rank - bias.rank() + a]) * stride;
                    stride *= len;
                }
                v += bias.data()[b];
            }
            out[i] = (float) v;
        }
        return ReferenceActivation.apply(activation, new RefArray(outputShape.clone(), out));
    }

    private static int index(String letters, int[] shape, String all, int[] at) {
        int k = 0;
        for (int i = 0; i < letters.length(); i++) k = k * shape[i] + at[all.indexOf(letters.charAt(i))];
        return k;
    }
}
