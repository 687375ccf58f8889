package kdnn.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jfree.data.category.DefaultCategoryDataset;

/** A {@code --models} run as grouped horizontal bars per model and batch: median milliseconds per prediction, log axis. */
final class ArchitectureChart {
    // kdnn, its C floor, ORT, DL4J, kdnn in bf16
    static final List<String> IMPLS = List.of("kdnn", "floor", "onnxruntime", "dl4j", "kdnn-bf16");
    private static final int[] COLORS = {0x1f77b4, 0x7f7f7f, 0xff7f0e, 0xd62728, 0x2ca02c};

    private ArchitectureChart() {
    }

    /** Writes the chart of the timed records ({@code median_us}); records of other forms are left out. */
    static void write(Path png, List<ObjectNode> records, int threads) throws Exception {
        System.setProperty("java.awt.headless", "true");
        // the tests run the benchmark inside module kdnn, which does not read java.desktop (the launcher runs it on the class path)
        Module self = ArchitectureChart.class.getModule();
        ModuleLayer.boot().findModule("java.desktop").ifPresent(self::addReads);
        draw(png, records, threads);
    }

    private static void draw(Path png, List<ObjectNode> records, int threads) throws Exception {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Set<String> categories = new LinkedHashSet<>();
        for (ObjectNode r : records) {
            if (r.has("median_us") && r.has("batch")) categories.add(category(r));
        }
        double min = Double.MAX_VALUE, max = 0;
        for (String impl : IMPLS) {
            if (records.stream().noneMatch(r -> r.has("median_us") && r.get("impl").asText().equals(impl))) continue;
            for (String c : categories) {
                Double ms = null;
                for (ObjectNode r : records) {
                    if (r.has("median_us") && r.has("batch") && r.get("impl").asText().equals(impl)
                            && category(r).equals(c)) {
                        ms = r.get("median_us").asDouble() / 1e3;
                    }
                }
                data.addValue(ms, impl, c);
                if (ms != null) {
                    min = Math.min(min, ms);
                    max = Math.max(max, ms);
                }
            }
        }
        List<java.awt.Paint> paints = java.util.Arrays.stream(COLORS).mapToObj(c -> (java.awt.Paint) new Color(c)).toList();
        BenchChart.save(png, "kdnn bench --models: whole architectures, " + threads + " threads",
                "median time per prediction, milliseconds (log scale; lower is faster)", data, IMPLS, paints, min, max,
                0.01, 240 + 90 * Math.max(1, categories.size()));
    }

    private static String category(ObjectNode r) {
        return r.get("model").asText() + " b" + r.get("batch").asInt();
    }
}
