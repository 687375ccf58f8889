package kdnn.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads golden case files ({@code *.json}) into {@link GoldenCase}s. */
public final class GoldenCases {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GoldenCases() {
    }

    /** Every {@code *.json} case in {@code dir}, sorted by file name. */
    public static List<GoldenCase> load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("golden case folder " + dir + " does not exist");
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> paths = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
            List<GoldenCase> cases = new ArrayList<>();
            for (Path p : paths) {
                cases.add(read(p));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    public static GoldenCase read(Path file) {
        try {
            return parse(MAPPER.readTree(file.toFile()), file.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden case " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad golden case " + file + ": " + e.getMessage(), e);
        }
    }

    /** Builds a case from its parsed JSON; {@code source} names it in errors when the case has no name. */
    public static GoldenCase parse(JsonNode root, String source) {
        String name = root.path("name").asText(source);
        boolean expectError = root.path("expect_error").asBoolean(false);
        JsonNode layer = root.get("layer");
        if (layer == null || !layer.isObject()) {
            throw new IllegalArgumentException("case '" + name + "' has no layer object");
        }
        RefArray input = array(root.get("input"), "input", true);
        List<GoldenCase.Weight> weights = new ArrayList<>();
        for (JsonNode w : root.path("weights")) {
            weights.add(new GoldenCase.Weight(w.path("name").asText(""), array(w, "weight", false)));
        }
        RefArray output = null;
        double atol = 0;
        double rtol = 0;
        if (!expectError) {
            output = array(root.get("output"), "output", false);
            atol = number(root, "atol");
            rtol = number(root, "rtol");
        }
        return new GoldenCase(name, layer, input, weights, output, atol, rtol, expectError,
                textOrNull(root, "why"), textOrNull(root, "note"));
    }

    /** {@code {"shape": [...], "data": [...]}}; without data it is zeros when {@code dataOptional}. */
    private static RefArray array(JsonNode node, String what, boolean dataOptional) {
        if (node == null || !node.path("shape").isArray()) {
            throw new IllegalArgumentException(what + " needs a shape");
        }
        int[] shape = new int[node.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get("shape").get(i).intValue();
        }
        JsonNode data = node.get("data");
        if (data == null || data.isNull()) {
            if (!dataOptional) {
                throw new IllegalArgumentException(what + " needs data");
            }
            return RefArray.zeros(shape);
        }
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) data.get(i).doubleValue(); // the files hold float32 values printed in decimal
        }
        return new RefArray(shape, values);
    }

    private static double number(JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("case needs a numeric '" + key + "'");
        }
        return v.doubleValue();
    }

    private static String textOrNull(JsonNode root, String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
