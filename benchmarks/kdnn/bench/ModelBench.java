package kdnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import kdnn.Tensor;
import kdnn.layers.Activation;
import kdnn.layers.BaseConv;
import kdnn.layers.Conv2DTranspose;
import kdnn.layers.ConvSpec;
import kdnn.layers.DataFormat;
import kdnn.layers.Layer;
import kdnn.layers.SeparableConv2D;
import kdnn.layers.ShapeLayer;
import kdnn.model.ModelFiles;
import kdnn.model.Sequential;
import kdnn.runtime.Attributes;
import kdnn.runtime.NativeLibrary;
import kdnn.runtime.Threads;

/**
 * {@code kdnn bench --models [CONFIG.json... | DIR...] [--golden] [--quick] [--threads N] [--rounds R] [--json FILE]}:
 * whole architectures from Keras configs ({@link ArchitectureBench}: the default, the shared
 * {@code architectures} folder), or with {@code --golden} or model folders the
 * golden models end to end (issue 6: "end-to-end time within 1.1x of the sum of their layers'
 * native times"). For each model, every layer as Keras defines it is described as the oneDNN
 * operations kdnn makes of it (a convolution with its bias and eltwise post-ops, a softmax, a
 * reorder into or from a submemory, a nearest resampling), each timed by the C floor
 * ({@code native/bench_conv.c}, its {@code OP} command), and compared with
 * {@link Sequential#predict(Tensor, Tensor)} into a preallocated output on the batch of the
 * model's {@code expected.json}. Native operations and the model are timed in interleaved chunks,
 * each keeping its best chunk, as the suite does.
 *
 * <p>The native side runs every operation channels-last (oneDNN's fast layout), whatever a
 * layer's data_format, and counts a ZeroPadding as its own operation even where kdnn folds it
 * into the convolution after it (an optimization kdnn is allowed to win with).
 */
