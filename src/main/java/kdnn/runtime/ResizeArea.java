package kdnn.runtime;

/**
 * TensorFlow's {@code ResizeArea} ({@code tf.image.resize(method="area")}): each output pixel the
 * average of the input area it covers, each input pixel weighted by the fraction of it inside
 * (rows and columns from {@code o * in / out} to {@code (o + 1) * in / out}, indices clamped), the
 * sum scaled by {@code 1 / (row scale * column scale)}; in float32 in TensorFlow's order: per
 * covered row, its columns' sum (first and last weighted) times the row's weight, added up. In Java.
 */
final class ResizeArea {
    private ResizeArea() {
    }

    /** The first and one past the last input index an output covers, and the first's and last's weights. */
    private record Cover(long start, long end, float startScale, float endScale) {
        static Cover of(long o, float scale) {
            float in0 = o * scale;
            float in1 = (o + 1) * scale;
            long start = (long) Math.floor(in0);
            long end = (long) Math.ceil(in1);
            return new Cover(start, end, weight(start, in0, in1, scale), weight(end - 1, in0, in1, scale));
        }

        // the part of pixel v inside [in0, in1): TensorFlow's cases, in float32
        private static float weight(long v, float in0, float in1, float scale) {
            return v < in0 ? (v + 1 > in1 ? scale : (float) (v + 1) - in0) : (v + 1 > in1 ? in1 - (float) v : 1.0f);
        }
    }

    static Pipeline.SlotTransfer resize(long n, long c, long h, long w, long outHeight, long outWidth,
                                        boolean srcChannelsLast, boolean dstChannelsLast) {
        int oh = Math.toIntExact(outHeight);
        int ow = Math.toIntExact(outWidth);
        int ch = Math.toIntExact(c);
        float rowScale = (float) h / (float) outHeight;
        float colScale = (float) w / (float) outWidth;
        float scale = (float) (1.0 / (rowScale * colScale));
        Cover[] rows = new Cover[oh];
        Cover[] cols = new Cover[ow];
        for (int y = 0; y < oh; y++) rows[y] = Cover.of(y, rowScale);
        for (int x = 0; x < ow; x++) cols[x] = Cover.of(x, colScale);
        int rowLength = Math.toIntExact(w * c);
        int imageIn = Math.toIntExact(h * rowLength);
        int imageOut = Math.toIntExact(outHeight * outWidth * c);
        return (from, to) -> {
            float[] in = new float[imageIn];
            for (long b = 0; b < n; b++) {
                long image = b;
                ChannelsLast.read(from, b, c, h, w, srcChannelsLast, in);
                // the output's rows in parts over the team
                TeamLoop.run((long) imageOut * 4, oh, (part, parts) -> {
                    float[] out = new float[ow * ch];
                    for (int y = TeamLoop.from(part, parts, oh); y < TeamLoop.from(part + 1, parts, oh); y++) {
                        Cover ry = rows[y];
                        float in0 = y * rowScale;
                        float in1 = (y + 1) * rowScale;
                        for (int x = 0; x < ow; x++) {
                            Cover cx = cols[x];
                            for (int q = 0; q < ch; q++) {
                                float sum = 0f;
                                for (long i = ry.start(); i < ry.end(); i++) {
                                    float rowWeight = i < in0 ? (i + 1 > in1 ? rowScale : (float) (i + 1) - in0)
                                            : (i + 1 > in1 ? in1 - (float) i : 1.0f);
                                    int row = (int) (bound(i, h) * rowLength) + q;
                                    float sumY = in[row + (int) bound(cx.start(), w) * ch] * cx.startScale();
                                    if (cx.start() + 1 != cx.end()) {
                                        for (long x2 = cx.start() + 1; x2 < cx.end() - 1; x2++) {
                                            sumY += in[row + (int) bound(x2, w) * ch];
                                        }
                                        sumY += in[row + (int) bound(cx.end() - 1, w) * ch] * cx.endScale();
                                    }
                                    sum += sumY * rowWeight;
                                }
                                out[x * ch + q] = sum * scale;
                            }
                        }
                        ChannelsLast.writeRow(out, to, image, c, outHeight, outWidth, y, dstChannelsLast);
                    }
                });
            }
        };
    }

    private static long bound(long v, long limit) {
        return Math.min(limit - 1, Math.max(0, v));
    }
}
