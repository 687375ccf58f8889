package kdnn.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import kdnn.Tensor;
import kdnn.layers.Layer;

/**
 * {@code kdnn stress DIR [--threads N] [--seconds S]}: every non-error golden case of a folder is
 * run once single-threaded, then called from N threads at once for S seconds, the layers shared
 * between threads, and every result is compared bitwise with its single-threaded one. Each case
 * also runs on a second batch size whose expectation comes from a twin layer, so the shared layer
 * first sees that shape while other threads are calling it. Last line:
 * {@code calls=C mismatches=M errors=E}; exit status 0 only when M and E are 0.
 */
public final class Stress {
    private record Item(String name, Layer layer, List<Tensor> inputs, float[] expected) {
    }

    private Stress() {
    }

    /** Runs the command; usage errors go to {@code err}. */
    public static int main(String[] args, PrintStream out, PrintStream err) throws Exception {
        Path dir = null;
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        double seconds = 10;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--threads" -> threads = Integer.parseInt(value(args, ++i, "--threads"));
                    case "--seconds" -> seconds = Double.parseDouble(value(args, ++i, "--seconds"));
                    default -> {
                        if (dir != null || args[i].startsWith("-")) {
                            throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
                        }
                        dir = Path.of(args[i]);
                    }
                }
            }
            if (dir == null) throw new IllegalArgumentException("no DIR given");
            if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            if (!(seconds > 0)) throw new IllegalArgumentException("--seconds must be > 0, got " + seconds);
        } catch (IllegalArgumentException e) {
            err.println("kdnn stress: " + (e instanceof NumberFormatException ? "a number expected, " : "") + e.getMessage());
            err.print(Usage.of("stress"));
            return 2;
        }
        return run(dir, threads, seconds, out);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    static int run(Path dir, int threads, double seconds, PrintStream out) throws Exception {
        List<Item> items = new ArrayList<>();
        List<AutoCloseable> owned = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        int cases = 0;
        try {
            for (Path f : GoldenCase.files(dir)) {
                GoldenCase c;
                try {
                    c = GoldenCase.read(f);
                } catch (Exception e) {
                    out.println("ERROR " + f.getFileName() + " unreadable: " + e.getMessage());
                    errors.incrementAndGet();
                    continue;
                }
                if (c.expectError()) {
                    continue;
                }
                try {
                    cases++;
                    Layer shared = layer(c, owned);
                    List<Tensor> in = new ArrayList<>();
                    for (int i = 0; i < c.inputs().size(); i++) in.add(tensor(c.inputs().get(i), c.inputShapes().get(i), owned));
                    items.add(new Item(c.name(), shared, in, once(shared, in)));
                    // the same layer on another batch size; the expectation comes from a twin
                    long batch = c.inputShape()[0] == 2 ? 1 : 2;
                    List<Tensor> in2 = new ArrayList<>();
                    for (int i = 0; i < c.inputs().size(); i++) {
                        long[] other = c.inputShapes().get(i).clone();
                        other[0] = batch;
                        in2.add(tensor(tile(c.inputs().get(i), other), other, owned));
                    }
                    items.add(new Item(c.name() + " batch " + batch, shared, in2, once(layer(c, owned), in2)));
                } catch (RuntimeException e) {
                    out.println("ERROR " + c.name() + " single-threaded: " + e);
                    errors.incrementAndGet();
                }
            }
            out.println("cases=" + cases + " shapes=" + items.size() + " threads=" + threads + " seconds=" + seconds);
            AtomicLong calls = new AtomicLong();
            AtomicLong mismatches = new AtomicLong();
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads && !items.isEmpty(); t++) {
                long seed = t;
                Thread w = new Thread(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    while (System.nanoTime() < deadline) {
                        Item it = items.get(r.nextInt(items.size()));
                        try (Tensor y = call(it.layer, it.inputs)) {
                            if (!Arrays.equals(y.toFloatArray(), it.expected)) {
                                if (mismatches.incrementAndGet() <= 10) {
                                    out.println("MISMATCH " + it.name);
                                }
                            }
                        } catch (RuntimeException | Error e) {
                            if (errors.incrementAndGet() <= 10) {
                                out.println("ERROR " + it.name + ": " + e);
                            }
                        }
                        calls.incrementAndGet();
                    }
                }, "kdnn-stress-" + t);
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) {
                w.join();
            }
            out.println("calls=" + calls.get() + " mismatches=" + mismatches.get() + " errors=" + errors.get());
            return mismatches.get() == 0 && errors.get() == 0 ? 0 : 1;
        } finally {
            for (int i = owned.size() - 1; i >= 0; i--) {
                owned.get(i).close();
            }
        }
    }

    private static Layer layer(GoldenCase c, List<AutoCloseable> owned) {
        Layer l = c.newLayer();
        owned.add(l);
        return l;
    }

    private static Tensor tensor(float[] values, long[] shape, List<AutoCloseable> owned) {
        Tensor t = Tensor.of(values, shape);
        owned.add(t);
        return t;
    }

    private static float[] once(Layer l, List<Tensor> in) {
        try (Tensor y = call(l, in)) {
            return y.toFloatArray();
        }
    }

    /** The layer on its input, or on the list of them (a merge layer's). */
    private static Tensor call(Layer l, List<Tensor> in) {
        return in.size() == 1 ? l.call(in.get(0)) : l.call(in);
    }

    /** The case's values repeated (or cut) to fill a tensor of another batch size. */
    private static float[] tile(float[] values, long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.length == 0 ? 0 : values[i % values.length];
        }
        return v;
    }
}
