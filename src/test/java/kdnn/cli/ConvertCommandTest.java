package kdnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import kdnn.TestData;
import kdnn.Tensor;
import kdnn.io.Models;
import kdnn.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kdnn convert IN OUT}: the converted file loads and computes as the original. */
class ConvertCommandTest {
    @TempDir
    Path tmp;

    @Test
    void convertsAKeras2FileToTfjsThatComputesTheSame() throws Exception {
        Path in = TestData.models().resolve("audio_1d/model.h5");
        Path out = tmp.resolve("audio_tfjs");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"convert", in.toString(), out.toString()}, new PrintStream(o), new PrintStream(e));
        assertEquals(0, rc, e.toString(StandardCharsets.UTF_8));
        assertTrue(o.toString(StandardCharsets.UTF_8).startsWith("wrote " + out), o.toString(StandardCharsets.UTF_8));
        try (Model a = Models.load(in); Model b = Models.load(out);
             Tensor x = Tensor.of(TestData.random(new java.util.SplittableRandom(7), 2 * 64 * 4), 2, 64, 4);
             Tensor ya = a.predict(x); Tensor yb = b.predict(x)) {
            float[] va = ya.toFloatArray();
            float[] vb = yb.toFloatArray();
            assertEquals(va.length, vb.length);
            for (int i = 0; i < va.length; i++) {
                assertEquals(Float.floatToRawIntBits(va[i]), Float.floatToRawIntBits(vb[i]), "value " + i);
            }
        }
    }

    @Test
    void wrongArgumentsPrintTheUsage() throws Exception {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        assertEquals(2, Main.run(new String[] {"convert", "only-one"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(e)));
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("convert IN OUT"), e.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownOutputFormatFails() throws Exception {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"convert", TestData.models().resolve("audio_1d/model.h5").toString(),
                tmp.resolve("x.onnx").toString()}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(e));
        assertEquals(1, rc);
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("x.onnx"), e.toString(StandardCharsets.UTF_8));
    }
}
