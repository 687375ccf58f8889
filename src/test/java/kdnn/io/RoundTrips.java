package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import kdnn.Tensor;
import kdnn.model.Model;

/** A model saved in each of some formats and read back predicts the same bits, every output. */
final class RoundTrips {
    private RoundTrips() {
    }

    static void predictSame(Model m, Path dir, List<Tensor> inputs, List<String> files) throws Exception {
        List<Tensor> want = m.predict(inputs);
        try {
            for (String f : files) {
                Models.save(m, dir.resolve(f));
                try (Model back = Models.load(dir.resolve(f))) {
                    List<Tensor> got = back.predict(inputs);
                    try {
                        assertEquals(want.size(), got.size(), f);
                        for (int k = 0; k < want.size(); k++) {
                            assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), 0f, f);
                        }
                    } finally {
                        got.forEach(Tensor::close);
                    }
                }
            }
        } finally {
            want.forEach(Tensor::close);
        }
    }
}