public final class ModelBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One oneDNN operation of a layer: what it is, and its {@code OP} line for bench_conv (after the name). */
    public record NativeOp(String description, String line) {
    }

    /** A layer as Keras defines it, with the Keras input shape it gets and its operations. */
    public record LayerOps(String layer, String className, long[] inputShape, long[] outputShape, List<NativeOp> ops,
                           String note) {
    }

    /** One model's numbers. */
    record ModelResult(String model, long batch, double predictUs, double predictFirstUs, double nativeSumUs,
                       double nativeFirstSumUs, String load) {
        double ratio() {
            return predictUs / nativeSumUs;
        }
    }

    private ModelBench() {
    }

    // ---- what each layer is made of ---------------------------------------------------------

    /** The layers of {@code model} for an input of {@code inputShape} (batch included), as native operations. */
    public static List<LayerOps> layerOps(kdnn.model.Model model, long[] inputShape) {
        List<LayerOps> out = new ArrayList<>();
        long[] shape = inputShape.clone();
        for (Layer l : model.layers()) {
            long[] next = l.computeOutputShape(shape);
            out.add(ops(l, shape, next));
            shape = next;
        }
        return out;
    }

    static LayerOps ops(Layer l, long[] in, long[] outShape) {
        List<NativeOp> ops = new ArrayList<>();
        String note = "";
        if (l instanceof BaseConv c) {
            note = convOps(c, in, outShape, ops);
        } else if (l instanceof ShapeLayer s) {
            ops.add(shapeOp(s, in, outShape));
        } else {
            note = "no native form known to the benchmark: not in the native sum";
        }
        return new LayerOps(l.name(), l.className(), in.clone(), outShape.clone(), List.copyOf(ops), note);
    }

    private static String convOps(BaseConv c, long[] in, long[] outShape, List<NativeOp> ops) {
        ConvSpec spec = c.spec();
        int rank = spec.rank();
        long[] src = spec.logical(in);
        long[] dst = spec.logical(outShape);
        long[] spatial = spec.spatial(in);
        long[] strides = Arrays.stream(spec.strides()).asLongStream().toArray();
        long[] dilates = Arrays.stream(spec.dilation()).asLongStream().map(d -> d - 1).toArray();
        long[] padL = new long[rank];
        long[] padR = new long[rank];
        for (int i = 0; i < rank; i++) {
            padL[i] = spec.padBefore(i, spatial[i]);
            padR[i] = spec.padAfter(i, spatial[i]);
        }
        long[] kernel = Arrays.stream(spec.kernel()).asLongStream().toArray();
        JsonNode config = c.getConfig();
        List<Attributes.Eltwise> post = kdnn.internal.LayerBridge.get().postOps(c.activation());
        long channels = src[1];
        if (c instanceof SeparableConv2D) {
            // depthwise (groups = channels, no bias, no activation), then pointwise 1x1 with both
            int dm = config.path("depth_multiplier").asInt(1);
            long[] mid = dst.clone();
            mid[1] = channels * dm;
            long[] ones = new long[rank];
            Arrays.fill(ones, 1);
            ops.add(conv(2, src, concat(new long[] {channels, dm, 1}, kernel), mid, strides, dilates, padL, padR, false,
                    List.of(), "depthwise conv"));
            ops.add(conv(0, mid, concat(new long[] {dst[1], mid[1]}, ones), dst, ones, new long[rank], new long[rank],
                    new long[rank], c.useBias(), post, "pointwise conv"));
        } else if (c instanceof Conv2DTranspose) {
            ops.add(conv(1, src, concat(new long[] {dst[1], channels}, kernel), dst, strides, dilates, padL, padR,
                    c.useBias(), post, "deconv"));
        } else {
            int groups = config.path("groups").asInt(1);
            long[] w = groups == 1 ? concat(new long[] {dst[1], channels}, kernel)
                    : concat(new long[] {groups, dst[1] / groups, channels / groups}, kernel);
            ops.add(conv(groups == 1 ? 0 : 2, src, w, dst, strides, dilates, padL, padR, c.useBias(), post,
                    groups == 1 ? "conv" : "grouped conv (g=" + groups + ")"));
        }
        if (c.activation() == Activation.SOFTMAX) {
            // Keras' softmax acts on the last axis of the layer's layout: C, or W for channels_first
            int axis = spec.format() == DataFormat.CHANNELS_FIRST ? rank + 1 : 1;
            ops.add(new NativeOp("softmax over axis " + axis + " of " + dims(dst) + ", in place",
                    "softmax " + dst.length + " " + join(dst) + " " + axis));
        }
        if (c.activation() == Activation.SOFTSIGN) {
            return "softsign has no oneDNN form (kdnn runs it as a Java loop): not in the native sum";
        }
        return "";
    }

    private static NativeOp conv(int kind, long[] src, long[] wei, long[] dst, long[] strides, long[] dilates,
                                 long[] padL, long[] padR, boolean bias, List<Attributes.Eltwise> post, String what) {
        int rank = src.length - 2;
        StringBuilder line = new StringBuilder("conv ").append(kind).append(' ').append(rank).append(' ')
                .append(join(src)).append(' ').append(wei.length).append(' ').append(join(wei)).append(' ')
                .append(join(dst)).append(' ').append(join(strides)).append(' ').append(join(dilates)).append(' ')
                .append(join(padL)).append(' ').append(join(padR)).append(' ').append(bias ? 1 : 0).append(' ')
                .append(post.size());
        StringBuilder desc = new StringBuilder(what).append(' ').append(dims(src)).append(" -> ").append(dims(dst))
                .append(", k").append(dims(Arrays.copyOfRange(wei, wei.length - rank, wei.length)));
        if (LongStream.of(strides).anyMatch(s -> s != 1)) desc.append(" s").append(dims(strides));
        if (LongStream.of(dilates).anyMatch(d -> d != 0)) desc.append(" d").append(dims(LongStream.of(dilates).map(d -> d + 1).toArray()));
        if (LongStream.concat(LongStream.of(padL), LongStream.of(padR)).anyMatch(p -> p != 0)) {
            desc.append(" pad ").append(dims(padL)).append('/').append(dims(padR));
        }
        if (bias) desc.append(" +bias");
        for (Attributes.Eltwise e : post) {
            String alg = eltwiseName(e.algorithm());
            line.append(' ').append(alg).append(' ').append(e.alpha()).append(' ').append(e.beta());
            desc.append(" +").append(alg);
            if (e.alpha() != 0 || e.beta() != 0) desc.append(String.format(Locale.ROOT, "(%s,%s)", e.alpha(), e.beta()));
        }
        return new NativeOp(desc.toString(), line.toString());
    }

    private static NativeOp shapeOp(ShapeLayer s, long[] in, long[] outShape) {
        long[] src = logical(in, s.dataFormat());
        long[] dst = logical(outShape, s.dataFormat());
        long[] off = new long[src.length];
        int[][] pairs = s.pairs();
        if (pairs != null) {
            for (int i = 0; i < pairs.length; i++) off[2 + i] = pairs[i][0];
        }
        String head = src.length + " " + join(src) + " " + join(dst);
        return switch (s.kind()) {
            case ZERO_PADDING -> new NativeOp("zero-fill " + dims(dst) + ", reorder " + dims(src) + " into its window at "
                    + dims(off), "pad " + head + " " + join(off));
            case CROPPING -> new NativeOp("reorder the window of " + dims(src) + " at " + dims(off) + " into "
                    + dims(dst), "crop " + head + " " + join(off));
            case UP_SAMPLING -> new NativeOp("nearest resampling " + dims(src) + " -> " + dims(dst), "resample " + head);
        };
    }

    /** oneDNN's logical dims {N, C, spatial...} of a Keras shape. */
    private static long[] logical(long[] shape, DataFormat format) {
        int rank = shape.length - 2;
        long[] d = new long[shape.length];
        d[0] = shape[0];
        d[1] = format == DataFormat.CHANNELS_FIRST ? shape[1] : shape[rank + 1];
        for (int i = 0; i < rank; i++) d[2 + i] = shape[(format == DataFormat.CHANNELS_FIRST ? 2 : 1) + i];
        return d;
    }

    /** bench_conv's name for a {@code dnnl_eltwise_*} algorithm. */
    static String eltwiseName(int alg) {
        return kdnn.runtime.Replay.eltwiseName(alg);
    }

    private static long[] concat(long[] head, long[] tail) {
        long[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    private static String join(long[] v) {
        return LongStream.of(v).mapToObj(Long::toString).collect(Collectors.joining(" "));
    }

    private static String dims(long[] v) {
        return LongStream.of(v).mapToObj(Long::toString).collect(Collectors.joining("x"));
    }

    // ---- which models, which batch ----------------------------------------------------------

    /** The shared golden models, and kdnn's bundled copies of any they lack. */
    static List<Path> defaultModels() throws IOException {
        return List.copyOf(kdnn.model.ModelFolders.find().values());
    }

    /** The input batch: expected.json's (shape and values), else seeded values for batch 1. */
    record Batch(long[] shape, float[] data, float[] expected, String source) {
    }

    static Batch batch(Path dir, kdnn.model.Model model) throws IOException {
        Path f = dir.resolve("expected.json");
        if (Files.isRegularFile(f)) {
            JsonNode root = JSON.readTree(f.toFile());
            JsonNode in = root.path("input");
            long[] shape = longs(in.path("shape"));
            JsonNode out = root.path("output").path("data");
            return new Batch(shape, floats(in.path("data")), out.isArray() ? floats(out) : null, "expected.json");
        }
        long[] shape = model.inputShape();
        if (shape[0] < 0) shape[0] = 1;
        float[] x = new float[Math.toIntExact(LongStream.of(shape).reduce(1, (a, b) -> a * b))];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return new Batch(shape, x, null, "seeded values (no expected.json)");
    }

    /** A JSON array's numbers as longs. */
    static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asLong();
        return v;
    }

    /** A JSON array's numbers as floats. */
    static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }

    // ---- the runner -------------------------------------------------------------------------

    static int run(String[] args, PrintStream out) throws Exception {
        boolean quick = false;
        int threads = Runtime.getRuntime().availableProcessors();
        int rounds = 0;
        Path json = null;
        boolean golden = false;
        long windowMs = 0;
        boolean dl4j = true;
        Boolean policies = null;
        int[] scaling = null;
        int[] batches = null;
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--models" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) dirs.add(Path.of(args[++i]));
                }
                case "--quick" -> quick = true;
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--golden" -> golden = true;
                case "--window-ms" -> windowMs = Long.parseLong(args[++i]);
                case "--no-dl4j" -> dl4j = false;
                case "--policies" -> policies = true;
                case "--scaling" -> {
                    if (i + 1 >= args.length) throw new IllegalArgumentException("--scaling needs thread counts, e.g. 1,2,4");
                    scaling = ScalingBench.counts(args[++i]);
                }
                case "--batches" -> {
                    if (i + 1 >= args.length) throw new IllegalArgumentException("--batches needs batch sizes, e.g. 1,16");
                    batches = ScalingBench.positive("--batches", args[++i]);
                }
                default -> {
                    System.err.println("usage: kdnn bench --models [CONFIG.json... | DIR...] [--golden] [--quick]"
                            + " [--policies] [--threads N] [--rounds R] [--window-ms MS] [--no-dl4j] [--scaling 1,2,4... [--batches 1,16]] [--json FILE]");
                    return 2;
                }
            }
        }
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1");
        if (golden && dirs.isEmpty()) dirs = defaultModels();
        if (dirs.isEmpty()) dirs = ArchitectureBench.defaultConfigs();
        if (batches != null && scaling == null) throw new IllegalArgumentException("--batches goes with --scaling");
        if (scaling != null) {
            if (dirs.isEmpty() || !dirs.stream().allMatch(ArchitectureBench::isConfig)) {
                throw new IllegalArgumentException("--scaling runs on architecture configs (CONFIG.json), got " + dirs);
            }
            return ScalingBench.run(dirs, scaling, batches, quick, json, out);
        }
        if (!dirs.isEmpty() && dirs.stream().allMatch(ArchitectureBench::isConfig)) {
            int r = rounds == 0 ? (quick ? 1 : 3) : rounds;
            Timing.Budget b = quick ? new Timing.Budget(300, 700, 3) : new Timing.Budget(1000, 3000, 5);
            return ArchitectureBench.run(dirs, new ArchitectureBench.Settings(quick, threads, r, b,
                    windowMs > 0 ? windowMs : quick ? 1500 : 3000, dl4j, policies != null ? policies : !quick), json, out);
        }
        if (dirs.isEmpty()) dirs = defaultModels();
        if (dirs.isEmpty()) {
            out.println("no models: give model folders, or put them in ${kdnn.shared}/models");
            return 1;
        }
        if (rounds == 0) rounds = quick ? 3 : 7;
        Timing.Budget budget = quick ? new Timing.Budget(50, 150, 3) : new Timing.Budget(150, 400, 5);
        Threads.setCount(threads);
        out.printf(Locale.ROOT, "kdnn bench --models: %d models, %d threads, %s, best of %d interleaved chunks;"
                + " oneDNN %s; load average %s%n", dirs.size(), threads, quick ? "quick" : "full", rounds,
                NativeLibrary.load().version(), BenchMain.loadAverage());
        out.println("native: each layer as Keras defines it, as the oneDNN operations kdnn makes of it, timed alone by"
                + " native/bench_conv.c (channels-last, user scratchpad, weights in the primitive's layout)");
        BenchMain.warmUpKdnn();
        List<ModelResult> results = new ArrayList<>();
        List<BenchMain.Measurement> records = new ArrayList<>();
        try (NativeBench.Session nat = NativeBench.start(threads, budget)) {
            for (Path dir : dirs) {
                results.add(model(dir, nat, threads, budget, rounds, records, out));
            }
        }
        out.println();
        out.println("Golden models end to end (" + threads + " threads; best of " + rounds + " interleaved chunks):");
        out.println("| model | batch | kdnn predict us | sum of native layer us | predict / native sum | 1-min load before -> after |");
        out.println("|---|---:|---:|---:|---:|---|");
        for (ModelResult r : results) {
            out.printf(Locale.ROOT, "| %s | %d | %s | %s | %.3f | %s |%n", r.model(), r.batch(), num(r.predictUs()),
                    num(r.nativeSumUs()), r.ratio(), r.load());
        }
        out.println("target (issue 6): predict / native sum <= 1.1 - "
                + results.stream().map(r -> r.model() + (r.ratio() <= 1.1 ? " met" : " NOT met"))
                .collect(Collectors.joining(", ")));
        if (json != null) {
            BenchMain.writeJson(json, records);
            out.println("wrote " + json);
        }
        return 0;
    }

    private static ModelResult model(Path dir, NativeBench.Session nat, int threads, Timing.Budget budget, int rounds,
                                     List<BenchMain.Measurement> records, PrintStream out) throws Exception {
        try (kdnn.model.Model model = ModelFiles.load(dir)) {
            Batch b = batch(dir, model);
            String name = model.name();
            List<LayerOps> layers = layerOps(model, b.shape());
            List<String> stages = model.stages();
            out.println();
            out.printf(Locale.ROOT, "model %s (%s): batch %d, input %s (%s); %d layers, kdnn runs %d stages: %s%n",
                    name, dir.toAbsolutePath().normalize(), b.shape()[0], dims(b.shape()), b.source(), layers.size(), stages.size(),
                    String.join(" | ", stages));
            List<String[]> ops = new ArrayList<>(); // {layer index, op id, line}
            for (int i = 0; i < layers.size(); i++) {
                for (int j = 0; j < layers.get(i).ops().size(); j++) {
                    ops.add(new String[] {Integer.toString(i), name + "/" + layers.get(i).layer() + "#" + j,
                            layers.get(i).ops().get(j).line()});
                }
            }
            double[] best = new double[ops.size()];
            double[] first = new double[ops.size()];
            Arrays.fill(best, Double.NaN);
            double kBest = Double.NaN;
            String loadBefore = BenchMain.loadAverage().split(" ")[0];
            try (Tensor in = Tensor.of(b.data(), b.shape());
                 Tensor y = Tensor.uninitialized(model.outputShape(b.shape()))) {
                double kFirst = Timing.once(() -> model.predict(in, y));
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < ops.size(); k++) {
                        double f = nat.op(ops.get(k)[1], ops.get(k)[2]);
                        if (r == 0) first[k] = f;
                        best[k] = min(best[k], nat.measure().medianUs());
                    }
                    Thread.sleep(20);
                    kBest = min(kBest, Timing.median(() -> model.predict(in, y), budget).medianUs());
                    Thread.sleep(20);
                }
                // 1-minute load before and after (this benchmark's own 2 busy threads count in the second)
                String load = loadBefore + " -> " + BenchMain.loadAverage().split(" ")[0];
                out.println("| layer | class | oneDNN operation (native) | native us |");
                out.println("|---|---|---|---:|");
                double sum = 0, firstSum = 0;
                int k = 0;
                for (int i = 0; i < layers.size(); i++) {
                    LayerOps l = layers.get(i);
                    double layerUs = 0, layerFirst = 0;
                    for (int j = 0; j < l.ops().size(); j++, k++) {
                        out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", j == 0 ? l.layer() : "", j == 0 ? l.className() : "",
                                l.ops().get(j).description(), num(best[k]));
                        layerUs += best[k];
                        layerFirst += first[k];
                    }
                    if (l.ops().isEmpty()) out.printf("| %s | %s | (none: %s) | - |%n", l.layer(), l.className(), l.note());
                    else if (!l.note().isEmpty()) out.printf("| | | (%s) | |%n", l.note());
                    if (!l.ops().isEmpty()) {
                        records.add(new BenchMain.Measurement(name + "/" + l.layer(), "native-layer", threads, layerUs,
                                layerFirst));
                    }
                    sum += layerUs;
                    firstSum += layerFirst;
                }
                out.printf(Locale.ROOT, "| sum of native layers | | | %s |%n", num(sum));
                out.printf(Locale.ROOT, "kdnn predict (Sequential.predict into a preallocated output): %s us"
                        + " (first call %s us); predict / native sum = %.3f (target <= 1.1: %s); 1-min load %s%n",
                        num(kBest), num(kFirst), kBest / sum, kBest / sum <= 1.1 ? "met" : "NOT met", load);
                double withoutFolded = sum;
                for (String s : stages) {
                    if (s.contains(" folded into ")) {
                        String pad = s.substring(0, s.indexOf(" folded into "));
                        out.println("note: kdnn runs " + s + " (no padded tensor is made); the native sum counts that"
                                + " ZeroPadding as its own operation, as Keras defines the layers");
                        k = 0;
                        for (LayerOps l : layers) {
                            for (int j = 0; j < l.ops().size(); j++, k++) {
                                if (l.layer().equals(pad)) withoutFolded -= best[k];
                            }
                        }
                    }
                }
                if (withoutFolded != sum) {
                    out.printf(Locale.ROOT, "      without the folded layers the native sum would be %s us: predict / that"
                            + " = %.3f (kdnn's per-stage overhead alone)%n", num(withoutFolded), kBest / withoutFolded);
                }
                if (b.expected() != null) {
                    out.println("kdnn output vs expected.json: " + BenchMain.compare(y.toFloatArray(), b.expected()));
                }
                records.add(new BenchMain.Measurement(name, "kdnn-model", threads, kBest, kFirst));
                records.add(new BenchMain.Measurement(name, "native-layers", threads, sum, firstSum));
                return new ModelResult(name, b.shape()[0], kBest, kFirst, sum, firstSum, load);
            }
        }
    }

    private static double min(double best, double v) {
        return Double.isNaN(best) ? v : Math.min(best, v);
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "-";
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
