package kdnn.reference;

/**
 * Keras' {@code MultiHeadAttention} at inference, in double, position by position as its
 * einsum equations read: project query, key and value ({@code (features, heads, size)} kernels),
 * scale the query by {@code 1 / sqrt(key_dim)}, dot products per head over the attention axes
 * (the other axes between batch and features pair positions one to one), add
 * {@code (1 - mask) * -1e9} in float32 with the mask expanded as Keras expands it, softmax over the key
 * positions, weight the values, project the heads' outputs.
 */
public final class ReferenceAttention {
    private ReferenceAttention() {
    }

    /** The weights in Keras' shapes, flattened row-major; biases null without use_bias. */
    public record Weights(float[] queryKernel, float[] queryBias, float[] keyKernel, float[] keyBias, float[] valueKernel,
                          float[] valueBias, float[] outputKernel, float[] outputBias, float[] gateKernel, float[] gateBias) {
        public Weights(float[] queryKernel, float[] queryBias, float[] keyKernel, float[] keyBias, float[] valueKernel,
                       float[] valueBias, float[] outputKernel, float[] outputBias) {
            this(queryKernel, queryBias, keyKernel, keyBias, valueKernel, valueBias, outputKernel, outputBias, null, null);
        }
    }

    /**
     * @param query     {@code (batch, positions..., features)}
     * @param value     {@code (batch, positions..., features)}, the same rank
     * @param key       the key, or null for the value
     * @param mask      Keras' attention_mask (before its expansion), or null
     * @param axes      the attention axes, 1-based as Keras numbers them
     * @param outputSize the product of output_shape
     */
    public static RefArray run(RefArray query, RefArray value, RefArray key, RefArray mask, boolean causal, int[] axes,
                               int heads, int keyDim, int valueDim, int outputSize, Weights w) {
        return run(query, value, key, mask, causal, axes, heads, keyDim, valueDim, outputSize, w, Masked.ADD, 0);
    }

    /**
     * How Keras removes a masked score: tf.keras adds {@code -1e9} in float32; Keras 3's
     * {@code dot_product_attention} puts {@code -0.7 * 3.38953e38} in its place; Keras 3's Softmax puts
     * {@code -1e9} in its place and zeros the masked weights after.
     */
    public enum Masked { ADD, WHERE, ZERO }

    /**
     * As above, masked scores removed as {@code how} says, Keras 3's {@code sliding_window} (0: none;
     * a key counts when |query position - key position| is below it) and its gate (the heads' outputs
     * times {@code sigmoid(query . gateKernel + gateBias)}) when the weights have one.
     */
    public static RefArray run(RefArray query, RefArray value, RefArray key, RefArray mask, boolean causal, int[] axes,
                               int heads, int keyDim, int valueDim, int outputSize, Weights w, Masked how, int window) {
        return run(query, value, key, mask, causal, axes, heads, keyDim, valueDim, outputSize, w, how, window, null);
    }

