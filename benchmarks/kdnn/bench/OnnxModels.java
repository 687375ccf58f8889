package kdnn.bench;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a suite shape as a small ONNX model (Conv or ConvTranspose with bias, then Relu; NCHW
 * as ONNX requires) with protobuf's {@link CodedOutputStream}, field numbers from onnx.proto:
 * ModelProto{ir_version 1, producer_name 2, graph 7, opset_import 8}, OperatorSetIdProto{domain 1,
 * version 2}, GraphProto{node 1, name 2, initializer 5, input 11, output 12}, NodeProto{input 1,
 * output 2, name 3, op_type 4, attribute 5}, AttributeProto{name 1, i 3, ints 8, type 20 (INT 2,
 * INTS 7)}, TensorProto{dims 1, data_type 2 (FLOAT 1), name 8, raw_data 9}, ValueInfoProto{name 1,
 * type 2}, TypeProto{tensor_type 1}, TypeProto.Tensor{elem_type 1, shape 2},
 * TensorShapeProto{dim 1}, Dimension{dim_value 1}.
 */
public final class OnnxModels {
    static final long IR_VERSION = 8;
    static final long OPSET = 17;
    private static final int FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_INTS = 7;

    private OnnxModels() {
    }

    /** The model bytes: input "X" (NCHW), output "Y" (NCHW), weights as initializers. */
    public static byte[] model(BenchShape s, BenchShape.Weights w) {
        int r = s.rank();
        int[] perm = kernelPerm(r);
        float[] onnxKernel = permute(w.kernel(), w.kernelShape(), perm);
        long[] onnxKernelShape = new long[r + 2];
        for (int i = 0; i < perm.length; i++) onnxKernelShape[i] = w.kernelShape()[perm[i]];

        Pb node = new Pb();
        node.string(1, "X").string(1, "W").string(1, "B").string(2, "Z").string(3, "conv")
                .string(4, s.op() == BenchShape.Op.TRANSPOSE ? "ConvTranspose" : "Conv");
        node.message(5, ints("kernel_shape", Arrays.stream(s.kernel()).asLongStream().toArray()));
        node.message(5, ints("strides", Arrays.stream(s.strides()).asLongStream().toArray()));
        node.message(5, ints("dilations", Arrays.stream(s.dilation()).asLongStream().toArray()));
        long[] pads = new long[2 * r];
        System.arraycopy(s.padLeft(), 0, pads, 0, r);
        System.arraycopy(s.padRight(), 0, pads, r, r);
        node.message(5, ints("pads", pads));
        node.message(5, new Pb().string(1, "group").int64(3, s.groups()).int64(20, ATTR_INT));
        Pb relu = new Pb().string(1, "Z").string(2, "Y").string(3, "relu").string(4, "Relu");

        Pb graph = new Pb();
        graph.message(1, node).message(1, relu).string(2, s.name());
        graph.message(5, tensor("W", onnxKernelShape, onnxKernel));
        graph.message(5, tensor("B", new long[] {s.filters()}, w.bias()));
        graph.message(11, valueInfo("X", toChannelsFirst(s.input())));
        graph.message(12, valueInfo("Y", toChannelsFirst(s.outputShape())));

        Pb model = new Pb();
        model.int64(1, IR_VERSION).string(2, "kdnn-bench").message(7, graph)
                .message(8, new Pb().string(1, "").int64(2, OPSET));
        return model.bytes();
    }

    /** Keras kernel (k..., a, b) to ONNX (b, a, k...): conv (F, C/g, k...), transposed (C, F, k...). */
    static int[] kernelPerm(int r) {
        int[] p = new int[r + 2];
        p[0] = r + 1;
        p[1] = r;
        for (int i = 0; i < r; i++) p[i + 2] = i;
        return p;
    }

    /** Keras channels_last shape to NCHW-style. */
    public static long[] toChannelsFirst(long[] shape) {
        int r = shape.length - 2;
        long[] out = new long[shape.length];
        out[0] = shape[0];
        out[1] = shape[r + 1];
        System.arraycopy(shape, 1, out, 2, r);
        return out;
    }

    /** Values of a channels_last tensor of {@code shape} in channels_first order. */
    public static float[] nhwcToNchw(float[] x, long[] shape) {
        int r = shape.length - 2;
        int[] p = new int[r + 2];
        p[0] = 0;
        p[1] = r + 1;
        for (int i = 0; i < r; i++) p[i + 2] = i + 1;
        return permute(x, Arrays.stream(shape).mapToInt(Math::toIntExact).toArray(), p);
    }

    /** Values of a channels_first tensor whose channels_last shape is {@code shape}, in channels_last order. */
    public static float[] nchwToNhwc(float[] x, long[] shape) {
        long[] cf = toChannelsFirst(shape);
        int r = shape.length - 2;
        int[] p = new int[r + 2];
        p[0] = 0;
        for (int i = 0; i < r; i++) p[i + 1] = i + 2;
        p[r + 1] = 1;
        return permute(x, Arrays.stream(cf).mapToInt(Math::toIntExact).toArray(), p);
    }

    /** Transposes a row-major array: output axis i is input axis perm[i]. */
    static float[] permute(float[] x, int[] shape, int[] perm) {
        int n = shape.length;
        int[] inStride = new int[n];
        int acc = 1;
        for (int i = n - 1; i >= 0; i--) {
            inStride[i] = acc;
            acc *= shape[i];
        }
        int[] outShape = new int[n];
        int[] strideOfOut = new int[n];
        for (int i = 0; i < n; i++) {
            outShape[i] = shape[perm[i]];
            strideOfOut[i] = inStride[perm[i]];
        }
        float[] out = new float[x.length];
        int[] idx = new int[n];
        int src = 0;
        for (int o = 0; o < out.length; o++) {
            out[o] = x[src];
            for (int a = n - 1; a >= 0; a--) {
                idx[a]++;
                src += strideOfOut[a];
                if (idx[a] < outShape[a]) break;
                src -= strideOfOut[a] * outShape[a];
                idx[a] = 0;
            }
        }
        return out;
    }

    static Pb ints(String name, long[] values) {
        Pb a = new Pb().string(1, name);
        for (long v : values) a.int64(8, v);
        return a.int64(20, ATTR_INTS);
    }

    static Pb tensor(String name, long[] dims, float[] values) {
        Pb t = new Pb();
        for (long d : dims) t.int64(1, d);
        t.int64(2, FLOAT).string(8, name);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.bytes(9, raw.array());
    }

    static Pb valueInfo(String name, long[] dims) {
        Pb shape = new Pb();
        for (long d : dims) shape.message(1, new Pb().int64(1, d));
        Pb tensorType = new Pb().int64(1, FLOAT).message(2, shape);
        return new Pb().string(1, name).message(2, new Pb().message(1, tensorType));
    }

    /** One protobuf message being written. */
    static final class Pb {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(buffer);

        Pb int64(int field, long v) {
            try {
                out.writeInt64(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Pb float32(int field, float v) {
            try {
                out.writeFloat(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Pb string(int field, String v) {
            return bytes(field, v.getBytes(StandardCharsets.UTF_8));
        }

        Pb bytes(int field, byte[] v) {
            try {
                out.writeByteArray(field, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Pb message(int field, Pb m) {
            return bytes(field, m.bytes());
        }

        byte[] bytes() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buffer.toByteArray();
        }
    }
}
