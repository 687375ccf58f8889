package kdnn.bench.dl4j;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * DL4J's side of {@code ./kdnn bench} (issue 14), run by kdnn's {@code Dl4jPeer} in a JVM of its
 * own (DL4J 1.0.0-M2.1 brings javacpp 1.5.7; kdnn uses 1.5.14). It imports a Keras 2 {@code .h5}
 * file as a DL4J user does ({@code KerasModelImport}, training configuration not enforced: a
 * Sequential as a MultiLayerNetwork, a functional model as a ComputationGraph), feeds it inputs
 * given as raw little-endian float32 files in Keras' order (channels last), times {@code output}
 * and writes each output as raw little-endian float32, in Keras' order.
 *
 * <pre>
 * Dl4jRunner --model FILE.h5 --input FILE.f32 --shape 1,224,224,3 [--input FILE --shape ...]
 *            --output PREFIX [--threads N] [--warmup-ms W] [--measure-ms M] [--min-iters K]
 *            [--rounds R] [--sequential auto|yes|no]
 * </pre>
 *
 * The last line of standard output is {@code DL4J-RESULT } followed by one JSON object:
 * {@code {"ok": true, "model_class", "import_ms", "first_call_us", "median_us", "samples",
 * "threads", "outputs": [{"file", "shape"}], ...}} or {@code {"ok": false, "stage", "exception",
 * "message", "where"}} with DL4J's exception class and message and the innermost DL4J frames
 * that threw. Timed: the import, the first {@code output} call, then (after warm-up) single calls,
 * median, best of the rounds.
 *
 * <p>Layout: the arrays go in and come out in Keras' order, unchanged. DL4J M2.1 imports
 * channels_last Keras layers with NHWC (2D) and NWC (1D) formats, so a channels-last input is what
 * the imported network takes (checked on the golden models: their outputs match Keras' to 3e-7
 * without any transposition). Threads: ND4J's {@code maxThreads} and {@code maxMasterThreads} are
 * set to {@code --threads}; the caller also sets {@code OMP_NUM_THREADS} (read when libnd4j starts).
 *
 * <p>Calls over a second (by the first call) get the budget kdnn's benchmark gives its own (its
 * {@code ArchitectureBench.forCallsOf}): one round, no minimum time, 3 warm-up and 3 timed calls.
 */
public final class Dl4jRunner {
    /** The prefix of the result line. */
    public static final String MARK = "DL4J-RESULT ";

    private Dl4jRunner() {
    }

    static final class Args {
        Path model;
        final List<Path> inputs = new ArrayList<>();
        final List<long[]> shapes = new ArrayList<>();
        String output;
        int threads = Runtime.getRuntime().availableProcessors();
        double warmupMs = 300;
        double measureMs = 700;
        int minIters = 3;
        int rounds = 1;
        String sequential = "auto";
    }

