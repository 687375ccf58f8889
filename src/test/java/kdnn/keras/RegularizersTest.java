package kdnn.keras;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RegularizersTest {
    private static final float[] W = {1, -2, 3, -4}; // sum|w| = 10, sum w^2 = 30

    private static JsonNode json(String s) {
        return KerasJson.parse(s.replace('\'', '"'));
    }

    @Test
    void penaltiesAreL1SumAbsPlusL2SumSquares() {
        assertEquals(0.5 * 10 + 0.25 * 30, new L1L2(0.5, 0.25).penalty(W), 1e-12);
        assertEquals(0.5 * 10, new L1(0.5).penalty(W), 1e-12);
        assertEquals(0.25 * 30, new L2(0.25).penalty(W), 1e-12);
        assertEquals(0.0, new L1L2(0.0, 0.0).penalty(W));
        assertEquals(0.0, new L2(1.0).penalty(new float[0]));
    }

    @Test
    void stringShortcutsUseKerasDefaults() {
        assertEquals((double) 0.01f * 10, Regularizers.get("l1").penalty(W), 1e-9);
        assertEquals((double) 0.01f * 30, Regularizers.get("l2").penalty(W), 1e-9);
        assertEquals((double) 0.01f * 10 + (double) 0.01f * 30, Regularizers.get("l1_l2").penalty(W), 1e-9);
        assertEquals(new L1(0.01), Regularizers.get("L1"));
        assertEquals(new L2(0.01), Regularizers.get("L2"));
        // the L1L2 class itself defaults to zeros, unlike the "l1_l2" shortcut
        assertEquals(new L1L2(0.0, 0.0), Regularizers.get("L1L2"));
        assertEquals(new L1L2(0.01, 0.01), Regularizers.get("l1_l2"));
    }

    @Test
    void configsParseWithDefaultsAndLegacyNames() {
        assertEquals(new L1L2(0.0, 0.01), Regularizers.get(json("{'class_name':'L1L2','config':{'l2':0.01}}")));
        assertEquals(new L1L2(0.0, 0.0), Regularizers.get(json("{'class_name':'L1L2','config':{'l1':null,'l2':null}}")));
        assertEquals(new L1(0.3), Regularizers.get(json("{'class_name':'L1','config':{'l1':0.3}}")));
        assertEquals(new L2(0.2), Regularizers.get(json("{'class_name':'L2','config':{'l':0.2}}")));
        assertEquals(new L2(0.01), Regularizers.get(json("{'class_name':'L2','config':{}}")));
        assertNull(Regularizers.get((JsonNode) null));
        assertNull(Regularizers.get(json("null")));
    }

    @Test
    void serializedFormsAreKeras2() {
        // Keras stores factors as float32 and writes float(float32(0.01))
        assertEquals(json("{'class_name':'L1L2','config':{'l1':0.0,'l2':0.009999999776482582}}"),
                new L1L2(0.0, 0.01).toConfig());
        assertEquals(json("{'class_name':'L2','config':{'l2':0.009999999776482582}}"), Regularizers.get("l2").toConfig());
        assertEquals(json("{'class_name':'L1','config':{'l1':0.5}}"), new L1(0.5).toConfig());
    }

    @Test
    void everyClassRoundTrips() {
        for (Regularizer r : List.of(new L1L2(0.1, 0.2), new L1L2(0.0, 0.0), new L1(0.01), new L2(0.3),
                Regularizers.get("l1_l2"))) {
            assertEquals(r.toConfig(), Regularizers.get(r.toConfig()).toConfig(), r.toString());
            assertEquals(r, Regularizers.get(KerasJson.parse(r.toConfig().toString())), r.toString());
        }
    }

    @Test
    void refusalsNameArgumentAndValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Regularizers.get("l3"));
        assertTrue(e.getMessage().startsWith("Unknown regularizer: 'l3'. Expected one of [")
                && e.getMessage().contains("l1_l2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Regularizers.get(json("{'class_name':'L1','config':{'l2':0.1}}")));
        assertTrue(e.getMessage().contains("'l2'") && e.getMessage().contains("'L1'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Regularizers.get(json("{'class_name':'L1L2','config':{'l1':'x'}}")));
        assertTrue(e.getMessage().contains("'l1'") && e.getMessage().contains("\"x\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new L1(Double.NaN));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("'l1'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new L1L2(0.0, Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().contains("Infinity") && e.getMessage().contains("'l2'"), e.getMessage());
    }
}
