package kdnn.reference;

import java.util.Arrays;

/**
 * Keras ZeroPadding, Cropping and nearest UpSampling over 1, 2 or 3 spatial axes, and
 * TensorFlow's image resize (Keras' Resizing and CenterCrop) with the windows it resizes.
 * Spatial axes are {@code 1..r} for channels_last and {@code 2..r+1} for channels_first;
 * batch and channel axes pass through unchanged. Per-axis amounts are {@code {before, after}} pairs.
 */
public final class ReferenceShapeOps {
    private ReferenceShapeOps() {
    }

    /** Maps an output coordinate on one axis to the input coordinate it copies, or -1 for a zero. */
    @FunctionalInterface
    private interface AxisMap {
        int source(int axis, int outCoord);
    }

    /** Adds {@code padding[a][0]} zeros before and {@code padding[a][1]} after spatial axis {@code a}. */
    public static RefArray zeroPad(RefArray x, int[][] padding, boolean channelsFirst) {
        int first = firstSpatialAxis(x, padding.length, channelsFirst);
        int[] outShape = x.shape().clone();
        for (int a = 0; a < padding.length; a++) {
            checkPair(padding[a], "padding");
            outShape[first + a] = Math.addExact(outShape[first + a], Math.addExact(padding[a][0], padding[a][1]));
        }
        return gather(x, outShape, (axis, o) -> {
            int a = axis - first;
            if (a < 0 || a >= padding.length) {
                return o;
            }
            int i = o - padding[a][0];
            return i >= 0 && i < x.shape()[axis] ? i : -1;
        });
    }

    /**
     * NumPy's / tf.pad's padding of every axis by {@code paddings[a] = {before, after}}: with
     * {@code value} ("constant"), or mirrored about the edge without repeating it ("reflect": the
     * input {@code 1 2 3} padded by 2 reads {@code 3 2 1 2 3 2 1}) or repeating it ("symmetric":
     * {@code 2 1 1 2 3 3 2}), as tf.pad's REFLECT and SYMMETRIC modes (pads no larger than the axis
     * allows them: below its size, or up to it).
     */
    public static RefArray pad(RefArray x, int[][] paddings, String mode, float value) {
        int r = x.shape().length;
        int[] outShape = x.shape().clone();
        for (int a = 0; a < r; a++) {
            checkPair(paddings[a], "paddings");
            outShape[a] = Math.addExact(outShape[a], Math.addExact(paddings[a][0], paddings[a][1]));
        }
        RefArray out = RefArray.zeros(outShape);
        if (out.data().length == 0) return out;
        int[] o = new int[r];
        int[] i = new int[r];
        do {
            boolean border = false;
            for (int a = 0; a < r; a++) {
                int n = x.shape()[a];
                int k = o[a] - paddings[a][0];
                if (k < 0 || k >= n) {
                    switch (mode) {
                        case "constant" -> border = true;
                        case "reflect" -> k = k < 0 ? -k : 2 * (n - 1) - k;
                        case "symmetric" -> k = k < 0 ? -k - 1 : 2 * n - 1 - k;
                        default -> throw new IllegalArgumentException("mode " + mode);
                    }
                }
                i[a] = k;
            }
            out.data()[Shapes.offset(outShape, o)] = border ? value : x.data()[Shapes.offset(x.shape(), i)];
        } while (Shapes.next(o, outShape));
        return out;
    }

    /** Removes {@code cropping[a][0]} positions at the start and {@code cropping[a][1]} at the end of spatial axis {@code a}. */
    public static RefArray crop(RefArray x, int[][] cropping, boolean channelsFirst) {
        int first = firstSpatialAxis(x, cropping.length, channelsFirst);
        int[] outShape = x.shape().clone();
        for (int a = 0; a < cropping.length; a++) {
            checkPair(cropping[a], "cropping");
            long left = (long) outShape[first + a] - cropping[a][0] - cropping[a][1];
            if (left <= 0) {
                throw new IllegalArgumentException("cropping " + Arrays.toString(cropping[a]) + " removes all "
                        + x.shape()[first + a] + " positions of spatial axis " + a + " of input "
                        + Arrays.toString(x.shape()));
            }
            outShape[first + a] = (int) left;
        }
        return gather(x, outShape, (axis, o) -> {
            int a = axis - first;
            return a < 0 || a >= cropping.length ? o : o + cropping[a][0];
        });
    }

