package kdnn.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The steps of Keras 3's MelSpectrogram on TensorFlow: reflect-padded windowed frames (Java), their
 * real DFT as two oneDNN matmuls with cosine and sine tables (TensorFlow runs an FFT: the same sums
 * to rounding), the magnitude to a power (Java), the mel filter bank (a oneDNN matmul), then decibels
 * floored at the call's largest value less {@code top_db}, written as (batch, mel bins, frames) (Java).
 */
public final class MelSpectrograms {
    private MelSpectrograms() {
    }

    public static Pipeline build(long batch, long samples, int fft, int stride, long frames, float[] window,
                                 float samplingRate, int mels, float minFreq, float maxFreq, boolean powerToDb,
                                 float topDb, float magExp, float minPower, float refPower) {
        int bins = fft / 2 + 1;
        long rows = batch * frames;
        Pipeline.Builder b = Pipeline.builder();
        try {
            // 1. frames of the signal reflected by fft // 2 at each end, times the window
            int framed = b.buffer(rows * fft * Float.BYTES);
            int half = fft / 2;
            b.javaStep(Pipeline.INPUT, framed, (in, out) -> TeamLoop.run(rows * fft, (int) Math.min(rows, 64), (part, parts) -> {
                for (long r = TeamLoop.from(part, parts, (int) rows); r < TeamLoop.from(part + 1, parts, (int) rows); r++) {
                    long s = r / frames;
                    long t = r % frames;
                    {
                        long row = r * fft;
                        for (int k = 0; k < fft; k++) {
                            long j = t * stride + k - half;
                            if (j < 0) j = -j;
                            if (j >= samples) j = 2 * (samples - 1) - j;
                            float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, s * samples + j);
                            out.setAtIndex(ValueLayout.JAVA_FLOAT, row + k, window == null ? v : v * window[k]);
                        }
                    }
                }
            }));
            // 2. the real DFT: the frames times cos(2 pi f n / fft) and -sin(2 pi f n / fft)
            MemorySegment cos = b.constant((long) fft * bins * Float.BYTES);
            MemorySegment sin = b.constant((long) fft * bins * Float.BYTES);
            for (int n = 0; n < fft; n++) {
                for (int f = 0; f < bins; f++) {
                    double angle = 2 * Math.PI * (((long) f * n) % fft) / fft;
                    cos.setAtIndex(ValueLayout.JAVA_FLOAT, (long) n * bins + f, (float) Math.cos(angle));
                    sin.setAtIndex(ValueLayout.JAVA_FLOAT, (long) n * bins + f, (float) -Math.sin(angle));
                }
            }
            int re = b.buffer(rows * bins * Float.BYTES);
            int im = b.buffer(rows * bins * Float.BYTES);
            InnerProducts.appendDense(b, rows, fft, bins, cos, null, List.of(), true, framed, re);
            InnerProducts.appendDense(b, rows, fft, bins, sin, null, List.of(), true, framed, im);
            // 3. |X| ** mag_exp, in float32 as Keras' ops: sqrt(re² + im²), then the power
            int spec = b.buffer(rows * bins * Float.BYTES);
            b.javaStep(new int[] {re, im}, spec, (in, out) -> TeamLoop.run(rows * bins * 4, (int) Math.min(rows, 64), (part, parts) -> {
                long first = TeamLoop.from(part, parts, (int) rows) * (long) bins;
                long end = TeamLoop.from(part + 1, parts, (int) rows) * (long) bins;
                for (long i = first; i < end; i++) {
                    float r = in[0].getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    float m = in[1].getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    float magnitude = (float) Math.sqrt(r * r + m * m);
                    // (pow(x, 2) and pow(x, 1) are x * x and x, correctly rounded: the common exponents without pow)
                    float p = magExp == 2f ? magnitude * magnitude : magExp == 1f ? magnitude
                            : (float) Math.pow(magnitude, magExp);
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, i, p);
                }
            }));
            // 4. the mel filter bank
            MemorySegment bank = b.constant((long) bins * mels * Float.BYTES);
            MemorySegment.copy(melWeights(mels, bins, samplingRate, minFreq, maxFreq), 0, bank, ValueLayout.JAVA_FLOAT, 0,
                    bins * mels);
            int mel = b.buffer(rows * mels * Float.BYTES);
            InnerProducts.appendDense(b, rows, bins, mels, bank, null, List.of(), true, spec, mel);
            // 5. decibels, floored at the largest less top_db, as (batch, mels, frames)
            b.javaStep(mel, Pipeline.OUTPUT, (in, out) -> finish(in, out, batch, frames, mels, powerToDb, topDb, minPower,
                    refPower));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private static void finish(MemorySegment in, MemorySegment out, long batch, long frames, int mels, boolean powerToDb,
                               float topDb, float minPower, float refPower) {
        long count = batch * frames * mels;
        float[] v = new float[Math.toIntExact(count)];
        MemorySegment.copy(in, ValueLayout.JAVA_FLOAT, 0, v, 0, v.length);
        if (powerToDb) {
            // 10 log10(max(x, min_power)) - 10 log10(max(|ref|, min_power)); log10 as Keras' log(x) / log(10)
            float ln10 = (float) Math.log(10f);
            float ref = 10.0f * ((float) Math.log(Math.max(Math.abs(refPower), minPower)) / ln10);
            float largest = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < v.length; i++) {
                float x = v[i];
                float kept = x != x ? x : Math.max(x, minPower);
                v[i] = 10.0f * ((float) Math.log(kept) / ln10) - ref;
                largest = v[i] != v[i] || largest != largest ? Float.NaN : Math.max(largest, v[i]);
            }
            float floor = largest - topDb;
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] != v[i] || floor != floor ? Float.NaN : Math.max(v[i], floor);
            }
        }
        // (batch, frames, mels) to Keras' (batch, mels, frames)
        for (long s = 0; s < batch; s++) {
            for (long t = 0; t < frames; t++) {
                for (int m = 0; m < mels; m++) {
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, (s * mels + m) * frames + t, v[(int) ((s * frames + t) * mels + m)]);
                }
            }
        }
    }

    /**
     * Keras' linear_to_mel_weight_matrix in float32 (bins x mels): HTK's mel scale
     * {@code 1127 ln(1 + f / 700)}, triangles between num_mel_bins + 2 edges evenly spaced in mels
     * from min_freq to max_freq, peak 1, the DC bin zero.
     */
    static float[] melWeights(int mels, int bins, float samplingRate, float lower, float upper) {
        float nyquist = samplingRate / 2.0f;
        float[] binMel = new float[bins];
        for (int i = 1; i < bins; i++) binMel[i] = hertzToMel(linspace(0f, nyquist, bins, i));
        float lowMel = hertzToMel(lower);
        float highMel = hertzToMel(upper);
        float[] edges = new float[mels + 2];
        for (int i = 0; i < mels + 2; i++) edges[i] = linspace(lowMel, highMel, mels + 2, i);
        float[] w = new float[bins * mels];
        for (int i = 1; i < bins; i++) {
            for (int m = 0; m < mels; m++) {
                float lowerSlope = (binMel[i] - edges[m]) / (edges[m + 1] - edges[m]);
                float upperSlope = (edges[m + 2] - binMel[i]) / (edges[m + 2] - edges[m + 1]);
                w[i * mels + m] = Math.max(0f, Math.min(lowerSlope, upperSlope));
            }
        }
        return w;
    }

    // TensorFlow's LinSpace in float32: start + step * i, the last exactly stop
    private static float linspace(float start, float stop, int num, int i) {
        if (num == 1) return start;
        if (i == num - 1) return stop;
        float step = (stop - start) / (float) (num - 1);
        return start + step * (float) i;
    }

    private static float hertzToMel(float f) {
        return 1127.0f * (float) Math.log(1.0f + f / 700.0f);
    }
}
