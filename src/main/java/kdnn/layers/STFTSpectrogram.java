package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import kdnn.runtime.Pipeline;
import kdnn.runtime.Spectrograms;

/**
 * Keras 3's {@code STFTSpectrogram}: the short-time Fourier transform of each channel of a
 * (batch, samples, channels) signal, as Keras computes it: a strided 1D convolution with the
 * layer's real and imaginary DFT kernels ({@code real_kernel}, {@code imag_kernel}, weights of
 * shape (frame_length, 1, fft_length // 2 + 1), windowed and scaled when made), then the mode's
 * function of the two parts: {@code log} of the magnitude, {@code magnitude} ({@code
 * sqrt(max(re² + im², 1e-7))}), {@code psd} (the power, its inner bins doubled), {@code real},
 * {@code imag}, {@code angle} ({@code atan2(im, re)}) or {@code stft} (both parts). The frames
 * are gathered in Java, multiplied by the kernels in oneDNN (a matmul: oneDNN's convolution of one
 * input channel is its reference kernel), combined in Java, the square root and log in oneDNN.
 * Keras 3 only: {@code .keras} files.
 */
public final class STFTSpectrogram extends Layer {
    /** Keras' class name, {@code "STFTSpectrogram"}. */
    public static final String CLASS_NAME = "STFTSpectrogram";

    static final List<String> MODES = List.of("log", "magnitude", "psd", "real", "imag", "angle", "stft");

    // Keras' backend.epsilon(), as float32 meets it in ops.maximum
    private static final float EPSILON = 1e-7f;

    private final String mode;
    private final int frameLength;
    private final Integer frameStep;
    private final Integer fftLength;
    private final JsonNode window; // a name, a list of values, or null
    private final boolean periodic;
    private final String scaling;
    private final String padding;
    private final boolean expandDims;
    private final DataFormat dataFormat;

    private STFTSpectrogram(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.mode = b.mode;
        this.frameLength = b.frameLength;
        this.frameStep = b.frameStep;
        this.fftLength = b.fftLength;
        this.window = b.window;
        this.periodic = b.periodic;
        this.scaling = b.scaling;
        this.padding = b.padding;
        this.expandDims = b.expandDims;
        this.dataFormat = b.dataFormat;
    }

    /** Keras' arguments and defaults. */
    public static final class Builder extends LayerBuilder<Builder, STFTSpectrogram> {
        String mode = "log";
        int frameLength = 256;
        Integer frameStep;
        Integer fftLength;
        JsonNode window = JsonNodeFactory.instance.textNode("hann");
        boolean periodic;
        String scaling = "density";
        String padding = "valid";
        boolean expandDims;
        DataFormat dataFormat = DataFormat.CHANNELS_LAST;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code mode}: log, magnitude, psd, real, imag, angle or stft. */
        public Builder mode(String m) { this.mode = m; return this; }
        /** Keras' {@code frame_length}: samples per frame. */
        public Builder frameLength(int n) { this.frameLength = n; return this; }
        /** Keras' {@code frame_step}: samples between frames (null: frame_length // 2). */
        public Builder frameStep(Integer n) { this.frameStep = n; return this; }
        /** Keras' {@code fft_length} (null: the smallest power of two at least frame_length). */
        public Builder fftLength(Integer n) { this.fftLength = n; return this; }
        /** Keras' {@code window}: a SciPy window's name, or null for none. */
        public Builder window(String name) {
            this.window = name == null ? null : JsonNodeFactory.instance.textNode(name);
            return this;
        }
        /** Keras' {@code window} as values, one per sample of a frame. */
        public Builder window(double... values) {
            var list = JsonNodeFactory.instance.arrayNode();
            for (double v : values) list.add(v);
            this.window = list;
            return this;
        }
        /** Keras' {@code periodic}: a periodic window rather than a symmetric one. */
        public Builder periodic(boolean p) { this.periodic = p; return this; }
        /** Keras' {@code scaling}: density, spectrum or null. */
        public Builder scaling(String s) { this.scaling = s; return this; }
        /** Keras' {@code padding}: valid or same. */
        public Builder padding(String p) { this.padding = p; return this; }
        /** Keras' {@code expand_dims}: the frequency bins as an axis of their own. */
        public Builder expandDims(boolean e) { this.expandDims = e; return this; }
        /** Keras' {@code data_format}. */
        public Builder dataFormat(DataFormat f) { this.dataFormat = f; return this; }

