package kdnn.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import kdnn.TestData;
import org.junit.jupiter.api.Test;

/** The README's example is {@link ReadmeExample}, verbatim; it compiles, and what it computes is right. */
class ReadmeExampleTest {
    static final String BEGIN = "// README example begin";
    static final String END = "// README example end";
    static final String README_MARKER = "<!-- the example is src/test/java/kdnn/readme/ReadmeExample.java, checked by ReadmeExampleTest -->";

    @Test
    void theReadmeQuotesTheExampleFileVerbatim() throws IOException {
        Path base = Path.of(System.getProperty("basedir", "."));
        String example = String.join("\n", between(Files.readAllLines(
                base.resolve("src/test/java/kdnn/readme/ReadmeExample.java")), BEGIN, END));
        List<String> readme = Files.readAllLines(base.resolve("README.md"));
        List<String> afterMarker = between(readme, README_MARKER, "```java");
        assertTrue(afterMarker.isEmpty(), "README: the ```java fence must follow the marker line");
        int fence = readme.indexOf(README_MARKER) + 1;
        List<String> quoted = between(readme.subList(fence, readme.size()), "```java", "```");
        assertEquals(example, String.join("\n", quoted),
                "README.md's example differs from ReadmeExample.java (copy the file's marked region into README.md)");
    }

    @Test
    void theConvolutionGivesKerasValues() {
        float[] pixels = new float[28 * 28 * 3];
        Arrays.fill(pixels, 0.5f);
        float[] kernel = new float[3 * 3 * 3 * 8];
        Arrays.fill(kernel, 0.1f);
        float[] bias = new float[8];
        Arrays.fill(bias, -0.7f);
        float[] y = ReadmeExample.convolve(pixels, kernel, bias);
        assertEquals(28 * 28 * 8, y.length);
        for (int i = 0; i < 28; i++) {
            for (int j = 0; j < 28; j++) {
                // same padding: the taps inside the image, 3 channels of 0.5 * 0.1 each, then relu
                double pre = taps(i) * taps(j) * 3 * 0.05 - 0.7;
                for (int f = 0; f < 8; f++) {
                    assertEquals(Math.max(pre, 0), y[(i * 28 + j) * 8 + f], 1e-5, "y[0, " + i + ", " + j + ", " + f + "]");
                }
            }
        }
    }

    @Test
    void theResidualBlockAddsItsInput() {
        long[] shape = {2, 5, 6, 4};
        float[] image = new float[2 * 5 * 6 * 4];
        for (int i = 0; i < image.length; i++) image[i] = (float) Math.sin(i);
        float[] y = ReadmeExample.residual(image, shape);
        assertEquals(image.length, y.length);
        for (int i = 0; i < y.length; i++) {
            // relu(conv(x)) >= 0, so y - x is never negative, and the block really adds x
            assertTrue(y[i] - image[i] >= -1e-6, "y[" + i + "] = " + y[i] + " < x = " + image[i]);
        }
        float[] zeros = ReadmeExample.residual(new float[image.length], shape);
        for (float v : zeros) assertEquals(0, v, 0, "glorot weights and zero bias map zeros to zeros");
    }

    @Test
    void theConfigRoundTrips() throws Exception {
        ObjectNode back = ReadmeExample.roundTrip("""
                {"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": [3, 3], "padding": "same", "activation": "relu"}}""");
        assertEquals("Conv2D", back.get("class_name").asText());
        JsonNode c = back.get("config");
        assertEquals(8, c.get("filters").asInt());
        assertEquals("[3,3]", c.get("kernel_size").toString());
        assertEquals("same", c.get("padding").asText());
        assertEquals("relu", c.get("activation").asText());
    }

    @Test
    void theModelGivesKerasOutput() throws Exception {
        Path dir = TestData.models().resolve("cnn_classifier");
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        float[] got = ReadmeExample.predict(dir, floats(expected.at("/input/data")), longs(expected.at("/input/shape")));
        float[] want = floats(expected.at("/output/data"));
        double atol = expected.path("atol").asDouble(), rtol = expected.path("rtol").asDouble();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]), "value " + i + ": " + got[i] + " vs " + want[i]);
        }
        String summary = ReadmeExample.summary(dir);
        assertTrue(summary.startsWith("Model: \"cnn_classifier\"") && summary.contains("Total params: 2,234"), summary);
    }

    private static int taps(int i) {
        return i == 0 || i == 27 ? 2 : 3;
    }

    /** The lines strictly between the first line equal to {@code begin} and the next equal to {@code end}. */
    static List<String> between(List<String> lines, String begin, String end) {
        int b = lines.indexOf(begin);
        assertTrue(b >= 0, "no line \"" + begin + "\"");
        int e = lines.subList(b + 1, lines.size()).indexOf(end);
        assertTrue(e >= 0, "no line \"" + end + "\" after \"" + begin + "\"");
        return lines.subList(b + 1, b + 1 + e);
    }

    private static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).floatValue();
        return r;
    }

    private static long[] longs(JsonNode a) {
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asLong();
        return r;
    }
}