    /** Nearest-neighbour upsampling: every element is repeated {@code size[a]} times along spatial axis {@code a}. */
    public static RefArray upsample(RefArray x, int[] size, boolean channelsFirst) {
        int first = firstSpatialAxis(x, size.length, channelsFirst);
        int[] outShape = x.shape().clone();
        for (int a = 0; a < size.length; a++) {
            if (size[a] < 1) {
                throw new IllegalArgumentException("upsampling size must be >= 1, got " + Arrays.toString(size));
            }
            outShape[first + a] = Math.multiplyExact(outShape[first + a], size[a]); // past int32: not representable here
        }
        return gather(x, outShape, (axis, o) -> {
            int a = axis - first;
            return a < 0 || a >= size.length ? o : o / size[a];
        });
    }

    /**
     * Bilinear upsampling as TensorFlow 2's {@code tf.image.resize(method="bilinear")}, which
     * Keras 2's UpSampling2D calls: output index {@code o} samples the input at
     * {@code (o + 0.5) / size - 0.5}, between floor and ceil of that position, both clamped to
     * the input; applied axis by axis (the interpolation is separable), in double. A size of all
     * ones is TensorFlow's no-op resize: a copy.
     */
    public static RefArray upsampleBilinear(RefArray x, int[] size, boolean channelsFirst) {
        if (Arrays.stream(size).allMatch(f -> f == 1)) return new RefArray(x.shape().clone(), x.data().clone());
        int first = firstSpatialAxis(x, size.length, channelsFirst);
        double[] cur = new double[x.data().length];
        for (int i = 0; i < cur.length; i++) cur[i] = x.data()[i];
        int[] shape = x.shape().clone();
        for (int a = 0; a < size.length; a++) {
            if (size[a] < 1) {
                throw new IllegalArgumentException("upsampling size must be >= 1, got " + Arrays.toString(size));
            }
            int axis = first + a;
            int in = shape[axis];
            int out = Math.multiplyExact(in, size[a]);
            int outer = 1;
            for (int d = 0; d < axis; d++) outer *= shape[d];
            int inner = 1;
            for (int d = axis + 1; d < shape.length; d++) inner *= shape[d];
            double[] next = new double[outer * out * inner];
            for (int o = 0; o < out; o++) {
                double pos = (o + 0.5) / size[a] - 0.5;
                double floor = Math.floor(pos);
                int lo = (int) Math.max(floor, 0);
                int hi = (int) Math.min(Math.ceil(pos), in - 1);
                double t = pos - floor;
                for (int p = 0; p < outer; p++) {
                    for (int q = 0; q < inner; q++) {
                        double vlo = cur[(p * in + lo) * inner + q];
                        double vhi = cur[(p * in + hi) * inner + q];
                        next[(p * out + o) * inner + q] = vlo + (vhi - vlo) * t;
                    }
                }
            }
            cur = next;
            shape[axis] = out;
        }
        float[] data = new float[cur.length];
        for (int i = 0; i < data.length; i++) data[i] = (float) cur[i];
        return new RefArray(shape, data);
    }

    /** A batch of images' sizes, whatever the data format. */
    private record Image(int n, int c, int h, int w) {
        static Image of(RefArray x, boolean channelsFirst) {
            int[] s = x.shape();
            return channelsFirst ? new Image(s[0], s[1], s[2], s[3]) : new Image(s[0], s[3], s[1], s[2]);
        }

        int[] shapeOf(int outH, int outW, boolean channelsFirst) {
            return channelsFirst ? new int[] {n, c, outH, outW} : new int[] {n, outH, outW, c};
        }
    }