    public static void main(String[] argv) {
        String result;
        String[] stage = {"arguments"};
        try {
            result = run(parse(argv), stage);
        } catch (Throwable e) {
            result = error(stage[0], e);
        }
        System.out.flush();
        System.out.println(MARK + result);
        System.out.flush();
        // ND4J leaves non-daemon threads behind
        System.exit(0);
    }

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String v = i + 1 < argv.length ? argv[i + 1] : null;
            if (v == null) throw new IllegalArgumentException(argv[i] + " needs a value");
            switch (argv[i]) {
                case "--model": a.model = Paths.get(v); break;
                case "--input": a.inputs.add(Paths.get(v)); break;
                case "--shape": a.shapes.add(Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray()); break;
                case "--output": a.output = v; break;
                case "--threads": a.threads = Integer.parseInt(v); break;
                case "--warmup-ms": a.warmupMs = Double.parseDouble(v); break;
                case "--measure-ms": a.measureMs = Double.parseDouble(v); break;
                case "--min-iters": a.minIters = Integer.parseInt(v); break;
                case "--rounds": a.rounds = Integer.parseInt(v); break;
                case "--sequential": a.sequential = v; break;
                default: throw new IllegalArgumentException("unknown argument " + argv[i]);
            }
            i++;
        }
        if (a.model == null || a.output == null || a.inputs.isEmpty() || a.inputs.size() != a.shapes.size()) {
            throw new IllegalArgumentException("needs --model, --output and one --shape per --input");
        }
        return a;
    }

    /** One imported network, whichever DL4J class it is. */
    private interface Net {
        INDArray[] output(INDArray[] in);
    }

    static String run(Args a, String[] stage) throws Exception {
        stage[0] = "nd4j";
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getEnvironment().setMaxThreads(a.threads);
        Nd4j.getEnvironment().setMaxMasterThreads(a.threads);

        stage[0] = "import";
        boolean sequential;
        if (a.sequential.equals("auto")) {
            try {
                sequential = isSequential(a.model);
            } catch (Exception e) {
                sequential = false; // KerasModelImport then says what it cannot read
            }
        } else {
            sequential = a.sequential.equals("yes");
        }
        long t0 = System.nanoTime();
        Net net;
        String modelClass;
        if (sequential) {
            MultiLayerNetwork mln = KerasModelImport.importKerasSequentialModelAndWeights(a.model.toString(), false);
            net = in -> {
                if (in.length != 1) throw new IllegalArgumentException("a MultiLayerNetwork takes one input");
                return new INDArray[] {mln.output(in[0], false)};
            };
            modelClass = "MultiLayerNetwork";
        } else {
            ComputationGraph graph = KerasModelImport.importKerasModelAndWeights(a.model.toString(), false);
            net = in -> graph.output(false, in);
            modelClass = "ComputationGraph";
        }
        double importMs = (System.nanoTime() - t0) / 1e6;

        stage[0] = "input";
        INDArray[] in = new INDArray[a.inputs.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = Nd4j.create(readFloats(a.inputs.get(i), count(a.shapes.get(i))), a.shapes.get(i), 'c');
        }

        stage[0] = "output";
        long t1 = System.nanoTime();
        INDArray[] out = net.output(in);
        double firstUs = (System.nanoTime() - t1) / 1e3;
        double best = Double.NaN;
        int samples = 0;
        Args timing = firstUs < 1e6 ? a : slow(a);
        for (int r = 0; r < timing.rounds; r++) {
            double[] m = median(net, in, timing);
            if (Double.isNaN(best) || m[0] < best) best = m[0];
            samples += (int) m[1];
        }
        out = net.output(in);

        stage[0] = "write";
        StringBuilder outputs = new StringBuilder("[");
        for (int i = 0; i < out.length; i++) {
            INDArray y = out[i];
            String file = a.output + i + ".f32";
            writeFloats(Paths.get(file), y.castTo(DataType.FLOAT).dup('c').data().asFloat());
            if (i > 0) outputs.append(", ");
            outputs.append("{\"file\": ").append(quote(file)).append(", \"shape\": ").append(Arrays.toString(y.shape()))
                    .append('}');
        }
        outputs.append(']');
        return String.format(Locale.ROOT, "{\"ok\": true, \"model_class\": %s, \"import_ms\": %.3f, \"first_call_us\": %.3f,"
                        + " \"median_us\": %.3f, \"samples\": %d, \"threads\": %d, \"nd4j_max_threads\": %d,"
                        + " \"blas\": %s, \"java\": %s, \"outputs\": %s}",
                quote(modelClass), importMs, firstUs, best, samples, a.threads,
                Nd4j.getEnvironment().maxThreads(), quote(blas()), quote(System.getProperty("java.version")), outputs);
    }

    /** The timing of calls over a second, as kdnn's {@code ArchitectureBench.forCallsOf}. */
    private static Args slow(Args a) {
        Args s = new Args();
        s.warmupMs = 0;
        s.measureMs = 0;
        s.minIters = 3;
        s.rounds = 1;
        return s;
    }

    /** Median microseconds of single calls after warm-up, and how many were timed. */
    private static double[] median(Net net, INDArray[] in, Args a) {
        long warmEnd = System.nanoTime() + (long) (a.warmupMs * 1e6);
        for (int i = 0; i < a.minIters || System.nanoTime() < warmEnd; i++) net.output(in);
        List<Double> samples = new ArrayList<>();
        long end = System.nanoTime() + (long) (a.measureMs * 1e6);
        while (samples.size() < a.minIters || System.nanoTime() < end) {
            long t = System.nanoTime();
            net.output(in);
            samples.add((System.nanoTime() - t) / 1e3);
        }
        double[] v = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return new double[] {n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, n};
    }

    /**
     * True when the file's {@code model_config} is a Sequential (DL4J imports it as a
     * MultiLayerNetwork), read by DL4J's own HDF5 reader as its import does.
     */
    static boolean isSequential(Path h5) throws Exception {
        String config;
        try (Hdf5Archive archive = new Hdf5Archive(h5.toString())) {
            config = archive.readAttributeAsJson("model_config");
        }
        return new ObjectMapper().readTree(config).path("class_name").asText().equals("Sequential");
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    static float[] readFloats(Path file, long expected) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length != expected * 4) {
            throw new IOException(file + ": " + b.length + " bytes, expected " + expected * 4 + " for the shape");
        }
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) c.write(b);
        }
    }

    private static String blas() {
        try {
            return Nd4j.factory().blas().getBlasVendor().toString();
        } catch (Throwable e) {
            return "unknown";
        }
    }

    static String error(String stage, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = String.valueOf(e.getMessage());
        if (root != e) message += " (caused by " + root.getClass().getName() + ": " + root.getMessage() + ")";
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        System.err.println(trace);
        // where in DL4J it gave up: the innermost frames of DL4J's own classes (the root cause's)
        List<String> where = new ArrayList<>();
        for (StackTraceElement f : root.getStackTrace()) {
            if (where.size() == 3) break;
            if (f.getClassName().startsWith("org.deeplearning4j.") || f.getClassName().startsWith("org.nd4j.")) {
                String cls = f.getClassName();
                where.add(cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethodName() + ":" + f.getLineNumber());
            }
        }
        return "{\"ok\": false, \"stage\": " + quote(stage) + ", \"exception\": " + quote(e.getClass().getName())
                + ", \"message\": " + quote(message) + ", \"where\": " + quote(String.join(" < ", where)) + "}";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
