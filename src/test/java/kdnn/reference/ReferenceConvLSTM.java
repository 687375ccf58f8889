package kdnn.reference;

import java.util.Arrays;

/**
 * Keras' convolutional LSTM (ConvLSTM1D, 2D, 3D) step by step, as its cell writes it: the input
 * convolved with {@code kernel} (strides, padding, dilation, bias), the state with
 * {@code recurrent_kernel} ("same", stride 1, no dilation), gates i, f, c, o:
 * {@code c = f * c + i * act(z_c)}, {@code h = o * act(c)}, the states starting at zero.
 */
public final class ReferenceConvLSTM {
    private ReferenceConvLSTM() {
    }

    /**
     * @param x          {@code (batch, time, spatial..., channels)}, or {@code (batch, time, channels,
     *                   spatial...)} with {@code channelsFirst}
     * @param kernel     Keras' {@code (k..., channels, 4 * filters)}
     * @param recurrent  Keras' {@code (k..., filters, 4 * filters)}
     * @param bias       {@code (4 * filters)} or null
     * @param gate       the gates' activation ("sigmoid", Keras 2's "hard_sigmoid", ...)
     * @return every step's state in the order computed {@code (batch, time, ...)}, or the last one
     */
    public static RefArray run(RefArray x, RefArray kernel, RefArray recurrent, RefArray bias, int[] strides,
                               String padding, int[] dilation, boolean channelsFirst, String activation, String gate,
                               boolean sequences, boolean backwards) {
        int[] shape = x.shape();
        int batch = shape[0];
        int steps = shape[1];
        int rank = shape.length - 3;
        int filters = kernel.shape()[kernel.rank() - 1] / 4;
        int[] stepShape = new int[rank + 2]; // one step as a batch of one
        stepShape[0] = 1;
        System.arraycopy(shape, 2, stepShape, 1, rank + 1);
        int stepSize = size(stepShape);
        int[] ones = new int[rank];
        Arrays.fill(ones, 1);
        int[] outShape = null;
        float[] out = null;
        for (int n = 0; n < batch; n++) {
            RefArray h = null;
            double[] c = null;
            for (int k = 0; k < steps; k++) {
                int t = backwards ? steps - 1 - k : k;
                float[] slice = Arrays.copyOfRange(x.data(), (n * steps + t) * stepSize, (n * steps + t + 1) * stepSize);
                RefArray z = ReferenceConv.conv(new RefArray(stepShape, slice), kernel, bias, strides, padding, dilation, 1,
                        channelsFirst);
                int[] zShape = z.shape();
                int[] hShape = zShape.clone();
                hShape[channelsFirst ? 1 : hShape.length - 1] = filters;
                int positions = size(hShape) / filters;
                if (h == null) {
                    h = new RefArray(hShape, new float[size(hShape)]);
                    c = new double[size(hShape)];
                }
                RefArray zh = ReferenceConv.conv(h, recurrent, null, ones, "same", ones, 1, channelsFirst);
                float[] next = new float[h.data().length];
                for (int p = 0; p < positions; p++) {
                    for (int f = 0; f < filters; f++) {
                        double i = act(gate, sum(z, zh, p, 0, f, filters, positions, channelsFirst));
                        double fg = act(gate, sum(z, zh, p, 1, f, filters, positions, channelsFirst));
                        double cc = act(activation, sum(z, zh, p, 2, f, filters, positions, channelsFirst));
                        double o = act(gate, sum(z, zh, p, 3, f, filters, positions, channelsFirst));
                        int at = channelsFirst ? f * positions + p : p * filters + f;
                        c[at] = fg * c[at] + i * cc;
                        next[at] = (float) (o * act(activation, c[at]));
                    }
                }
                h = new RefArray(hShape, next);
                if (out == null) {
                    int[] frame = Arrays.copyOfRange(hShape, 1, hShape.length);
                    outShape = new int[frame.length + (sequences ? 2 : 1)];
                    outShape[0] = batch;
                    if (sequences) outShape[1] = steps;
                    System.arraycopy(frame, 0, outShape, sequences ? 2 : 1, frame.length);
                    out = new float[size(outShape)];
                }
                if (sequences) System.arraycopy(next, 0, out, (n * steps + k) * next.length, next.length);
                else if (k == steps - 1) System.arraycopy(next, 0, out, n * next.length, next.length);
            }
        }
        return new RefArray(outShape, out);
    }

    /** Gate {@code g}'s pre-activation for filter {@code f} at position {@code p}: the input's part plus the state's. */
    private static double sum(RefArray z, RefArray zh, int p, int g, int f, int filters, int positions,
                              boolean channelsFirst) {
        int channel = g * filters + f;
        int at = channelsFirst ? channel * positions + p : p * 4 * filters + channel;
        return (double) z.data()[at] + zh.data()[at];
    }

    private static double act(String name, double v) {
        return switch (name) {
            case "tanh" -> Math.tanh(v);
            case "sigmoid" -> 1 / (1 + Math.exp(-v));
            case "hard_sigmoid" -> Math.min(Math.max(0.2 * v + 0.5, 0), 1); // Keras 2's
            case "relu" -> Math.max(v, 0);
            case "linear" -> v;
            default -> throw new IllegalArgumentException("activation " + name + " is not in this reference");
        };
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