        @Override
        void validate() {
            if (frameLength < 1) {
                throw new IllegalArgumentException("`frame_length` should be a positive integer. Received frame_length="
                        + frameLength);
            }
            if (frameStep != null && (frameStep > frameLength || frameStep < 1)) {
                throw new IllegalArgumentException("`frame_step` should be a positive integer not greater than"
                        + " `frame_length`. Received frame_step=" + frameStep + ", frame_length=" + frameLength);
            }
            if (fftLength == null && frameLength > 1 << 30) {
                // Keras' default fft_length, the next power of two, would be 2**31: past an int (found by the hostile
                // properties, where the search for it never ended)
                throw new IllegalArgumentException("`frame_length`=" + frameLength + " makes the default fft_length 2**31,"
                        + " longer than the 2**31 - 1 values kdnn indexes along an axis");
            }
            if (fftLength != null && fftLength < frameLength) {
                throw new IllegalArgumentException("`fft_length` should be not less than `frame_length`. Received"
                        + " fft_length=" + fftLength + ", frame_length=" + frameLength);
            }
            if (!MODES.contains(mode)) {
                throw new IllegalArgumentException("Output mode is invalid, it must be one of " + String.join(", ", MODES)
                        + ". Received: mode=" + mode);
            }
            if (scaling != null && !scaling.equals("density") && !scaling.equals("spectrum")) {
                throw new IllegalArgumentException("Scaling is invalid, it must be `None`, 'density' or 'spectrum'."
                        + " Received scaling=" + scaling);
            }
            if (!padding.equals("valid") && !padding.equals("same")) {
                throw new IllegalArgumentException("Padding is invalid, it should be 'valid', 'same'. Received: padding="
                        + padding);
            }
            if (window != null && window.isTextual()) {
                SpectrogramWindows.checkName(window.asText());
            } else if (window != null && (!window.isArray() || window.isEmpty())) {
                throw ConfigReader.bad("window", window, "a SciPy window's name, a list of numbers or None");
            } else if (window != null) {
                for (JsonNode v : window) {
                    if (!v.isNumber()) throw ConfigReader.bad("window", window, "a list of numbers");
                }
            }
        }

