package kdnn.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kdnn.runtime.MelSpectrograms;
import kdnn.runtime.Pipeline;

/**
 * Keras 3's {@code MelSpectrogram}: (batch, samples) audio to (batch, num_mel_bins, frames) as Keras
 * computes it on TensorFlow: {@code ops.stft} with {@code center=True} (the signal reflected by
 * {@code fft_length // 2} at both ends, frames of {@code fft_length} samples {@code sequence_stride}
 * apart, TensorFlow's periodic window of {@code sequence_length} centred in the frame), the
 * magnitude raised to {@code mag_exp}, Keras' HTK mel filter bank, then with {@code power_to_db}
 * {@code 10 log10(max(x, min_power)) - 10 log10(max(|ref_power|, min_power))} floored at the
 * largest value of the whole call less {@code top_db} (Keras takes that largest value over the
 * batch, so samples are not independent). The DFT and the filter bank are oneDNN matmuls, the rest
 * Java steps. Keras 3 only: {@code .keras} files.
 */
public final class MelSpectrogram extends Layer {
    /** Keras' class name, {@code "MelSpectrogram"}. */
    public static final String CLASS_NAME = "MelSpectrogram";

    private final int fftLength;
    private final int sequenceStride;
    private final int sequenceLength;
    private final JsonNode window;
    private final double samplingRate;
    private final int numMelBins;
    private final double minFreq;
    private final double maxFreq;
    private final boolean powerToDb;
    private final double topDb;
    private final double magExp;
    private final double minPower;
    private final double refPower;

    private MelSpectrogram(Builder b) {
        super(b.name, b.batchInputShape, b.trainable);
        this.fftLength = b.fftLength;
        this.sequenceStride = b.sequenceStride;
        this.sequenceLength = b.sequenceLength == null ? b.fftLength : b.sequenceLength;
        this.window = b.window;
        this.samplingRate = b.samplingRate;
        this.numMelBins = b.numMelBins;
        this.minFreq = b.minFreq;
        this.maxFreq = b.maxFreq == null ? (int) (b.samplingRate / 2) : b.maxFreq;
        this.powerToDb = b.powerToDb;
        this.topDb = b.topDb;
        this.magExp = b.magExp;
        this.minPower = b.minPower;
        this.refPower = b.refPower;
    }

    /** Keras' arguments and defaults. */
    public static final class Builder extends LayerBuilder<Builder, MelSpectrogram> {
        int fftLength = 2048;
        int sequenceStride = 512;
        Integer sequenceLength;
        JsonNode window = JsonNodeFactory.instance.textNode("hann");
        double samplingRate = 16000;
        int numMelBins = 128;
        double minFreq = 20.0;
        Double maxFreq;
        boolean powerToDb = true;
        double topDb = 80.0;
        double magExp = 2.0;
        double minPower = 1e-10;
        double refPower = 1.0;

        Builder() {
            super(CLASS_NAME);
        }

        /** Keras' {@code fft_length}: samples per frame and DFT size. */
        public Builder fftLength(int n) { this.fftLength = n; return this; }
        /** Keras' {@code sequence_stride}: samples between frames. */
        public Builder sequenceStride(int n) { this.sequenceStride = n; return this; }
        /** Keras' {@code sequence_length}: the window's length (null: fft_length). */
        public Builder sequenceLength(Integer n) { this.sequenceLength = n; return this; }
        /** Keras' {@code window}: "hann", "hamming" or null for none. */
        public Builder window(String name) {
            this.window = name == null ? null : JsonNodeFactory.instance.textNode(name);
            return this;
        }
        /** Keras' {@code sampling_rate}. */
        public Builder samplingRate(double rate) { this.samplingRate = rate; return this; }
        /** Keras' {@code num_mel_bins}. */
        public Builder numMelBins(int n) { this.numMelBins = n; return this; }
        /** Keras' {@code min_freq}. */
        public Builder minFreq(double f) { this.minFreq = f; return this; }
        /** Keras' {@code max_freq} (null: int(sampling_rate / 2)). */
        public Builder maxFreq(Double f) { this.maxFreq = f; return this; }
        /** Keras' {@code power_to_db}. */
        public Builder powerToDb(boolean db) { this.powerToDb = db; return this; }
        /** Keras' {@code top_db}. */
        public Builder topDb(double db) { this.topDb = db; return this; }
        /** Keras' {@code mag_exp}. */
        public Builder magExp(double e) { this.magExp = e; return this; }
        /** Keras' {@code min_power}. */
        public Builder minPower(double p) { this.minPower = p; return this; }
        /** Keras' {@code ref_power}. */
        public Builder refPower(double p) { this.refPower = p; return this; }

