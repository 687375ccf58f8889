package kdnn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import kdnn.layers.Weight;

/**
 * One golden layer case (form in ../shared/golden/README.md): a Keras layer config, an input,
 * weights in get_weights() order, and Keras' output or the expectation of a refusal.
 */
public record GoldenCase(String name, JsonNode layer, List<long[]> inputShapes, List<float[]> inputs,
                         List<Weight> weights, long[] outputShape, float[] output, double atol, double rtol,
                         boolean expectError, String why) {
    /** The (first) input's shape. */
    public long[] inputShape() {
        return inputShapes.get(0);
    }

    /** The (first) input's values. */
    public float[] input() {
        return inputs.get(0);
    }

    /** True for a layer called on a list of tensors (a merge layer's case). */
    public boolean multiInput() {
        return inputShapes.size() > 1;
    }

    // Python's json module writes NaN and Infinity bare
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /**
     * The case's layer, built for its input shape and given its weights (Keras' refusals are
     * thrown here); closed again if any of that fails.
     */
    public kdnn.layers.Layer newLayer() {
        kdnn.layers.Layer layer = kdnn.layers.Layers.fromConfig(kdnn.layers.Layers.withInferredArguments(layer(),
                name -> weights.stream().filter(w -> w.name().equals(name)).map(Weight::shape).findFirst().orElse(null)));
        try {
            if (!multiInput()) layer.build(inputShape());
            if (!weights.isEmpty() || !layer.getWeights().isEmpty()) {
                layer.setWeights(weights);
            }
            return layer;
        } catch (RuntimeException e) {
            layer.close();
            throw e;
        }
    }

    /** Keras' tolerance test of the case: {@code |got - want| <= atol + rtol * |want|} (NaN matches NaN). */
    public boolean within(double got, double want) {
        return within(got, want, atol, rtol);
    }

    /** The same test for any tolerance (model examples use it too). */
    public static boolean within(double got, double want, double atol, double rtol) {
        return got == want // equal infinities, whose difference is NaN
                || Math.abs(got - want) <= atol + rtol * Math.abs(want) || (Double.isNaN(got) && Double.isNaN(want));
    }

    /** Every {@code *.json} case in a folder, sorted by file name. */
    public static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no golden case folder at " + dir);
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    /** A JSON file as the golden and model examples write it (bare NaN and Infinity allowed). */
    static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    public static GoldenCase read(Path file) throws IOException {
        JsonNode c = JSON.readTree(file.toFile());
        String name = c.path("name").asText(file.getFileName().toString().replaceFirst("\\.json$", ""));
        List<JsonNode> ins = new ArrayList<>();
        if (c.has("inputs")) c.get("inputs").forEach(ins::add);
        else ins.add(c.path("input"));
        List<long[]> inShapes = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (JsonNode in : ins) {
            long[] inShape = longs(in.path("shape"));
            float[] input = in.has("data") && !in.get("data").isNull() ? floats(in.get("data"))
                    : new float[Math.toIntExact(product(inShape))];
            if (input.length != product(inShape)) {
                throw new IllegalArgumentException("case " + name + ": input has " + input.length + " values for shape "
                        + java.util.Arrays.toString(inShape));
            }
            inShapes.add(inShape);
            inputs.add(input);
        }
        List<Weight> weights = new ArrayList<>();
        for (JsonNode w : c.path("weights")) {
            weights.add(new Weight(w.path("name").asText(), ints(w.path("shape")), floats(w.path("data"))));
        }
        JsonNode out = c.get("output");
        boolean err = c.path("expect_error").asBoolean(false);
        return new GoldenCase(name, c.get("layer"), inShapes, inputs, weights,
                out == null || out.isNull() ? null : longs(out.path("shape")),
                out == null || out.isNull() ? null : floats(out.path("data")),
                c.path("atol").asDouble(1e-5), c.path("rtol").asDouble(1e-5), err, c.path("why").asText(null));
    }

    static long product(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    static long[] longs(JsonNode a) {
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asLong();
        return r;
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    /**
     * Numbers, including the non-finite ones as writers spell them: Python's bare {@code NaN} and
     * {@code Infinity}, strings such as {@code "nan"} or {@code "-inf"}, and null (JavaScript's
     * {@code JSON.stringify} writes NaN and the infinities as null; NaN is the one it can mean).
     */
    static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) {
            JsonNode v = a.get(i);
            r[i] = v.isNumber() ? v.floatValue() : v.isNull() ? Float.NaN : special(v.asText());
        }
        return r;
    }

    private static float special(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "nan", "-nan" -> Float.NaN;
            case "inf", "+inf", "infinity", "+infinity" -> Float.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Float.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Float.parseFloat(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected a number, got \"" + s + "\"");
                }
            }
        };
    }
}