        @Override
        STFTSpectrogram make() {
            return new STFTSpectrogram(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static STFTSpectrogram fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.mode = r.string("mode", "log");
        b.frameLength = r.integer("frame_length", 256);
        b.frameStep = r.optionalInteger("frame_step");
        b.fftLength = r.optionalInteger("fft_length");
        // window=None and scaling=None are Keras' own values (no window, no scaling), not absent keys
        if (config.has("window")) {
            JsonNode w = r.node("window");
            b.window = w.isNull() ? null : w;
        }
        b.periodic = r.bool("periodic", false);
        if (config.has("scaling") && config.get("scaling").isNull()) {
            r.node("scaling");
            b.scaling = null;
        } else {
            b.scaling = r.string("scaling", "density");
        }
        b.padding = r.string("padding", "valid");
        b.expandDims = r.bool("expand_dims", false);
        b.dataFormat = DataFormat.parse(r.string("data_format", null));
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Samples between frames: frame_step, or frame_length // 2 (at least 1: Keras' default for 1 is 0, refused at the call). */
    int step() {
        return frameStep != null ? frameStep : frameLength / 2;
    }

    /** The transform's length: fft_length, or the smallest power of two at least frame_length. */
    int transformLength() {
        if (fftLength != null) return fftLength;
        return frameLength == 1 ? 1 : Integer.highestOneBit(frameLength - 1) << 1; // (at most 2**30: checked at construction)
    }

    /** Frequency bins of each kernel: fft_length // 2 + 1. */
    int bins() {
        return transformLength() / 2 + 1;
    }

    private boolean usesReal() {
        return !mode.equals("imag");
    }

    private boolean usesImag() {
        return !mode.equals("real");
    }

    /** Values per channel and frame in the output: the bins, or both parts' for stft. */
    private int perFrame() {
        return mode.equals("stft") ? 2 * bins() : bins();
    }

    /** Frames of a signal of {@code length} samples (-1 for an unknown length). */
    private long frames(long length) {
        if (length < 0) return -1;
        int s = step();
        return padding.equals("same") ? (length + s - 1) / s : Math.floorDiv(length - frameLength, s) + 1;
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 3) {
            throw incompatible(shape, "expected ndim=3, found ndim=" + shape.length);
        }
        boolean last = dataFormat == DataFormat.CHANNELS_LAST;
        long channels = last ? shape[2] : shape[1];
        long length = last ? shape[1] : shape[2];
        if (step() < 1) {
            throw new IllegalArgumentException("layer \"" + name() + "\" (STFTSpectrogram) has frame_step "
                    + step() + " (frame_length // 2 of frame_length=" + frameLength + "): a convolution needs strides >= 1");
        }
        long frames = frames(length);
        if (length >= 0 && frames <= 0) {
            throw new IllegalArgumentException("Computed output size would be negative. Received `inputs shape="
                    + Shapes.format(new long[] {shape[0], length, 1}) + "`, `kernel shape=(" + frameLength + ", 1, "
                    + bins() + ")`, `dilation_rate=(1,)`.");
        }
        long j = perFrame();
        long flat = channels < 0 ? -1 : channels * j;
        if (expandDims) {
            return last ? new long[] {shape[0], frames, j, channels} : new long[] {shape[0], channels, frames, j};
        }
        return last ? new long[] {shape[0], frames, flat} : new long[] {shape[0], flat, frames};
    }

    @Override
    protected void createWeights(long[] inputShape) {
        computeOutputShape(inputShape);
        int[] shape = {frameLength, 1, bins()};
        if (usesReal()) {
            variables.add(new Variable("real_kernel", shape, arena,
                    new SpectrogramWindows.Kernels(true, window, scaling, periodic), null, null));
        }
        if (usesImag()) {
            variables.add(new Variable("imag_kernel", shape, arena,
                    new SpectrogramWindows.Kernels(false, window, scaling, periodic), null, null));
        }
    }

    @Override
    long work(long[] inputShape) {
        long[] out = computeOutputShape(inputShape);
        return Shapes.product(out) * frameLength * 2;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        boolean last = dataFormat == DataFormat.CHANNELS_LAST;
        long batch = inputShape[0];
        long channels = last ? inputShape[2] : inputShape[1];
        long length = last ? inputShape[1] : inputShape[2];
        long frames = frames(length);
        int k = frameLength;
        // Keras' "same": ceil(length / step) frames, the padding split with its smaller half before
        long padLeft = padding.equals("same") ? Math.max((frames - 1) * step() + k - length, 0) / 2 : 0;
        int f = bins();
        long[] out = computeOutputShape(inputShape);
        MemorySegment real = usesReal() ? variables.get(0).data() : null;
        MemorySegment imag = usesImag() ? variables.get(usesReal() ? 1 : 0).data() : null;
        Spectrograms.Finish finish = mode.equals("log") ? Spectrograms.Finish.SQRT_LOG
                : mode.equals("magnitude") ? Spectrograms.Finish.SQRT : Spectrograms.Finish.NONE;
        return Spectrograms.build(batch * channels, length, last, channels, k, step(), padLeft, frames, f,
                real, imag, combine(channels, frames, f), finish, Shapes.product(out));
    }

    /** The mode's function of each bin's parts, written where Keras' output holds it. */
    private Spectrograms.Combine combine(long channels, long frames, int f) {
        int j = perFrame();
        boolean last = dataFormat == DataFormat.CHANNELS_LAST;
        int kind = MODES.indexOf(mode);
        // one frame's values lie qStride apart in the output, from its row's first
        long qStride = last ? (expandDims ? channels : 1) : (expandDims ? 1 : frames);
        return (re, im, out, first, end) -> {
            for (long signal = first; signal < end; signal++) {
                long b = signal / channels;
                long c = signal % channels;
                for (long t = 0; t < frames; t++) {
                    long row = (signal * frames + t) * f;
                    long at = last ? (expandDims ? (b * frames + t) * j * channels + c : (b * frames + t) * (channels * j) + c * j)
                            : (expandDims ? ((b * channels + c) * frames + t) * j : (b * (channels * j) + c * j) * frames + t);
                    combineRow(kind, re, im, row, f, out, at, qStride);
                }
            }
        };
    }

    /** One frame's bins, in float32 as Keras computes them (before the square root and log). */
    private static void combineRow(int kind, MemorySegment re, MemorySegment im, long row, int f, MemorySegment out,
                                   long at, long qStride) {
        switch (MODES.get(kind)) {
            case "real", "imag", "stft" -> {
                MemorySegment first = kind == MODES.indexOf("imag") ? im : re;
                copyRow(first, row, out, at, qStride, f);
                if (MODES.get(kind).equals("stft")) copyRow(im, row, out, at + f * qStride, qStride, f);
            }
            case "angle" -> {
                for (int q = 0; q < f; q++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, at + q * qStride, (float) Math.atan2(
                            im.getAtIndex(ValueLayout.JAVA_FLOAT, row + q), re.getAtIndex(ValueLayout.JAVA_FLOAT, row + q)));
                }
            }
            case "psd" -> {
                for (int q = 0; q < f; q++) {
                    float power = power(re, im, row + q);
                    // the power plus the inner bins' power padded back: the inner bins doubled
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, at + q * qStride, q >= 1 && q <= f - 2 ? power + power : power);
                }
            }
            default -> {
                for (int q = 0; q < f; q++) {
                    float power = power(re, im, row + q);
                    // max(power, epsilon), a NaN kept (ops.maximum propagates it); the square root and log follow
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, at + q * qStride, power >= EPSILON || power != power ? power : EPSILON);
                }
            }
        }
    }

    private static float power(MemorySegment re, MemorySegment im, long at) {
        float r = re.getAtIndex(ValueLayout.JAVA_FLOAT, at);
        float i = im.getAtIndex(ValueLayout.JAVA_FLOAT, at);
        return r * r + i * i;
    }

    private static void copyRow(MemorySegment from, long row, MemorySegment out, long at, long qStride, int f) {
        if (qStride == 1) {
            MemorySegment.copy(from, row * Float.BYTES, out, at * Float.BYTES, (long) f * Float.BYTES);
            return;
        }
        for (int q = 0; q < f; q++) {
            out.setAtIndex(ValueLayout.JAVA_FLOAT, at + q * qStride, from.getAtIndex(ValueLayout.JAVA_FLOAT, row + q));
        }
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("mode", mode);
        c.put("frame_length", frameLength);
        if (frameStep == null) c.putNull("frame_step"); else c.put("frame_step", frameStep);
        if (fftLength == null) c.putNull("fft_length"); else c.put("fft_length", fftLength);
        if (window == null) c.putNull("window"); else c.set("window", window.deepCopy());
        c.put("periodic", periodic);
        if (scaling == null) c.putNull("scaling"); else c.put("scaling", scaling);
        c.put("padding", padding);
        c.put("data_format", dataFormat.kerasName());
        c.put("expand_dims", expandDims);
        return c;
    }

}
