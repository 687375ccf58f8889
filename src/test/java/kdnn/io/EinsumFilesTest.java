package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;
import kdnn.reference.ReferenceOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras 3's {@code ops.einsum} of two tensors read from a functional config (its subscripts in the operation's
 * config, the tensors as its arguments): a Gram matrix of each sample's rows, against NumPy's rule written out;
 * written back to {@code .keras} and read again the same; refused by {@code .h5} and, for subscripts that would
 * sum over the batch, at load.
 */
class EinsumFilesTest {
    private static String model(String subscripts) {
        return Keras3Ops.model("[null, 3, 4]", "gram", List.of(new Keras3Ops.Op("gram", "numpy", "Einsum",
                "{'name': 'gram', 'subscripts': '" + subscripts + "'}", Keras3Ops.tensor("x") + ", " + Keras3Ops.tensor("x"))));
    }

    @Test
    void aGramMatrixThroughKeras3Files(@TempDir Path dir) throws Exception {
        float[] x = new float[2 * 3 * 4];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i + 1);
        long[] shape = {2, 3, 4};
        double[] want = ReferenceOperations.einsum("bij", x, shape, "bkj", x, shape, "bik", new long[] {2, 3, 3});
        try (Model m = Models.load(Files.writeString(dir.resolve("m.json"), model("bij,bkj->bik")));
             Tensor in = Tensor.of(x, shape); Tensor y = m.predict(in)) {
            assertEquals("Einsum", m.layer("gram").className());
            assertArrayEquals(new long[] {2, 3, 3}, y.shape());
            float[] got = y.toFloatArray();
            for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 1e-6, "at " + i);
            RoundTrips.predictSame(m, dir, List.of(in), List.of("m.keras"));
            var e = assertThrows(IllegalArgumentException.class, () -> Models.save(m, dir.resolve("m.h5")));
            assertTrue(e.getMessage().contains("ops.einsum"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("m.h5")));
        }
    }

    @Test
    void subscriptsThatSumOverTheBatchAreRefusedAtLoad(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("bad.json"), model("bij,bkj"));
        var e = assertThrows(IllegalArgumentException.class, () -> Models.load(p).close());
        assertTrue(e.getMessage().contains("batch axis"), e.getMessage());
    }
}
