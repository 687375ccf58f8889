package kdnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kdnn.Tensor;
import kdnn.layers.BatchNormalization;
import kdnn.layers.Conv2D;
import kdnn.layers.Layer;
import kdnn.layers.Weight;
import kdnn.model.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with batch renormalization written in every format and read back: the renormalization
 * statistics keep their place among the non-trainable weights (after the moving ones, as Keras
 * orders them), so every weight comes back where it was and the outputs are the same.
 */
class BatchRenormFilesTest {
    @Test
    void everyFormatKeepsTheRenormalizationStatisticsInPlace(@TempDir Path dir) throws Exception {
        Conv2D conv = Conv2D.builder(3, 2).name("conv").build();
        BatchNormalization bn = BatchNormalization.builder().name("bn").renorm(true).build();
        try (Sequential m = Sequential.of("renorm", List.of(conv, bn), -1, 5, 5, 2)) {
            for (Layer l : List.of(conv, bn)) {
                List<Weight> ws = new ArrayList<>();
                int k = 0;
                for (Weight w : l.getWeights()) {
                    float[] v = new float[w.values().length];
                    for (int i = 0; i < v.length; i++) v[i] = w.name().equals("moving_variance") ? 0.5f + i : (float) Math.sin(++k);
                    ws.add(new Weight(w.name(), w.shape(), v));
                }
                l.setWeights(ws);
            }
            float[] x = new float[50];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.cos(i);
            try (Tensor in = Tensor.of(x, 1, 5, 5, 2)) {
                Fixtures.everyFormat(m, dir, in, (file, back, got) -> {
                    BatchNormalization b = (BatchNormalization) back.layer("bn");
                    assertTrue(b.renorm(), file);
                    assertEquals(bn.getWeights(), b.getWeights(), file + ": every statistic in its place");
                    assertEquals(m.countTrainableParams(), back.countTrainableParams(), file);
                });
            }
        }
    }
}
