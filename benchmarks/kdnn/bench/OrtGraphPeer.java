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
 * ONNX Runtime Java on a whole graph ({@link OnnxGraphs}): default CPU provider, {@code threads}
 * intra-op threads, all graph optimizations, one session that request threads may share, each
 * with its own {@link Request} (input and pinned output in direct buffers, NCHW).
 */
final class OrtGraphPeer implements AutoCloseable {
    private final OrtSession session;
    private final long[] inputShape;
    private final long[] outputShape;

    OrtGraphPeer(byte[] onnx, long[] nchwInput, long[] nchwOutput, int threads) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(threads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // ORT's own per-node profile, for comparing its kernels with oneDNN's (ONEDNN_VERBOSE=profile_exec)
            String profile = System.getProperty("kdnn.bench.ortProfile");
            if (profile != null) o.enableProfiling(profile);
            session = env.createSession(onnx, o);
        }
        inputShape = nchwInput.clone();
        outputShape = nchwOutput.clone();
    }

    /** One caller's tensors. */
    final class Request implements AutoCloseable {
        private final OnnxTensor input;
        private final OnnxTensor output;
        private final FloatBuffer outputBuffer;
        private final Map<String, OnnxTensor> inputs;
        private final Map<String, OnnxTensor> outputs;

        Request(float[] nchw) throws OrtException {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            FloatBuffer in = direct(nchw.length);
            in.put(nchw).rewind();
            long n = 1;
            for (long d : outputShape) n *= d;
            outputBuffer = direct(Math.toIntExact(n));
            input = OnnxTensor.createTensor(env, in, inputShape);
            output = OnnxTensor.createTensor(env, outputBuffer, outputShape);
            inputs = Map.of("X", input);
            outputs = Map.of("Y", output);
        }

        void run() throws OrtException {
            session.run(inputs, outputs).close();
        }

        float[] output() {
            float[] y = new float[outputBuffer.capacity()];
            outputBuffer.duplicate().rewind().get(y);
            return y;
        }

        @Override
        public void close() {
            input.close();
            output.close();
        }
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
