package kdnn.runtime;

import static kdnn.bindings.dnnl_h.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The oneDNN operations of Keras' merge layers over tensors of one storage order: element-wise
 * merges as a chain of {@code binary} primitives (a later input may broadcast over axes of length
 * 1), concatenation as one {@code concat} primitive. Dims are Keras' own (batch first); the
 * format tag says how they are stored (row-major, or channels-last for a channels_first tensor
 * kept that way inside a model).
 */
public final class Merges {
    private Merges() {
    }

    /** An element-wise merge. */
    public enum Op {
        ADD, SUBTRACT, MULTIPLY, AVERAGE, MAXIMUM, MINIMUM, DIVIDE;

        int algorithm() {
            return switch (this) {
                case ADD, AVERAGE -> dnnl_binary_add();
                case SUBTRACT -> dnnl_binary_sub();
                case MULTIPLY -> dnnl_binary_mul();
                case MAXIMUM -> dnnl_binary_max();
                case MINIMUM -> dnnl_binary_min();
                case DIVIDE -> dnnl_binary_div();
            };
        }
    }

    /** The row-major tag of a rank. */
    public static int plainTag(int rank) {
        return switch (rank) {
            case 1 -> dnnl_a();
            case 2 -> dnnl_ab();
            case 3 -> dnnl_abc();
            case 4 -> dnnl_abcd();
            case 5 -> dnnl_abcde();
            case 6 -> dnnl_abcdef();
            default -> throw new IllegalArgumentException("tensors of rank " + rank + " are not supported (1 to 6)");
        };
    }

