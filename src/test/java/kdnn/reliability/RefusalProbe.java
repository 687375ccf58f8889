package kdnn.reliability;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import kdnn.layers.Layer;
import kdnn.layers.Layers;
import kdnn.model.ModelFiles;
import kdnn.model.Sequential;

/**
 * Child-JVM main, run with a native library path that cannot load: every malformed config and
 * model file must be refused with an IllegalArgumentException (or IOException for a missing
 * file) before anything calls oneDNN; a native call would surface as NativeLibraryException.
 * Prints "name<TAB>ExceptionClass<TAB>message" per case.
 */
public final class RefusalProbe {
    private RefusalProbe() {
    }

    interface Case {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path model = kdnn.TestData.models().resolve("cnn_classifier");
        Path work = Files.createTempDirectory("kdnn-refusal");
        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("truncated weights", () -> load(variant(model, work, "t1", root -> { }, 0.5)));
        cases.put("wrong dtype", () -> load(variant(model, work, "t2", root -> firstWeight(root).put("dtype", "float16"), 1)));
        cases.put("int32 dtype", () -> load(variant(model, work, "t3", root -> firstWeight(root).put("dtype", "int32"), 1)));
        cases.put("dimensions overflow a long", () -> load(variant(model, work, "t4", root -> {
            ArrayNode s = firstWeight(root).putArray("shape");
            s.add(Integer.MAX_VALUE).add(Integer.MAX_VALUE).add(Integer.MAX_VALUE).add(8);
        }, 1)));
        cases.put("negative dimension", () -> load(variant(model, work, "t5", root -> {
            ArrayNode s = firstWeight(root).putArray("shape");
            s.add(3).add(-3).add(3).add(8);
        }, 1)));
        cases.put("extra weight bytes", () -> load(variant(model, work, "t6", root -> { }, 1.5)));
        cases.put("weights file missing", () -> load(variant(model, work, "t7", root -> ((ArrayNode) root.get("weightsManifest").get(0).get("paths")).set(0, "nope.bin"), 1)));
        cases.put("model.json truncated", () -> {
            Path d = work.resolve("t8");
            Files.createDirectories(d);
            String json = Files.readString(model.resolve("model.json"));
            Files.writeString(d.resolve("model.json"), json.substring(0, json.length() / 2));
            load(d);
        });
        cases.put("kernel_size overflow", () -> load(variant(model, work, "t9", root -> layerConfig(root).put("kernel_size", Integer.MAX_VALUE), 1)));
        cases.put("filters a string", () -> load(variant(model, work, "t10", root -> layerConfig(root).put("filters", "eight"), 1)));
        cases.put("batch_input_shape huge", () -> load(variant(model, work, "t11", root -> {
            ArrayNode s = layerConfig(root).putArray("batch_input_shape");
            s.addNull().add(1L << 40).add(1L << 40).add(3);
        }, 1)));
        cases.put("layer config not an object", () -> Layers.fromConfig(Fixtures.json("{\"class_name\": \"Conv2D\", \"config\": [1]}")).close());
        cases.put("layer config unknown initializer", () -> Layers.fromConfig(Fixtures.json(
                "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, \"kernel_size\": 3, \"kernel_initializer\": \"x\"}}")).close());
        cases.put("layer kernel too large", () -> {
            try (Layer l = Layers.fromConfig(Fixtures.json("{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 65536, \"kernel_size\": 300}}"))) {
                l.build(1, 300, 300, 3);
            }
        });
        cases.put("bare config, weights short", () -> ModelFiles.fromKerasJson(
                "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2,"
                        + " \"kernel_size\": 3, \"batch_input_shape\": [null, 5, 5, 1]}}]}}", java.util.List.of(new float[17])).close());
        for (Map.Entry<String, Case> c : cases.entrySet()) {
            try {
                c.getValue().run();
                System.out.println(c.getKey() + "\tACCEPTED\t");
            } catch (Throwable t) {
                System.out.println(c.getKey() + "\t" + t.getClass().getName() + "\t" + String.valueOf(t.getMessage()).replace('\n', ' '));
            }
        }
        try (Stream<Path> s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void load(Path dir) throws IOException {
        try (kdnn.model.Model m = ModelFiles.load(dir)) {
            m.name();
        }
    }

    private static ObjectNode firstWeight(ObjectNode root) {
        return (ObjectNode) root.get("weightsManifest").get(0).get("weights").get(0);
    }

    private static ObjectNode layerConfig(ObjectNode root) {
        return (ObjectNode) root.get("modelTopology").get("config").get("layers").get(0).get("config");
    }

    /** A copy of the model with its model.json edited and weights.bin cut or grown by {@code scale}. */
    private static Path variant(Path model, Path work, String name, Consumer<ObjectNode> edit, double scale) throws IOException {
        Path d = work.resolve(name);
        Files.createDirectories(d);
        ObjectNode root = (ObjectNode) Fixtures.JSON.readTree(model.resolve("model.json").toFile());
        edit.accept(root);
        Fixtures.JSON.writeValue(d.resolve("model.json").toFile(), root);
        byte[] w = Files.readAllBytes(model.resolve("weights.bin"));
        byte[] out = java.util.Arrays.copyOf(w, (int) (w.length * scale));
        Files.write(d.resolve("weights.bin"), out);
        return d;
    }
}
