package kdnn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kdnn.Tensor;
import kdnn.reference.RefArray;
import kdnn.reference.ReferenceActivation;
import kdnn.reference.ReferenceSurrounding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each layer around the convolutions against the pure-Java reference: random arguments (every
 * one each class has), odd shapes, both data formats where there is one, and inputs that hold
 * ties with thresholds, NaN, infinities and values near float32's end now and then.
 */
class SurroundingVsReferenceTest {
    // these tests expect NaN to propagate as in Keras' eager calls: the non-default mode
    private static ExtremeValues modeBefore;

    @org.junit.jupiter.api.BeforeAll
    static void kerasExtremes() {
        modeBefore = ExtremeValues.processMode();
        ExtremeValues.setMode(ExtremeValues.KERAS);
    }

    @org.junit.jupiter.api.AfterAll
    static void restoreExtremes() {
        ExtremeValues.setMode(modeBefore);
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int TRIES = 40;
    private static final String[] ACTIVATIONS = {"linear", "relu", "relu6", "elu", "selu", "softplus", "softsign",
        "tanh", "sigmoid", "hard_sigmoid", "exponential", "swish", "silu", "hard_silu", "hard_swish", "gelu", "mish", "leaky_relu", "softmax",
        "log_softmax", "celu", "hard_tanh", "sparse_sigmoid", "log_sigmoid", "tanh_shrink", "soft_shrink", "hard_shrink", "sparse_plus", "squareplus",
        "sparsemax"};

    /** One drawn case: a config, an input, the reference's output; weights set after build when any. */
    private record Case(ObjectNode layer, RefArray input, List<Weight> weights, RefArray expected) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "PReLU", "Softmax", "Rescaling", "Dropout",
        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise", "AlphaDropout",
        "ActivityRegularization", "Flatten", "Reshape", "Permute", "RepeatVector"})
    void matchesTheReference(String cls) {
        Random r = new Random(cls.hashCode());
        for (int t = 0; t < TRIES; t++) {
            Case c = draw(cls, r);
            long[] shape = Arrays.stream(c.input.shape()).asLongStream().toArray();
            try (Layer l = Layers.fromConfig(c.layer); Tensor x = Tensor.of(c.input.data(), shape)) {
                l.build(shape);
                if (!c.weights.isEmpty()) l.setWeights(c.weights);
                try (Tensor y = l.call(x)) {
                    assertEquals(Arrays.toString(c.expected.shape()), Arrays.toString(Arrays.stream(y.shape())
                            .mapToInt(Math::toIntExact).toArray()), c.layer.toString());
                    String diff = differences(c.expected.data(), y.toFloatArray());
                    if (!diff.isEmpty()) {
                        fail(c.layer + " on " + Arrays.toString(c.input.shape()) + " " + Arrays.toString(c.input.data())
                                + ": " + diff);
                    }
                }
            }
        }
    }

    static String differences(float[] want, float[] got) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < want.length && sb.length() < 400; i++) {
            boolean ok = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : Float.isInfinite(want[i]) ? want[i] == got[i]
                    : Float.isFinite(got[i]) && Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]);
            if (!ok) sb.append("[").append(i).append("] ").append(got[i]).append(" (reference ").append(want[i]).append(") ");
        }
        return sb.toString();
    }

    private static int[] shape(Random r, int rank) {
        int[] s = new int[rank];
        s[0] = 1 + r.nextInt(3);
        for (int a = 1; a < rank; a++) s[a] = 1 + r.nextInt(a == rank - 1 ? 9 : 5);
        return s;
    }

    /** Values on a grid of 0.25 (ties with thresholds), sometimes NaN, infinities or huge. */
    private static RefArray values(Random r, int[] shape, boolean extremes) {
        float[] v = new float[(int) Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b)];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3e38f, -3e38f, 2e30f, -2e30f};
        for (int i = 0; i < v.length; i++) {
            v[i] = extremes && r.nextInt(8) == 0 ? special[r.nextInt(special.length)]
                    : r.nextBoolean() ? (r.nextInt(33) - 16) / 4f : (float) (r.nextGaussian() * 3);
        }
        return new RefArray(shape, v);
    }

    private static ObjectNode layer(String cls, ObjectNode config) {
        ObjectNode o = F.objectNode();
        o.put("class_name", cls);
        o.set("config", config);
        return o;
    }

    private static Case draw(String cls, Random r) {
        ObjectNode c = F.objectNode();
        boolean extremes = r.nextInt(3) == 0;
        switch (cls) {
            case "Activation" -> {
                String a = ACTIVATIONS[r.nextInt(ACTIVATIONS.length)];
                c.put("activation", a);
                RefArray x = values(r, shape(r, (a.equals("softmax") ? 2 : 1) + r.nextInt(4)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceActivation.apply(a, x));
            }
            case "ReLU" -> {
                Double max = r.nextBoolean() ? null : r.nextInt(4) == 0 ? 6.0 : r.nextInt(13) / 4.0;
                double slope = r.nextBoolean() ? 0 : r.nextInt(5) / 8.0;
                double threshold = r.nextBoolean() ? 0 : r.nextInt(9) / 4.0;
                if (max == null) c.putNull("max_value"); else c.put("max_value", max);
                c.put("negative_slope", slope);
                c.put("threshold", threshold);
                RefArray x = values(r, shape(r, 1 + r.nextInt(4)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.relu(x, max, slope, threshold));
            }
            case "LeakyReLU" -> {
                double alpha = r.nextInt(4) == 0 ? 0 : (r.nextInt(21) - 5) / 10.0;
                c.put("alpha", alpha);
                RefArray x = values(r, shape(r, 1 + r.nextInt(4)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.relu(x, null, alpha, 0));
            }
            case "ELU" -> {
                double alpha = r.nextInt(4) == 0 ? 1 : r.nextInt(13) / 4.0;
                c.put("alpha", alpha);
                RefArray x = values(r, shape(r, 1 + r.nextInt(4)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.elu(x, alpha));
            }
            case "Rescaling" -> {
                double scale = r.nextInt(4) == 0 ? 1 / 255.0 : r.nextInt(4) == 0 ? 0 : (r.nextInt(41) - 20) / 8.0;
                double offset = r.nextBoolean() ? 0 : r.nextInt(3) == 0 ? -1 : r.nextGaussian();
                c.put("scale", scale);
                c.put("offset", offset);
                RefArray x = values(r, shape(r, 1 + r.nextInt(4)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.rescaling(x, scale, offset));
            }
            case "ThresholdedReLU" -> {
                double theta = r.nextInt(9) / 4.0;
                c.put("theta", theta);
                RefArray x = values(r, shape(r, 1 + r.nextInt(4)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.thresholdedRelu(x, theta));
            }
            case "PReLU" -> {
                int[] s = shape(r, 2 + r.nextInt(3));
                List<Integer> shared = new ArrayList<>();
                for (int a = 1; a < s.length; a++) if (r.nextInt(3) == 0) shared.add(a);
                if (shared.isEmpty() && r.nextBoolean()) {
                    c.putNull("shared_axes");
                } else if (shared.size() == 1 && r.nextBoolean()) {
                    c.put("shared_axes", shared.get(0));
                } else {
                    ArrayNode a = c.putArray("shared_axes");
                    shared.forEach(a::add);
                }
                int[] alphaShape = Arrays.copyOfRange(s, 1, s.length);
                for (int a : shared) alphaShape[a - 1] = 1;
                RefArray alpha = values(r, alphaShape, r.nextInt(4) == 0);
                RefArray x = values(r, s, extremes);
                return new Case(layer(cls, c), x, List.of(new Weight("alpha", alphaShape, alpha.data())),
                        ReferenceSurrounding.prelu(x, alpha));
            }
            case "Softmax" -> {
                int[] s = shape(r, 1 + r.nextInt(4));
                int rank = s.length;
                boolean list = r.nextBoolean();
                List<Integer> axes = new ArrayList<>();
                for (int a = 0; a < rank; a++) if (r.nextInt(2) == 0) axes.add(a);
                if (axes.isEmpty() || !list) axes = new ArrayList<>(List.of(r.nextInt(rank)));
                java.util.Collections.shuffle(axes, r);
                int[] resolved = axes.stream().mapToInt(Integer::intValue).sorted().toArray();
                if (list) {
                    ArrayNode a = c.putArray("axis");
                    for (int ax : axes) a.add(r.nextBoolean() ? ax : ax - rank);
                } else {
                    c.put("axis", r.nextBoolean() ? axes.get(0) : axes.get(0) - rank);
                }
                RefArray x = values(r, s, extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.softmax(x, resolved,
                        list && resolved.length > 1));
            }
            case "Dropout", "AlphaDropout", "GaussianDropout", "SpatialDropout1D", "SpatialDropout2D",
                 "SpatialDropout3D", "GaussianNoise", "ActivityRegularization" -> {
                int rank = switch (cls) {
                    case "SpatialDropout1D" -> 3;
                    case "SpatialDropout2D" -> 4;
                    case "SpatialDropout3D" -> 5;
                    default -> 1 + r.nextInt(5);
                };
                if (cls.equals("GaussianNoise")) c.put("stddev", r.nextInt(5) / 4.0);
                else if (cls.equals("ActivityRegularization")) {
                    c.put("l1", r.nextInt(3) / 10.0);
                    c.put("l2", r.nextInt(3) / 10.0);
                } else c.put("rate", r.nextInt(5) / 5.0);
                if (cls.equals("Dropout") || cls.startsWith("Spatial") || cls.equals("AlphaDropout")) {
                    if (cls.equals("Dropout") && r.nextBoolean()) {
                        ArrayNode n = c.putArray("noise_shape");
                        for (int a = 0; a < rank; a++) if (r.nextBoolean()) n.addNull(); else n.add(1);
                    } else {
                        c.putNull("noise_shape");
                    }
                }
                if (!cls.equals("ActivityRegularization")) {
                    if (r.nextBoolean()) c.putNull("seed"); else c.put("seed", r.nextInt(100));
                }
                if ((cls.equals("SpatialDropout2D") || cls.equals("SpatialDropout3D")) && r.nextBoolean()) {
                    c.put("data_format", r.nextBoolean() ? "channels_first" : "channels_last");
                }
                RefArray x = values(r, shape(r, rank), extremes);
                return new Case(layer(cls, c), x, List.of(), x);
            }
            case "Flatten" -> {
                boolean cf = r.nextBoolean();
                if (r.nextInt(4) != 0) c.put("data_format", cf ? "channels_first" : "channels_last"); else cf = false;
                RefArray x = values(r, shape(r, 1 + r.nextInt(5)), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.flatten(x, cf));
            }
            case "Reshape" -> {
                int[] s = shape(r, 2 + r.nextInt(4));
                int features = (int) (Arrays.stream(s).asLongStream().reduce(1, (a, b) -> a * b) / s[0]);
                List<Integer> target = new ArrayList<>();
                int rest = features;
                while (rest > 1 && target.size() < 4) {
                    int f = 2;
                    while (rest % f != 0) f++;
                    int d = r.nextBoolean() ? f : rest;
                    target.add(d);
                    rest /= d;
                }
                if (rest > 1 || target.isEmpty()) target.add(rest);
                java.util.Collections.shuffle(target, r);
                if (r.nextBoolean()) target.set(r.nextInt(target.size()), -1);
                ArrayNode a = c.putArray("target_shape");
                target.forEach(a::add);
                RefArray x = values(r, s, extremes);
                return new Case(layer(cls, c), x, List.of(),
                        ReferenceSurrounding.reshape(x, target.stream().mapToInt(Integer::intValue).toArray()));
            }
            case "Permute" -> {
                int[] s = shape(r, 2 + r.nextInt(4));
                List<Integer> dims = new ArrayList<>();
                for (int a = 1; a < s.length; a++) dims.add(a);
                java.util.Collections.shuffle(dims, r);
                ArrayNode a = c.putArray("dims");
                dims.forEach(a::add);
                RefArray x = values(r, s, extremes);
                return new Case(layer(cls, c), x, List.of(),
                        ReferenceSurrounding.permute(x, dims.stream().mapToInt(Integer::intValue).toArray()));
            }
            case "RepeatVector" -> {
                int n = 1 + r.nextInt(6);
                c.put("n", n);
                RefArray x = values(r, shape(r, 2), extremes);
                return new Case(layer(cls, c), x, List.of(), ReferenceSurrounding.repeatVector(x, n));
            }
            default -> throw new IllegalArgumentException(cls);
        }
    }
}