    /**
     * As above; {@code scores}, when not null, receives the attention weights of rank-3 inputs,
     * {@code (batch, heads, T, S)} row-major, as Keras' {@code return_attention_scores} gives them.
     */
    public static RefArray run(RefArray query, RefArray value, RefArray key, RefArray mask, boolean causal, int[] axes,
                               int heads, int keyDim, int valueDim, int outputSize, Weights w, Masked how, int window,
                               float[] scores) {
        if (key == null) key = value;
        int rank = query.rank();
        int batch = query.shape()[0];
        int n = rank - 2;
        int[] qPos = java.util.Arrays.copyOfRange(query.shape(), 1, rank - 1);
        int[] vPos = java.util.Arrays.copyOfRange(value.shape(), 1, rank - 1);
        int dq = query.shape()[rank - 1];
        int dv = value.shape()[rank - 1];
        int dk = key.shape()[rank - 1];
        int qCount = product(qPos);
        int vCount = product(vPos);
        double[][][][] q = project(query.data(), batch, qCount, dq, heads, keyDim, w.queryKernel(), w.queryBias());
        double[][][][] k = project(key.data(), batch, vCount, dk, heads, keyDim, w.keyKernel(), w.keyBias());
        double[][][][] v = project(value.data(), batch, vCount, dv, heads, valueDim, w.valueKernel(), w.valueBias());
        double scale = 1.0 / Math.sqrt(keyDim);
        boolean[] isAttention = new boolean[n];
        for (int a : axes) isAttention[a - 1] = true;
        int[] maskDims = mask == null ? null : expand(mask.shape(), n, axes.length);
        double[][][][] ctx = new double[batch][qCount][heads][valueDim];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < qCount; t++) {
                int[] ti = unflatten(t, qPos);
                for (int h = 0; h < heads; h++) {
                    double[] logits = new double[vCount];
                    boolean[] paired = new boolean[vCount];
                    boolean[] masked = new boolean[vCount];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < vCount; s++) {
                        int[] si = unflatten(s, vPos);
                        paired[s] = true;
                        for (int a = 0; a < n; a++) if (!isAttention[a] && ti[a] != si[a]) paired[s] = false;
                        if (!paired[s]) continue;
                        double dot = 0;
                        for (int d = 0; d < keyDim; d++) dot += q[b][t][h][d] * scale * k[b][s][h][d];
                        boolean keep = true;
                        if (mask != null) {
                            keep = maskValue(mask, maskDims, b, h, ti, si, isAttention, axes) != 0;
                        }
                        if (causal) keep &= ti[0] >= si[0];
                        if (window > 0) keep &= Math.abs(ti[0] - si[0]) < window;
                        // tf.keras adds the mask in float32: a masked logit rounds to -1e9 (its ulp is 64)
                        masked[s] = !keep;
                        logits[s] = keep ? dot : switch (how) {
                            case ADD -> (double) ((float) dot + -1e9f);
                            case WHERE -> (double) (float) (3.38953e38 * -0.7);
                            case ZERO -> -1e9;
                        };
                        max = Math.max(max, logits[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < vCount; s++) if (paired[s]) sum += Math.exp(logits[s] - max);
                    for (int s = 0; s < vCount; s++) {
                        if (!paired[s]) continue;
                        double p = how == Masked.ZERO && masked[s] ? 0 : Math.exp(logits[s] - max) / sum;
                        if (scores != null) scores[((b * heads + h) * qCount + t) * vCount + s] = (float) p;
                        for (int d = 0; d < valueDim; d++) ctx[b][t][h][d] += p * v[b][s][h][d];
                    }
                }
            }
        }
        if (w.gateKernel() != null) {
            double[][][][] g = project(query.data(), batch, qCount, dq, heads, valueDim, w.gateKernel(), w.gateBias());
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < qCount; t++) {
                    for (int h = 0; h < heads; h++) {
                        for (int d = 0; d < valueDim; d++) ctx[b][t][h][d] *= 1 / (1 + Math.exp(-g[b][t][h][d]));
                    }
                }
            }
        }
        int[] outShape = query.shape().clone();
        outShape[rank - 1] = outputSize;
        float[] out = new float[batch * qCount * outputSize];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < qCount; t++) {
                for (int o = 0; o < outputSize; o++) {
                    double acc = w.outputBias() == null ? 0 : w.outputBias()[o];
                    for (int h = 0; h < heads; h++) {
                        for (int d = 0; d < valueDim; d++) {
                            acc += ctx[b][t][h][d] * w.outputKernel()[(h * valueDim + d) * outputSize + o];
                        }
                    }
                    out[(b * qCount + t) * outputSize + o] = (float) acc;
                }
            }
        }
        return new RefArray(outShape, out);
    }

    private static double[][][][] project(float[] x, int batch, int positions, int features, int heads, int size,
                                          float[] kernel, float[] bias) {
        double[][][][] out = new double[batch][positions][heads][size];
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < positions; p++) {
                for (int h = 0; h < heads; h++) {
                    for (int d = 0; d < size; d++) {
                        double acc = bias == null ? 0 : bias[h * size + d];
                        for (int f = 0; f < features; f++) {
                            acc += (double) x[(b * positions + p) * features + f] * kernel[(f * heads + h) * size + d];
                        }
                        out[b][p][h][d] = acc;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Keras' expansion: axes of length 1 inserted at {@code -2 * len(attention_axes) - 1} up to the
     * scores' rank, {@code (batch, other axes..., heads, query axes..., key axes...)}.
     */
    private static int[] expand(int[] mask, int n, int attention) {
        int scoresRank = 1 + (n - attention) + 1 + 2 * attention;
        int[] e = new int[scoresRank];
        int block = mask.length - 2 * attention;
        int at = 0;
        for (int i = 0; i < block; i++) e[at++] = mask[i];
        for (int i = 0; i < scoresRank - mask.length; i++) e[at++] = 1;
        for (int i = block; i < mask.length; i++) e[at++] = mask[i];
        return e;
    }

    private static float maskValue(RefArray mask, int[] dims, int b, int h, int[] ti, int[] si, boolean[] isAttention,
                                   int[] axes) {
        int[] index = new int[dims.length];
        int at = 0;
        index[at++] = b;
        for (int a = 0; a < ti.length; a++) if (!isAttention[a]) index[at++] = ti[a];
        index[at++] = h;
        for (int a : axes) index[at++] = ti[a - 1];
        for (int a : axes) index[at++] = si[a - 1];
        int flat = 0;
        for (int d = 0; d < dims.length; d++) flat = flat * dims[d] + (dims[d] == 1 ? 0 : index[d]);
        return mask.data()[flat];
    }

    private static int[] unflatten(int i, int[] dims) {
        int[] out = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            out[d] = i % dims[d];
            i /= dims[d];
        }
        return out;
    }

    private static int product(int[] dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /**
     * Keras' Attention ({@code score} "dot" or "concat") and AdditiveAttention ("additive") on
     * {@code query (B, Tq, D)}, {@code value (B, Tv, Dv)}, {@code key (B, Tv, D)} (null: the value),
     * in double: scores, {@code -1e9} (float32) where the value's mask or the causal mask leaves a key
     * out, softmax, the weighted values, times the query's mask. {@code scale}: Attention's scalar
     * (or null), AdditiveAttention's vector (or null for 1); {@code concatWeight}: "concat"'s scalar.
     * {@code scores}, when not null, receives the weights {@code (B, Tq, Tv)}.
     */
    public static RefArray dense(String score, RefArray query, RefArray value, RefArray key, float[] queryMask,
                                 float[] valueMask, boolean causal, float[] scale, float concatWeight, float[] scores) {
        if (key == null) key = value;
        int b = query.shape()[0];
        int tq = query.shape()[1];
        int d = query.shape()[2];
        int tv = value.shape()[1];
        int dv = value.shape()[2];
        float[] out = new float[b * tq * dv];
        for (int n = 0; n < b; n++) {
            for (int t = 0; t < tq; t++) {
                double[] logits = new double[tv];
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < tv; u++) {
                    double x = 0;
                    for (int f = 0; f < d; f++) {
                        double q = query.data()[(n * tq + t) * d + f];
                        double k = key.data()[(n * tv + u) * d + f];
                        x += switch (score) {
                            case "dot" -> q * k;
                            case "concat" -> Math.tanh(scale == null ? q + k : scale[0] * (q + k));
                            default -> (scale == null ? 1 : scale[f]) * Math.tanh(q + k);
                        };
                    }
                    if (score.equals("dot") && scale != null) x *= scale[0];
                    if (score.equals("concat")) x *= concatWeight;
                    boolean keep = valueMask == null || valueMask[n * tv + u] != 0;
                    if (causal) keep &= t >= u;
                    logits[u] = keep ? x : (double) ((float) x - 1e9f);
                    max = Math.max(max, logits[u]);
                }
                double sum = 0;
                for (int u = 0; u < tv; u++) sum += Math.exp(logits[u] - max);
                double rowKept = queryMask == null ? 1 : queryMask[n * tq + t] != 0 ? 1 : 0;
                double[] acc = new double[dv];
                for (int u = 0; u < tv; u++) {
                    double p = Math.exp(logits[u] - max) / sum;
                    if (scores != null) scores[(n * tq + t) * tv + u] = (float) p;
                    for (int c = 0; c < dv; c++) acc[c] += p * value.data()[(n * tv + u) * dv + c];
                }
                for (int c = 0; c < dv; c++) out[(n * tq + t) * dv + c] = (float) (acc[c] * rowKept);
            }
        }
        return new RefArray(new int[] {b, tq, dv}, out);
    }
}
