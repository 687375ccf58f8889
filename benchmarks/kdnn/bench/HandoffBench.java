package kdnn.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import kdnn.runtime.Threads;

/**
 * What handing a prediction to kdnn's compute threads costs: calls per second of request threads
 * whose calls take the same route as a large prediction ({@code Threads.runAdmitted}) with a body
 * that keeps its core busy for a fixed time, against that body's own rate. The difference is the hand-off.
 */
final class HandoffBench {
    static final long[] BODIES_US = {200, 2000};

    private HandoffBench() {
    }

    static int run(String[] args, PrintStream out) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        long windowMs = 2000;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--handoff" -> { }
                case "--threads" -> threads = Integer.parseInt(BenchMain.value(args, ++i));
                case "--window-ms" -> windowMs = Long.parseLong(BenchMain.value(args, ++i));
                case "--json" -> json = Path.of(BenchMain.value(args, ++i));
                default -> throw new IllegalArgumentException("unknown argument for --handoff: " + args[i]);
            }
        }
        if (threads < 2) throw new IllegalArgumentException("--threads must be >= 2 for --handoff (one-thread calls stay on"
                + " their callers), got " + threads);
        if (windowMs < 1) throw new IllegalArgumentException("--window-ms must be >= 1, got " + windowMs);
        int before = Threads.count();
        Threads.setCount(threads);
        List<ObjectNode> records = new ArrayList<>();
        try {
            out.printf(Locale.ROOT, "kdnn bench --handoff: calls of %d threads through the compute threads (policy %s);"
                    + " load average %s%n", threads, Threads.policy(), BenchMain.loadAverage());
            out.println("| body us | body alone per s | 1 | 2 | 4 | 8 | hand-off us at 1 | at 8 |");
            out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (long bodyUs : BODIES_US) {
                double[] rates = RequestThreads.eachLevel(windowMs, (requestThreads, ms) ->
                        RequestThreads.requestThreads(requestThreads, ms, () -> new RequestThreads.Caller() {
                            @Override
                            public void call() {
                                Threads.runAdmitted(true, () -> busyUs(bodyUs));
                            }

                            @Override
                            public void close() {
                            }
                        }));
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %.0f |", bodyUs, 1e6 / bodyUs));
                for (int k = 0; k < rates.length; k++) {
                    row.append(String.format(Locale.ROOT, " %.0f |", rates[k]));
                    ObjectNode r = ArchitectureBench.JSON.createObjectNode();
                    r.put("body_us", bodyUs);
                    r.put("request_threads", RequestThreads.LEVELS[k]);
                    r.put("calls_per_s", Math.round(rates[k] * 10) / 10.0);
                    records.add(r);
                }
                row.append(String.format(Locale.ROOT, " %.0f | %.0f |", handoffUs(rates[0], bodyUs),
                        handoffUs(rates[rates.length - 1], bodyUs)));
                out.println(row);
            }
        } finally {
            Threads.setCount(before);
        }
        if (json != null) {
            ArchitectureBench.write(json, records);
            out.println("wrote " + json);
        }
        return 0;
    }

    /** Microseconds each call took beyond its body, at this many calls per second. */
    static double handoffUs(double callsPerSecond, long bodyUs) {
        return 1e6 / callsPerSecond - bodyUs;
    }

    /** Keeps its core busy for {@code us}, as a prediction's work does (a timed park would add the timer's own slack). */
    private static void busyUs(long us) {
        long end = System.nanoTime() + us * 1000;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }
}
