package kdnn.runtime;

/**
 * TensorFlow's {@code ScaleAndTranslate} as {@code tf.image.resize} calls it for {@code lanczos3},
 * {@code lanczos5}, {@code gaussian} and {@code mitchellcubic}, and with {@code antialias=True} for
 * {@code bilinear} (a triangle) and {@code bicubic} (Keys' cubic) too (scale out/in, no
 * translation): each output samples the input at {@code (o + 0.5) / scale}; the kernel's weights
 * over the input pixels within its radius (widened by the shrink factor when antialiasing a
 * downscale; the span clamped to the image) are divided by their sum; rows are resampled first (a float32 intermediate), then columns, each a float32 sum
 * from 0 in span order. A sampling point outside the image gets no weights (0). In Java: oneDNN
 * has no such resampling.
 */
final class ScaleAndTranslate {
    /** The sampling kernels, as TensorFlow's sampling_kernels.h defines them in float32. */
    enum Kernel {
        LANCZOS3(3f), LANCZOS5(5f), GAUSSIAN(1.5f), MITCHELLCUBIC(2f), TRIANGLE(1f), KEYSCUBIC(2f);

        final float radius;

        Kernel(float radius) {
            this.radius = radius;
        }

        float at(float x) {
            x = Math.abs(x);
            switch (this) {
                case LANCZOS3, LANCZOS5 -> {
                    final float pi = 3.14159265359f;
                    if (x > radius) return 0f;
                    if (x <= 1e-3f) return 1f;
                    return radius * (float) Math.sin(pi * x) * (float) Math.sin(pi * x / radius) / (pi * pi * x * x);
                }
                case GAUSSIAN -> {
                    if (x >= radius) return 0f;
                    float sigma = radius / 3f;
                    return (float) Math.exp(-x * x / (2.0 * sigma * sigma));
                }
                case TRIANGLE -> {
                    return x < 1.0f ? 1.0f - x : 0.0f;
                }
                case KEYSCUBIC -> {
                    if (x >= 2f) return 0f;
                    if (x >= 1f) return ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f;
                    return ((1.5f * x - 2.5f) * x) * x + 1.0f;
                }
                default -> {
                    if (x >= 2f) return 0f;
                    if (x >= 1f) return (((-7f / 18f) * x + 2f) * x - 10f / 3f) * x + 16f / 9f;
                    return (((7f / 6f) * x - 2f) * x) * x + 8f / 9f;
                }
            }
        }
    }

    /** Each output position's first input index and its span's weights (span size each, zeros past the span). */
    private record Spans(int size, int[] starts, float[] weights) {
        static Spans of(Kernel kernel, int out, long in, boolean antialias) {
            float scale = (float) out / (float) in;
            float inverse = (float) (1.0 / scale);
            float translate = -inverse * 0f;
            // a downscale with antialiasing widens the kernel by the shrink factor (a low-pass filter)
            float kernelScale = antialias ? Math.max(inverse, 1.0f) : 1.0f;
            float overKernelScale = 1.0f / kernelScale;
            int size = (int) Math.min(2 * (int) Math.ceil(kernel.radius * kernelScale) + 1, in);
            int[] starts = new int[out];
            float[] weights = new float[size * out];
            float[] temp = new float[size];
            for (int x = 0; x < out; x++) {
                float sample = (x + 0.5f) * inverse + translate;
                if (sample < 0 || sample > in) continue; // no weights: the output is 0
                long start = (long) Math.ceil(sample - kernel.radius * kernelScale - 0.5f);
                long end = (long) Math.floor(sample + kernel.radius * kernelScale - 0.5f);
                start = Math.min(in - 1, Math.max(0, start));
                end = Math.min(in - 1, Math.max(0, end)) + 1;
                float total = 0f;
                int n = (int) (end - start);
                for (int k = 0; k < n; k++) {
                    float position = (float) (start + k) + 0.5f - sample;
                    temp[k] = kernel.at(Math.abs(position * overKernelScale));
                    total += temp[k];
                }
                if (Math.abs(total) >= 1000.0f * Float.MIN_NORMAL) {
                    float inv = 1.0f / total;
                    for (int k = 0; k < n; k++) weights[x * size + k] = temp[k] * inv;
                }
                starts[x] = (int) start;
            }
            return new Spans(size, starts, weights);
        }

        /** The weights applied from {@code starts[x]}: the span's size, cut at the image's end. */
        int taps(int x, long in) {
            return (int) (Math.min(starts[x] + (long) size, in) - starts[x]);
        }
    }

    private ScaleAndTranslate() {
    }

    /** The resize of {N, C, H, W} images to {@code outHeight x outWidth}, channels-last or first on either side. */
    static Pipeline.SlotTransfer resize(Kernel kernel, boolean antialias, long n, long c, long h, long w, long outHeight,
                                        long outWidth, boolean srcChannelsLast, boolean dstChannelsLast) {
        int oh = Math.toIntExact(outHeight);
        int ow = Math.toIntExact(outWidth);
        int ch = Math.toIntExact(c);
        Spans rows = Spans.of(kernel, oh, h, antialias);
        Spans cols = Spans.of(kernel, ow, w, antialias);
        int rowLength = Math.toIntExact(w * c);
        int imageIn = Math.toIntExact(h * w * c);
        int imageOut = Math.toIntExact(outHeight * outWidth * c);
        return (from, to) -> {
            float[] in = new float[imageIn];
            float[] mid = new float[Math.multiplyExact(oh, rowLength)];
            for (long b = 0; b < n; b++) {
                long image = b;
                ChannelsLast.read(from, b, c, h, w, srcChannelsLast, in);
                // the rows' pass into (out rows, in columns, channels): each a float sum from 0 in span order;
                // then the columns' pass; each in parts of the output's rows over the team
                long work = (long) oh * (rowLength * rows.size + ow * ch * cols.size);
                TeamLoop.run(work, oh, (part, parts) -> {
                    for (int y = TeamLoop.from(part, parts, oh); y < TeamLoop.from(part + 1, parts, oh); y++) {
                        int m = y * rowLength;
                        java.util.Arrays.fill(mid, m, m + rowLength, 0f);
                        int taps = rows.taps(y, h);
                        for (int k = 0; k < taps; k++) {
                            float weight = rows.weights[y * rows.size + k];
                            int r = (rows.starts[y] + k) * rowLength;
                            for (int i = 0; i < rowLength; i++) mid[m + i] += weight * in[r + i];
                        }
                    }
                });
                TeamLoop.run(work, oh, (part, parts) -> {
                    float[] out = new float[ow * ch];
                    for (int y = TeamLoop.from(part, parts, oh); y < TeamLoop.from(part + 1, parts, oh); y++) {
                        java.util.Arrays.fill(out, 0f);
                        for (int x = 0; x < ow; x++) {
                            int o = x * ch;
                            int taps = cols.taps(x, w);
                            for (int k = 0; k < taps; k++) {
                                float weight = cols.weights[x * cols.size + k];
                                int at = y * rowLength + (cols.starts[x] + k) * ch;
                                for (int q = 0; q < ch; q++) out[o + q] += weight * mid[at + q];
                            }
                        }
                        ChannelsLast.writeRow(out, to, image, c, outHeight, outWidth, y, dstChannelsLast);
                    }
                });
            }
        };
    }
}