        @Override
        void validate() {
            int length = sequenceLength == null ? fftLength : sequenceLength;
            if (fftLength < 1 || sequenceStride < 1 || length < 1) {
                throw new IllegalArgumentException("MelSpectrogram needs positive `fft_length`, `sequence_stride` and"
                        + " `sequence_length`. Received: fft_length=" + fftLength + ", sequence_stride=" + sequenceStride
                        + ", sequence_length=" + length);
            }
            if (fftLength < length) {
                throw new IllegalArgumentException("`fft_length` must be greater than or equal to  `sequence_length`."
                        + " Received: `sequence_length`=" + length + ", `fft_length`=" + fftLength + ".");
            }
            if (numMelBins < 1) {
                throw new IllegalArgumentException("MelSpectrogram `num_mel_bins` must be a positive integer. Received:"
                        + " num_mel_bins=" + numMelBins);
            }
            if (!(samplingRate > 0)) {
                throw new IllegalArgumentException("MelSpectrogram `sampling_rate` must be positive. Received:"
                        + " sampling_rate=" + samplingRate);
            }
            if (window != null && window.isTextual() && !window.asText().equals("hann") && !window.asText().equals("hamming")) {
                throw new IllegalArgumentException("If a string is passed to `window`, it must be one of `\"hann\"`,"
                        + " `\"hamming\"`. Received: window=" + window.asText());
            }
            if (window != null && !window.isTextual()) {
                if (!window.isArray() || window.size() != length) {
                    throw new IllegalArgumentException("The shape of `window` must be equal to [sequence_length]."
                            + "Received: window=" + window);
                }
                for (JsonNode v : window) {
                    if (!v.isNumber()) throw ConfigReader.bad("window", window, "\"hann\", \"hamming\", None or numbers");
                }
            }
            for (double v : new double[] {minFreq, topDb, magExp, minPower, refPower}) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("MelSpectrogram's `min_freq`, `top_db`, `mag_exp`, `min_power` and"
                            + " `ref_power` must be finite numbers. Received: " + minFreq + ", " + topDb + ", " + magExp
                            + ", " + minPower + ", " + refPower);
                }
            }
        }

        @Override
        MelSpectrogram make() {
            return new MelSpectrogram(this);
        }
    }

    /** A builder with Keras' defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Keras' {@code from_config}. */
    public static MelSpectrogram fromConfig(JsonNode config) {
        Builder b = builder();
        ConfigReader r = b.readBase(config);
        b.fftLength = r.integer("fft_length", 2048);
        b.sequenceStride = r.integer("sequence_stride", 512);
        b.sequenceLength = r.optionalInteger("sequence_length");
        if (config.has("window")) {
            JsonNode w = r.node("window");
            b.window = w.isNull() ? null : w;
        }
        b.samplingRate = r.number("sampling_rate", 16000);
        b.numMelBins = r.integer("num_mel_bins", 128);
        b.minFreq = r.number("min_freq", 20.0);
        b.maxFreq = r.number("max_freq");
        b.powerToDb = r.bool("power_to_db", true);
        b.topDb = r.number("top_db", 80.0);
        b.magExp = r.number("mag_exp", 2.0);
        b.minPower = r.number("min_power", 1e-10);
        b.refPower = r.number("ref_power", 1.0);
        r.finish();
        return b.build();
    }

    @Override
    public String className() {
        return CLASS_NAME;
    }

    /** Frames of a signal of {@code samples} (-1 if unknown): 1 + (samples + 2 (fft // 2) - fft) // stride, as TensorFlow frames it. */
    private long frames(long samples) {
        if (samples < 0) return -1;
        return 1 + Math.floorDiv(samples + 2L * (fftLength / 2) - fftLength, sequenceStride);
    }

    @Override
    public long[] computeOutputShape(long[] shape) {
        if (shape.length != 1 && shape.length != 2) {
            throw incompatible(shape, "expected audio of shape (samples,) or (batch, samples), found ndim=" + shape.length);
        }
        long samples = shape[shape.length - 1];
        if (samples >= 0 && samples <= fftLength / 2) {
            throw incompatible(shape, "its " + samples + " samples are too few to reflect " + (fftLength / 2) + " of them"
                    + " at each end (center=True); TensorFlow's reflect padding needs more than fft_length // 2 = "
                    + (fftLength / 2));
        }
        long frames = frames(samples);
        if (samples >= 0 && frames <= 0) {
            throw incompatible(shape, "its " + samples + " samples make no frame of " + fftLength);
        }
        return shape.length == 1 ? new long[] {numMelBins, frames} : new long[] {shape[0], numMelBins, frames};
    }

    @Override
    protected void createWeights(long[] inputShape) {
        computeOutputShape(inputShape);
    }

    @Override
    long work(long[] inputShape) {
        long batch = inputShape.length == 1 ? 1 : Math.max(inputShape[0], 1);
        return batch * Math.max(frames(inputShape[inputShape.length - 1]), 1) * fftLength * (fftLength / 2 + 1) * 2L;
    }

    /** With {@code power_to_db} the floor is the largest value of the whole batch: samples depend on each other. */
    @Override
    boolean mixesSamples(java.util.List<long[]> inputShapes) {
        return powerToDb;
    }

    @Override
    Pipeline pipeline(long[] inputShape, Variant variant) {
        long batch = inputShape.length == 1 ? 1 : inputShape[0];
        long samples = inputShape[inputShape.length - 1];
        return MelSpectrograms.build(batch, samples, fftLength, sequenceStride, frames(samples), windowValues(),
                (float) samplingRate, numMelBins, (float) minFreq, (float) maxFreq, powerToDb, (float) topDb,
                (float) magExp, (float) minPower, (float) refPower);
    }

    /** The window over the frame: TensorFlow's periodic hann or hamming (or the given values) centred, zeros around; null for none. */
    private float[] windowValues() {
        if (window == null) return null;
        float[] w = new float[sequenceLength];
        if (window.isTextual()) {
            // tf.signal's raised cosine: a - b cos(2 pi n / N), N the length (one less for an odd length)
            float a = window.asText().equals("hann") ? 0.5f : 0.54f;
            float b = window.asText().equals("hann") ? 0.5f : 0.46f;
            int even = 1 - sequenceLength % 2;
            float n = (float) (sequenceLength + even - 1);
            float twoPi = (float) (2 * Math.PI);
            for (int i = 0; i < sequenceLength; i++) {
                float arg = twoPi * (float) i / n;
                w[i] = a - b * (float) Math.cos(arg);
            }
        } else {
            for (int i = 0; i < sequenceLength; i++) w[i] = (float) window.get(i).asDouble();
        }
        float[] padded = new float[fftLength];
        System.arraycopy(w, 0, padded, (fftLength - sequenceLength) / 2, sequenceLength);
        return padded;
    }

    @Override
    public ObjectNode getConfig() {
        ObjectNode c = baseConfig();
        c.put("fft_length", fftLength);
        c.put("sequence_stride", sequenceStride);
        c.put("sequence_length", sequenceLength);
        if (window == null) c.putNull("window"); else c.set("window", window.deepCopy());
        // (Keras keeps an int sampling rate and its default max_freq, int(sampling_rate / 2), as ints)
        if (samplingRate == Math.rint(samplingRate)) c.put("sampling_rate", (long) samplingRate);
        else c.put("sampling_rate", samplingRate);
        c.put("num_mel_bins", numMelBins);
        c.put("min_freq", minFreq);
        if (maxFreq == Math.rint(maxFreq)) c.put("max_freq", (long) maxFreq);
        else c.put("max_freq", maxFreq);
        c.put("power_to_db", powerToDb);
        c.put("top_db", topDb);
        c.put("mag_exp", magExp);
        c.put("min_power", minPower);
        c.put("ref_power", refPower);
        return c;
    }
}
