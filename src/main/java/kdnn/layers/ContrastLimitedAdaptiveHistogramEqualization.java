package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import kdnn.runtime.Pipeline;

/**
 * Keras 3's ContrastLimitedAdaptiveHistogramEqualization (CLAHE), which acts at inference: each
 * image, taken to (0, 255) from {@code value_range}, is padded symmetrically to whole tiles of a
 * {@code tile_grid_size} grid; each tile's 256-bin histogram per channel (of the values cast to int
 * and clipped, as TensorFlow casts them), clipped at {@code clip_limit * tile pixels / 256} with the
 * excess spread evenly, becomes a mapping {@code (cdf - cdf_min) * 255 / (pixels - cdf_min)}; each
 * pixel blends its four nearest tiles' mappings bilinearly, and the result goes back to
 * {@code value_range}. In float32 in Keras' order of operations, a Java step. An image holding NaN
 * is refused (TensorFlow cannot index its mapping by it).
 */
public final class ContrastLimitedAdaptiveHistogramEqualization extends Layer {
    /** Keras' class name. */
    public static final String CLASS_NAME = "ContrastLimitedAdaptiveHistogramEqualization";

    private final double low;
    private final double high;
    private final double clipLimit;
    private final int gridH;
    private final int gridW;
    private final DataFormat dataFormat;

    private ContrastLimitedAdaptiveHistogramEqualization(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.low = b.valueRange[0];
        this.high = b.valueRange[1];
        this.clipLimit = b.clipLimit;
        this.gridH = b.tileGrid[0];
        this.gridW = b.tileGrid[1];
        this.dataFormat = b.dataFormat;
    }

    /** Keras' arguments and defaults. */
    public static final class Builder extends LayerBuilder<Builder, ContrastLimitedAdaptiveHistogramEqualization> {
        double[] valueRange = {0, 255};
        double clipLimit = 4.0;
        int[] tileGrid = {8, 8};
        DataFormat dataFormat = DataFormat.CHANNELS_LAST;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code value_range}: the images' lower and upper limits. */
        public Builder valueRange(double lo, double hi) { this.valueRange = new double[] {lo, hi}; return this; }
        /** Keras' {@code clip_limit} (0 or less: no clipping). */
        public Builder clipLimit(double limit) { this.clipLimit = limit; return this; }
        /** Keras' {@code tile_grid_size}: tiles down and across. */
        public Builder tileGridSize(int rows, int cols) { this.tileGrid = new int[] {rows, cols}; return this; }
        /** Keras' {@code data_format}. */
        public Builder dataFormat(DataFormat f) { this.dataFormat = f; return this; }

        @Override
        void validate() {
            if (tileGrid[0] < 1 || tileGrid[1] < 1) {
                throw new IllegalArgumentException("`tile_grid_size` must be two positive integers. Received:"
                        + " tile_grid_size=(" + tileGrid[0] + ", " + tileGrid[1] + ")");
            }
            if (!Double.isFinite(valueRange[0]) || !Double.isFinite(valueRange[1]) || valueRange[0] == valueRange[1]) {
                throw new IllegalArgumentException("`value_range` must be two different finite numbers. Received:"
                        + " value_range=(" + valueRange[0] + ", " + valueRange[1] + ")");
            }
            if (!Double.isFinite(clipLimit)) {
                throw new IllegalArgumentException("`clip_limit` must be a finite number. Received: clip_limit=" + clipLimit);
            }
        }

