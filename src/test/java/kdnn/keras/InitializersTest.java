package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InitializersTest {
    private static final double TRUNC = 0.87962566103423978;

    private static JsonNode json(String s) {
        return KerasJson.parse(s.replace('\'', '"'));
    }

    /** Statistical checks use fixed seeds so they cannot fail by chance. */
    private static Initializer seeded(String className, long seed) {
        return Initializers.get(json("{'class_name':'" + className + "','config':{'seed':" + seed + "}}"));
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v), s = 0;
        for (float x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / v.length);
    }

    private static double maxAbs(float[] v, double center) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x - center));
        return m;
    }

    /** Checks sample mean and std against the Keras formula, with a 3% relative std tolerance. */
    private static void assertMoments(float[] v, double expMean, double expStd) {
        assertEquals(expMean, mean(v), 4 * expStd / Math.sqrt(v.length) + 1e-9, "mean");
        assertEquals(expStd, std(v), 0.03 * expStd, "std");
    }

    @Test
    void fansFollowKerasComputeFans() {
        assertEquals(new WeightShape.Fans(7, 7), WeightShape.fans(new int[] {7}));
        assertEquals(new WeightShape.Fans(3, 5), WeightShape.fans(new int[] {3, 5}));
        assertEquals(new WeightShape.Fans(3 * 3 * 64, 3 * 3 * 128), WeightShape.fans(new int[] {3, 3, 64, 128}));
        assertEquals(new WeightShape.Fans(5 * 16, 5 * 32), WeightShape.fans(new int[] {5, 16, 32}));
    }

    @Test
    void glorotUniformBoundedByLimitWithUniformStd() {
        int[] shape = {3, 3, 64, 128};
        float[] w = seeded("glorot_uniform", 1).initialize(shape);
        assertEquals(3 * 3 * 64 * 128, w.length);
        double limit = Math.sqrt(6.0 / (576 + 1152));
        for (float x : w) assertTrue(Math.abs(x) <= limit, "value " + x + " beyond limit " + limit);
        assertTrue(maxAbs(w, 0) > 0.99 * limit, "values should reach close to the limit");
        assertMoments(w, 0, limit / Math.sqrt(3));
    }

    @Test
    void heNormalStdAndTruncation() {
        int[] shape = {3, 3, 32, 64};
        float[] w = Initializers.get(json("{'class_name':'HeNormal','config':{'seed':7}}")).initialize(shape);
        double target = Math.sqrt(2.0 / 288);
        assertMoments(w, 0, target);
        assertTrue(maxAbs(w, 0) <= 2 * target / TRUNC + 1e-7, "truncated at 2 pre-truncation stddevs");
    }

    @Test
    void varianceScalingPresetsMatchKerasFormulas() {
        int[] shape = {3, 3, 16, 32};
        double in = 144, out = 288;
        Map<String, double[]> uniformLimits = Map.of(
                "he_uniform", new double[] {Math.sqrt(6 / in)},
                "lecun_uniform", new double[] {Math.sqrt(3 / in)});
        for (var e : uniformLimits.entrySet()) {
            float[] w = seeded(e.getKey(), 2).initialize(shape);
            double limit = e.getValue()[0];
            for (float x : w) assertTrue(Math.abs(x) <= limit, e.getKey());
            assertMoments(w, 0, limit / Math.sqrt(3));
        }
        assertMoments(seeded("glorot_normal", 3).initialize(shape), 0, Math.sqrt(2 / (in + out)));
        assertMoments(seeded("lecun_normal", 4).initialize(shape), 0, Math.sqrt(1 / in));
    }

    @Test
    void varianceScalingModesAndDistributions() {
        int[] shape = {3, 3, 16, 32};
        float[] w = Initializers.get(json(
                "{'class_name':'VarianceScaling','config':{'scale':3.0,'mode':'fan_out','distribution':'uniform','seed':1}}"))
                .initialize(shape);
        double limit = Math.sqrt(3 * 3.0 / 288);
        for (float x : w) assertTrue(Math.abs(x) <= limit);
        assertMoments(w, 0, limit / Math.sqrt(3));

        float[] u = Initializers.get(json(
                "{'class_name':'VarianceScaling','config':{'scale':2.0,'mode':'fan_avg','distribution':'untruncated_normal','seed':5}}"))
                .initialize(shape);
        double std = Math.sqrt(2.0 / 216);
        assertMoments(u, 0, std);
        assertTrue(maxAbs(u, 0) > 2.5 * std, "an untruncated normal of this size goes past 2.5 stddev");

        // defaults: scale 1, fan_in, truncated_normal
        VarianceScaling d = (VarianceScaling) Initializers.get("variance_scaling");
        assertEquals(1.0, d.scale());
        assertEquals("fan_in", d.mode());
        assertEquals("truncated_normal", d.distribution());
        assertMoments(seeded("VarianceScaling", 6).initialize(shape), 0, Math.sqrt(1 / 144.0));
    }

    @Test
    void legacyNormalDistributionMeansTruncatedNormal() {
        Initializer i = Initializers.get(json("{'class_name':'VarianceScaling','config':{'distribution':'Normal'}}"));
        assertEquals("truncated_normal", i.toConfig().get("config").get("distribution").asText());
    }

    @Test
    void randomNormalUniformTruncatedDefaults() {
        int[] shape = {200, 300};
        assertEquals(new RandomNormal(0.0, 0.05, null), Initializers.get("random_normal"));
        assertEquals(new RandomUniform(-0.05, 0.05, null), Initializers.get("RandomUniform"));
        assertEquals(new TruncatedNormal(0.0, 0.05, null), Initializers.get("truncated_normal"));
        assertMoments(seeded("random_normal", 7).initialize(shape), 0, 0.05);
        float[] u = seeded("random_uniform", 8).initialize(shape);
        for (float x : u) assertTrue(x >= -0.05f && x < 0.05f);
        assertMoments(u, 0, 0.1 / Math.sqrt(12));

        float[] t = new TruncatedNormal(1.0, 0.5, 3L).initialize(shape);
        for (float x : t) assertTrue(x > 0.0f && x < 2.0f, "within 2 stddev of the mean: " + x);
        assertMoments(t, 1.0, 0.5 * TRUNC);

        float[] r = Initializers.get(json("{'class_name':'RandomNormal','config':{'mean':-2,'stddev':3,'seed':5}}"))
                .initialize(shape);
        assertMoments(r, -2, 3);
    }

    @Test
    void constantsZerosOnes() {
        int[] shape = {2, 3};
        assertArrayEquals(new float[6], Initializers.get("zeros").initialize(shape));
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, Initializers.get("Ones").initialize(shape));
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, Initializers.get("constant").initialize(shape));
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f},
                Initializers.get(json("{'class_name':'Constant','config':{'value':2.5}}")).initialize(shape));
    }

    private static void assertGramIsScaledIdentity(float[] w, int rows, int cols, boolean columns, double gain) {
        int n = columns ? cols : rows, len = columns ? rows : cols;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double s = 0;
                for (int k = 0; k < len; k++) {
                    double x = columns ? w[k * cols + a] : w[a * cols + k];
                    double y = columns ? w[k * cols + b] : w[b * cols + k];
                    s += x * y;
                }
                assertEquals(a == b ? gain * gain : 0.0, s, 1e-5, "gram[" + a + "][" + b + "]");
            }
        }
    }

    @Test
    void orthogonalColumnsForTallAndRowsForWide() {
        float[] tall = new Orthogonal(1.0, 11L).initialize(new int[] {3, 3, 4, 8}); // 36 x 8
        assertGramIsScaledIdentity(tall, 36, 8, true, 1.0);
        float[] wide = Initializers.get(json("{'class_name':'Orthogonal','config':{'gain':2.0,'seed':3}}"))
                .initialize(new int[] {4, 10});
        assertGramIsScaledIdentity(wide, 4, 10, false, 2.0);
        float[] square = Initializers.get("orthogonal").initialize(new int[] {6, 6});
        assertGramIsScaledIdentity(square, 6, 6, true, 1.0);
        assertGramIsScaledIdentity(square, 6, 6, false, 1.0);
    }

    @Test
    void orthogonalRefusesRankOne() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Orthogonal().initialize(new int[] {5}));
        assertEquals("The tensor to initialize must be at least two-dimensional. Received: shape=(5,) of rank 1.",
                e.getMessage());
    }

    @Test
    void identityTwoDimensionalOnly() {
        float[] w = Initializers.get(json("{'class_name':'Identity','config':{'gain':2.0}}")).initialize(new int[] {3, 4});
        assertArrayEquals(new float[] {2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0}, w);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get("identity").initialize(new int[] {3, 3, 3}));
        assertEquals("Identity matrix initializer can only be used for 2D matrices. Received: shape=(3, 3, 3) of rank 3.",
                e.getMessage());
    }

    @Test
    void seedsAreDeterministicAndUnseededIsRandom() {
        int[] shape = {3, 3, 8, 16};
        for (String name : List.of("GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
                "LecunUniform", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling", "Orthogonal")) {
            JsonNode seeded = json("{'class_name':'" + name + "','config':{'seed':42}}");
            JsonNode other = json("{'class_name':'" + name + "','config':{'seed':43}}");
            Initializer a = Initializers.get(seeded);
            assertArrayEquals(a.initialize(shape), a.initialize(shape), name + " repeat call");
            assertArrayEquals(a.initialize(shape), Initializers.get(seeded).initialize(shape), name + " same seed");
            assertFalse(java.util.Arrays.equals(a.initialize(shape), Initializers.get(other).initialize(shape)),
                    name + " different seeds");
            Initializer u = Initializers.get(name);
            assertFalse(java.util.Arrays.equals(u.initialize(shape), u.initialize(shape)), name + " unseeded");
        }
    }

    @Test
    void everyClassRoundTripsThroughItsConfig() {
        List<Initializer> all = List.of(new Zeros(), new Ones(), new Constant(0.25), new RandomNormal(0.1, 0.2, 3L),
                new RandomUniform(-1, 2, null), new TruncatedNormal(0.5, 0.01, 9L),
                new VarianceScaling(2.0, "fan_out", "uniform", 4L), new VarianceScaling(),
                new Orthogonal(1.5, 12L), new Identity(3.0),
                VarianceScaling.glorotUniform(null), VarianceScaling.glorotNormal(1L), VarianceScaling.heNormal(2L),
                VarianceScaling.heUniform(null), VarianceScaling.lecunNormal(5L), VarianceScaling.lecunUniform(null));
        for (Initializer i : all) {
            Initializer back = Initializers.get(i.toConfig());
            assertEquals(i.toConfig(), back.toConfig(), i.toString());
            assertEquals(i, back, i.toString());
            // and through text, as it would come from a model file
            assertEquals(i.toConfig(), Initializers.get(KerasJson.parse(i.toConfig().toString())).toConfig());
        }
    }

    @Test
    void serializedFormsAreKeras() {
        assertEquals(json("{'class_name':'GlorotUniform','config':{'seed':null}}"), Initializers.get("glorot_uniform").toConfig());
        assertEquals(json("{'class_name':'VarianceScaling','config':{'scale':1.0,'mode':'fan_in','distribution':'truncated_normal','seed':null}}"),
                Initializers.get("variance_scaling").toConfig());
        assertEquals(json("{'class_name':'RandomNormal','config':{'mean':0.0,'stddev':0.05,'seed':null}}"),
                Initializers.get("random_normal").toConfig());
        assertEquals(json("{'class_name':'Zeros','config':{}}"), Initializers.get("zeros").toConfig());
        assertEquals(json("{'class_name':'Orthogonal','config':{'gain':1.0,'seed':null}}"), Initializers.get("orthogonal").toConfig());
    }

    @Test
    void aliasesMapToKerasClasses() {
        Map<String, String> aliases = Map.ofEntries(
                Map.entry("glorot_uniform", "GlorotUniform"), Map.entry("glorot_normal", "GlorotNormal"),
                Map.entry("he_normal", "HeNormal"), Map.entry("he_uniform", "HeUniform"),
                Map.entry("lecun_normal", "LecunNormal"), Map.entry("lecun_uniform", "LecunUniform"),
                Map.entry("LeCunNormal", "LecunNormal"), Map.entry("LeCunUniform", "LecunUniform"),
                Map.entry("zeros", "Zeros"), Map.entry("ones", "Ones"), Map.entry("constant", "Constant"),
                Map.entry("random_normal", "RandomNormal"), Map.entry("random_uniform", "RandomUniform"),
                Map.entry("truncated_normal", "TruncatedNormal"), Map.entry("orthogonal", "Orthogonal"),
                Map.entry("identity", "Identity"), Map.entry("variance_scaling", "VarianceScaling"));
        for (var e : aliases.entrySet()) {
            assertEquals(e.getValue(), Initializers.get(e.getKey()).toConfig().get("class_name").asText(), e.getKey());
            assertEquals(e.getValue(), Initializers.get(e.getValue()).toConfig().get("class_name").asText());
        }
        // Keras 2.13+ adds module/registered_name; old configs carry dtype
        assertEquals(VarianceScaling.heNormal(3L), Initializers.get(json(
                "{'module':'keras.initializers','class_name':'HeNormal','config':{'seed':3,'dtype':'float32'},'registered_name':null}")));
        assertNull(Initializers.get((JsonNode) null));
        assertNull(Initializers.get(json("null")));
    }

    @Test
    void refusalsNameArgumentAndValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Initializers.get("glorot_unifrom"));
        assertTrue(e.getMessage().startsWith("Unknown initializer: 'glorot_unifrom'. Expected one of ["), e.getMessage());
        assertTrue(e.getMessage().contains("glorot_uniform"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get(json("{'class_name':'HeNormal','config':{'sed':1}}")));
        assertTrue(e.getMessage().contains("'sed'") && e.getMessage().contains("HeNormal")
                && e.getMessage().contains("seed"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get(json("{'class_name':'VarianceScaling','config':{'scale':-1.0}}")));
        assertEquals("`scale` must be positive float. Received: scale=-1.0.", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get(json("{'class_name':'VarianceScaling','config':{'mode':'fan_mid'}}")));
        assertTrue(e.getMessage().startsWith("Invalid `mode` argument: fan_mid."), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get(json("{'class_name':'VarianceScaling','config':{'distribution':'gamma'}}")));
        assertTrue(e.getMessage().startsWith("Invalid `distribution` argument: gamma."), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get(json("{'class_name':'RandomNormal','config':{'stddev':'big'}}")));
        assertTrue(e.getMessage().contains("'stddev'") && e.getMessage().contains("\"big\""), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get(json("{'class_name':'RandomNormal','config':{'seed':1.5}}")));
        assertTrue(e.getMessage().contains("'seed'") && e.getMessage().contains("1.5"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Initializers.get(json("{'config':{}}")));
        assertTrue(e.getMessage().contains("class_name"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Initializers.get(json("42")));
        assertTrue(e.getMessage().contains("42"), e.getMessage());
    }
}
