package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.Dense;
import kdnn.layers.Dot;
import kdnn.model.Functional;
import kdnn.model.KerasTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model ending in the cosine proximity of two embeddings (Dot with normalize) computes as its
 * layers one by one, and every format writes and reads it back.
 */
class DotFilesTest {
    @Test
    void aCosineHeadInAModelAndInEveryFormat(@TempDir Path dir) throws Exception {
        KerasTensor x = KerasTensor.input("x", -1, 6);
        Dense left = Dense.builder(4).name("left").build();
        Dense right = Dense.builder(4).name("right").build();
        Dot cosine = Dot.of("cosine", true, 1);
        KerasTensor out = cosine.apply(left.apply(x), right.apply(x));
        try (Functional m = Functional.of("siamese", List.of(x), List.of(out))) {
            float[] v = new float[3 * 6];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i + 0.5);
            try (Tensor in = Tensor.of(v, 3, 6); Tensor y = m.predict(in); Tensor a = left.call(in); Tensor b = right.call(in);
                 Tensor want = cosine.call(List.of(a, b))) {
                assertArrayEquals(new long[] {3, 1}, y.shape());
                assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 0f);
                Fixtures.everyFormat(m, dir, in, (file, back, got) -> assertEquals(kdnn.layers.Layers.toConfig(cosine)
                        .get("config").get("normalize"), kdnn.layers.Layers.toConfig(back.layer("cosine")).get("config")
                        .get("normalize"), file));
            }
        }
    }
}