        @Override
        ContrastLimitedAdaptiveHistogramEqualization make() {
            return new ContrastLimitedAdaptiveHistogramEqualization(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static ContrastLimitedAdaptiveHistogramEqualization fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        JsonNode v = r.node("value_range");
        if (!v.isNull()) {
            if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
                throw ConfigReader.bad("value_range", v, "a list of two numbers");
            }
            b.valueRange = new double[] {v.get(0).asDouble(), v.get(1).asDouble()};
        }
        b.clipLimit = r.number("clip_limit", 4.0);
        JsonNode g = r.node("tile_grid_size");
        if (!g.isNull()) {
            if (!g.isArray() || g.size() != 2 || !g.get(0).canConvertToInt() || !g.get(1).canConvertToInt()
                    || !g.get(0).isIntegralNumber() || !g.get(1).isIntegralNumber()) {
                throw ConfigReader.bad("tile_grid_size", g, "a pair of integers");
            }
            b.tileGrid = new int[] {g.get(0).asInt(), g.get(1).asInt()};
        }
        b.dataFormat = DataFormat.parse(r.string("data_format", null));
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 4) {
            throw incompatible(shape, "expected a batch of images, ndim=4, found ndim=" + shape.length);
        }
        return shape.clone();
    }

    @Override
    protected void createWeights(long[] inputShape) {
        computeOutputShape(inputShape);
    }

    @Override
    long work(long[] inputShape) {
        return Math.max(Shapes.product(inputShape), 0) * 8;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        boolean first = dataFormat == DataFormat.CHANNELS_FIRST;
        long n = inputShape[0];
        int c = (int) (first ? inputShape[1] : inputShape[3]);
        int h = (int) (first ? inputShape[2] : inputShape[1]);
        int w = (int) (first ? inputShape[3] : inputShape[2]);
        int tileH = (h + gridH - 1) / gridH;
        int tileW = (w + gridW - 1) / gridW;
        if (tileH * gridH - h > h || tileW * gridW - w > w) {
            throw incompatible(inputShape, "its " + h + "x" + w + " image needs " + (tileH * gridH - h) + " and "
                    + (tileW * gridW - w) + " rows and columns of symmetric padding for a " + gridH + "x" + gridW
                    + " grid, more than it has (TensorFlow's MirrorPad refuses that)");
        }
        return Pipeline.ofJava((in, out) -> {
            for (long image = 0; image < n; image++) equalize(in, out, image, c, h, w, tileH, tileW, first);
        });
    }

    private boolean converts() {
        return !(low == 0 && high == 255);
    }

    /** One image: histograms per tile and channel, their clipped mappings, then each pixel's blend of four. */
    private void equalize(MemorySegment in, MemorySegment out, long image, int c, int h, int w, int tileH, int tileW,
                          boolean first) {
        int ph = tileH * gridH;
        int pw = tileW * gridW;
        long base = image * c * h * w;
        float lo = (float) low;
        float hi = (float) high;
        // the image in (0, 255), symmetric-padded, channels last
        float[] x = new float[ph * pw * c];
        for (int y = 0; y < ph; y++) {
            int sy = y < h ? y : 2 * h - 1 - y;
            for (int xx = 0; xx < pw; xx++) {
                int sx = xx < w ? xx : 2 * w - 1 - xx;
                for (int ch = 0; ch < c; ch++) {
                    long at = first ? base + ((long) ch * h + sy) * w + sx : base + ((long) sy * w + sx) * c + ch;
                    float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, at);
                    if (Float.isNaN(v)) {
                        throw new IllegalArgumentException("layer \"" + name() + "\" (" + CLASS_NAME + "): image " + image
                                + " holds NaN at (" + sy + ", " + sx + ", channel " + ch + "), which TensorFlow cannot look"
                                + " its mapping up by");
                    }
                    x[(y * pw + xx) * c + ch] = converts() ? (v - lo) / (hi - lo) * (255f - 0f) + 0f : v;
                }
            }
        }
        // each tile's mapping: (grid + 2) x (grid + 2) tiles (the edges repeated), c channels, 256 bins
        int gh = gridH + 2;
        int gw = gridW + 2;
        float[] map = new float[gh * gw * c * 256];
        float pixels = (float) (tileH * tileW);
        for (int ty = 0; ty < gridH; ty++) {
            for (int tx = 0; tx < gridW; tx++) {
                for (int ch = 0; ch < c; ch++) {
                    float[] hist = new float[256];
                    for (int y = ty * tileH; y < (ty + 1) * tileH; y++) {
                        for (int xx = tx * tileW; xx < (tx + 1) * tileW; xx++) {
                            hist[bin(x[(y * pw + xx) * c + ch])] += 1f;
                        }
                    }
                    float[] mapping = mapping(hist, pixels, tileH * tileW);
                    System.arraycopy(mapping, 0, map, (((ty + 1) * gw + tx + 1) * c + ch) * 256, 256);
                }
            }
        }
        // the border of repeated tiles: top and bottom rows, then left and right columns
        for (int tx = 1; tx <= gridW; tx++) {
            System.arraycopy(map, ((gw + tx) * c) * 256, map, (tx * c) * 256, c * 256);
            System.arraycopy(map, ((gridH * gw + tx) * c) * 256, map, (((gridH + 1) * gw + tx) * c) * 256, c * 256);
        }
        for (int ty = 0; ty < gh; ty++) {
            System.arraycopy(map, ((ty * gw + 1) * c) * 256, map, ((ty * gw) * c) * 256, c * 256);
            System.arraycopy(map, ((ty * gw + gridW) * c) * 256, map, ((ty * gw + gridW + 1) * c) * 256, c * 256);
        }
        // each pixel between its four nearest tiles' mappings, in Keras' float32 steps; rows in parts over the team
        kdnn.runtime.TeamLoop.run((long) h * w * c * 8, h, (part, parts) -> {
            for (int y = kdnn.runtime.TeamLoop.from(part, parts, h); y < kdnn.runtime.TeamLoop.from(part + 1, parts, h); y++) {
                float yg = ((float) y - (float) (tileH / 2.0)) / (float) tileH + 1.0f;
                float y0f = (float) Math.floor(yg);
                float wy = yg - y0f;
                int y0 = (int) Math.min(Math.max(y0f, 0f), gridH + 1);
                int y1 = (int) Math.min(Math.max(y0f + 1.0f, 0f), gridH + 1);
                for (int xx = 0; xx < w; xx++) {
                    float xg = ((float) xx - (float) (tileW / 2.0)) / (float) tileW + 1.0f;
                    float x0f = (float) Math.floor(xg);
                    float wx = xg - x0f;
                    int x0 = (int) Math.min(Math.max(x0f, 0f), gridW + 1);
                    int x1 = (int) Math.min(Math.max(x0f + 1.0f, 0f), gridW + 1);
                    for (int ch = 0; ch < c; ch++) {
                        int p = (int) Math.min(Math.max(x[(y * pw + xx) * c + ch], 0f), 255f);
                        float nw = map[((y0 * gw + x0) * c + ch) * 256 + p];
                        float ne = map[((y0 * gw + x1) * c + ch) * 256 + p];
                        float sw = map[((y1 * gw + x0) * c + ch) * 256 + p];
                        float se = map[((y1 * gw + x1) * c + ch) * 256 + p];
                        float top = nw * (1.0f - wx) + ne * wx;
                        float bottom = sw * (1.0f - wx) + se * wx;
                        float r = top * (1.0f - wy) + bottom * wy;
                        if (converts()) r = (r - 0f) / (255f - 0f) * (hi - lo) + lo;
                        long at = first ? base + ((long) ch * h + y) * w + xx : base + ((long) y * w + xx) * c + ch;
                        out.setAtIndex(ValueLayout.JAVA_FLOAT, at, r);
                    }
                }
            }
        });
    }

    /** A value's histogram bin: cast to int32 as TensorFlow casts on x86 (out of range: INT_MIN), clipped to [0, 255]. */
    private static int bin(float v) {
        if (!(Math.abs(v) < 0x1p31f)) return 0;
        return Math.min(Math.max((int) v, 0), 255);
    }

    /** A tile's mapping from its histogram: clipped and spread, cumulated, normalized to [0, 255]. */
    private float[] mapping(float[] hist, float pixels, int count) {
        float[] hi = hist.clone();
        if (clipLimit > 0) {
            float limit = (float) (clipLimit * count / 256.0);
            float excess = 0f;
            for (int i = 0; i < 256; i++) {
                float clipped = Math.min(Math.max(hi[i], 0f), limit);
                excess += hi[i] - clipped;
                hi[i] = clipped;
            }
            float spread = excess / 256.0f;
            for (int i = 0; i < 256; i++) hi[i] = hi[i] + spread;
        }
        float[] cdf = new float[256];
        float sum = 0f;
        float min = Float.POSITIVE_INFINITY;
        for (int i = 0; i < 256; i++) {
            sum += hi[i];
            cdf[i] = sum;
            min = Math.min(min, sum);
        }
        float denominator = pixels - min;
        if (denominator == 0f) denominator = 1f;
        for (int i = 0; i < 256; i++) {
            float v = (cdf[i] - min) * 255.0f / denominator;
            cdf[i] = Math.min(Math.max(v, 0f), 255f);
        }
        return cdf;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.putArray("value_range").add(low).add(high);
        c.put("clip_limit", clipLimit);
        c.putArray("tile_grid_size").add(gridH).add(gridW);
        c.put("data_format", dataFormat.kerasName());
        return c;
    }
}
