package kdnn.runtime;

/**
 * TensorFlow's {@code ResizeBicubic} as {@code tf.image.resize(method="bicubic")} calls it (half-pixel
 * centres, Keys' cubic with {@code a = -0.5}, no antialiasing), which Keras' UpSampling2D and
 * Resizing use: the cubic's weights read from TensorFlow's table of 1024 steps, taps outside the
 * image weighted 0 (their index clamped) and the four weights renormalized to sum to 1; each output
 * interpolates the four rows first, then the four columns, in float32 in TensorFlow's order. oneDNN
 * has no cubic resampling: this is a Java step.
 */
public final class Bicubic {
    private static final int TABLE_SIZE = 1 << 10;
    private static final float[] TABLE = table(-0.5);

    private Bicubic() {
    }

    // TensorFlow's InitCoeffsTable: the cubic at i / 1024 and at 1 + i / 1024, computed in double
    private static float[] table(double a) {
        float[] t = new float[(TABLE_SIZE + 1) * 2];
        for (int i = 0; i <= TABLE_SIZE; i++) {
            float x = (float) (i * 1.0 / TABLE_SIZE);
            t[i * 2] = (float) (((a + 2) * x - (a + 3)) * x * x + 1);
            double x1 = x + 1.0;
            t[i * 2 + 1] = (float) (((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a);
        }
        return t;
    }

    /** The four source indices (clamped) and weights of output position {@code o} along an axis of {@code in} to {@code out}. */
    static void taps(long o, long in, long out, long[] index, float[] weight) {
        float scale = (float) in / (float) out;
        float at = ((float) o + 0.5f) * scale - 0.5f;
        long base = (long) Math.floor(at);
        float delta = at - base;
        int offset = (int) Math.rint(delta * TABLE_SIZE);
        float[] w = {TABLE[offset * 2 + 1], TABLE[offset * 2], TABLE[(TABLE_SIZE - offset) * 2],
                TABLE[(TABLE_SIZE - offset) * 2 + 1]};
        float sum = 0f;
        for (int k = 0; k < 4; k++) {
            long i = base - 1 + k;
            index[k] = Math.min(in - 1, Math.max(0, i));
            weight[k] = index[k] == i ? w[k] : 0f;
            sum += weight[k];
        }
        if (Math.abs(sum) >= 1000.0f * Float.MIN_NORMAL) {
            float inverse = 1.0f / sum;
            for (int k = 0; k < 4; k++) weight[k] *= inverse;
        }
    }

    /**
     * The resize of {N, C, H, W} images to {@code outHeight x outWidth}, from and to memory in
     * channels-last or channels-first order (computed channels-last on Java arrays: the channels'
     * loops vectorize, each value's steps stay TensorFlow's).
     */
    public static Pipeline.SlotTransfer resize(long n, long c, long h, long w, long outHeight, long outWidth,
                                               boolean srcChannelsLast, boolean dstChannelsLast) {
        int oh = Math.toIntExact(outHeight);
        int ow = Math.toIntExact(outWidth);
        int ch = Math.toIntExact(c);
        int[][] rowIndex = new int[oh][4];
        float[][] rowWeight = new float[oh][4];
        int[][] colIndex = new int[ow][4];
        float[][] colWeight = new float[ow][4];
        long[] index = new long[4];
        for (int y = 0; y < oh; y++) {
            taps(y, h, oh, index, rowWeight[y]);
            for (int k = 0; k < 4; k++) rowIndex[y][k] = (int) index[k];
        }
        for (int x = 0; x < ow; x++) {
            taps(x, w, ow, index, colWeight[x]);
            for (int k = 0; k < 4; k++) colIndex[x][k] = (int) index[k];
        }
        int imageIn = Math.toIntExact(h * w * c);
        int imageOut = Math.toIntExact(outHeight * outWidth * c);
        int rowLength = Math.toIntExact(w * c);
        return (from, to) -> {
            float[] in = new float[imageIn];
            for (long b = 0; b < n; b++) {
                long image = b;
                ChannelsLast.read(from, b, c, h, w, srcChannelsLast, in);
                // the output's rows in parts over the team, each with its own row of column values
                TeamLoop.run((long) imageOut * 8, oh, (part, parts) -> {
                    float[] rows = new float[rowLength];
                    float[] out = new float[ow * ch];
                    for (int y = TeamLoop.from(part, parts, oh); y < TeamLoop.from(part + 1, parts, oh); y++) {
                        // every column through the output row's four rows (TensorFlow caches the same values),
                        // then each output across its four columns
                        int r0 = rowIndex[y][0] * rowLength;
                        int r1 = rowIndex[y][1] * rowLength;
                        int r2 = rowIndex[y][2] * rowLength;
                        int r3 = rowIndex[y][3] * rowLength;
                        float w0 = rowWeight[y][0];
                        float w1 = rowWeight[y][1];
                        float w2 = rowWeight[y][2];
                        float w3 = rowWeight[y][3];
                        for (int i = 0; i < rowLength; i++) {
                            rows[i] = in[r0 + i] * w0 + in[r1 + i] * w1 + in[r2 + i] * w2 + in[r3 + i] * w3;
                        }
                        for (int x = 0; x < ow; x++) {
                            int c0 = colIndex[x][0] * ch;
                            int c1 = colIndex[x][1] * ch;
                            int c2 = colIndex[x][2] * ch;
                            int c3 = colIndex[x][3] * ch;
                            float[] xw = colWeight[x];
                            float x0 = xw[0];
                            float x1 = xw[1];
                            float x2 = xw[2];
                            float x3 = xw[3];
                            int o = x * ch;
                            for (int q = 0; q < ch; q++) {
                                out[o + q] = rows[c0 + q] * x0 + rows[c1 + q] * x1 + rows[c2 + q] * x2 + rows[c3 + q] * x3;
                            }
                        }
                        ChannelsLast.writeRow(out, to, image, c, outHeight, outWidth, y, dstChannelsLast);
                    }
                });
            }
        };
    }
}
