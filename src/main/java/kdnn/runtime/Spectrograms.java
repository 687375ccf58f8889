package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The oneDNN side of Keras 3's {@code STFTSpectrogram}: each input channel's signal cut into
 * frames of {@code kernel} samples, {@code step} apart (Keras' strided convolution, as rows), a
 * oneDNN matmul of the frames with the layer's real and imaginary DFT kernels, then a Java step
 * combining the two parts into the layer's output layout, then oneDNN's square root (and
 * logarithm) where the mode asks for them.
 */
public final class Spectrograms {
    private Spectrograms() {
    }

    /**
     * The combination of the frequency bins' real and imaginary parts of signals {@code [first, end)},
     * written to the output. {@code re} and {@code im} each hold (signals, frames, bins) row-major (a
     * part the mode does not use is null); {@code out} is the layer's output. Parts of the signals may
     * run on several threads at once.
     */
    @FunctionalInterface
    public interface Combine {
        void apply(MemorySegment re, MemorySegment im, MemorySegment out, long first, long end);
    }

    /** What follows the combination on the whole output: nothing, a square root, or a square root then a log. */
    public enum Finish { NONE, SQRT, SQRT_LOG }

    /**
     * @param signals batch times channels: each channel's signal is transformed on its own
     * @param length samples per signal
     * @param channelsLastInput the input is (batch, samples, channels) (else (batch, channels, samples))
     * @param channels the input's channels
     * @param frames frames per signal (the output's time axis)
     * @param bins frequency bins of each kernel
     * @param real the real kernel in Keras' (frame length, 1, bins) layout, or null
     * @param imag the imaginary kernel, or null
     */
    public static Pipeline build(long signals, long length, boolean channelsLastInput, long channels, long kernel,
                                 long step, long padLeft, long frames, long bins, MemorySegment real,
                                 MemorySegment imag, Combine combine, Finish finish, long outputCount) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            // 1. the frames, one per row, zero where they reach past the signal (Keras' convolution with
            //    one input channel runs on oneDNN's reference kernel: a matmul of the frames is the fast form)
            long rows = signals * frames;
            int framed = b.buffer(rows * kernel * Float.BYTES);
            b.javaStep(Pipeline.INPUT, framed, (in, out) -> TeamLoop.run(rows * kernel, (int) Math.min(signals, 64),
                    (part, parts) -> frame(in, out, signals, length, channelsLastInput, channels, kernel, step, padLeft,
                            frames, TeamLoop.from(part, parts, (int) signals), TeamLoop.from(part + 1, parts, (int) signals))));
            // 2. the real and imaginary parts: the frames times each kernel, (signals, frames, bins) row-major
            int[] slots = {-1, -1};
            MemorySegment[] kernels = {real, imag};
            for (int k = 0; k < 2; k++) {
                if (kernels[k] == null) continue;
                slots[k] = b.buffer(rows * bins * Float.BYTES);
                InnerProducts.appendDense(b, rows, kernel, bins, kernels[k], null, List.of(), true, framed, slots[k]);
            }
            int re = slots[0];
            int im = slots[1];
            // 3. the mode's combination, in the layer's output layout
            int[] from = re >= 0 && im >= 0 ? new int[] {re, im} : new int[] {re >= 0 ? re : im};
            b.javaStep(from, Pipeline.OUTPUT, (in, out) -> TeamLoop.run(rows * bins * 4, (int) Math.min(signals, 64),
                    (part, parts) -> combine.apply(re >= 0 ? in[0] : null, im >= 0 ? in[in.length - 1] : null, out,
                            TeamLoop.from(part, parts, (int) signals), TeamLoop.from(part + 1, parts, (int) signals))));
            // 4. oneDNN's square root and log over the output
            if (finish != Finish.NONE) {
                MemoryDesc all = b.own(MemoryDesc.rowMajor(outputCount));
                b.step(Eltwises.eltwise(all, new Attributes.Eltwise(dnnl_eltwise_sqrt(), 0f, 0f)),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), all, Pipeline.OUTPUT), Pipeline.Arg.slot(DNNL_ARG_DST(), all, Pipeline.OUTPUT));
                if (finish == Finish.SQRT_LOG) {
                    b.step(Eltwises.eltwise(all, new Attributes.Eltwise(dnnl_eltwise_log(), 0f, 0f)),
                            Pipeline.Arg.slot(DNNL_ARG_SRC(), all, Pipeline.OUTPUT),
                            Pipeline.Arg.slot(DNNL_ARG_DST(), all, Pipeline.OUTPUT));
                }
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** Signals {@code [first, end)}'s frames into rows of {@code kernel} samples, zeros outside the signal. */
    private static void frame(MemorySegment in, MemorySegment out, long signals, long length, boolean channelsLast,
                              long channels, long kernel, long step, long padLeft, long frames, long first, long end) {
        out.asSlice(first * frames * kernel * Float.BYTES, (end - first) * frames * kernel * Float.BYTES).fill((byte) 0);
        for (long s = first; s < end; s++) {
            long b = s / channels;
            long c = s % channels;
            for (long t = 0; t < frames; t++) {
                long start = t * step - padLeft;
                long from = Math.max(0, -start);
                long to = Math.min(kernel, length - start);
                long row = (s * frames + t) * kernel;
                if (!channelsLast || channels == 1) {
                    // one signal's samples lie together: one copy per frame
                    long base = channelsLast ? b * length : s * length;
                    if (to > from) {
                        MemorySegment.copy(in, (base + start + from) * Float.BYTES, out, (row + from) * Float.BYTES,
                                (to - from) * Float.BYTES);
                    }
                } else {
                    for (long k = from; k < to; k++) {
                        out.setAtIndex(ValueLayout.JAVA_FLOAT, row + k,
                                in.getAtIndex(ValueLayout.JAVA_FLOAT, (b * length + start + k) * channels + c));
                    }
                }
            }
        }
    }
}
