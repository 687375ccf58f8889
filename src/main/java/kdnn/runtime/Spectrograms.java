package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The oneDNN side of Keras 3's {@code STFTSpectrogram}: each input channel's signal convolved
 * with the layer's real and imaginary DFT kernels (frames of {@code kernel} samples, {@code step}
 * apart), then a Java step combining the two parts into the layer's output layout, then oneDNN's
 * square root (and logarithm) where the mode asks for them.
 */
public final class Spectrograms {
    private Spectrograms() {
    }

    /**
     * The combination of one frequency bin's real and imaginary parts, written to the output.
     * {@code re} and {@code im} each hold (signals, frames, bins) row-major (a part the mode does not
     * use is null); {@code out} is the layer's output.
     */
    @FunctionalInterface
    public interface Combine {
        void apply(MemorySegment re, MemorySegment im, MemorySegment out);
    }

    /** What follows the combination on the whole output: nothing, a square root, or a square root then a log. */
    public enum Finish { NONE, SQRT, SQRT_LOG }

    /**
     * @param signals batch times channels: each channel's signal is convolved on its own
     * @param length samples per signal
     * @param channelsLastInput the input is (batch, samples, channels) (else (batch, channels, samples))
     * @param channels the input's channels
     * @param frames frames per signal (the output's time axis)
     * @param bins frequency bins of each kernel
     * @param real the real kernel in Keras' (frame length, 1, bins) layout, or null
     * @param imag the imaginary kernel, or null
     */
    public static Pipeline build(long signals, long length, boolean channelsLastInput, long channels, long kernel,
                                 long step, long padLeft, long padRight, long frames, long bins, MemorySegment real,
                                 MemorySegment imag, Combine combine, Finish finish, long outputCount) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            // 1. one signal per row: a channels-last input of several channels is transposed once
            int src = Pipeline.INPUT;
            long[] rows = {signals, 1, length};
            if (channelsLastInput && channels > 1) {
                long[] dims = {signals / channels, channels, length};
                MemoryDesc from = b.own(MemoryDesc.withTag(dims, dnnl_f32(), dnnl_nwc()));
                MemoryDesc to = b.own(MemoryDesc.withTag(dims, dnnl_f32(), dnnl_ncw()));
                src = b.buffer(to.byteSize());
                b.step(Convolutions.reorder(from, to), Pipeline.Arg.slot(DNNL_ARG_FROM(), from, Pipeline.INPUT),
                        Pipeline.Arg.slot(DNNL_ARG_TO(), to, src));
            }
            // 2. a single frame reads only its window: stride 1 over a view of those samples (oneDNN's
            //    brgconv miscomputes one output column with a stride where the input has one channel)
            long[] strides = {step};
            long[] right = {padRight};
            MemoryDesc srcMd;
            if (frames == 1) {
                long read = Math.min(length, kernel - padLeft);
                srcMd = b.own(MemoryDesc.withStrides(new long[] {signals, 1, read}, new long[] {length, length, 1}, dnnl_f32()));
                strides[0] = 1;
                right[0] = kernel - padLeft - read;
            } else {
                srcMd = b.own(MemoryDesc.withTag(rows, dnnl_f32(), dnnl_ncw()));
            }
            // 3. the real and imaginary convolutions, each into its own (signals, frames, bins) buffer
            long[] dst = {signals, bins, frames};
            List<Integer> parts = new ArrayList<>();
            for (MemorySegment weights : new MemorySegment[] {real, imag}) {
                if (weights == null) {
                    parts.add(-1);
                    continue;
                }
                Convolutions.Op op = new Convolutions.Op(false, new long[] {bins, 1, kernel}, dnnl_wio(), weights, null, dst,
                        strides, new long[] {0}, new long[] {padLeft}, right, List.of());
                MemoryDesc dstMd = b.own(MemoryDesc.withTag(dst, dnnl_f32(), dnnl_nwc()));
                Primitive conv = b.own(Convolutions.convolution(op, srcMd, dstMd, dnnl_f32()));
                MemoryDesc packed = conv.query(dnnl_query_weights_md(), 0);
                MemoryDesc given = b.own(MemoryDesc.withTag(op.weightsDims(), dnnl_f32(), dnnl_wio()));
                MemorySegment used = weights;
                if (!given.sameLayout(packed)) {
                    // the kernel into the primitive's layout, once (and again after set-weights)
                    used = b.constant(packed.byteSize());
                    b.prepareStep(Convolutions.reorder(given, packed), Pipeline.Arg.constant(DNNL_ARG_FROM(), given, weights),
                            Pipeline.Arg.constant(DNNL_ARG_TO(), packed, used));
                }
                int out = b.buffer(dstMd.byteSize());
                b.step(conv, Pipeline.Arg.slot(DNNL_ARG_SRC(), srcMd, src), Pipeline.Arg.constant(DNNL_ARG_WEIGHTS(), packed, used),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), dstMd, out));
                parts.add(out);
            }
            // 4. the mode's combination, in the layer's output layout
            int re = parts.get(0);
            int im = parts.get(1);
            int[] from = re >= 0 && im >= 0 ? new int[] {re, im} : new int[] {re >= 0 ? re : im};
            b.javaStep(from, Pipeline.OUTPUT, (in, out) -> combine.apply(re >= 0 ? in[0] : null,
                    im >= 0 ? in[in.length - 1] : null, out));
            // 5. oneDNN's square root and log over the output
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
}
