package kdnn.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * tf.keras' LocallyConnected1D/2D written out in double, each implementation as Keras computes it
 * (locally_connected_utils and backend.local_conv): 1 slices every output position's window and
 * multiplies it by that position's {@code (window, filters)} kernel; 2 multiplies the flattened
 * input by the dense kernel times its connectivity mask (conv_kernel_mask); 3 sums over the
 * sorted (output, input) index pairs of conv_kernel_idxs. Then the bias, reshaped (not transposed)
 * to the output's per-sample shape, and the activation.
 */
public final class ReferenceLocallyConnected {
    private ReferenceLocallyConnected() {
    }

    /**
     * @param x     input, batch first, in {@code channelsFirst}'s layout
     * @param same  Keras' "same" (implementations 2 and 3 only)
     */
    public static RefArray apply(RefArray x, RefArray kernel, RefArray bias, int filters, int[] kernelSize, int[] strides,
                                 boolean same, boolean channelsFirst, int implementation, String activation) {
        int rank = kernelSize.length;
        int[] xs = x.shape();
        int batch = xs[0];
        int c = channelsFirst ? xs[1] : xs[xs.length - 1];
        int[] n = new int[rank];
        int[] o = new int[rank];
        for (int a = 0; a < rank; a++) {
            n[a] = xs[(channelsFirst ? 2 : 1) + a];
            int length = same ? n[a] : n[a] - kernelSize[a] + 1;
            o[a] = (int) ((length + (long) strides[a] - 1) / strides[a]);
        }
        int inputs = product(n);
        int positions = product(o);
        int inSize = inputs * c;
        int outSize = positions * filters;
        double[][] y = new double[batch][outSize];
        if (implementation == 1) {
            // backend.local_conv: per position, inputs[:, window] reshaped to (batch, feature_dim), times kernel[p]
            int featureDim = c * product(kernelSize);
            for (int p = 0; p < positions; p++) {
                int[] op = unravel(p, o);
                for (int b = 0; b < batch; b++) {
                    double[] window = new double[featureDim];
                    int w = 0;
                    // the window slice in the input's own axis order, flattened row-major
                    int[] sliceShape = new int[rank + 1];
                    if (channelsFirst) {
                        sliceShape[0] = c;
                        System.arraycopy(kernelSize, 0, sliceShape, 1, rank);
                    } else {
                        System.arraycopy(kernelSize, 0, sliceShape, 0, rank);
                        sliceShape[rank] = c;
                    }
                    for (int s = 0; s < featureDim; s++) {
                        int[] at = unravel(s, sliceShape);
                        int ch = channelsFirst ? at[0] : at[rank];
                        int[] i = new int[rank];
                        for (int a = 0; a < rank; a++) i[a] = op[a] * strides[a] + at[(channelsFirst ? 1 : 0) + a];
                        window[w++] = x.data()[inputIndex(b, i, ch, n, c, channelsFirst)];
                    }
                    for (int f = 0; f < filters; f++) {
                        double sum = 0;
                        for (int k = 0; k < featureDim; k++) {
                            sum += window[k] * kernel.data()[(p * featureDim + k) * filters + f];
                        }
                        y[b][outputFlat(p, f, positions, filters, channelsFirst)] = sum;
                    }
                }
            }
        } else {
            // the (output flat, input flat) pairs conv_kernel_idxs yields, in its order
            List<int[]> pairs = new ArrayList<>();
            for (int p = 0; p < positions; p++) {
                int[] op = unravel(p, o);
                int[] start = new int[rank];
                int[] len = new int[rank];
                for (int a = 0; a < rank; a++) {
                    int left = kernelSize[a] / 2;
                    int right = kernelSize[a] - left;
                    int center = op[a] * strides[a] + (same ? 0 : left);
                    start[a] = Math.max(0, center - left);
                    len[a] = Math.min(n[a], center + right) - start[a];
                }
                for (int s = 0; s < product(len); s++) {
                    int[] rel = unravel(s, len);
                    int[] i = new int[rank];
                    for (int a = 0; a < rank; a++) i[a] = start[a] + rel[a];
                    for (int fi = 0; fi < c; fi++) {
                        for (int fo = 0; fo < filters; fo++) {
                            int out = outputFlat(p, fo, positions, filters, channelsFirst);
                            int in = inputIndex(0, i, fi, n, c, channelsFirst);
                            pairs.add(new int[] {out, in});
                        }
                    }
                }
            }
            if (implementation == 2) {
                boolean[][] mask = new boolean[inSize][outSize];
                for (int[] pair : pairs) mask[pair[1]][pair[0]] = true;
                for (int b = 0; b < batch; b++) {
                    for (int in = 0; in < inSize; in++) {
                        double v = x.data()[b * inSize + in];
                        for (int out = 0; out < outSize; out++) {
                            if (mask[in][out]) y[b][out] += v * kernel.data()[in * outSize + out];
                        }
                    }
                }
            } else {
                pairs.sort((u, v) -> u[0] != v[0] ? Integer.compare(u[0], v[0]) : Integer.compare(u[1], v[1]));
                if (pairs.size() != kernel.data().length) {
                    throw new IllegalArgumentException("implementation 3 needs " + pairs.size() + " kernel values, got "
                            + kernel.data().length);
                }
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < pairs.size(); j++) {
                        y[b][pairs.get(j)[0]] += kernel.data()[j] * (double) x.data()[b * inSize + pairs.get(j)[1]];
                    }
                }
            }
        }
        float[] out = new float[batch * outSize];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < outSize; i++) {
                out[b * outSize + i] = (float) (y[b][i] + (bias == null ? 0 : bias.data()[i]));
            }
        }
        int[] shape = new int[rank + 2];
        shape[0] = batch;
        shape[channelsFirst ? 1 : rank + 1] = filters;
        for (int a = 0; a < rank; a++) shape[(channelsFirst ? 2 : 1) + a] = o[a];
        return ReferenceActivation.apply(activation, new RefArray(shape, out));
    }

    private static int outputFlat(int p, int f, int positions, int filters, boolean channelsFirst) {
        return channelsFirst ? f * positions + p : p * filters + f;
    }

    private static int inputIndex(int b, int[] i, int ch, int[] n, int c, boolean channelsFirst) {
        int spatial = 0;
        for (int a = 0; a < n.length; a++) spatial = spatial * n[a] + i[a];
        int perSample = product(n) * c;
        return b * perSample + (channelsFirst ? ch * product(n) + spatial : spatial * c + ch);
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] at = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            at[a] = flat % dims[a];
            flat /= dims[a];
        }
        return at;
    }

    private static int product(int[] v) {
        int p = 1;
        for (int d : v) p *= d;
        return p;
    }
}