    /**
     * {@code out = in0 op in1 op in2 ...} (Average: the sum divided by the count, as Keras
     * divides). Each input has the output's rank; an input whose dims differ from the output's
     * has length 1 there and broadcasts.
     */
    public static Pipeline elementwise(Op op, long[][] inputs, long[] out, int tag) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc dst = b.own(MemoryDesc.withTag(out, dnnl_f32(), tag));
            int first = 0;
            if (!Arrays.equals(inputs[0], out)) {
                // oneDNN broadcasts only its second source: start from -0 + the first input (-0 + x is x for
                // every x, a zero's sign included, where +0 + -0 would give +0)
                b.javaStep(Pipeline.OUTPUT, data -> {
                    for (long i = 0, n = data.byteSize() / Float.BYTES; i < n; i++) {
                        data.setAtIndex(ValueLayout.JAVA_FLOAT, i, -0f);
                    }
                });
                first = -1;
            }
            for (int k = first == 0 ? 1 : 0; k < inputs.length; k++) {
                MemoryDesc src0 = k == 1 && first == 0 ? b.own(MemoryDesc.withTag(inputs[0], dnnl_f32(), tag)) : dst;
                int src0Slot = k == 1 && first == 0 ? b.input(0) : Pipeline.OUTPUT;
                MemoryDesc src1 = b.own(MemoryDesc.withTag(inputs[k], dnnl_f32(), tag));
                int algorithm = k == 0 ? dnnl_binary_add() : op.algorithm();
                b.step(binary(algorithm, src0, src1, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), src0, src0Slot),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), src1, b.input(k)),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            }
            if (op == Op.AVERAGE) {
                long[] ones = new long[out.length];
                Arrays.fill(ones, 1);
                MemoryDesc scalar = b.own(MemoryDesc.withTag(ones, dnnl_f32(), tag));
                MemorySegment count = b.constant(Float.BYTES);
                count.set(ValueLayout.JAVA_FLOAT, 0, inputs.length);
                b.step(binary(dnnl_binary_div(), dst, scalar, dst),
                        Pipeline.Arg.slot(DNNL_ARG_SRC(), dst, Pipeline.OUTPUT),
                        Pipeline.Arg.constant(DNNL_ARG_SRC_1(), scalar, count),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            }
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /**
     * {@code out = first + second * scale} in float32, the product rounded before the sum (as
     * TensorFlow computes InceptionResNetV2's scaled residual); either input may broadcast.
     */
    public static Pipeline scaledSum(long[] first, long[] second, float scale, long[] out, int tag) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc dst = b.own(MemoryDesc.withTag(out, dnnl_f32(), tag));
            MemoryDesc src1 = b.own(MemoryDesc.withTag(second, dnnl_f32(), tag));
            long[] ones = new long[out.length];
            Arrays.fill(ones, 1);
            MemoryDesc scalar = b.own(MemoryDesc.withTag(ones, dnnl_f32(), tag));
            MemorySegment factor = b.constant(Float.BYTES);
            factor.set(ValueLayout.JAVA_FLOAT, 0, scale);
            MemoryDesc product = dst;
            int productSlot = Pipeline.OUTPUT;
            if (Arrays.equals(second, out)) {
                product = src1;
                productSlot = b.input(1);
            } else {
                // oneDNN broadcasts only its second source: the output starts as -0 + second (exactly second)
                b.javaStep(Pipeline.OUTPUT, data -> {
                    for (long i = 0, n = data.byteSize() / Float.BYTES; i < n; i++) {
                        data.setAtIndex(ValueLayout.JAVA_FLOAT, i, -0f);
                    }
                });
                b.step(binary(dnnl_binary_add(), dst, src1, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), dst, Pipeline.OUTPUT),
                        Pipeline.Arg.slot(DNNL_ARG_SRC_1(), src1, b.input(1)),
                        Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            }
            b.step(binary(dnnl_binary_mul(), product, scalar, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), product, productSlot),
                    Pipeline.Arg.constant(DNNL_ARG_SRC_1(), scalar, factor),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            MemoryDesc src0 = b.own(MemoryDesc.withTag(first, dnnl_f32(), tag));
            b.step(binary(dnnl_binary_add(), dst, src0, dst), Pipeline.Arg.slot(DNNL_ARG_SRC(), dst, Pipeline.OUTPUT),
                    Pipeline.Arg.slot(DNNL_ARG_SRC_1(), src0, b.input(0)),
                    Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** The inputs joined along {@code axis} (Keras' axis, batch counted, non-negative). */
    public static Pipeline concat(long[][] inputs, long[] out, int axis, int tag) {
        Pipeline.Builder b = Pipeline.builder();
        try (Arena a = Arena.ofConfined()) {
            MemoryDesc dst = b.own(MemoryDesc.withTag(out, dnnl_f32(), tag));
            MemoryDesc[] srcs = new MemoryDesc[inputs.length];
            MemorySegment handles = a.allocate(ValueLayout.ADDRESS, inputs.length);
            for (int k = 0; k < inputs.length; k++) {
                srcs[k] = b.own(MemoryDesc.withTag(inputs[k], dnnl_f32(), tag));
                handles.setAtIndex(ValueLayout.ADDRESS, k, srcs[k].handle());
            }
            Primitive concat;
            try (Attributes attr = new Attributes()) {
                Threads.applyToCurrentThread();
                Replay replay = Replay.of("concat").md(dst).number(axis).number(inputs.length);
                for (MemoryDesc src : srcs) replay.md(src);
                concat = (Primitive.create("dnnl_concat_primitive_desc_create", replay, (o, x) ->
                        dnnl_concat_primitive_desc_create(o, Engine.cpu(), dst.handle(), inputs.length, axis, handles,
                                attr.handle())));
            }
            Pipeline.Arg[] args = new Pipeline.Arg[inputs.length + 1];
            for (int k = 0; k < inputs.length; k++) {
                args[k] = Pipeline.Arg.slot(DNNL_ARG_MULTIPLE_SRC() + k, srcs[k], b.input(k));
            }
            args[inputs.length] = Pipeline.Arg.slot(DNNL_ARG_DST(), dst, Pipeline.OUTPUT);
            b.step(concat, args);
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** A copy between two storage orders of the same dims (e.g. channels-last back to row-major). */
    public static Pipeline convert(long[] dims, int fromTag, int toTag) {
        Pipeline.Builder b = Pipeline.builder();
        try {
            MemoryDesc from = b.own(MemoryDesc.withTag(dims, dnnl_f32(), fromTag));
            MemoryDesc to = b.own(MemoryDesc.withTag(dims, dnnl_f32(), toTag));
            b.step(Convolutions.reorder(from, to), Pipeline.Arg.slot(DNNL_ARG_FROM(), from, Pipeline.INPUT),
                    Pipeline.Arg.slot(DNNL_ARG_TO(), to, Pipeline.OUTPUT));
            return b.build();
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    static Primitive binary(int algorithm, MemoryDesc src0, MemoryDesc src1, MemoryDesc dst) {
        try (Attributes attr = new Attributes()) {
            Threads.applyToCurrentThread();
            Replay replay = Replay.of("binary").word(Replay.binaryName(algorithm)).md(src0).md(src1).md(dst)
                    .post(java.util.List.of());
            return Primitive.create("dnnl_binary_primitive_desc_create", replay, (out, a) ->
                    dnnl_binary_primitive_desc_create(out, Engine.cpu(), algorithm, src0.handle(), src1.handle(),
                            dst.handle(), attr.handle()));
        }
    }
}
