package kdnn.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import kdnn.Tensor;
import kdnn.layers.Layer;
import kdnn.runtime.NativeLibrary;
import kdnn.runtime.Threads;

/**
 * {@code kdnn bench --layers [--quick] [--threads N] [--rounds R] [--json FILE] [--rows a,b]}: the
 * layers around convolutions ({@link LayerRow#SUITE}) timed by kdnn and by the same oneDNN
 * primitive called from C, chunks interleaved per row and each one's best chunk kept, as
 * {@link BenchMain} does for the convolutions.
 */
public final class LayerBench {
    private LayerBench() {
    }

    static int run(String[] args, PrintStream out) throws Exception {
        boolean quick = false;
        int threads = Runtime.getRuntime().availableProcessors();
        int rounds = 0;
        Path json = null;
        List<LayerRow> rows = LayerRow.SUITE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--layers" -> { }
                case "--quick" -> quick = true;
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--rows" -> rows = Arrays.stream(args[++i].split(",")).map(LayerRow::byName).toList();
                default -> {
                    System.err.println("usage: kdnn bench --layers [--quick] [--threads N] [--rounds R] [--json FILE]"
                            + " [--rows a,b]");
                    return 2;
                }
            }
        }
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1");
        if (rounds == 0) rounds = quick ? 3 : 7;
        Timing.Budget budget = quick ? new Timing.Budget(50, 150, 3) : new Timing.Budget(150, 400, 5);
        Threads.setCount(threads);
        out.printf(Locale.ROOT, "kdnn bench --layers: %d rows, %d threads; oneDNN %s; load average %s%n", rows.size(),
                threads, NativeLibrary.load().version(), BenchMain.loadAverage());
        List<BenchMain.Measurement> all = measure(rows, threads, budget, rounds, out);
        out.println();
        out.printf(Locale.ROOT, "%-24s %12s %12s %8s %14s %14s%n", "row", "kdnn us", "native us", "ratio",
                "kdnn first us", "native first");
        for (LayerRow r : rows) {
            BenchMain.Measurement k = find(all, r, "kdnn");
            BenchMain.Measurement n = find(all, r, "native");
            out.printf(Locale.ROOT, "%-24s %12.2f %12.2f %8.2f %14.1f %14.1f%n", r.name(), k.medianUs(), n.medianUs(),
                    k.medianUs() / n.medianUs(), k.firstCallUs(), n.firstCallUs());
        }
        if (json != null) {
            BenchMain.writeJson(json, all);
            out.println("wrote " + json);
        }
        return 0;
    }

    private static BenchMain.Measurement find(List<BenchMain.Measurement> all, LayerRow r, String impl) {
        return all.stream().filter(m -> m.shape().equals(r.name()) && m.impl().equals(impl)).findFirst()
                .orElse(new BenchMain.Measurement(r.name(), impl, 0, Double.NaN, Double.NaN));
    }

    /** Per row: both first calls, then {@code rounds} chunks of native and kdnn in turn; best chunk of each. */
    static List<BenchMain.Measurement> measure(List<LayerRow> rows, int threads, Timing.Budget budget, int rounds,
                                               PrintStream out) throws Exception {
        List<BenchMain.Measurement> m = new ArrayList<>();
        BenchMain.warmUpKdnn();
        try (NativeBench.Session nat = NativeBench.start(threads, budget)) {
            for (LayerRow r : rows) {
                out.printf(Locale.ROOT, "  %s ...%n", r.name());
                Layer[] layer = new Layer[1];
                try (Tensor in = Tensor.of(r.inputValues(1), r.input()); Tensor y = Tensor.uninitialized(r.outputShape())) {
                    double natFirst = nat.op(r.name(), r.nativeLine());
                    double kFirst = Timing.once(() -> {
                        layer[0] = r.newLayer();
                        r.call(layer[0], in, y);
                    });
                    double natBest = Double.NaN;
                    double kBest = Double.NaN;
                    for (int i = 0; i < rounds; i++) {
                        natBest = min(natBest, nat.measure().medianUs());
                        Thread.sleep(20);
                        Layer l = layer[0];
                        kBest = min(kBest, Timing.median(() -> r.call(l, in, y), budget).medianUs());
                        Thread.sleep(20);
                    }
                    m.add(new BenchMain.Measurement(r.name(), "native", threads, natBest, natFirst));
                    m.add(new BenchMain.Measurement(r.name(), "kdnn", threads, kBest, kFirst));
                } finally {
                    if (layer[0] != null) layer[0].close();
                }
            }
        }
        return m;
    }

    private static double min(double best, double v) {
        return Double.isNaN(best) ? v : Math.min(best, v);
    }
}