    /**
     * TensorFlow 2's {@code tf.image.resize} of a batch of images to {@code outH x outW}, in its own
     * float arithmetic: scale {@code in / out}, position {@code (o + 0.5) * scale - 0.5} (bilinear:
     * between floor and ceil, clamped, {@code a + (b - a) * t} along x then y) or
     * {@code min(floor((o + 0.5) * scale), in - 1)} (nearest); a copy where the size stays.
     */
    public static RefArray resize(RefArray x, int outH, int outW, boolean bilinear, boolean channelsFirst) {
        Image im = Image.of(x, channelsFirst);
        int n = im.n();
        int c = im.c();
        int h = im.h();
        int w = im.w();
        int[] outShape = im.shapeOf(outH, outW, channelsFirst);
        // TensorFlow's resize kernels copy the image when its size does not change ("no-op resizes"),
        // so an infinity stays one there instead of meeting its own difference
        if (outH == h && outW == w) return new RefArray(outShape, x.data().clone());
        RefArray out = RefArray.zeros(outShape);
        float sy = (float) h / outH;
        float sx = (float) w / outW;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < outH; y++) {
                    for (int xo = 0; xo < outW; xo++) {
                        float v;
                        if (bilinear) {
                            float py = (y + 0.5f) * sy - 0.5f;
                            float px = (xo + 0.5f) * sx - 0.5f;
                            float fy = (float) Math.floor(py);
                            float fx = (float) Math.floor(px);
                            int y0 = (int) Math.max(fy, 0);
                            int y1 = (int) Math.min(Math.ceil(py), h - 1);
                            int x0 = (int) Math.max(fx, 0);
                            int x1 = (int) Math.min(Math.ceil(px), w - 1);
                            float ty = py - fy;
                            float tx = px - fx;
                            float tl = at(x, b, ch, y0, x0, channelsFirst);
                            float tr = at(x, b, ch, y0, x1, channelsFirst);
                            float bl = at(x, b, ch, y1, x0, channelsFirst);
                            float br = at(x, b, ch, y1, x1, channelsFirst);
                            float top = tl + (tr - tl) * tx;
                            float bottom = bl + (br - bl) * tx;
                            v = top + (bottom - top) * ty;
                        } else {
                            int yi = (int) Math.min(Math.floor((y + 0.5f) * sy), h - 1);
                            int xi = (int) Math.min(Math.floor((xo + 0.5f) * sx), w - 1);
                            v = at(x, b, ch, yi, xi, channelsFirst);
                        }
                        int[] o = channelsFirst ? new int[] {b, ch, y, xo} : new int[] {b, y, xo, ch};
                        out.data()[Shapes.offset(outShape, o)] = v;
                    }
                }
            }
        }
        return out;
    }

    /**
     * TensorFlow's {@code ResizeBicubic} ({@code tf.image.resize(method="bicubic")}: half-pixel
     * centres, Keys' cubic with a = -0.5 read from its table of 1024 steps at {@code lrintf(delta *
     * 1024)}, taps outside the image weighted 0 at their clamped index, the weights divided by their
     * sum), written out pixel by pixel from resize_bicubic_op.cc: rows interpolated first, then the
     * columns, in float32 left to right; a copy where the size stays.
     */
    public static RefArray resizeBicubic(RefArray x, int outH, int outW, boolean channelsFirst) {
        Image im = Image.of(x, channelsFirst);
        int n = im.n();
        int c = im.c();
        int h = im.h();
        int w = im.w();
        int[] outShape = im.shapeOf(outH, outW, channelsFirst);
        if (outH == h && outW == w) return new RefArray(outShape, x.data().clone());
        RefArray out = RefArray.zeros(outShape);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < outH; y++) {
                    int[] yi = new int[4];
                    float[] yw = keysTaps(y, h, outH, yi);
                    for (int xo = 0; xo < outW; xo++) {
                        int[] xi = new int[4];
                        float[] xw = keysTaps(xo, w, outW, xi);
                        float[] cols = new float[4];
                        for (int k = 0; k < 4; k++) {
                            float acc = at(x, b, ch, yi[0], xi[k], channelsFirst) * yw[0];
                            for (int r = 1; r < 4; r++) acc = acc + at(x, b, ch, yi[r], xi[k], channelsFirst) * yw[r];
                            cols[k] = acc;
                        }
                        float v = cols[0] * xw[0];
                        for (int k = 1; k < 4; k++) v = v + cols[k] * xw[k];
                        int[] o = channelsFirst ? new int[] {b, ch, y, xo} : new int[] {b, y, xo, ch};
                        out.data()[Shapes.offset(outShape, o)] = v;
                    }
                }
            }
        }
        return out;
    }

    /** tf.image.resize's methods, as Resizing and UpSampling2D take them. */
    public static final String[] RESIZE_METHODS = {"nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5",
            "gaussian", "mitchellcubic"};

    /**
     * tf.image.resize's other methods in double: {@code area} (each output the covered fraction of
     * each pixel it covers, over the covered area) and {@code lanczos3}, {@code lanczos5},
     * {@code gaussian}, {@code mitchellcubic} (ScaleAndTranslate without antialiasing: the kernel at
     * the input pixels within its radius of {@code (o + 0.5) * in / out}, divided by their sum, over
     * TensorFlow's span of {@code 2 * ceil(radius) + 1} pixels cut at the image's end, zero past the
     * kernel; nothing for a sampling point outside the image). Rows first, then columns, as TensorFlow
     * runs them (so NaN and infinities meet the same weights, zeros included); a copy where the size stays.
     */
    public static RefArray resizeByKernel(String method, RefArray x, int outH, int outW, boolean channelsFirst) {
        return resizeByKernel(method, false, x, outH, outW, channelsFirst);
    }

    /**
     * As {@link #resizeByKernel(String, RefArray, int, int, boolean)}, with Keras 3's {@code antialias}:
     * bilinear as a triangle and bicubic as Keys' cubic through ScaleAndTranslate, every kernel widened by
     * the shrink factor on a downscale (nearest and area unchanged).
     */
    public static RefArray resizeByKernel(String method, boolean antialias, RefArray x, int outH, int outW,
                                          boolean channelsFirst) {
        if (!antialias && method.equals("bicubic")) return resizeBicubic(x, outH, outW, channelsFirst);
        if (!antialias && (method.equals("bilinear") || method.equals("nearest")) || method.equals("nearest")) {
            return resize(x, outH, outW, method.equals("bilinear"), channelsFirst);
        }
        Image im = Image.of(x, channelsFirst);
        int n = im.n();
        int c = im.c();
        int h = im.h();
        int w = im.w();
        int[] outShape = im.shapeOf(outH, outW, channelsFirst);
        if (outH == h && outW == w) return new RefArray(outShape, x.data().clone());
        RefArray out = RefArray.zeros(outShape);
        int[][] rowStart = new int[outH][1];
        double[][] rowWeights = new double[outH][];
        for (int y = 0; y < outH; y++) rowWeights[y] = kernelTaps(method, antialias, y, h, outH, rowStart[y]);
        int[][] colStart = new int[outW][1];
        double[][] colWeights = new double[outW][];
        for (int xo = 0; xo < outW; xo++) colWeights[xo] = kernelTaps(method, antialias, xo, w, outW, colStart[xo]);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                double[][] mid = new double[outH][w];
                for (int y = 0; y < outH; y++) {
                    for (int k = 0; k < rowWeights[y].length; k++) {
                        int i = rowStart[y][0] + k;
                        for (int j = 0; j < w; j++) mid[y][j] += rowWeights[y][k] * at(x, b, ch, i, j, channelsFirst);
                    }
                }
                for (int y = 0; y < outH; y++) {
                    for (int xo = 0; xo < outW; xo++) {
                        double v = 0;
                        for (int k = 0; k < colWeights[xo].length; k++) v += colWeights[xo][k] * mid[y][colStart[xo][0] + k];
                        int[] o = channelsFirst ? new int[] {b, ch, y, xo} : new int[] {b, y, xo, ch};
                        out.data()[Shapes.offset(outShape, o)] = (float) v;
                    }
                }
            }
        }
        return out;
    }

    /** The taps of output {@code o} from index {@code start[0]}, TensorFlow's span rule for each method. */
    private static double[] kernelTaps(String method, boolean antialias, int o, int in, int out, int[] start) {
        if (method.equals("area")) {
            double lo = (double) o * in / out;
            double hi = (double) (o + 1) * in / out;
            int first = (int) Math.floor(lo);
            int last = Math.min(in, (int) Math.ceil(hi));
            start[0] = first;
            double[] w = new double[last - first];
            for (int i = first; i < last; i++) w[i - first] = (Math.min(hi, i + 1) - Math.max(lo, i)) / (hi - lo);
            return w;
        }
        double radius = switch (method) {
            case "bilinear" -> 1;
            case "bicubic" -> 2;
            case "lanczos3" -> 3;
            case "lanczos5" -> 5;
            case "gaussian" -> 1.5;
            case "mitchellcubic" -> 2;
            default -> throw new IllegalArgumentException("no resize method " + method);
        };
        // the sampling point and the kernel in float32, as TensorFlow defines them: a Lanczos kernel at a
        // whole distance is not 0 there but a tiny number whose sign an infinity then takes
        float inverse = (float) (1.0 / ((float) out / (float) in));
        float widen = antialias ? Math.max(inverse, 1f) : 1f;
        int span = Math.min(2 * (int) Math.ceil((float) radius * widen) + 1, in);
        float sample = (o + 0.5f) * inverse;
        double[] weights = new double[span];
        int first = 0;
        if (sample >= 0 && sample <= in) {
            first = (int) Math.min(in - 1, Math.max(0, Math.ceil(sample - (float) radius * widen - 0.5f)));
            int end = (int) Math.min(in - 1, Math.max(0, Math.floor(sample + (float) radius * widen - 0.5f))) + 1;
            double total = 0;
            for (int i = first; i < end; i++) {
                total += weights[i - first] = resizeKernel(method, (float) radius,
                        Math.abs(((float) i + 0.5f - sample) * (1f / widen)));
            }
            if (Math.abs(total) >= 1000 * Float.MIN_NORMAL) {
                for (int i = first; i < end; i++) weights[i - first] /= total;
            } else {
                java.util.Arrays.fill(weights, 0);
            }
        }
        start[0] = first;
        // the span's weights, zero past the kernel's, as far as the image reaches
        return java.util.Arrays.copyOf(weights, Math.min(first + span, in) - first);
    }

    /** TensorFlow's sampling kernels (sampling_kernels.h), in its float32 steps. */
    private static float resizeKernel(String method, float radius, float x) {
        switch (method) {
            case "bilinear" -> {
                return x < 1f ? 1f - x : 0f;
            }
            case "bicubic" -> {
                if (x >= 2f) return 0f;
                return x >= 1f ? ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f : ((1.5f * x - 2.5f) * x) * x + 1.0f;
            }
            case "lanczos3", "lanczos5" -> {
                final float pi = 3.14159265359f;
                if (x > radius) return 0f;
                if (x <= 1e-3f) return 1f;
                return radius * (float) Math.sin(pi * x) * (float) Math.sin(pi * x / radius) / (pi * pi * x * x);
            }
            case "gaussian" -> {
                float sigma = radius / 3f;
                return x >= radius ? 0f : (float) Math.exp(-x * x / (2.0 * sigma * sigma));
            }
            default -> {
                if (x >= 2f) return 0f;
                if (x >= 1f) return (((-7f / 18f) * x + 2f) * x - 10f / 3f) * x + 16f / 9f;
                return (((7f / 6f) * x - 2f) * x) * x + 8f / 9f;
            }
        }
    }

    /** Keys' cubic (a = -0.5) at distance {@code d} in [0, 2], in double, rounded to float as TensorFlow's table holds it. */
    private static float keys(double d) {
        double a = -0.5;
        return (float) (d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a);
    }

    private static float[] keysTaps(int o, int in, int out, int[] index) {
        float scale = (float) in / (float) out;
        float pos = (o + 0.5f) * scale - 0.5f;
        int base = (int) Math.floor(pos);
        float delta = pos - base;
        // the table's step nearest delta (ties to even, as lrintf), then the cubic at the taps' distances
        double step = Math.rint(delta * 1024f) / 1024.0;
        float t = (float) step;
        double[] dist = {t + 1.0, t, 1.0 - t, 2.0 - t};
        float[] weight = new float[4];
        float sum = 0f;
        for (int k = 0; k < 4; k++) {
            int i = base - 1 + k;
            index[k] = Math.min(in - 1, Math.max(0, i));
            weight[k] = index[k] == i ? keys(dist[k]) : 0f;
            sum = sum + weight[k];
        }
        if (Math.abs(sum) >= 1000f * Float.MIN_NORMAL) {
            float inverse = 1f / sum;
            for (int k = 0; k < 4; k++) weight[k] = weight[k] * inverse;
        }
        return weight;
    }

    /**
     * The {@code hh x ww} image whose pixel {@code (y, x)} is the input's {@code (y + top, x + left)}, or
     * {@code fill} outside the input: a crop (non-negative offsets) or a padding (negative ones).
     */
    public static RefArray window(RefArray x, int top, int left, int hh, int ww, float fill, boolean channelsFirst) {
        Image im = Image.of(x, channelsFirst);
        int n = im.n();
        int c = im.c();
        int h = im.h();
        int w = im.w();
        int[] outShape = im.shapeOf(hh, ww, channelsFirst);
        RefArray out = RefArray.zeros(outShape);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < hh; y++) {
                    for (int xo = 0; xo < ww; xo++) {
                        int iy = y + top;
                        int ix = xo + left;
                        float v = iy < 0 || ix < 0 || iy >= h || ix >= w ? fill : at(x, b, ch, iy, ix, channelsFirst);
                        int[] o = channelsFirst ? new int[] {b, ch, y, xo} : new int[] {b, y, xo, ch};
                        out.data()[Shapes.offset(outShape, o)] = v;
                    }
                }
            }
        }
        return out;
    }

    private static float at(RefArray x, int b, int ch, int y, int xi, boolean channelsFirst) {
        int[] i = channelsFirst ? new int[] {b, ch, y, xi} : new int[] {b, y, xi, ch};
        return x.data()[Shapes.offset(x.shape(), i)];
    }

    private static int firstSpatialAxis(RefArray x, int spatialRank, boolean channelsFirst) {
        if (x.rank() != spatialRank + 2) {
            throw new IllegalArgumentException("a " + spatialRank + "D layer needs a rank " + (spatialRank + 2)
                    + " input (batch, spatial..., channels), got " + Arrays.toString(x.shape()));
        }
        return channelsFirst ? 2 : 1;
    }

    private static void checkPair(int[] pair, String what) {
        if (pair.length != 2 || pair[0] < 0 || pair[1] < 0) {
            throw new IllegalArgumentException(what + " needs a non-negative (before, after) pair, got "
                    + Arrays.toString(pair));
        }
    }

    /** Builds the output element by element, copying the input element that {@code map} names on every axis. */
    private static RefArray gather(RefArray x, int[] outShape, AxisMap map) {
        RefArray out = RefArray.zeros(outShape);
        if (out.data().length == 0) {
            return out;
        }
        int r = outShape.length;
        int[] o = new int[r];
        int[] i = new int[r];
        do {
            boolean zero = false;
            for (int axis = 0; axis < r; axis++) {
                i[axis] = map.source(axis, o[axis]);
                zero |= i[axis] < 0;
            }
            if (!zero) {
                out.data()[Shapes.offset(outShape, o)] = x.data()[Shapes.offset(x.shape(), i)];
            }
        } while (Shapes.next(o, outShape));
        return out;
    }
}
