package kdnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The JVM peer: ONNX Runtime Java, default CPU provider, {@code threads} intra-op threads, all
 * graph optimizations, one suite shape as an ONNX model. Input and output live in direct buffers
 * made once; each run writes into the pinned output, as kdnn writes into a caller's tensor.
 */
public final class OrtPeer implements AutoCloseable {
    private final OrtSession session;
    private final OnnxTensor input;
    private final OnnxTensor output;
    private final FloatBuffer outputBuffer;
    private final Map<String, OnnxTensor> inputs;
    private final Map<String, OnnxTensor> outputs;

    /** Creates the session (model written now) and the NCHW tensors; {@code nhwcInput} is channels_last. */
    public OrtPeer(BenchShape s, BenchShape.Weights w, float[] nhwcInput, int threads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(OnnxModels.model(s, w), o);
        }
        FloatBuffer in = direct(nhwcInput.length);
        in.put(OnnxModels.nhwcToNchw(nhwcInput, s.input())).rewind();
        long outCount = 1;
        for (long d : s.outputShape()) outCount *= d;
        outputBuffer = direct(Math.toIntExact(outCount));
        input = OnnxTensor.createTensor(env, in, OnnxModels.toChannelsFirst(s.input()));
        output = OnnxTensor.createTensor(env, outputBuffer, OnnxModels.toChannelsFirst(s.outputShape()));
        inputs = Map.of("X", input);
        outputs = Map.of("Y", output);
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** One inference into the pinned output. */
    public void run() throws OrtException {
        session.run(inputs, outputs).close();
    }

    /** The last output, channels_first (NCHW) order. */
    public float[] outputNchw() {
        float[] y = new float[outputBuffer.capacity()];
        outputBuffer.duplicate().rewind().get(y);
        return y;
    }

    @Override
    public void close() throws OrtException {
        input.close();
        output.close();
        session.close();
    }
}
